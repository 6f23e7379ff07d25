"""Property tests for agemem_env.actions.text: never raises, and render/parse round-trips."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from agemem_env.actions.text import parse_completion, render_completion
from agemem_env.core import ParsedAction, ToolCall
from agemem_env.tools import TOOL_NAMES

# Pieces that steer random text into the parser's interesting paths.
FRAGMENTS = [
    "<think>", "</think>", "<tool_call>", "</tool_call>", "<answer>", "</answer>",
    "<TOOL_CALL>", "< /answer >", "```json", "```", "[", "]", "{", "}", ",", ":", '"',
    "\\", '\\"', "\\u00", '"name"', '"arguments"', '"Add_memory"', '"function"', "null",
    "true", "1e999", "-", "&amp;", "&lt;", "&#32;", "&#99999999;", "\n", " ",
]  # fmt: skip

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=12,
)
names = st.sampled_from(TOOL_NAMES) | st.text(min_size=1).filter(lambda s: s.strip() == s != "")
calls = st.builds(ToolCall, names, st.dictionaries(st.text(), json_values, max_size=5))
call_lists = st.lists(calls, max_size=5)
answers = st.none() | st.text()
completions = st.builds(render_completion, call_lists, answers, st.text() | st.just(""))
tag_soup = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=6), max_size=40).map("".join)


def check(text: str) -> ParsedAction:
    action = parse_completion(text)
    assert isinstance(action, ParsedAction)
    assert action.raw == text
    assert all(isinstance(call, ToolCall) for call in action.calls)
    assert all(isinstance(call.arguments, dict) for call in action.calls)
    assert all(isinstance(error, str) and error for error in action.errors)
    assert len(action.calls) <= 16
    # Every step either does something or says what was wrong.
    assert action.calls or action.answer is not None or action.errors
    return action


@given(st.text())
def test_never_raises_on_arbitrary_text(text: str) -> None:
    check(text)


@settings(max_examples=300)
@given(tag_soup)
def test_never_raises_on_tag_soup(text: str) -> None:
    check(text)


@given(completions, st.data())
def test_never_raises_on_truncated_completion(text: str, data: st.DataObject) -> None:
    cut = data.draw(st.integers(0, len(text)))
    check(text[:cut])


@given(completions, st.data())
def test_never_raises_on_insertion_or_deletion(text: str, data: st.DataObject) -> None:
    at = data.draw(st.integers(0, len(text)))
    insert = data.draw(st.sampled_from(FRAGMENTS) | st.text(max_size=4))
    check(text[:at] + insert + text[at:])
    end = data.draw(st.integers(at, len(text)))
    check(text[:at] + text[end:])


@given(call_lists, answers, st.text())
def test_render_parse_round_trip(call_list: list[ToolCall], answer: str | None, think: str) -> None:
    text = render_completion(call_list[:16], answer, think)
    action = parse_completion(text)
    assert action.calls == tuple(call_list[:16])
    assert action.answer == answer
    assert action.think == think
    if call_list or answer is not None:
        assert action.errors == ()


@given(st.lists(calls, min_size=1, max_size=4), st.data())
def test_missing_closing_brackets_and_tag_are_repaired(
    call_list: list[ToolCall], data: st.DataObject
) -> None:
    text = render_completion(call_list)
    body_end = text.rindex("</tool_call>")
    # Only closing brackets end the JSON; cutting any of them (and the tag) is recoverable.
    closers_start = len(text[:body_end].rstrip("]}"))
    cut = data.draw(st.integers(closers_start, len(text)))
    action = parse_completion(text[:cut])
    assert action.calls == tuple(call_list)
    assert action.errors == ()


@given(st.dictionaries(st.text(), json_values, max_size=4))
def test_openai_style_arguments_string_round_trip(arguments: dict[str, Any]) -> None:
    call = {
        "type": "function",
        "function": {"name": "Add_memory", "arguments": json.dumps(arguments)},
    }
    body = json.dumps([call]).replace("<", "\\u003c").replace(">", "\\u003e")
    action = parse_completion(f"<tool_call>{body}</tool_call>")
    assert action.calls == (ToolCall("Add_memory", arguments),)
    assert action.errors == ()
