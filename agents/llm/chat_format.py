"""The env's chat as a valid OpenAI chat request, in either tool format, and back.

The env's context holds ``{"role": "tool", "content": ...}`` messages (tool results,
Stage-1 related memories, format errors) that answer no assistant ``tool_calls``: fine for
a local chat template, rejected by servers that validate OpenAI's schema (llama.cpp
server answers HTTP 500). Two formats:

- ``tags`` (the paper's): the assistant writes ``<tool_call>``/``<answer>`` text; tool
  results go to the server as user messages starting ``[tool result]``, and consecutive
  messages of one role are merged, for templates that insist on alternation.
- ``native`` (OpenAI tool calls): each assistant completion becomes an assistant message
  with ``tool_calls`` (ids ``call_<turn>_<k>``) and the tool results that follow answer
  them as ``tool`` messages; a tool message that answers no call (related memories,
  format errors) becomes a ``[tool result]`` user message. The schemas go as ``tools``,
  and the reply's ``tool_calls`` become the env action's canonical text.

Both give the env the same action: ``completion_from_reply`` renders the calls with
``render_completion``, which the env's tag parser reads back exactly.
"""

from __future__ import annotations

import json
from collections import deque
from typing import Any

from agemem_env.actions.native import native_completion
from agemem_env.actions.text import parse_completion
from agemem_env.core import ToolCall

TOOL_FORMATS = ("tags", "native")
TOOL_RESULT_PREFIX = "[tool result]"
# What a call whose result is not in the context (filtered out, or not run after an
# Answer) is answered with: every tool_call id needs its tool message.
NO_RESULT = "(no result in the context)"


def tags_chat(messages: list[dict[str, Any]], *, merge: bool = True) -> list[dict[str, str]]:
    """The chat with tool messages as prefixed user messages (and a later system message,
    which some templates refuse, as a user note), same-role neighbours merged.

    >>> chat = tags_chat([{"role": "system", "content": "S"}, {"role": "user", "content": "hi"},
    ...                   {"role": "tool", "content": "Related memories:"}])
    >>> [m["role"] for m in chat], chat[1]["content"]
    (['system', 'user'], 'hi\\n\\n[tool result] Related memories:')
    """
    out: list[dict[str, str]] = []
    for message in messages:
        role, content = message["role"], str(message.get("content") or "")
        if role == "tool":
            role, content = "user", f"{TOOL_RESULT_PREFIX} {content}"
        elif role == "system" and out:
            role, content = "user", f"[note] {content}"
        _append(out, role, content, merge)
    return out


def native_chat(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The chat with assistant ``tool_calls`` and the ``tool`` messages that answer them.

    >>> chat = native_chat([
    ...     {"role": "user", "content": "I live in Porto."},
    ...     {"role": "assistant", "content": '<tool_call>[{"name": "Add_memory", '
    ...      '"arguments": {"content": "lives in Porto"}}]</tool_call>'},
    ...     {"role": "tool", "content": "[Add_memory] (ok) stored as mem_1"}])
    >>> chat[1]["tool_calls"][0]["function"]
    {'name': 'Add_memory', 'arguments': '{"content": "lives in Porto"}'}
    >>> chat[2]
    {'role': 'tool', 'tool_call_id': 'call_0_0', 'content': '[Add_memory] (ok) stored as mem_1'}
    """
    out: list[dict[str, Any]] = []
    pending: deque[str] = deque()
    turn = 0
    for message in messages:
        role, content = message["role"], str(message.get("content") or "")
        if role == "tool" and pending and not content.startswith("[format error]"):
            out.append({"role": "tool", "tool_call_id": pending.popleft(), "content": content})
            continue
        _answer_pending(out, pending)
        if role == "assistant":
            assistant, ids = _native_assistant(content, turn)
            turn += 1 if ids else 0
            pending.extend(ids)
            out.append(assistant)
        elif role == "tool":
            _append(out, "user", f"{TOOL_RESULT_PREFIX} {content}", merge=False)
        else:
            _append(out, role if role != "system" or not out else "user", content, merge=False)
    _answer_pending(out, pending)
    return out


def tool_schemas() -> list[dict[str, Any]]:
    """The env's seven actions as OpenAI ``tools`` entries."""
    from agemem_env.tools import TOOL_SPECS

    return [{"type": "function", "function": spec.schema()} for spec in TOOL_SPECS]


def completion_from_reply(message: dict[str, Any]) -> str:
    """The env action (tag-format text) for a native reply message: the env's own
    ``agemem_env.actions.native.native_completion``, so both formats give one action.

    >>> completion_from_reply({"content": "Porto"})
    '<answer>Porto</answer>'
    """
    return native_completion(message)


def _native_assistant(content: str, turn: int) -> tuple[dict[str, Any], list[str]]:
    """An assistant message for one completion, and the ids of its calls."""
    parsed = parse_completion(content)
    calls = list(parsed.calls)
    if calls and parsed.answer is not None:
        calls.append(ToolCall("Answer", {"text": parsed.answer}))
    if not calls:
        text = parsed.answer if parsed.answer is not None and not parsed.errors else content
        return {"role": "assistant", "content": text}, []
    ids = [f"call_{turn}_{k}" for k in range(len(calls))]
    tool_calls = [
        {"id": i, "type": "function",
         "function": {"name": str(c.name), "arguments": json.dumps(c.arguments,
                                                                   ensure_ascii=False)}}
        for i, c in zip(ids, calls, strict=True)
    ]
    return {"role": "assistant", "content": parsed.think, "tool_calls": tool_calls}, ids


def _answer_pending(out: list[dict[str, Any]], pending: deque[str]) -> None:
    while pending:
        out.append({"role": "tool", "tool_call_id": pending.popleft(), "content": NO_RESULT})


def _append(out: list[dict[str, Any]], role: str, content: str, merge: bool) -> None:
    if merge and out and out[-1]["role"] == role and "tool_calls" not in out[-1]:
        out[-1] = {"role": role, "content": f"{out[-1]['content']}\n\n{content}"}
    else:
        out.append({"role": role, "content": content})
