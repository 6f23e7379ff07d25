"""Retrieve_memory: bring the top-k most similar memories into the context (Eq. 8-9)."""

from __future__ import annotations

from typing import Any

from agemem_env.core import ToolError, ToolResult
from agemem_env.tools.base import Param, ToolContext, ToolSpec


class RetrieveMemory:
    """Rank long-term memory by cosine similarity to a query and show the best entries."""

    spec = ToolSpec(
        name="Retrieve_memory",
        description="Retrieves relevant memories and adds them to the current context.",
        params=(
            Param("query", "string", "What information is needed.", required=True),
            Param("top_k", "integer", "Maximum number of memories to retrieve (default 3)."),
            Param("metadata_filter", "object", "Only memories whose metadata match, e.g. "
                  "{'type': 'user_info'}."),
        ),
    )

    def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """Search and format hits as 'mem_id (score): content' lines."""
        query = args["query"].strip()
        if not query:
            raise ToolError("Retrieve_memory: query is empty")
        top_k = args.get("top_k", ctx.default_top_k)
        if not 1 <= top_k <= ctx.max_top_k:
            raise ToolError(f"Retrieve_memory: top_k must be in 1..{ctx.max_top_k}, got {top_k}")
        hits = ctx.ltm.search(query, top_k=top_k, metadata_filter=args.get("metadata_filter"))
        if not hits:
            return ToolResult(self.spec.name, True, "no memories found")
        lines = [f"{rec.id} ({score:.2f}): {rec.content}" for rec, score in hits]
        content = f"{len(hits)} memories:\n" + "\n".join(lines)
        return ToolResult(self.spec.name, True, content, tuple(rec.id for rec, _ in hits))
