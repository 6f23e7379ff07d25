"""Delete_memory: remove an obsolete or wrong entry, only with explicit confirmation (Eq. 13)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agemem_env.core import ToolEffects, ToolError, ToolResult
from agemem_env.tools.base import Param, Tool, ToolContext, ToolSpec


class DeleteMemory(Tool):
    """Remove a memory entry; confirmation must be true, so a stray call cannot erase."""

    spec = ToolSpec(
        name="Delete_memory",
        description="Removes a memory from the store. Requires confirmation.",
        params=(
            Param("memory_id", "string", "Id of the memory to delete, e.g. 'mem_3'.", True),
            Param("confirmation", "boolean", "Must be true to delete permanently.", True),
        ),
        aliases=("delete",),
    )

    def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """Delete the entry after checking the confirmation flag."""
        if args["confirmation"] is not True:
            raise ToolError("Delete_memory: confirmation must be true; nothing was deleted")
        record = ctx.ltm.delete(args["memory_id"].strip())
        return ToolResult(self.spec.name, True, f"{record.id} deleted",
                          ToolEffects(deleted=(record.id,)))

    def from_slots(self, item: Mapping[str, Any]) -> dict[str, Any]:
        """``memory_id``; ``confirmation`` 1 confirms."""
        return {"memory_id": item.get("memory_id", ""),
                "confirmation": bool(item.get("confirmation", 0))}
