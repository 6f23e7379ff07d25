"""RAGAgent: store every information turn, retrieve on every user turn (AgeMem-RAG control).

The paper's RAG variant of AgeMem keeps long-term memory as plain retrieval-augmented
generation: nothing is filtered, summarised, updated or deleted.
"""

from __future__ import annotations

from typing import Any

from agemem_env.core import ToolCall
from baselines.agent_base import QUERY_CHARS, MemoryBaseline
from baselines.common import Plan
from baselines.rules import chunks


class RAGAgent(MemoryBaseline):
    """Stage 1: each user turn is first a query (Retrieve_memory, top ``top_k``), then
    stored whole (Add_memory; turns longer than ``chunk_chars`` in sentence-aligned
    chunks). Stage 2: each turn is a query, nothing is stored. Stage 3: the question is a
    query, then the answer.

    Args:
        chunk_chars: Longest stored chunk.
        **options: See ``MemoryBaseline`` (``ingest_distractors`` stores Stage-2 turns too).

    >>> RAGAgent().name
    'rag'
    """

    name = "rag"

    def __init__(self, backend: Any = None, seed: int = 0, *, chunk_chars: int = 1500,
                 ingest_distractors: bool = False, **options: Any) -> None:
        super().__init__(backend, seed, ingest_distractors=ingest_distractors, **options)
        if not 100 <= chunk_chars <= 4000:
            raise ValueError(f"chunk_chars must be in 100..4000 (the store's limit), "
                             f"got {chunk_chars}")
        self.chunk_chars = chunk_chars

    def wants_session(self, stage: int) -> bool:
        """Every stage: retrieval runs on every user turn."""
        return True

    def ingest(self, turns: list[str], plan: Plan, stage: int, session_end: bool) -> None:
        """Retrieve for each turn, then store it (Stage 1, or Stage 2 when asked)."""
        for turn in turns:
            query = {"query": turn[:QUERY_CHARS], "top_k": self.top_k}
            plan.first.append(ToolCall("Retrieve_memory", query))
            if stage == 1 or self.ingest_distractors:
                for piece in chunks(turn, self.chunk_chars):
                    plan.add(piece, {"kind": "turn", "stage": stage})
