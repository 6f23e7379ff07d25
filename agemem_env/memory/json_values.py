"""Checks that a value sent as JSON (metadata, a filter) is JSON, with clear messages.

Agents send anything: nesting 100,000 levels deep, integers of 5,000 digits, numpy arrays,
sets, bytes. The walk here is iterative, so no input can exhaust the stack, and each problem
becomes a ToolError naming where in the value it sits; error messages quote values through a
bounded repr, since some values (a long enough int) have no repr at all.
"""

from __future__ import annotations

import json
import math
import reprlib
from collections.abc import Mapping
from typing import Any

from agemem_env.core import ToolError

__all__ = ["MAX_DEPTH", "check_object", "describe", "json_text"]

MAX_DEPTH = 32  # levels of nested objects and lists, the top object being 1
_JSON_SCALARS = (str, bool, int, float, type(None))
_JSON_KEYS = (str, bool, int, float, type(None))  # json.dumps turns the non-str ones into str
_REPR = reprlib.Repr()  # bounded depth and length: error messages stay short
_REPR.maxstring = _REPR.maxother = 80


def describe(value: object) -> str:
    """A short repr for an error message, for any value (too long an int has no repr)."""
    if isinstance(value, int) and value.bit_length() > 256:
        return f"an integer of about {round(value.bit_length() * math.log10(2))} digits"
    try:
        return _REPR.repr(value)
    except (ValueError, RecursionError):  # an int too long inside a container, ...
        return f"a {type(value).__name__}"


def check_object(value: object, field: str) -> dict[str, Any]:
    """A copy of a JSON object given as a Mapping, checked to have str keys."""
    if not isinstance(value, Mapping):
        raise ToolError(f"{field} must be a JSON object (dict), got {type(value).__name__}")
    if bad := [k for k in value if not isinstance(k, str)]:
        listed = ", ".join(map(describe, bad[:5]))
        raise ToolError(f"{field} keys must be strings; bad keys: {listed}")
    return dict(value)


def json_text(value: dict[str, Any], field: str, max_chars: int) -> str:
    """``value`` as JSON text (sorted keys), after a walk that names what is not JSON."""
    _check_json_tree(value, field, max_chars)
    try:
        return json.dumps(value, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:  # e.g. unsortable nested keys
        raise ToolError(f"{field} must be JSON-serialisable: {exc}") from exc


def _check_json_tree(value: object, field: str, max_chars: int) -> None:
    """ToolError unless ``value`` holds only JSON values, at most MAX_DEPTH deep and no
    more than ``max_chars`` of them; iterative, so no nesting can exhaust the stack."""
    stack: list[tuple[object, int, tuple[object, ...]]] = [(value, 1, ())]
    seen = 0
    while stack:
        item, depth, where = stack.pop()
        seen += 1
        if seen > max_chars:  # every JSON value takes at least one character
            raise ToolError(f"{field} holds over {max_chars} values, over its size limit")
        if isinstance(item, dict | list | tuple):
            if depth > MAX_DEPTH:
                raise ToolError(f"{field} is nested more than {MAX_DEPTH} levels deep; flatten it")
            if isinstance(item, dict):
                for key, child in item.items():
                    if not isinstance(key, _JSON_KEYS):
                        raise ToolError(
                            f"{field}{_path(where)} has a key of type {_type_name(key)}; "
                            f"object keys must be strings"
                        )
                    stack.append((child, depth + 1, (*where, key)))
            else:
                stack.extend((child, depth + 1, (*where, i)) for i, child in enumerate(item))
        elif not isinstance(item, _JSON_SCALARS):
            raise ToolError(
                f"{field}{_path(where)} is a {_type_name(item)}; {field} holds only JSON "
                f"values: strings, numbers, true/false, null, lists and objects"
            )
        elif isinstance(item, float) and not math.isfinite(item):
            raise ToolError(f"{field}{_path(where)} is {item}; JSON numbers must be finite")
        elif isinstance(item, int) and item.bit_length() * math.log10(2) > max_chars:
            raise ToolError(
                f"{field}{_path(where)} is {describe(item)}, over the limit of "
                f"{max_chars} characters"
            )


def _path(where: tuple[object, ...]) -> str:
    return "".join(f"[{describe(key)}]" for key in where)


def _type_name(value: object) -> str:
    kind = type(value)
    prefix = "" if kind.__module__ == "builtins" else f"{kind.__module__}."
    return prefix + kind.__qualname__
