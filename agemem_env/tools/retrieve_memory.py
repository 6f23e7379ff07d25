"""Retrieve_memory: bring the top-k most similar memories into the context (Eq. 8-9)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agemem_env.core import MemoryHit, ToolEffects, ToolError, ToolResult
from agemem_env.memory.json_values import describe
from agemem_env.tools.base import Param, Tool, ToolContext, ToolSpec, slot_metadata, slot_text


class RetrieveMemory(Tool):
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
        aliases=("retrieve",),
    )

    def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """Search and format hits as 'mem_id (score): content' lines."""
        query = args["query"].strip()
        if not query:
            raise ToolError("Retrieve_memory: query is empty")
        top_k = args.get("top_k", ctx.default_top_k)
        if not 1 <= top_k <= ctx.max_top_k:
            raise ToolError(f"Retrieve_memory: top_k must be in 1..{ctx.max_top_k}, "
                            f"got {describe(top_k)}")
        hits = ctx.ltm.search(query, top_k=top_k, metadata_filter=args.get("metadata_filter"))
        if not hits:
            return ToolResult(self.spec.name, True, "no memories found", ToolEffects(searched=True))
        lines = [f"{rec.id} ({score:.2f}): {rec.content}" for rec, score in hits]
        content = f"{len(hits)} memories:\n" + "\n".join(lines)
        found = tuple(MemoryHit(rec.id, score, rec.content) for rec, score in hits)
        effects = ToolEffects(searched=True, retrieved=found)
        return ToolResult(self.spec.name, True, content, effects)

    def embed_texts(self, args: dict[str, Any], ctx: ToolContext) -> list[str]:
        """The query."""
        return [args["query"].strip()]

    def from_slots(self, item: Mapping[str, Any]) -> dict[str, Any]:
        """``text`` is the query; ``top_k`` 0 means the default; ``metadata`` filters."""
        return {"query": slot_text(item), "top_k": int(item.get("top_k", 0)) or None,
                "metadata_filter": slot_metadata(item)}
