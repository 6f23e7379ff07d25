"""Native tool calls: an OpenAI assistant message to the ParsedAction of the tag format.

Servers that speak OpenAI tool calling (vLLM, SGLang, llama.cpp, Ollama) reply with::

    {"content": str | None,
     "tool_calls": [{"id": ..., "type": "function",
                     "function": {"name": ..., "arguments": str | dict}}]}

Read as the tag format reads a completion: the calls run in order, a closing ``Answer``
call is the answer, content beside calls is think text, and content alone is the answer
(unless it holds tag blocks: a model that writes the paper's format in ``content`` is
parsed as such). Arguments that are not one JSON object become an error sentence.

Text-mode ``env.step`` takes only str, so an agent hands the env ``native_completion``:
the same action as canonical tag text (``render_completion``), which the env's parser
reads back to exactly ``parse_native_message``'s action: that parser IS the env's
reading of that text, so the two formats cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agemem_env.actions.text import parse_completion, render_completion
from agemem_env.core import ParsedAction, ToolCall, loads_json
from agemem_env.tools import canonical_tool_name

_TAG_MARKERS = ("<tool_call", "<answer", "<tool-call")


def parse_native_message(message: Mapping[str, Any]) -> ParsedAction:
    """The ParsedAction of an OpenAI assistant message (never raises).

    By construction the env's reading of ``native_completion(message)``: truncated JSON
    arguments are repaired as in the tag format, and arguments that are not one JSON
    object become an error sentence.

    >>> parse_native_message({"content": "Porto"}).answer
    'Porto'
    >>> action = parse_native_message({"content": "look it up", "tool_calls": [
    ...     {"id": "c1", "type": "function",
    ...      "function": {"name": "Retrieve_memory", "arguments": '{"query": "city"}'}}]})
    >>> action.calls, action.think
    ((ToolCall(name='Retrieve_memory', arguments={'query': 'city'}),), 'look it up')
    >>> parse_native_message({"content": None, "tool_calls": [{"function": {
    ...     "name": "Add_memory", "arguments": "oops"}}]}).errors[0][:50]
    "tool_call item 1: 'arguments' is a string but not "
    """
    return parse_completion(native_completion(message))


def native_completion(message: Mapping[str, Any]) -> str:
    """The env action (canonical tag text) for an OpenAI assistant message.

    >>> native_completion({"content": None, "tool_calls": [{"id": "x", "type": "function",
    ...     "function": {"name": "Retrieve_memory", "arguments": '{"query": "city"}'}}]})
    '<tool_call>[{"name": "Retrieve_memory", "arguments": {"query": "city"}}]</tool_call>'
    >>> native_completion({"content": "Porto"})
    '<answer>Porto</answer>'
    """
    content, calls = _content(message), reply_calls(message)
    if not calls:
        return content if not content or _has_tags(content) else render_completion(answer=content)
    answer, calls = _closing_answer(calls)
    return render_completion(calls, answer=answer, think=content)


def reply_calls(message: Mapping[str, Any]) -> list[ToolCall]:
    """The message's ``tool_calls`` as ToolCalls, arguments decoded from JSON where they
    are JSON (kept as the raw string where not, for the parser to report)."""
    items = message.get("tool_calls") if isinstance(message, Mapping) else None
    return [_call(item) for item in items or [] if item is not None]


def _content(message: Mapping[str, Any]) -> str:
    content = message.get("content") if isinstance(message, Mapping) else None
    return content.strip() if isinstance(content, str) else ""


def _has_tags(content: str) -> bool:
    lowered = content.lower()
    return any(marker in lowered for marker in _TAG_MARKERS)


def _call(item: Any) -> ToolCall:
    function = item.get("function") if isinstance(item, Mapping) else None
    function = function if isinstance(function, Mapping) else {}
    name = function.get("name")
    arguments = function.get("arguments")
    if arguments is None:
        arguments = {}  # as the tag parser reads "arguments": null
    elif isinstance(arguments, str):
        try:
            arguments = loads_json(arguments) if arguments.strip() else {}
        except (ValueError, RecursionError):  # bad JSON, too deep, a 4,300-digit int
            pass  # kept raw: the tag parser repairs it or names the problem
    return ToolCall(str(name).strip() if name is not None else "", arguments)


def _closing_answer(calls: list[ToolCall]) -> tuple[str | None, list[ToolCall]]:
    """A last ``Answer`` call with a text is the answer, as an ``<answer>`` block is."""
    if calls:
        last = calls[-1]
        if (canonical_tool_name(last.name) == "Answer" and isinstance(last.arguments, dict)
                and isinstance(last.arguments.get("text"), str)):
            return last.arguments["text"], calls[:-1]
    return None, calls
