"""Filter_context: drop context messages similar to the criteria (Eq. 15, theta = 0.6)."""

from __future__ import annotations

from typing import Any

import numpy as np

from agemem_env.core import ToolEffects, ToolError, ToolResult
from agemem_env.tools.base import Param, Tool, ToolContext, ToolSpec


class FilterContext(Tool):
    """Remove every non-system message whose cosine similarity to the criteria is >= theta."""

    spec = ToolSpec(
        name="Filter_context",
        description="Filters out irrelevant or outdated content from the conversation context.",
        params=(
            Param("criteria", "string", "What to remove: keywords, phrases or a description, "
                  "e.g. 'the birthday of John'.", required=True),
        ),
        aliases=("filter",),
    )

    def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """Embed the criteria and the messages, remove the close ones."""
        criteria = args["criteria"].strip()
        if not criteria:
            raise ToolError("Filter_context: criteria is empty")
        indices = ctx.stm.non_system_indices()
        if not indices:
            return ToolResult(self.spec.name, True, "removed 0 messages (context is empty)",
                              ToolEffects(context_reduced=True))
        messages = ctx.stm.messages
        vectors = ctx.embedder.embed([criteria] + [messages[i].content for i in indices])
        similarity = vectors[1:] @ vectors[0]
        doomed = [i for i, s in zip(indices, similarity, strict=True) if s >= ctx.filter_threshold]
        freed = sum(messages[i].tokens for i in doomed)
        ctx.stm.remove(doomed)
        best = float(np.max(similarity))
        return ToolResult(
            self.spec.name,
            True,
            f"removed {len(doomed)} messages ({freed} tokens); highest similarity {best:.2f}, "
            f"threshold {ctx.filter_threshold:.2f}",
            ToolEffects(context_reduced=True, messages_removed=len(doomed), tokens_removed=freed),
        )

    def embed_texts(self, args: dict[str, Any], ctx: ToolContext) -> list[str]:
        """The criteria and the messages it may remove."""
        messages = ctx.stm.messages
        return [args["criteria"].strip(), *(messages[i].content
                                            for i in ctx.stm.non_system_indices())]
