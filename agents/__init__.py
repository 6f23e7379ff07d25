"""Agents that act in the AgeMem environments.

For now: scripted reference policies (an oracle upper bound and a no-memory lower bound)
used by the demo and the tests. The agent protocol, LLM back-ends and the GRPO trainer
arrive with their own issues.
"""
