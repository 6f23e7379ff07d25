"""Run a step's tool calls in order; every failure becomes an error result, never an exception."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

from agemem_env.core import ToolCall, ToolError, ToolResult
from agemem_env.tools.base import ToolContext
from agemem_env.tools.registry import DEFAULT_TOOLS, ToolRegistry

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExecutionReport:
    """Results in call order, plus the answer if an Answer call was among them."""

    results: tuple[ToolResult, ...]
    answer: str | None = None


def execute(calls: Sequence[ToolCall], ctx: ToolContext,
            tools: ToolRegistry = DEFAULT_TOOLS) -> ExecutionReport:
    """Execute calls one by one; a bad call reports an error and leaves memory untouched.

    Calls after an answer (a result with ``effects.answer``) are not run: the answer ends
    the agent's turn, and it is not listed among the results.
    """
    _prefetch(calls, ctx, tools)
    results: list[ToolResult] = []
    for call in calls:
        tool = tools.resolve(call.name)
        if tool is None:
            known = ", ".join(tools.names)
            results.append(ToolResult(str(call.name), False, f"unknown tool; valid tools: {known}"))
            continue
        name = tool.spec.name
        try:
            args, ignored = tool.spec.validate(call.arguments)
            result = tool.run(args, ctx)
        except ToolError as err:
            results.append(ToolResult(name, False, str(err)))
            continue
        except Exception as err:  # a bug or a plug-in's failure ends this call, not the run
            logger.warning("tool %s failed", name, exc_info=err)
            results.append(ToolResult(name, False, f"{name} failed: {type(err).__name__}: "
                                                   f"{str(err)[:300]}"))
            continue
        if result.effects.answer is not None:
            return ExecutionReport(tuple(results), result.effects.answer)
        if ignored:
            note = f" (ignored unknown argument(s): {', '.join(ignored)})"
            result = replace(result, content=result.content + note)
        results.append(result)
    return ExecutionReport(tuple(results))


def _prefetch(calls: Sequence[ToolCall], ctx: ToolContext, tools: ToolRegistry) -> None:
    """Embed every text the step's calls will embed in one batch, so a cached embedder
    serves each call from its cache (8 adds cost one model pass, not 8)."""
    if not hasattr(ctx.embedder, "max_entries") or len(calls) < 2:
        return  # no cache to fill, or nothing to batch
    texts: list[str] = []
    for call in calls:
        tool = tools.resolve(call.name)
        if tool is None:
            continue
        try:
            args, _ = tool.spec.validate(call.arguments)
            texts.extend(t for t in tool.embed_texts(args, ctx) if isinstance(t, str))
        except Exception:  # the call itself reports its problem when it runs
            continue
    texts = [t for t in dict.fromkeys(texts) if t.strip()]
    if len(texts) > 1:
        ctx.embedder.embed(texts)
