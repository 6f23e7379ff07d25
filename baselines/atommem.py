"""AtomMemAgent: memory work as atomic CRUD operations plus a rewritten scratchpad, after
"AtomMem: Learnable Dynamic Agentic Memory with Atomic Memory Operation".

The operations map onto the env's tools: Create -> Add_memory, Read -> Retrieve_memory
with several queries, Update -> Update_memory, Delete -> Delete_memory. Which operation a
new fact needs is decided against its most similar memories, as Mem0's decision step does
(here phrased as CRUD; the LLM sees small integer ids). The short-term scratchpad is the
context itself, rewritten at every step by a Summary_context of the turns since the last
step. At question time Read issues the question and its entities at once, then follows the
entities the retrieved memories bridge to. AtomMem learns *when* to use each operation
(SFT then GRPO with the ``atommem`` reward preset); this agent is its untrained, fixed
workflow, the starting point for that recipe.
"""

from __future__ import annotations

from typing import Any

from agemem_env.core import ToolCall
from agents.reader import entity_spans, read
from baselines.agent_base import QUERY_CHARS
from baselines.mem0 import Mem0Agent


class AtomMemAgent(Mem0Agent):
    """AtomMem's CRUD workflow through the env's tools (see the module docstring).

    Args:
        read_queries: Most Read queries in one step (the question first, then its
            entities; later rounds, the bridged entities).
        read_rounds: Most Stage-3 steps of reading before the answer (without a cap, a
            long conversation offers a new entity to read about every round).
        **options: See ``Mem0Agent`` and ``MemoryBaseline``.

    >>> AtomMemAgent().name
    'atommem'
    """

    name = "atommem"
    memory_kind = "atom"

    def __init__(self, backend: Any = None, seed: int = 0, *, read_queries: int = 3,
                 read_rounds: int = 3, **options: Any) -> None:
        super().__init__(backend, seed, **options)
        if read_queries < 1 or read_rounds < 1:
            raise ValueError(f"read_queries and read_rounds must be >= 1, got {read_queries}, "
                             f"{read_rounds}")
        self.read_queries, self.read_rounds = read_queries, read_rounds
        self._asked: set[str] = set()

    def on_reset(self) -> None:
        self._asked = set()

    def context_calls(self, observation: dict[str, Any]) -> list[ToolCall]:
        """The scratchpad: the turns since the agent's last message folded into one."""
        messages = observation["messages"]
        last = max((i for i, m in enumerate(messages) if m["role"] == "assistant"), default=0)
        recent = sum(1 for m in messages[last + 1:] if m["role"] != "system")
        if recent < 2:  # one turn is already as short as its summary
            return []
        return [ToolCall("Summary_context", {"span": str(recent)})]

    def recall(self, question: str, round_index: int) -> list[ToolCall]:
        """Read with several queries: the question and its entities, then the entities the
        retrieved memories lead to; none left (or ``read_rounds`` done) means answer now."""
        if round_index >= self.read_rounds:
            return []
        if round_index == 0:
            queries = [question[:QUERY_CHARS], *entity_spans(question)]
        else:
            chain = read(question, self.mirror.retrieved_passages()).chain
            queries = [*chain[-1:], *(e for p in self.mirror.retrieved_passages()
                                      for e in entity_spans(p))]
        fresh = [q for q in dict.fromkeys(queries) if q and q not in self._asked]
        fresh = fresh[: self.read_queries]
        self._asked.update(fresh)
        return [ToolCall("Retrieve_memory", {"query": q, "top_k": self.top_k if i == 0 else 3})
                for i, q in enumerate(fresh)]
