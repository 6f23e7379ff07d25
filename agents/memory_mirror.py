"""The agent's copy of the long-term store, kept from the env's ``info`` data (never from
the prose the LLM reads).

An honest agent only knows what its own calls did and what retrievals showed. The env
reports both as data: ``info["step_results"]`` (one entry per executed call, in call
order, with ``added`` / ``updated`` / ``deleted`` ids and ``retrieved`` hits) and
``info["auto_retrieved"]`` (the memories Stage 1 showed beside the new turns).

>>> from agemem_env.core import ToolCall
>>> mirror = MemoryMirror()
>>> calls = [ToolCall("Add_memory", {"content": "Ana lives in Porto"})]
>>> mirror.absorb(calls, [{"name": "Add_memory", "ok": True, "added": ["mem_1"]}])
['mem_1']
>>> mirror.entries["mem_1"].content
'Ana lives in Porto'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from agemem_env.core import ToolCall
from agents.observation import memory_id_number


@dataclass
class Memory:
    """The agent's copy of one stored memory."""

    content: str
    metadata: dict[str, Any] = field(default_factory=dict)


class MemoryMirror:
    """The store as the agent's calls left it, plus every memory a retrieval showed.

    ``retrieved`` holds what retrievals returned this episode; a later update or delete of
    a memory takes it out, since what was shown is no longer what is stored.
    """

    def __init__(self) -> None:
        self.entries: dict[str, Memory] = {}
        self.retrieved: dict[str, str] = {}
        self.deleted: set[str] = set()

    def absorb(self, calls: Sequence[ToolCall], results: Sequence[Mapping[str, Any]]
               ) -> list[str | None]:
        """Apply one step's results to the calls that made them (paired in order); returns
        one entry per Add_memory call: the new id, or None where the add failed."""
        added: list[str | None] = []
        for call, result in zip(calls, results, strict=False):
            ok = call.name == result.get("name") and bool(result.get("ok"))
            new_ids = list(result.get("added") or []) if ok else []
            if call.name == "Add_memory":
                added.append(new_ids[0] if new_ids else None)
            if not ok:
                continue
            args = call.arguments
            for mem_id in new_ids:
                self.entries[mem_id] = Memory(args["content"], dict(args.get("metadata") or {}))
            for mem_id in result.get("updated") or []:
                self.retrieved.pop(mem_id, None)
                entry = self.entries.setdefault(mem_id, Memory(args["content"]))
                entry.content = args["content"]
                if args.get("metadata") is not None:
                    entry.metadata = dict(args["metadata"])
            for mem_id in result.get("deleted") or []:
                self.forget(mem_id)
            self.show(result.get("retrieved") or [], retrieved=True)
        return added

    def show(self, hits: Iterable[Mapping[str, Any]], retrieved: bool = False) -> None:
        """Memories the env listed (``{"id", "content", ...}``): known from now on, and with
        ``retrieved`` among the retrieved passages. Deleted ids are not brought back."""
        for hit in hits:
            mem_id, content = hit["id"], hit["content"]
            if mem_id in self.deleted:
                continue
            if retrieved:
                self.retrieved[mem_id] = content
            entry = self.entries.setdefault(mem_id, Memory(content))
            entry.content = content

    def forget(self, mem_id: str) -> None:
        """Drop a memory the agent deleted (or is about to delete)."""
        self.entries.pop(mem_id, None)
        self.retrieved.pop(mem_id, None)
        self.deleted.add(mem_id)

    def contents(self) -> dict[str, str]:
        """id -> content of every known memory, oldest first."""
        return {mem_id: entry.content for mem_id, entry in self.entries.items()}

    def retrieved_passages(self) -> list[str]:
        """Retrieved memories, oldest id first (so "later" means later for the reader)."""
        return [self.retrieved[k] for k in sorted(self.retrieved, key=memory_id_number)]
