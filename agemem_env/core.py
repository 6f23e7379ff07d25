"""Small data types shared by the parser, the tools and the environment."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

MAX_TOP_K = 20
"""The most memories one retrieval may return (Retrieve_memory's top_k, the env's top_k)."""


@dataclass(frozen=True)
class ToolCall:
    """One tool invocation: a tool name and its JSON-like arguments."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ParsedAction:
    """What one agent step asked for, whatever the action mode.

    ``calls`` run in order; ``answer`` (if any) is handled after them; ``errors`` are
    format problems found while parsing, each a sentence naming what was wrong.
    """

    calls: tuple[ToolCall, ...] = ()
    answer: str | None = None
    think: str = ""
    errors: tuple[str, ...] = ()
    raw: str = ""


@dataclass(frozen=True)
class MemoryHit:
    """One memory a retrieval returned: its id, cosine score and content."""

    id: str
    score: float
    content: str


@dataclass(frozen=True)
class ToolEffects:
    """What a tool call did, as data: agents read this instead of the prose."""

    added: tuple[str, ...] = ()
    """Ids of memories created."""
    updated: tuple[str, ...] = ()
    """Ids of memories rewritten."""
    deleted: tuple[str, ...] = ()
    """Ids of memories removed."""
    searched: bool = False
    """A long-term memory search ran (Retrieve_memory), even if it found nothing."""
    retrieved: tuple[MemoryHit, ...] = ()
    """Memories brought into the context, best first."""
    context_reduced: bool = False
    """A context reduction (Summary_context, Filter_context) ran, even if it removed nothing."""
    messages_removed: int = 0
    """Context messages taken out (a summary's replacement message is not counted)."""
    tokens_removed: int = 0
    """Context tokens freed."""
    answer: str | None = None
    """The reply an Answer call gave (it ends the agent's turn)."""

    @property
    def writes_memory(self) -> bool:
        """Whether long-term memory changed."""
        return bool(self.added or self.updated or self.deleted)

    def to_info(self) -> dict[str, Any]:
        """JSON-ready form for ``info["step_results"]``: lists instead of tuples."""
        data = asdict(self)
        data.pop("answer")
        for key in ("added", "updated", "deleted", "retrieved"):
            data[key] = list(data[key])
        return data


@dataclass(frozen=True)
class ToolResult:
    """The outcome of one tool call: the prose the agent reads and the effects as data."""

    name: str
    ok: bool
    content: str
    effects: ToolEffects = field(default_factory=ToolEffects)

    def render(self) -> str:
        """Text of this result inside the tool message the agent reads."""
        status = "ok" if self.ok else "error"
        return f"[{self.name}] ({status}) {self.content}"

    def to_info(self) -> dict[str, Any]:
        """One entry of ``info["step_results"]``: name, ok, content and the effects."""
        return {"name": self.name, "ok": self.ok, "content": self.content,
                **self.effects.to_info()}


class ToolError(ValueError):
    """A tool call that cannot run: unknown tool, bad or missing argument, unknown id."""


# Far below Python's recursion limit: json's decoder recurses per level, and whether a
# deeper text parses would depend on the caller's stack depth (a replay from another call
# site would differ). Deeper text is refused at any depth of the caller.
MAX_JSON_NESTING = 200


def loads_json(text: str) -> Any:
    """``json.loads`` that refuses nesting deeper than ``MAX_JSON_NESTING`` with a
    ValueError, the same from any caller.

    >>> loads_json('{"a": [1, 2]}')
    {'a': [1, 2]}
    >>> loads_json("[" * 300 + "]" * 300)
    Traceback (most recent call last):
    ValueError: JSON nested deeper than 200 levels
    """
    check_json_nesting(text)
    return json.loads(text)


def check_json_nesting(text: str) -> None:
    """ValueError when brackets outside strings nest deeper than ``MAX_JSON_NESTING``."""
    if text.count("[") + text.count("{") <= MAX_JSON_NESTING:
        return  # the common case, without a scan
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_JSON_NESTING:
                raise ValueError(f"JSON nested deeper than {MAX_JSON_NESTING} levels")
        elif char in "]}":
            depth = max(depth - 1, 0)


def check_value_nesting(value: Any) -> None:
    """ValueError when lists, tuples and dicts in ``value`` nest deeper than
    ``MAX_JSON_NESTING``: the structured twin of ``check_json_nesting``. Iterative, so no
    value can exhaust the stack.

    >>> check_value_nesting({"a": [[1]]})
    >>> deep = []
    >>> for _ in range(300):
    ...     deep = [deep]
    >>> check_value_nesting(deep)
    Traceback (most recent call last):
    ValueError: arguments nested deeper than 200 levels
    """
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list | tuple):
            if depth >= MAX_JSON_NESTING:
                raise ValueError(f"arguments nested deeper than {MAX_JSON_NESTING} levels")
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
