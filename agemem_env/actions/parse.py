"""Turn an action of either mode into a ParsedAction, the one form the executor runs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from agemem_env.actions.text import parse_text_action
from agemem_env.core import ParsedAction, ToolCall, check_value_nesting
from agemem_env.tools.base import Tool
from agemem_env.tools.registry import ANSWER, DEFAULT_TOOLS, ToolRegistry


def parse_action(action: Any, mode: str, max_chars: int,
                 tools: ToolRegistry = DEFAULT_TOOLS) -> ParsedAction:
    """Parse a text completion or a structured action; never raises on bad input.

    Structured mode accepts a dict from the action space, a ``ToolCall``, a dict
    ``{"name": ..., "arguments": {...}}``, or a list of those (several calls in one step).
    """
    if mode == "text":
        return parse_text_action(action, max_chars)
    return parse_structured_action(action, tools)


def parse_structured_action(action: Any, tools: ToolRegistry = DEFAULT_TOOLS) -> ParsedAction:
    """A structured action (or a list of them) to a ParsedAction; never raises."""
    items = action if isinstance(action, list | tuple) else [action]
    calls: list[ToolCall] = []
    errors: list[str] = []
    answer = None
    for n, item in enumerate(items, 1):
        try:
            call = structured_call(item, tools)
        except (TypeError, ValueError) as err:
            errors.append(f"structured action {n}: {err}")
            continue
        if call.name == ANSWER and answer is None and isinstance(call.arguments.get("text"), str):
            answer = call.arguments["text"]
        elif call.name != ANSWER:
            calls.append(call)
    return ParsedAction(calls=tuple(calls), answer=answer, errors=tuple(errors))


def structured_call(item: Any, tools: ToolRegistry = DEFAULT_TOOLS) -> ToolCall:
    """One structured action to a ToolCall; raises ValueError/TypeError naming the problem
    (arguments nested past ``MAX_JSON_NESTING`` too: deeper, rendering and checking them
    would depend on the caller's stack depth)."""
    call = _structured_call(item, tools)
    check_value_nesting(call.arguments)
    return call


def _structured_call(item: Any, tools: ToolRegistry) -> ToolCall:
    if isinstance(item, ToolCall):
        return item
    if not isinstance(item, Mapping):
        raise TypeError(f"expected a dict or ToolCall, got {type(item).__name__}")
    if "name" in item:
        known = tools.resolve(str(item["name"]))
        name = known.spec.name if known is not None else str(item["name"])
        arguments = item.get("arguments") or {}
        if not isinstance(arguments, Mapping):
            raise TypeError(f"'arguments' must be an object, got {type(arguments).__name__}")
        return ToolCall(name, dict(arguments))
    if "tool" not in item:
        raise ValueError(f"missing 'tool' (an index 0-{len(tools) - 1} or a tool name)")
    tool = _tool(item["tool"], tools)
    try:
        arguments = tool.from_slots(item)
    except Exception as err:  # a plug-in's slot mapping must not crash a step
        raise ValueError(f"{tool.spec.name}: cannot read its arguments from the slots "
                         f"({type(err).__name__}: {str(err)[:200]})") from err
    return ToolCall(tool.spec.name, arguments)


def _tool(index_or_name: Any, tools: ToolRegistry) -> Tool:
    if isinstance(index_or_name, str):
        tool = tools.resolve(index_or_name)
        if tool is None:
            raise ValueError(f"unknown tool {index_or_name!r}; valid: {tools.table()}")
        return tool
    if isinstance(index_or_name, int | np.integer) and not isinstance(index_or_name, bool):
        if 0 <= int(index_or_name) < len(tools):
            return tools[int(index_or_name)]
    raise ValueError(f"tool must be an index 0-{len(tools) - 1} or a name, got "
                     f"{index_or_name!r}; {tools.table()}")
