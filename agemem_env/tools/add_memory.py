"""Add_memory: store new knowledge in long-term memory (paper Eq. 10-11)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agemem_env.core import ToolEffects, ToolResult
from agemem_env.tools.base import Param, Tool, ToolContext, ToolSpec, slot_metadata, slot_text


class AddMemory(Tool):
    """Create a memory entry from content, with an optional type and metadata."""

    spec = ToolSpec(
        name="Add_memory",
        description="Adds new information to the long-term memory store for future reference.",
        params=(
            Param("content", "string", "The content to store in memory.", required=True),
            Param("memory_type", "string", "The type of memory being stored, e.g. 'fact'."),
            Param("metadata", "object", "Optional metadata tags to categorise and filter."),
        ),
        aliases=("add",),
    )

    def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """Store the entry and report its new id."""
        record = ctx.ltm.add(
            args["content"],
            memory_type=args.get("memory_type", "general"),
            metadata=args.get("metadata"),
            step=ctx.step,
        )
        return ToolResult(self.spec.name, True, f"stored as {record.id}",
                          ToolEffects(added=(record.id,)))

    def embed_texts(self, args: dict[str, Any], ctx: ToolContext) -> list[str]:
        """The content."""
        return [args["content"]]

    def from_slots(self, item: Mapping[str, Any]) -> dict[str, Any]:
        """``text`` is the content; ``memory_type`` and ``metadata`` as named."""
        return {"content": slot_text(item), "memory_type": item.get("memory_type") or None,
                "metadata": slot_metadata(item)}
