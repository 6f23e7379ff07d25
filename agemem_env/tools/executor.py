"""Run a step's tool calls in order; every failure becomes an error result, never an exception."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agemem_env.actions.text import canonical_tool_name
from agemem_env.core import ToolCall, ToolError, ToolResult
from agemem_env.tools.answer import ANSWER_SPEC
from agemem_env.tools.base import ToolContext
from agemem_env.tools.registry import MEMORY_TOOLS


@dataclass(frozen=True)
class ExecutionReport:
    """Results in call order, plus the answer if an Answer call was among them."""

    results: tuple[ToolResult, ...]
    answer: str | None = None


def execute(calls: Sequence[ToolCall], ctx: ToolContext) -> ExecutionReport:
    """Execute calls one by one; a bad call reports an error and leaves memory untouched.

    Calls after an Answer call are not run: the answer ends the agent's turn.
    """
    results: list[ToolResult] = []
    answer: str | None = None
    for call in calls:
        name = canonical_tool_name(call.name) if isinstance(call.name, str) else None
        if name is None:
            known = ", ".join([*MEMORY_TOOLS, ANSWER_SPEC.name])
            results.append(ToolResult(str(call.name), False, f"unknown tool; valid tools: {known}"))
            continue
        try:
            if name == ANSWER_SPEC.name:
                args, _ = ANSWER_SPEC.validate(call.arguments)
                answer = args["text"]
                break
            tool = MEMORY_TOOLS[name]
            args, ignored = tool.spec.validate(call.arguments)
            result = tool.run(args, ctx)
        except ToolError as err:
            results.append(ToolResult(name, False, str(err)))
            continue
        if ignored:
            note = f" (ignored unknown argument(s): {', '.join(ignored)})"
            result = ToolResult(result.name, result.ok, result.content + note, result.memory_ids)
        results.append(result)
    return ExecutionReport(tuple(results), answer)
