"""Summary_context: replace a span of the context by one summary message (Eq. 14)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agemem_env.core import ToolEffects, ToolError, ToolResult
from agemem_env.memory.summarise import summary_input
from agemem_env.tools.base import Param, Tool, ToolContext, ToolSpec, slot_text


class SummaryContext(Tool):
    """Compress all non-system messages, or the last N, into one summary message."""

    spec = ToolSpec(
        name="Summary_context",
        description="Summarises context messages to reduce tokens while keeping key information.",
        params=(
            Param("span", "string", "'all' for every non-system message, or a number N for "
                  "the last N messages.", required=True),
        ),
        aliases=("summary", "summarize", "summarise", "summarize_context", "summarise_context"),
    )

    def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """Summarise the span with the configured summariser and splice the result in."""
        indices = ctx.stm.non_system_indices()
        span = str(args["span"]).strip().lower()
        if span != "all":
            if not (span.isascii() and span.isdigit()) or not span.strip("0"):
                raise ToolError(
                    "Summary_context: span must be 'all' or a positive number, "
                    f"got {args['span'][:40]!r}"
                )
            # More than the context holds is all of it (and never a 4,300-digit int).
            indices = indices[-int(span):] if len(span) <= 9 else indices
        if not indices:
            raise ToolError("Summary_context: there are no messages to summarise")
        messages = ctx.stm.messages
        before = sum(messages[i].tokens for i in indices)
        texts = [text for i in indices if (text := summary_input(messages[i]))]
        summary = ctx.summariser(texts)
        new = ctx.stm.replace(indices, "user", summary, "summary")
        return ToolResult(
            self.spec.name,
            True,
            f"summarised {len(indices)} messages ({before} -> {new.tokens} tokens)",
            ToolEffects(context_reduced=True, messages_removed=len(indices),
                        tokens_removed=before - new.tokens),
        )

    def from_slots(self, item: Mapping[str, Any]) -> dict[str, Any]:
        """``text`` is the span; empty means "all" (a non-str goes on to validation)."""
        span = slot_text(item)
        return {"span": (span.strip() or "all") if isinstance(span, str) else span}
