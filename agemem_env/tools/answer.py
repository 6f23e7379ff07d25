"""Answer: the agent's final reply; ends Stage 3 (and Stages 1-2 early)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agemem_env.core import ToolEffects, ToolResult
from agemem_env.tools.base import Param, Tool, ToolContext, ToolSpec, slot_text


class Answer(Tool):
    """Reply to the user; the same as an ``<answer>`` block. Memory is untouched: the
    environment reads the answer (the executor stops at it)."""

    spec = ToolSpec(
        name="Answer",
        description="Gives the final answer (same as an <answer> block).",
        params=(Param("text", "string", "The answer.", required=True),),
        aliases=("answer",),
    )

    def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """The answer as the result's effect."""
        return ToolResult(self.spec.name, True, "answered", ToolEffects(answer=args["text"]))

    def from_slots(self, item: Mapping[str, Any]) -> dict[str, Any]:
        """``text`` is the answer."""
        return {"text": slot_text(item)}
