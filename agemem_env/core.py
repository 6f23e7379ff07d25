"""Small data types shared by the parser, the tools and the environment."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Tool names, in the order of the structured action space's Discrete(7) index.
TOOL_NAMES: tuple[str, ...] = (
    "Add_memory",
    "Update_memory",
    "Delete_memory",
    "Retrieve_memory",
    "Summary_context",
    "Filter_context",
    "Answer",
)
LTM_TOOLS = frozenset({"Add_memory", "Update_memory", "Delete_memory"})
STM_TOOLS = frozenset({"Retrieve_memory", "Summary_context", "Filter_context"})
REDUCTION_TOOLS = frozenset({"Summary_context", "Filter_context"})
# Tools that write long-term memory (AtomMem's per-turn update cost counts these).
LTM_WRITE_TOOLS = frozenset({"Add_memory", "Update_memory", "Delete_memory"})


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
class ToolResult:
    """The outcome of one tool call, as shown to the agent in a tool message."""

    name: str
    ok: bool
    content: str
    # Memory ids the call returned (Retrieve_memory) or touched (Add/Update/Delete).
    memory_ids: tuple[str, ...] = ()

    def render(self) -> str:
        """Text of this result inside the tool message the agent reads."""
        status = "ok" if self.ok else "error"
        return f"[{self.name}] ({status}) {self.content}"


class ToolError(ValueError):
    """A tool call that cannot run: unknown tool, bad or missing argument, unknown id."""
