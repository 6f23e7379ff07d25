"""Delete_memory: remove an obsolete or wrong entry, only with explicit confirmation (Eq. 13)."""

from __future__ import annotations

from typing import Any

from agemem_env.core import ToolError, ToolResult
from agemem_env.tools.base import Param, ToolContext, ToolSpec


class DeleteMemory:
    """Remove a memory entry; confirmation must be true, so a stray call cannot erase."""

    spec = ToolSpec(
        name="Delete_memory",
        description="Removes a memory from the store. Requires confirmation.",
        params=(
            Param("memory_id", "string", "Id of the memory to delete, e.g. 'mem_3'.", True),
            Param("confirmation", "boolean", "Must be true to delete permanently.", True),
        ),
    )

    def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """Delete the entry after checking the confirmation flag."""
        if args["confirmation"] is not True:
            raise ToolError("Delete_memory: confirmation must be true; nothing was deleted")
        record = ctx.ltm.delete(args["memory_id"].strip())
        return ToolResult(self.spec.name, True, f"{record.id} deleted", (record.id,))
