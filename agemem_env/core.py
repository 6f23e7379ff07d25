"""Small data types shared by the parser, the tools and the environment."""

from __future__ import annotations

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
