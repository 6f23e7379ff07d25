"""What the memory baselines share: the plan of a step and similarity search.

Every baseline acts only through the env's tools, so it keeps a *mirror* of the store
(``agents.memory_mirror``: ids from its own calls' results, as data) and builds each step
as a *plan*: edits of stored memories plus pending adds that later decisions of the same
step may still rewrite.
The rules that stand in for the algorithms' LLM steps live in ``rules.py``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np

from agemem_env.core import ToolCall
from agemem_env.embed import Embedder, make_embedder
from agents.memory_mirror import Memory, MemoryMirror

MAX_CALLS = 16  # the text parser runs at most 16 calls per completion
MAX_CONTENT = 4000  # the store's default content limit (ToolContext.max_content_chars)
COMPLETION_BUDGET = 13000  # characters of calls per completion (the env accepts 16,384)
Key = str | int  # a stored memory's id, or the index of a pending add in this step's plan


# ------------------------------------------------------------------------- the plan
class Plan:
    """One step's calls under construction over a mirror.

    ``view`` is the store as it will be after the step (stored entries with this step's
    edits, plus pending adds), so each decision sees the decisions made before it.
    """

    def __init__(self, mirror: MemoryMirror) -> None:
        self.mirror = mirror
        self.first: list[ToolCall] = []  # calls that must run before the edits (retrievals)
        self.edits: list[ToolCall] = []
        self.adds: list[Memory | None] = []  # None: a pending add taken back in this step
        self._changed: dict[str, Memory] = {}
        self._deleted: set[str] = set()

    def view(self) -> dict[Key, Memory]:
        """Every memory the step's decisions can see, by key."""
        out: dict[Key, Memory] = {
            mem_id: self._changed.get(mem_id, entry)
            for mem_id, entry in self.mirror.entries.items()
            if mem_id not in self._deleted
        }
        out.update({i: m for i, m in enumerate(self.adds) if m is not None})
        return out

    def add(self, content: str, metadata: Mapping[str, Any] | None = None) -> int:
        """Plan an Add_memory; returns the pending key."""
        self.adds.append(Memory(content, dict(metadata or {})))
        return len(self.adds) - 1

    def update(self, key: Key, content: str, metadata: Mapping[str, Any] | None = None) -> None:
        """Plan an Update_memory (or rewrite a pending add)."""
        if isinstance(key, int):
            old = self.adds[key]
            meta = metadata if metadata is not None else old.metadata
            self.adds[key] = Memory(content, dict(meta))
            return
        meta = None if metadata is None else dict(metadata)
        old_meta = self.view()[key].metadata
        self._changed[key] = Memory(content, meta if meta is not None else old_meta)
        args: dict[str, Any] = {"memory_id": key, "content": content}
        if meta is not None:
            args["metadata"] = meta
        # A later update of the same memory in this step replaces the earlier call.
        self.edits = [c for c in self.edits if c.arguments.get("memory_id") != key]
        self.edits.append(ToolCall("Update_memory", args))

    def delete(self, key: Key) -> None:
        """Plan a Delete_memory (or take back a pending add)."""
        if isinstance(key, int):
            self.adds[key] = None
            return
        self._deleted.add(key)
        self.edits = [c for c in self.edits if c.arguments.get("memory_id") != key]
        self.edits.append(ToolCall("Delete_memory", {"memory_id": key, "confirmation": True}))

    def calls(self, limit: int = MAX_CALLS) -> tuple[list[ToolCall], list[int]]:
        """The step's calls within ``limit``, and for each Add_memory call the pending key it
        carries (adds are merged in runs when they would not fit; a merged add keeps the
        first one's key and metadata)."""
        fixed: list[ToolCall] = []
        size_so_far = 0
        for call in self.first + self.edits:
            size = len(json.dumps(call.arguments, ensure_ascii=False))
            if len(fixed) >= limit - 1 or size_so_far + size > COMPLETION_BUDGET // 2:
                break  # the rest of a huge step is dropped rather than refused whole
            fixed.append(call)
            size_so_far += size
        live = [(i, m) for i, m in enumerate(self.adds) if m is not None]
        room = max(1, limit - len(fixed))
        size = max(1, -(-len(live) // room))  # ceil: consecutive adds per call
        # The env refuses completions over 16,384 characters: share what is left of a
        # safe budget between the adds (a huge session loses its tail, never the step).
        starts = range(0, len(live), size)
        used = size_so_far + sum(
            len(json.dumps(live[i][1].metadata, ensure_ascii=False)) + 60 for i in starts)
        cap = min(MAX_CONTENT, max(200, (COMPLETION_BUDGET - used) // max(1, len(starts))))
        calls, keys = list(fixed), []
        for start in starts:
            group = live[start : start + size]
            content = " ".join(m.content for _, m in group)[:cap]
            args: dict[str, Any] = {"content": content}
            if group[0][1].metadata:
                args["metadata"] = group[0][1].metadata
            calls.append(ToolCall("Add_memory", args))
            keys.append(group[0][0])
        return calls, keys


# ------------------------------------------------------------------------- similarity
class Similarity:
    """Vector search over the agent's own view of the store (what Mem0, A-Mem and
    LangMem ask their vector store); hashing embeddings by default, so it is cheap."""

    def __init__(self, embedder: str | Embedder = "hashing") -> None:
        self.embedder = make_embedder(embedder)

    def top(self, text: str, memories: Mapping[Key, Memory], k: int, floor: float = 0.0
            ) -> list[tuple[Key, float]]:
        """The ``k`` keys most similar to ``text`` with cosine >= ``floor``, best first."""
        if not memories or k < 1:
            return []
        keys = list(memories)
        vectors = self.embedder.embed([text] + [memories[key].content for key in keys])
        scores = vectors[1:] @ vectors[0]
        order = np.argsort(-scores, kind="stable")[:k]
        return [(keys[i], float(scores[i])) for i in order if scores[i] >= floor]
