"""Decode the JSON an LLM writes: side-by-side values, trailing commas, truncation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from agemem_env.core import check_json_nesting

# strict=False accepts raw newlines and tabs inside strings, which LLMs often write.
_DECODER = json.JSONDecoder(strict=False)
# How many cut points to try when dropping a half-written last member of truncated JSON.
_MAX_CUTS = 4


def load_json_values(text: str) -> tuple[list[Any], str | None]:
    """All JSON values in ``text``, repairing trailing commas and truncation if needed.

    When no repair parses, the original error is returned with what can be salvaged:
    the values decoded before the error, or, for a broken array, its leading elements
    that decode on their own (so ``[{...} {...}]``, missing a comma, keeps both calls).
    """
    try:
        check_json_nesting(text)
    except ValueError as err:  # decoding would hit the stack limit at a caller-given depth
        return [], str(err)
    values, error = _decode_values(text)
    if error is None:
        return values, None
    fixed = _drop_trailing_commas(text)
    for candidate in (fixed, *_truncation_repairs(fixed)):
        repaired, repair_error = _decode_values(candidate)
        if repair_error is None:
            return repaired, None
    if not values and fixed.startswith("["):
        values = [v for v in _decode_values(fixed[1:])[0] if isinstance(v, dict)]
    return values, error


def _decode_values(text: str) -> tuple[list[Any], str | None]:
    """Decode JSON values side by side (separated by whitespace or commas)."""
    values: list[Any] = []
    index = 0
    while True:
        while index < len(text) and (text[index].isspace() or text[index] == ","):
            index += 1
        if index >= len(text):
            return values, None
        try:
            value, index = _DECODER.raw_decode(text, index)
        except json.JSONDecodeError as err:
            return values, f"{err.msg} at char {err.pos}"
        except (ValueError, RecursionError):
            # Integers past Python's digit limit, or nesting deeper than the stack.
            return values, f"number too long or nesting too deep at char {index}"
        values.append(value)


def _drop_trailing_commas(text: str) -> str:
    """Remove commas (outside strings) that directly precede a closing bracket."""
    out: list[str] = []
    in_string = escaped = False
    for char in text:
        if in_string:
            escaped, in_string = (False, True) if escaped else (char == "\\", char != '"')
        elif char == '"':
            in_string = True
        elif char in "]}":
            end = len(out) - 1
            while end >= 0 and out[end].isspace():
                end -= 1
            if end >= 0 and out[end] == ",":
                del out[end]
        out.append(char)
    return "".join(out)


def _bracket_state(text: str) -> tuple[list[str], bool, bool, list[int]] | None:
    """Open brackets, in-string and escape flags at the end, and cut points; None if the
    brackets are mismatched (then the text is wrong, not truncated)."""
    stack: list[str] = []
    cuts: list[int] = []
    in_string = escaped = False
    for index, char in enumerate(text):
        if in_string:
            escaped, in_string = (False, True) if escaped else (char == "\\", char != '"')
        elif char == '"':
            in_string = True
        elif char in "[{":
            stack.append(char)
            cuts.append(index + 1)
        elif char in "]}":
            if not stack or stack.pop() != ("[" if char == "]" else "{"):
                return None
        elif char == ",":
            cuts.append(index)
    return stack, in_string, escaped, cuts


def _truncation_repairs(text: str) -> Iterator[str]:
    """Candidate completions of JSON cut off at the end: close it, then drop the last,
    half-written member (cutting at the last commas or opening brackets) and close."""
    state = _bracket_state(text)
    if state is None or not (state[0] or state[1]):
        return
    stack, in_string, escaped, cuts = state
    if in_string:
        yield _close_brackets((text[:-1] if escaped else text) + '"', stack)
    else:
        yield _close_brackets(text, stack)
    for cut in reversed(cuts[-_MAX_CUTS:]):
        prefix = text[:cut]
        prefix_state = _bracket_state(prefix)
        if prefix_state is not None:
            yield _close_brackets(prefix, prefix_state[0])


def _close_brackets(text: str, stack: list[str]) -> str:
    text = text.rstrip()
    if text.endswith(","):
        text = text[:-1]
    return text + "".join("]" if bracket == "[" else "}" for bracket in reversed(stack))
