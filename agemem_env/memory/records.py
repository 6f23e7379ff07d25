"""The long-term memory record, as stored and as returned to callers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["MemoryRecord"]


@dataclass(frozen=True)
class MemoryRecord:
    """One long-term memory entry.

    Attributes:
        id: Stable id, ``"mem_<n>"``; ids grow and are never reused.
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
