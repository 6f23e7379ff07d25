"""Turn an action of either mode into a ParsedAction, the one form the executor runs."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np

from agemem_env.actions.spaces import tool_names_table
from agemem_env.actions.text import canonical_tool_name, parse_completion
from agemem_env.core import TOOL_NAMES, ParsedAction, ToolCall


def parse_action(action: Any, mode: str, max_chars: int) -> ParsedAction:
    """Parse a text completion or a structured action; never raises on bad input.

    Structured mode accepts a dict from the action space, a ``ToolCall``, a dict
    ``{"name": ..., "arguments": {...}}``, or a list of those (several calls in one step).
    """
    if mode == "text":
        if not isinstance(action, str):
            return ParsedAction(errors=(f"text action must be a str, got {type(action).__name__}",))
        if len(action) > max_chars:
            return ParsedAction(
                errors=(f"completion has {len(action)} characters; the limit is {max_chars}",),
                raw=action[:max_chars],
            )
        return parse_completion(action)
    items = action if isinstance(action, list | tuple) else [action]
    calls: list[ToolCall] = []
    errors: list[str] = []
    answer = None
    for n, item in enumerate(items, 1):
        try:
            call = structured_call(item)
        except (TypeError, ValueError) as err:
            errors.append(f"structured action {n}: {err}")
            continue
        if call.name == "Answer" and answer is None and isinstance(call.arguments.get("text"), str):
            answer = call.arguments["text"]
        elif call.name != "Answer":
            calls.append(call)
    return ParsedAction(calls=tuple(calls), answer=answer, errors=tuple(errors))


def structured_call(item: Any) -> ToolCall:
    """One structured action to a ToolCall; raises ValueError/TypeError naming the problem."""
    if isinstance(item, ToolCall):
        return item
    if not isinstance(item, Mapping):
        raise TypeError(f"expected a dict or ToolCall, got {type(item).__name__}")
    if "name" in item:
        name = canonical_tool_name(str(item["name"])) or str(item["name"])
        return ToolCall(name, dict(item.get("arguments") or {}))
    if "tool" not in item:
        raise ValueError("missing 'tool' (an index 0-6 or a tool name)")
    name = _tool_name(item["tool"])
    return ToolCall(name, _slot_arguments(name, item))


def _tool_name(tool: Any) -> str:
    if isinstance(tool, str):
        name = canonical_tool_name(tool)
        if name is None:
            raise ValueError(f"unknown tool {tool!r}; valid: {tool_names_table()}")
        return name
    if isinstance(tool, int | np.integer) and not isinstance(tool, bool):
        if 0 <= int(tool) < len(TOOL_NAMES):
            return TOOL_NAMES[int(tool)]
    raise ValueError(f"tool must be an index 0-6 or a name, got {tool!r}; {tool_names_table()}")


def _slot_arguments(name: str, item: Mapping[str, Any]) -> dict[str, Any]:
    """Map the action space's slots onto the named tool's arguments."""
    text = item.get("text", "")
    metadata = _metadata(item.get("metadata", ""))
    if name == "Add_memory":
        args = {"content": text, "memory_type": item.get("memory_type") or None}
        return {**args, "metadata": metadata}
    if name == "Update_memory":
        return {"memory_id": item.get("memory_id", ""), "content": text, "metadata": metadata}
    if name == "Delete_memory":
        confirmed = bool(item.get("confirmation", 0))
        return {"memory_id": item.get("memory_id", ""), "confirmation": confirmed}
    if name == "Retrieve_memory":
        top_k = int(item.get("top_k", 0)) or None
        return {"query": text, "top_k": top_k, "metadata_filter": metadata}
    if name == "Summary_context":
        return {"span": text.strip() or "all"}
    if name == "Filter_context":
        return {"criteria": text}
    return {"text": text}


def _metadata(value: Any) -> Any:
    """'' means none; a JSON object string becomes a dict; anything else goes to validation."""
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value

