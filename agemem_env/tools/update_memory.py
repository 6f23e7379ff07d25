"""Update_memory: replace an entry's content when newer knowledge supersedes it (Eq. 12)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agemem_env.core import ToolEffects, ToolResult
from agemem_env.tools.base import Param, Tool, ToolContext, ToolSpec, slot_metadata, slot_text


class UpdateMemory(Tool):
    """Rewrite an existing memory entry in place, keeping its id."""

    spec = ToolSpec(
        name="Update_memory",
        description="Updates an existing memory. Requires a memory_id from a prior retrieval.",
        params=(
            Param("memory_id", "string", "Id of the memory to update, e.g. 'mem_3'.", True),
            Param("content", "string", "The new content replacing the old one.", True),
            Param("metadata", "object", "Updated metadata for the memory."),
        ),
        aliases=("update",),
    )

    def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """Update the entry; unknown ids raise ToolError from the store and change nothing."""
        memory_id = args["memory_id"].strip()
        record = ctx.ltm.update(
            memory_id, args["content"], metadata=args.get("metadata"), step=ctx.step
        )
        return ToolResult(self.spec.name, True, f"{record.id} updated",
                          ToolEffects(updated=(record.id,)))

    def embed_texts(self, args: dict[str, Any], ctx: ToolContext) -> list[str]:
        """The new content."""
        return [args["content"]]

    def from_slots(self, item: Mapping[str, Any]) -> dict[str, Any]:
        """``memory_id``; ``text`` is the new content; ``metadata``."""
        return {"memory_id": item.get("memory_id", ""), "content": slot_text(item),
                "metadata": slot_metadata(item)}
