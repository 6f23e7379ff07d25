"""Memory baselines run through the env's own tools: no-memory, RAG, Mem0, Mem0g, A-Mem and
LangMem-style agents (see baselines/README.md)."""
