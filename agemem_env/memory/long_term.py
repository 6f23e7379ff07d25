"""Long-term memory: records plus a cosine vector index, in memory or durable in SQLite.

Every public mutation validates all of its input and embeds the text before it touches any
state, so a call that raises :class:`~agemem_env.core.ToolError` changes nothing. Validation
walks metadata without recursion and names what is wrong (too deep, not JSON, too long), so no
input an agent sends can raise anything else. With a path, each mutation is committed to
SQLite before the in-memory index changes, so the file never lags behind what a caller was
told; a failing file raises :class:`~agemem_env.memory.sqlite_store.StoreError` (a ToolError)
and changes nothing. Many memories may share one file, each in its own namespace.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from agemem_env.core import MAX_TOP_K, ToolError
from agemem_env.embed import Embedder
from agemem_env.memory.json_values import check_object, describe, json_text
from agemem_env.memory.records import MemoryRecord, memory_id, parse_memory_id
from agemem_env.memory.sqlite_store import SQLiteRecordStore
from agemem_env.memory.vector_index import make_index

__all__ = ["LongTermMemory", "Watcher"]

Watcher = Callable[[str, "str | None", "str | None"], None]
"""Called after a change: (event, memory id, content); see ``LongTermMemory.watch``."""

MAX_MEMORY_TYPE_CHARS = 64
_TYPE_KEYS = ("memory_type", "type")  # filter keys that also match record.memory_type


class LongTermMemory:
    """The agent's long-term store, searched by cosine similarity of embeddings.

    Ids are ``"mem_1"``, ``"mem_2"``, ... in creation order and are never reused, not even
    after ``delete`` or ``clear`` (also across reopenings of a durable store), unless
    ``clear(restart_ids=True)`` starts them again.

    A durable store lives in one namespace of its file, held by this memory alone until
    ``close`` (or the death of the process): processes and envs sharing a file never see
    or change each other's records, and each counts its ids from mem_1.

    Args:
        embedder: Turns text into unit vectors; its ``name`` is stored with each vector.
        path: SQLite file for a durable store; ``None`` keeps everything in memory.
            Reopening a path restores the namespace's records and index (re-embedding if
            the stored vectors come from another embedder).
        namespace: With a path, the namespace to hold (1 to 64 letters, digits, ``.``,
            ``_``, ``-``); ``None`` takes the first free one of ``"default"``,
            ``"default-2"``, ..., so one process reopening a path gets ``"default"`` back.
            Refused with ValueError if held by another open memory.
        index: ``"auto"`` (exact while small, usearch when large), ``"exact"`` or
            ``"usearch"``.
        max_content_chars: Longest content (and query, and serialised metadata) accepted.

    Attributes:
        namespace: The namespace held in the file; ``None`` for an in-memory store.
    """

    def __init__(
        self,
        embedder: Embedder,
        path: str | os.PathLike[str] | None = None,
        index: str = "auto",
        max_content_chars: int = 4000,
        namespace: str | None = None,
    ) -> None:
        if not isinstance(max_content_chars, int) or max_content_chars < 1:
            raise ValueError(f"max_content_chars must be an int >= 1, got {max_content_chars!r}")
        if path is None and namespace is not None:
            raise ValueError(
                f"namespace={namespace!r:.80} needs a path: namespaces divide a shared memory "
                f"file, and an in-memory store is never shared"
            )
        self.embedder = embedder
        self.max_content_chars = max_content_chars
        self._index_kind = index
        self._index = make_index(index, embedder.dim)
        self._records: dict[int, MemoryRecord] = {}  # seq -> record, in increasing seq
        self._next_seq = 1
        self._watchers: list[Watcher] = []
        self._store = SQLiteRecordStore(path, namespace) if path is not None else None
        self.namespace = self._store.namespace if self._store is not None else None
        if self._store is not None:
            try:
                self._restore()
            except BaseException:
                self._store.close()  # don't leak the connection of a half-opened memory
                raise

    # ----------------------------------------------------------------- public API

    def add(
        self,
        content: str,
        memory_type: str = "general",
        metadata: Mapping[str, Any] | None = None,
        step: int = 0,
    ) -> MemoryRecord:
        """Store a new memory and return it (with its new id)."""
        content = self._check_storable(self._check_text(content, "content"), "content")
        memory_type = self._check_storable(_check_memory_type(memory_type), "memory_type")
        meta = self._check_metadata(metadata)
        step = _check_step(step)
        vector = self._embed_one(content)
        if self._store is not None:  # the file allocates the id, in the inserting transaction
            name = self.embedder.name
            stored = self._store.insert(content, memory_type, meta, step, vector, name)
            seq, record = stored.seq, stored.record
        else:
            seq = self._next_seq
            record = MemoryRecord(memory_id(seq), content, memory_type, meta, step, step)
        self._index.add(seq, vector)
        self._records[seq] = record
        self._next_seq = seq + 1
        self._notify("add", record.id, content)
        return _export(record)

    def update(
        self,
        memory_id: str,
        content: str,
        metadata: Mapping[str, Any] | None = None,
        step: int = 0,
    ) -> MemoryRecord:
        """Replace a memory's content (and metadata, unless ``None``); return the new record."""
        seq = self._seq_of(memory_id)
        content = self._check_storable(self._check_text(content, "content"), "content")
        old = self._records[seq]
        meta = old.metadata if metadata is None else self._check_metadata(metadata)
        step = _check_step(step)
        vector = self._embed_one(content)
        record = replace(old, content=content, metadata=meta, updated_step=step)
        if self._store is not None:
            self._store.update(record, vector, self.embedder.name)
        self._index.add(seq, vector)  # add replaces the key's vector
        self._records[seq] = record
        self._notify("update", record.id, content)
        return _export(record)

    def delete(self, memory_id: str) -> MemoryRecord:
        """Remove a memory and return what it held."""
        seq = self._seq_of(memory_id)
        if self._store is not None:
            self._store.delete(memory_id)
        self._index.remove(seq)
        removed = self._records.pop(seq)
        self._notify("delete", removed.id, None)
        return _export(removed)

    def get(self, memory_id: str) -> MemoryRecord | None:
        """The memory with this id, or ``None``."""
        seq = parse_memory_id(memory_id)
        record = self._records.get(seq) if seq is not None else None
        return _export(record) if record is not None else None

    def search(
        self,
        query: str,
        top_k: int = 3,
        metadata_filter: Mapping[str, Any] | None = None,
    ) -> list[tuple[MemoryRecord, float]]:
        """The ``top_k`` memories most similar to ``query``, best first, with cosine scores.

        Args:
            query: Text to match.
            top_k: How many results, 1 to ``core.MAX_TOP_K`` (20).
            metadata_filter: Keep only records whose metadata has every key with an equal
                value; ``"memory_type"`` and ``"type"`` also match the record's type.
        """
        query = self._check_text(query, "query")
        top_k = _check_top_k(top_k)
        criteria = self._check_filter(metadata_filter)
        if not self._records:
            return []
        keys = None
        if criteria:
            keys = {s for s, r in self._records.items() if _matches(r, criteria)}
            if not keys:
                return []
        hits = self._index.search(self._embed_one(query), top_k, keys)
        return [(_export(self._records[key]), score) for key, score in hits]

    def records(self) -> list[MemoryRecord]:
        """Every memory, in id (creation) order."""
        return [_export(r) for r in self._records.values()]

    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, memory_id: object) -> bool:
        seq = parse_memory_id(memory_id)
        return seq is not None and seq in self._records

    def clear(self, restart_ids: bool = False) -> None:
        """Forget every memory (also in the file, in this namespace only). New ids continue
        upwards, unless ``restart_ids``: then the next id is mem_1 again (a fresh episode's
        memory)."""
        if self._store is not None:
            self._store.clear(restart_ids)
        self._index = make_index(self._index_kind, self.embedder.dim)
        self._records.clear()
        if restart_ids:
            self._next_seq = 1
        self._notify("clear", None, None)

    def watch(self, watcher: Watcher) -> None:
        """Call ``watcher(event, memory_id, content)`` after every change: "add" and
        "update" with the new content, "delete" (content None), "clear" (id and content
        None). Bookkeeping that must follow the store (the reward's tallies) subscribes
        here instead of rescanning every memory."""
        self._watchers.append(watcher)

    def _notify(self, event: str, memory_id: str | None, content: str | None) -> None:
        for watcher in self._watchers:
            watcher(event, memory_id, content)

    def close(self) -> None:
        """Close the SQLite file, if any, and free its namespace; in-memory reads keep
        working."""
        if self._store is not None:
            self._store.close()

    def __getstate__(self) -> dict[str, Any]:
        if self._store is not None:
            # Two live copies writing one file would diverge; reopening the path is the copy.
            raise TypeError(
                f"a durable LongTermMemory ({self._store.path}) cannot be pickled; "
                f"close it and open the same path in the other process instead"
            )
        return self.__dict__.copy()

    def __enter__(self) -> LongTermMemory:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def consistency_errors(self) -> list[str]:
        """Disagreements between records, vector index and SQLite rows (empty if none)."""
        errors: list[str] = []
        seqs = set(self._records)
        index_keys = self._index.keys()
        if missing := sorted(seqs - index_keys):
            errors.append(f"records missing from the index: {_ids(missing)}")
        if extra := sorted(index_keys - seqs):
            errors.append(f"index keys with no record: {_ids(extra)}")
        for seq, record in self._records.items():
            if record.id != memory_id(seq):
                errors.append(f"record {record.id} is stored under sequence number {seq}")
        if seqs and max(seqs) >= self._next_seq:
            errors.append(f"next id mem_{self._next_seq} would reuse an existing id")
        if self._store is not None:
            errors.extend(self._store_errors())
        return errors

    # ----------------------------------------------------------------- internals

    def _restore(self) -> None:
        """Load records from the store; re-embed those made by another embedder."""
        assert self._store is not None
        rows = self._store.load_all()
        self._next_seq = self._store.next_seq()
        name, dim = self.embedder.name, self.embedder.dim
        stale = [r for r in rows if r.embedder != name or r.vector.shape != (dim,)]
        fresh: dict[str, np.ndarray] = {}
        if stale:
            vectors = self.embedder.embed([r.record.content for r in stale])
            fresh = {r.record.id: v for r, v in zip(stale, vectors, strict=True)}
            self._store.set_vectors(list(fresh.items()), name)
        if rows:
            matrix = np.stack([fresh.get(r.record.id, r.vector) for r in rows])
            self._index.add_many([r.seq for r in rows], matrix)
        self._records = {r.seq: r.record for r in rows}

    def _store_errors(self) -> list[str]:
        assert self._store is not None
        errors: list[str] = []
        rows = {r.seq: r for r in self._store.load_all()}
        if missing := sorted(set(self._records) - set(rows)):
            errors.append(f"records missing from SQLite: {_ids(missing)}")
        if extra := sorted(set(rows) - set(self._records)):
            errors.append(f"SQLite rows not in memory: {_ids(extra)}")
        for seq in sorted(set(rows) & set(self._records)):
            if rows[seq].record != self._records[seq]:
                errors.append(f"mem_{seq} differs between memory and SQLite")
            if rows[seq].embedder != self.embedder.name:
                errors.append(f"mem_{seq} in SQLite was embedded by {rows[seq].embedder!r}")
        stored_next = self._store.next_seq()
        if stored_next != self._next_seq:
            errors.append(
                f"next sequence number: {self._next_seq} in memory, {stored_next} in SQLite"
            )
        return errors

    def _seq_of(self, memory_id: object) -> int:
        """Sequence number of an existing id, or a ToolError listing the ids that exist."""
        if not isinstance(memory_id, str):
            raise ToolError(f"memory_id must be a string like 'mem_1', got {describe(memory_id)}")
        seq = parse_memory_id(memory_id)
        if seq is None or seq not in self._records:
            ids = [r.id for r in self._records.values()]
            named = describe(memory_id)
            if not ids:
                raise ToolError(f"memory_id {named} does not exist; memory is empty")
            listed = ", ".join(ids[:10]) + (f" (and {len(ids) - 10} more)" if len(ids) > 10 else "")
            raise ToolError(f"memory_id {named} does not exist; existing ids: {listed}")
        return seq

    def _check_text(self, text: object, field: str) -> str:
        if not isinstance(text, str):
            raise ToolError(f"{field} must be a string, got {type(text).__name__}")
        if not text.strip():
            purpose = "store" if field == "content" else "search for"
            raise ToolError(f"{field} is empty; give the text to {purpose}")
        if len(text) > self.max_content_chars:
            raise ToolError(
                f"{field} has {len(text)} characters, over the limit of {self.max_content_chars}; "
                f"shorten it or split it into several memories"
            )
        return text

    def _check_storable(self, text: str, field: str) -> str:
        """Refuse, for a durable store, text that UTF-8 (and so SQLite) cannot hold."""
        if self._store is not None:
            try:
                text.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise ToolError(
                    f"{field} has a lone surrogate ({text[exc.start]!r} at index {exc.start}), "
                    f"which is not text and cannot be stored in the memory file"
                ) from exc
        return text

    def _check_metadata(self, metadata: object) -> dict[str, Any]:
        """A deep, JSON-normalised copy, so later edits by the caller cannot reach the store."""
        if metadata is None:
            return {}
        meta = check_object(metadata, "metadata")
        text = json_text(meta, "metadata", self.max_content_chars)
        if len(text) > self.max_content_chars:
            raise ToolError(
                f"metadata is {len(text)} characters as JSON, over the limit of "
                f"{self.max_content_chars}"
            )
        return json.loads(text)

    def _check_filter(self, metadata_filter: object) -> dict[str, Any]:
        """The filter as JSON values, compared like the metadata they must match."""
        if metadata_filter is None:
            return {}
        criteria = check_object(metadata_filter, "metadata_filter")
        return json.loads(json_text(criteria, "metadata_filter", self.max_content_chars))

    def _embed_one(self, text: str) -> np.ndarray:
        vector = np.asarray(self.embedder.embed([text]), dtype=np.float32)
        if vector.shape != (1, self.embedder.dim) or not np.all(np.isfinite(vector)):
            raise RuntimeError(
                f"embedder {self.embedder.name!r} returned shape {vector.shape} or non-finite "
                f"values; expected finite (1, {self.embedder.dim})"
            )
        return vector[0]


def _export(record: MemoryRecord) -> MemoryRecord:
    """A copy whose metadata the caller may mutate without touching the store."""
    return replace(record, metadata=copy.deepcopy(record.metadata))


def _ids(seqs: list[int]) -> str:
    return ", ".join(f"mem_{s}" for s in seqs[:10]) + (" ..." if len(seqs) > 10 else "")


def _check_memory_type(memory_type: object) -> str:
    if not isinstance(memory_type, str):
        raise ToolError(f"memory_type must be a string, got {type(memory_type).__name__}")
    if not memory_type.strip() or len(memory_type) > MAX_MEMORY_TYPE_CHARS:
        raise ToolError(
            f"memory_type must be a short non-empty label (at most {MAX_MEMORY_TYPE_CHARS} "
            f"characters), got {memory_type[:80]!r}"
        )
    return memory_type


def _check_step(step: object) -> int:
    # The step comes from the environment, not the agent: a bad one is a bug, not a ToolError.
    if isinstance(step, bool) or not isinstance(step, int) or step < 0:
        raise ValueError(f"step must be an int >= 0, got {describe(step)}")
    return step


def _check_top_k(top_k: object) -> int:
    if isinstance(top_k, float) and top_k.is_integer():
        top_k = int(top_k)  # JSON from an LLM may say 3.0
    if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= MAX_TOP_K:
        raise ToolError(f"top_k must be an integer from 1 to {MAX_TOP_K}, got {describe(top_k)}")
    return top_k


def _matches(record: MemoryRecord, criteria: Mapping[str, Any]) -> bool:
    for key, wanted in criteria.items():
        if key in _TYPE_KEYS and record.memory_type == wanted:
            continue
        if key not in record.metadata or record.metadata[key] != wanted:
            return False
    return True
