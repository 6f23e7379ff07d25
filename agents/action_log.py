"""Actions as JSON, so an episode can be stored and replayed: ``encode_action`` turns what
an agent returned into plain JSON data, and that data, given back to the env, is the same
action.

Text mode: the completion string as is. Structured mode: a list (one entry per call, as
``parse_structured_action`` reads a list) of the items with numpy values made Python
numbers and lists, a ``ToolCall`` made ``{"name": ..., "arguments": ...}``; keys in the
agent's order (the env renders a structured call's arguments in that order, so a sorted
copy would replay to other context text). Anything else (an object the env would
refuse) becomes its ``repr``, which the env refuses in the same way (a parse error), so a
replay counts the same errors.

>>> encode_action("<answer>Paris</answer>", "text")
'<answer>Paris</answer>'
>>> import numpy as np
>>> encode_action({"tool": np.int64(3), "text": "Dana"}, "structured")
[{'tool': 3, 'text': 'Dana'}]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from agemem_env.core import ToolCall

_MAX_DEPTH = 32  # deeper than any real action; deeper data is kept as its repr


def encode_action(action: Any, mode: str) -> Any:
    """The JSON form of one action of an env in ``mode`` ("text" or "structured")."""
    if mode == "text":
        return action if isinstance(action, str) else {"repr": _repr(action)}
    items = action if isinstance(action, list | tuple) else [action]
    return [json_safe(item) for item in items]


def json_safe(value: Any, depth: int = 0) -> Any:
    """``value`` as JSON data: dict keys as str, tuples and arrays as lists, numpy
    scalars as numbers, ToolCalls as dicts; anything else as ``{"repr": ...}``.

    >>> json_safe(ToolCall("Retrieve_memory", {"query": "q", "top_k": np.int32(2)}))
    {'name': 'Retrieve_memory', 'arguments': {'query': 'q', 'top_k': 2}}
    """
    if depth > _MAX_DEPTH:
        return {"repr": _repr(value)}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return json_safe(value.tolist(), depth + 1)
    if isinstance(value, ToolCall):
        value = {"name": value.name, "arguments": dict(value.arguments)}
    if isinstance(value, dict):
        return {str(k): json_safe(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v, depth + 1) for v in value]
    return {"repr": _repr(value)}


def _repr(value: Any) -> str:
    try:
        return repr(value)[:2000]
    except Exception:  # a broken __repr__ must not end the episode
        return f"<{type(value).__name__}>"
