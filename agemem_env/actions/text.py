"""Text actions: parse an LLM completion into a ParsedAction, and render one back.

The agent writes the AgeMem paper's format::

    <think>reasoning</think>
    <tool_call>[{"name": "Add_memory", "arguments": {"content": "..."}}]</tool_call>
    <answer>final answer</answer>

Blocks may repeat; every ``<tool_call>`` block runs, in order, and an ``<answer>``
counts as well. The parser is forgiving where the intent is clear:

- tag names are case-insensitive (``<Tool_Call>``, ``<tool-call>``); text outside tags
  is ignored; a leading ``</think>`` with no opening tag closes an implicit think block;
- a block cut off by the end of the text (no closing tag) runs to the end, or to the next
  opening tag; a missing ``</answer>`` at the end of the text is fine, and so is a closing
  tag cut part-way (``</tool_c``);
- inside ``<tool_call>``: code fences, a single object instead of an array, several
  objects side by side, trailing commas, raw newlines inside strings, and JSON truncated
  at the end (missing quotes and brackets are closed; a half-written last member is
  dropped);
- per call: ``"arguments"`` given as a JSON string; ``"parameters"``, ``"args"`` or
  ``"input"`` instead of ``"arguments"``; OpenAI's ``{"type": "function", "function":
  {...}}`` wrapper; with no arguments key, the other keys of the object are the arguments.

Anything else becomes an error sentence in ``ParsedAction.errors`` naming what was wrong
and where; valid calls survive their invalid neighbours. Tool names are only stripped of
whitespace here; the executor resolves them through the tool registry.

Answer and think text are stripped and then have ``&lt;``, ``&gt;``, ``&amp;`` and
``&#N;`` decoded, so ``render_completion`` can escape what would otherwise end a block.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Sequence
from typing import Any

from agemem_env.actions.lenient_json import load_json_values
from agemem_env.core import ParsedAction, ToolCall, loads_json

NO_BLOCK_ERROR = (
    "no <tool_call> or <answer> block found; wrap tool calls in "
    "<tool_call>[...]</tool_call> or the reply in <answer>...</answer>"
)

_TAG_PATTERNS = {"think": "think", "tool_call": "tool[_-]?call", "answer": "answer"}
_OPEN_RE = re.compile(r"<\s*(think|tool[_-]?call|answer)\s*>", re.IGNORECASE)
_CLOSE_RES = {
    kind: re.compile(rf"<\s*/\s*{pattern}\s*>", re.IGNORECASE)
    for kind, pattern in _TAG_PATTERNS.items()
}
_ENTITY_RE = re.compile(r"&(lt|gt|amp|#[0-9]{1,7});")
_ENTITIES = {"lt": "<", "gt": ">", "amp": "&"}
_FENCE_RE = re.compile(r"^```[A-Za-z0-9_+-]*")
_ARGUMENT_KEYS = ("arguments", "parameters", "args", "input")
# Keys of a call object that are never arguments, even when no arguments key is given.
_CALL_META_KEYS = frozenset({"name", "type", "id", "function", "call_id"})
_MAX_ERRORS = 20


def parse_text_action(action: Any, max_chars: int) -> ParsedAction:
    """A text-mode action: a str of at most ``max_chars`` characters, parsed; anything else
    is a ParsedAction carrying the error (never raises).

    >>> parse_text_action(b"x", 100).errors
    ('text action must be a str, got bytes',)
    """
    if not isinstance(action, str):
        return ParsedAction(errors=(f"text action must be a str, got {type(action).__name__}",))
    if len(action) > max_chars:
        return ParsedAction(
            errors=(f"completion has {len(action)} characters; the limit is {max_chars}",),
            raw=action[:max_chars],
        )
    return parse_completion(action)


def parse_completion(text: str, *, max_calls: int = 16) -> ParsedAction:
    """Parse one raw LLM completion into tool calls, an answer and think text.

    Never raises on a str: every problem becomes an error sentence in ``errors``.

    Args:
        text: The completion, e.g. ``<think>..</think><tool_call>[...]</tool_call>``.
        max_calls: Calls beyond this many are dropped, with an error.

    Returns:
        The ParsedAction; ``raw`` is ``text`` unchanged.

    Raises:
        TypeError: ``text`` is not a str.
        ValueError: ``max_calls`` is not a positive int.

    >>> action = parse_completion(
    ...     '<think>store it</think><tool_call>{"name": "Add_memory", '
    ...     '"arguments": {"content": "Ana lives in Porto"}}</tool_call>')
    >>> action.calls
    (ToolCall(name='Add_memory', arguments={'content': 'Ana lives in Porto'}),)
    >>> parse_completion("<answer>Porto").answer
    'Porto'
    >>> parse_completion("Porto").errors[0][:30]
    'no <tool_call> or <answer> blo'
    """
    if not isinstance(text, str):
        raise TypeError(f"parse_completion expects a str completion, got {type(text).__name__}")
    if isinstance(max_calls, bool) or not isinstance(max_calls, int) or max_calls < 1:
        raise ValueError(f"max_calls must be a positive int, got {max_calls!r}")
    blocks = _scan_blocks(text)
    errors: list[str] = []
    items: list[Any] = []
    tool_bodies = [body for kind, body in blocks if kind == "tool_call"]
    for number, body in enumerate(tool_bodies, 1):
        items.extend(_block_items(body, number, errors))
    calls = [call for n, item in enumerate(items, 1) if (call := _to_call(item, n, errors))]
    if len(calls) > max_calls:
        errors.append(f"more than {max_calls} tool calls in one step; the first {max_calls} run")
        calls = calls[:max_calls]
    answers = [_unescape(body.strip()) for kind, body in blocks if kind == "answer"]
    if len(answers) > 1:
        errors.append(f"{len(answers)} <answer> blocks found; only the last one counts")
    if not tool_bodies and not answers:
        errors.append(NO_BLOCK_ERROR)
    if len(errors) > _MAX_ERRORS:
        # Keep the feedback readable: a garbage completion can hold thousands of blocks.
        errors[_MAX_ERRORS - 1 :] = [f"... and {len(errors) - _MAX_ERRORS + 1} more errors"]
    thinks = [_unescape(body.strip()) for kind, body in blocks if kind == "think"]
    return ParsedAction(
        calls=tuple(calls),
        answer=answers[-1] if answers else None,
        think="\n\n".join(t for t in thinks if t),
        errors=tuple(errors),
        raw=text,
    )


def render_completion(
    calls: Sequence[ToolCall] = (), answer: str | None = None, think: str = ""
) -> str:
    """The canonical completion text for calls, an answer and think text.

    ``parse_completion`` gives back the same calls and answer exactly, and the same
    think text: ``<`` and ``>`` inside the JSON are written as ``\\u003c``/``\\u003e``
    (so no tag hides in a string), and answer/think text escapes what would end its block
    (a closing tag, an ``&``-entity, leading or trailing whitespace) as ``&lt;``,
    ``&amp;`` and ``&#N;``. Arguments must be JSON-serialisable (else TypeError).

    >>> print(render_completion([ToolCall("Answer", {"text": "<b>"})], think="done"))
    <think>done</think>
    <tool_call>[{"name": "Answer", "arguments": {"text": "\\u003cb\\u003e"}}]</tool_call>
    >>> render_completion(answer="x</answer>")
    '<answer>x&lt;/answer></answer>'
    """
    if answer is not None and not isinstance(answer, str):
        raise TypeError(f"answer must be a str or None, got {type(answer).__name__}")
    if not isinstance(think, str):
        raise TypeError(f"think must be a str, got {type(think).__name__}")
    parts = []
    if think:
        parts.append(f"<think>{_escape_text(think, 'think')}</think>")
    if calls:
        payload = [{"name": call.name, "arguments": call.arguments} for call in calls]
        body = json.dumps(payload, ensure_ascii=False)
        # '<' and '>' only occur inside JSON strings, where \u escapes mean the same.
        body = body.replace("<", "\\u003c").replace(">", "\\u003e")
        parts.append(f"<tool_call>{body}</tool_call>")
    if answer is not None:
        parts.append(f"<answer>{_escape_text(answer, 'answer')}</answer>")
    return "\n".join(parts)


# --- scanning tags ----------------------------------------------------------------------


def _tag_kind(tag: str) -> str:
    tag = tag.lower()
    return tag if tag in ("think", "answer") else "tool_call"


def _scan_blocks(text: str) -> list[tuple[str, str]]:
    """(kind, body) for each block in order; kind is think, tool_call or answer."""
    opens = [(m.start(), m.end(), _tag_kind(m.group(1))) for m in _OPEN_RE.finditer(text)]
    closes = {k: [(m.start(), m.end()) for m in rx.finditer(text)] for k, rx in _CLOSE_RES.items()}
    blocks: list[tuple[str, str]] = []
    pos = 0
    first_open = opens[0][0] if opens else len(text)
    if closes["think"] and closes["think"][0][0] < first_open:
        # Chat templates often open <think> themselves, so the completion starts inside it.
        start, pos = closes["think"][0]
        blocks.append(("think", text[:start]))
    index = bisect.bisect_left(opens, (pos, -1, ""))
    while index < len(opens):
        start, body_start, kind = opens[index]
        body_end, pos = _block_end(text, kind, body_start, opens, closes[kind])
        body = text[body_start:body_end]
        if body_end == len(text):
            body = _drop_partial_close(body, kind)
        blocks.append((kind, body))
        index = bisect.bisect_left(opens, (pos, -1, ""))
    return blocks


def _drop_partial_close(body: str, kind: str) -> str:
    """Remove the start of a closing tag cut off by the end of the text (``</tool_c``)."""
    start = body.rfind("<")
    tail = re.sub(r"\s+", "", body[start:]).lower().replace("-", "_")
    if start >= 0 and f"</{kind}>".startswith(tail):
        return body[:start]
    return body


def _block_end(
    text: str,
    kind: str,
    body_start: int,
    opens: list[tuple[int, int, str]],
    closes: list[tuple[int, int]],
) -> tuple[int, int]:
    """Where a block's body ends and where scanning resumes.

    JSON never holds a tag, so a tool_call block also ends at the next opening tag; free
    text (think, answer) may mention tags, so it ends at its own closing tag when there is
    one, else at the next opening tag of another kind, else at the end of the text.
    """
    at = bisect.bisect_left(closes, (body_start, -1))
    close = closes[at] if at < len(closes) else None
    first = bisect.bisect_left(opens, (body_start, -1, ""))
    if kind == "tool_call":
        nxt = opens[first][0] if first < len(opens) else len(text)
        return close if close and close[0] <= nxt else (nxt, nxt)
    if close:
        return close
    others = (opens[i][0] for i in range(first, len(opens)) if opens[i][2] != kind)
    nxt = next(others, len(text))
    return nxt, nxt


# --- JSON inside a tool_call block -----------------------------------------------------


def _block_items(body: str, number: int, errors: list[str]) -> list[Any]:
    """The call objects in one block (not yet checked), recording block-level errors."""
    content = _strip_fences(body)
    where = f"tool_call block {number}"
    if not content:
        errors.append(f"{where}: empty; expected a JSON array of tool calls")
        return []
    values, error = _json_values(content)
    if error:
        errors.append(f"{where}: invalid JSON ({error})")
    items: list[Any] = []
    for value in values:
        items.extend(value if isinstance(value, list) else [value])
    if not items and not error:
        errors.append(f"{where}: the array holds no tool calls")
    return items


def _json_values(text: str) -> tuple[list[Any], str | None]:
    """Well-formed JSON decodes at once; anything else goes to the lenient reader."""
    try:
        return [loads_json(text)], None
    except (ValueError, RecursionError):  # the lenient reader also names too deep a nesting
        return load_json_values(text)


def _strip_fences(text: str) -> str:
    text = text.strip()
    if text.startswith("```"):
        text = _FENCE_RE.sub("", text, count=1).strip()
        if text.endswith("```"):
            text = text[:-3].strip()
    return text


# --- one call object --------------------------------------------------------------------


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _to_call(item: Any, number: int, errors: list[str]) -> ToolCall | None:
    """A ToolCall from one decoded item, or None with an error naming the problem."""
    where = f"tool_call item {number}"
    if not isinstance(item, dict):
        got = _type_name(item)
        errors.append(f"{where}: expected an object with 'name' and 'arguments', got {got}")
        return None
    if isinstance(item.get("function"), dict) and "name" not in item:
        item = item["function"]  # OpenAI: {"type": "function", "function": {...}}
    name = item.get("name", item.get("function"))
    if name is None:
        errors.append(f"{where}: missing 'name'")
        return None
    if not isinstance(name, str):
        errors.append(f"{where}: 'name' must be a string, got {_type_name(name)}")
        return None
    if not name.strip():
        errors.append(f"{where}: 'name' is empty")
        return None
    arguments = _call_arguments(item, where, errors)
    return None if arguments is None else ToolCall(name.strip(), arguments)


def _call_arguments(item: dict[str, Any], where: str, errors: list[str]) -> dict[str, Any] | None:
    key = next((k for k in _ARGUMENT_KEYS if k in item), None)
    if key is None:
        return {k: v for k, v in item.items() if k not in _CALL_META_KEYS}
    value = item[key]
    if isinstance(value, str):
        text = _strip_fences(value)
        if not text:
            return {}
        values, error = _json_values(text)
        if error or len(values) != 1:
            detail = error or f"{len(values)} JSON values"
            errors.append(f"{where}: '{key}' is a string but not one JSON object ({detail})")
            return None
        value = values[0]
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors.append(f"{where}: '{key}' must be an object, got {_type_name(value)}")
        return None
    return value


# --- escaping free text -----------------------------------------------------------------


def _unescape(text: str) -> str:
    return _ENTITY_RE.sub(_entity_char, text)


def _entity_char(match: re.Match[str]) -> str:
    key = match.group(1)
    if key in _ENTITIES:
        return _ENTITIES[key]
    code = int(key[1:])
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return match.group(0)
    return chr(code)


def _escape_text(text: str, kind: str) -> str:
    """Escape text so that its block parses back to exactly ``text`` (see _unescape).

    Only what the parser would change is escaped: an '&' that starts an entity, a '<'
    that starts this block's closing tag, and leading/trailing whitespace (stripped).
    """
    close = _CLOSE_RES[kind]
    rest = text.lstrip()
    lead = text[: len(text) - len(rest)]
    core = rest.rstrip()
    trail = rest[len(core) :]
    out = [f"&#{ord(char)};" for char in lead]
    for index, char in enumerate(core):
        if char == "&" and _ENTITY_RE.match(core, index):
            out.append("&amp;")
        elif char == "<" and close.match(core, index):
            out.append("&lt;")
        else:
            out.append(char)
    out.extend(f"&#{ord(char)};" for char in trail)
    return "".join(out)
