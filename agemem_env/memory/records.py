"""The long-term memory record, as stored and as returned to callers, and its id format."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = ["MemoryRecord", "memory_id", "parse_memory_id"]

# At most 18 digits: every such number fits SQLite's 64-bit INTEGER, and a longer string
# (an LLM may send 5,000 digits) is rejected before int() could hit Python's digit limit.
_ID_RE = re.compile(r"mem_([1-9][0-9]{0,17})")


@dataclass(frozen=True)
class MemoryRecord:
    """One long-term memory entry.

    Attributes:
        id: Stable id, ``"mem_<n>"``; ids grow and are never reused within a store.
        content: The remembered text.
        memory_type: Short free-form category, e.g. ``"fact"`` or ``"preference"``.
        metadata: JSON-serialisable dict with str keys.
        created_step: Environment step at which it was added.
        updated_step: Environment step of the last update (``created_step`` if none).
    """

    id: str
    content: str
    memory_type: str
    metadata: dict[str, Any]
    created_step: int
    updated_step: int


def memory_id(seq: int) -> str:
    """The id of the record with sequence number ``seq``.

    >>> memory_id(3)
    'mem_3'
    """
    return f"mem_{seq}"


def parse_memory_id(text: object) -> int | None:
    """The sequence number in an id like ``"mem_3"``, or ``None`` for anything else.

    >>> parse_memory_id("mem_3"), parse_memory_id("mem_03"), parse_memory_id("mem_" + "9" * 19)
    (3, None, None)
    """
    if not isinstance(text, str):
        return None
    match = _ID_RE.fullmatch(text)
    return int(match.group(1)) if match else None
