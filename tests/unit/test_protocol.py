"""Unit tests for agemem_env.actions.text: parsing, forgiveness rules, errors, rendering."""

from __future__ import annotations

import pytest

from agemem_env.actions.text import (
    NO_BLOCK_ERROR,
    parse_completion,
    render_completion,
)
from agemem_env.core import ParsedAction, ToolCall

ADD = '{"name": "Add_memory", "arguments": {"content": "Ana lives in Porto"}}'
ADD_CALL = ToolCall("Add_memory", {"content": "Ana lives in Porto"})
RETRIEVE = '{"name": "Retrieve_memory", "arguments": {"query": "Ana", "top_k": 2}}'
RETRIEVE_CALL = ToolCall("Retrieve_memory", {"query": "Ana", "top_k": 2})


def calls_of(text: str) -> tuple[ToolCall, ...]:
    action = parse_completion(text)
    assert action.errors == (), action.errors
    return action.calls


# --- the paper's format -----------------------------------------------------------------


def test_think_then_tool_call_array() -> None:
    text = f"<think>store the fact</think>\n<tool_call>[{ADD}, {RETRIEVE}]</tool_call>"
    action = parse_completion(text)
    assert action == ParsedAction(
        calls=(ADD_CALL, RETRIEVE_CALL), answer=None, think="store the fact", raw=text
    )


def test_think_then_answer() -> None:
    action = parse_completion("<think>I know it</think><answer> Porto </answer>")
    assert action.answer == "Porto"
    assert action.think == "I know it"
    assert action.calls == () and action.errors == ()


def test_repeated_blocks_run_in_order_and_answer_counts_too() -> None:
    text = (
        f"<think>a</think><tool_call>[{ADD}]</tool_call>"
        f"<think>b</think><tool_call>[{RETRIEVE}]</tool_call><answer>Porto</answer>"
    )
    action = parse_completion(text)
    assert action.calls == (ADD_CALL, RETRIEVE_CALL)
    assert action.answer == "Porto"
    assert action.think == "a\n\nb"
    assert action.errors == ()


def test_raw_is_the_input() -> None:
    text = "  <answer>x</answer>  "
    assert parse_completion(text).raw == text


# --- forgiving cases --------------------------------------------------------------------


def test_single_object_instead_of_array() -> None:
    assert calls_of(f"<tool_call>{ADD}</tool_call>") == (ADD_CALL,)


def test_objects_side_by_side_without_array() -> None:
    assert calls_of(f"<tool_call>{ADD}\n{RETRIEVE}</tool_call>") == (ADD_CALL, RETRIEVE_CALL)
    assert calls_of(f"<tool_call>{ADD}, {RETRIEVE}</tool_call>") == (ADD_CALL, RETRIEVE_CALL)


@pytest.mark.parametrize(
    "text",
    [
        f"<tool_call>[{ADD}",  # missing ] and </tool_call>
        f"<tool_call>[{ADD[:-1]}",  # missing }] as well
        f"<tool_call>[{ADD[:-2]}",  # missing "}}]
        f"<tool_call>[{ADD},",  # dangling comma
        f"<tool_call>[{ADD}</tool_call>",  # missing ] but closed tag
        f"<tool_call>[{ADD}]",  # missing </tool_call> only
    ],
)
def test_truncated_json_is_repaired(text: str) -> None:
    assert calls_of(text) == (ADD_CALL,)


def test_half_written_member_is_dropped() -> None:
    text = f'<tool_call>[{ADD}, {{"name": "Retrieve_memory", "argum'
    assert calls_of(text) == (ADD_CALL, ToolCall("Retrieve_memory", {}))


def test_truncated_string_is_closed() -> None:
    text = '<tool_call>[{"name": "Add_memory", "arguments": {"content": "Ana lives in Po'
    assert calls_of(text) == (ToolCall("Add_memory", {"content": "Ana lives in Po"}),)


def test_truncated_after_escape_backslash() -> None:
    text = '<tool_call>[{"name": "Add_memory", "arguments": {"content": "a\\'
    assert calls_of(text) == (ToolCall("Add_memory", {"content": "a"}),)


def test_code_fences_inside_block() -> None:
    assert calls_of(f"<tool_call>\n```json\n[{ADD}]\n```\n</tool_call>") == (ADD_CALL,)
    assert calls_of(f"<tool_call>```[{ADD}]```</tool_call>") == (ADD_CALL,)


def test_whitespace_and_newlines() -> None:
    text = '<tool_call>\n  [\n {\n "name" :\n "Add_memory",\n\t"arguments": {"content":\n'
    text += ' "Ana lives in Porto"}\n }\n ]\n\n</tool_call>\n\n'
    assert calls_of(text) == (ADD_CALL,)


def test_raw_newline_inside_string() -> None:
    text = '<tool_call>[{"name": "Add_memory", "arguments": {"content": "a\nb"}}]</tool_call>'
    assert calls_of(text) == (ToolCall("Add_memory", {"content": "a\nb"}),)


def test_trailing_commas() -> None:
    text = '<tool_call>[{"name": "Add_memory", "arguments": {"content": "Ana lives in Porto",},},]'
    assert calls_of(text + "</tool_call>") == (ADD_CALL,)


def test_trailing_comma_inside_string_is_kept() -> None:
    text = '<tool_call>[{"name": "Add_memory", "arguments": {"content": "a,]"},},]</tool_call>'
    assert calls_of(text) == (ToolCall("Add_memory", {"content": "a,]"}),)


def test_arguments_as_json_string() -> None:
    text = (
        '<tool_call>[{"name": "Add_memory", "arguments": "{\\"content\\": \\"x\\"}"}]</tool_call>'
    )
    assert calls_of(text) == (ToolCall("Add_memory", {"content": "x"}),)


def test_empty_arguments_string_or_null_is_empty_dict() -> None:
    text = '<tool_call>[{"name": "Summary_context", "arguments": ""}, '
    text += '{"name": "Summary_context", "arguments": null}]</tool_call>'
    assert calls_of(text) == (ToolCall("Summary_context", {}),) * 2


def test_openai_function_wrapper() -> None:
    text = (
        '<tool_call>[{"id": "call_1", "type": "function", "function": '
        '{"name": "Add_memory", "arguments": "{\\"content\\": \\"x\\"}"}}]</tool_call>'
    )
    assert calls_of(text) == (ToolCall("Add_memory", {"content": "x"}),)


@pytest.mark.parametrize("key", ["parameters", "args", "input"])
def test_argument_key_aliases(key: str) -> None:
    text = f'<tool_call>{{"name": "Add_memory", "{key}": {{"content": "x"}}}}</tool_call>'
    assert calls_of(text) == (ToolCall("Add_memory", {"content": "x"}),)


def test_flat_object_keys_become_arguments() -> None:
    text = '<tool_call>{"name": "Add_memory", "type": "function", "content": "x"}</tool_call>'
    assert calls_of(text) == (ToolCall("Add_memory", {"content": "x"}),)


def test_missing_arguments_is_empty_dict() -> None:
    assert calls_of('<tool_call>[{"name": "Summary_context"}]</tool_call>') == (
        ToolCall("Summary_context", {}),
    )


@pytest.mark.parametrize(
    "text",
    [
        f"<TOOL_CALL>[{ADD}]</TOOL_CALL>",
        f"<Tool_Call>[{ADD}]</tool_call>",
        f"<tool-call>[{ADD}]</tool-call>",
        f"< tool_call >[{ADD}]< / tool_call >",
    ],
)
def test_tag_names_case_insensitive_and_spaced(text: str) -> None:
    assert calls_of(text) == (ADD_CALL,)


def test_answer_tag_case_insensitive_and_unclosed_at_end() -> None:
    assert parse_completion("<ANSWER>Porto</Answer>").answer == "Porto"
    action = parse_completion("<think>sure</think><answer>Porto, Portugal\n")
    assert action.answer == "Porto, Portugal" and action.errors == ()


def test_unclosed_think_ends_at_next_block() -> None:
    action = parse_completion(f"<think>let me store it\n<tool_call>[{ADD}]</tool_call>")
    assert action.think == "let me store it"
    assert action.calls == (ADD_CALL,)


def test_think_may_mention_tags() -> None:
    action = parse_completion("<think>I could use <tool_call> but I will answer</think><answer>x")
    assert action.think == "I could use <tool_call> but I will answer"
    assert action.answer == "x" and action.calls == () and action.errors == ()


def test_leading_close_think_without_open() -> None:
    action = parse_completion("reasoning here</think>\n<answer>Porto</answer>")
    assert action.think == "reasoning here"
    assert action.answer == "Porto"


def test_unclosed_tool_call_ends_at_next_tag() -> None:
    action = parse_completion(f"<tool_call>[{ADD}]\n<answer>done</answer>")
    assert action.calls == (ADD_CALL,) and action.answer == "done" and action.errors == ()


def test_names_are_stripped_not_checked() -> None:
    text = '<tool_call>[{"name": "  fly_to_moon \\n", "arguments": {}}]</tool_call>'
    assert calls_of(text) == (ToolCall("fly_to_moon", {}),)


def test_answer_entities_are_decoded() -> None:
    assert parse_completion("<answer>AT&amp;T &lt;3 &#65;</answer>").answer == "AT&T <3 A"
    assert parse_completion("<answer>R&D &#99999999; &#55296;</answer>").answer == (
        "R&D &#99999999; &#55296;"
    )


def test_text_outside_blocks_is_ignored() -> None:
    action = parse_completion(f"Sure! Here you go:\n<tool_call>[{ADD}]</tool_call>\nDone.")
    assert action.calls == (ADD_CALL,) and action.errors == ()


# --- errors -----------------------------------------------------------------------------


def test_invalid_json_names_block_and_position() -> None:
    text = '<tool_call>[{"name": "Add_memory"} {"name": "Filter_context"}]</tool_call>'
    action = parse_completion(text)
    assert action.errors == (
        "tool_call block 1: invalid JSON (Expecting ',' delimiter at char 24)",
    )
    # The array's elements that decode on their own still run.
    assert action.calls == (ToolCall("Add_memory", {}), ToolCall("Filter_context", {}))


def test_invalid_json_in_second_block() -> None:
    action = parse_completion(f"<tool_call>[{ADD}]</tool_call><tool_call>[nope]</tool_call>")
    assert action.calls == (ADD_CALL,)
    assert action.errors == ("tool_call block 2: invalid JSON (Expecting value at char 1)",)


def test_missing_name() -> None:
    text = f'<tool_call>[{ADD}, {{"arguments": {{"content": "x"}}}}]</tool_call>'
    action = parse_completion(text)
    assert action.calls == (ADD_CALL,)
    assert action.errors == ("tool_call item 2: missing 'name'",)


def test_arguments_must_be_object() -> None:
    action = parse_completion(f'<tool_call>[{{"name": "Add_memory", "arguments": [1]}}, {ADD}]')
    assert action.calls == (ADD_CALL,)
    assert action.errors == ("tool_call item 1: 'arguments' must be an object, got list",)


def test_arguments_string_that_is_not_json() -> None:
    action = parse_completion('<tool_call>[{"name": "Add_memory", "arguments": "content=x"}]')
    assert action.calls == ()
    assert action.errors == (
        "tool_call item 1: 'arguments' is a string but not one JSON object "
        "(Expecting value at char 0)",
    )


@pytest.mark.parametrize(
    ("item", "error"),
    [
        (
            '"Add_memory"',
            "tool_call item 1: expected an object with 'name' and 'arguments', got str",
        ),
        ("42", "tool_call item 1: expected an object with 'name' and 'arguments', got int"),
        ('{"name": 7}', "tool_call item 1: 'name' must be a string, got int"),
        ('{"name": "  "}', "tool_call item 1: 'name' is empty"),
        ('{"name": null}', "tool_call item 1: missing 'name'"),
    ],
)
def test_bad_items(item: str, error: str) -> None:
    action = parse_completion(f"<tool_call>[{item}]</tool_call>")
    assert action.calls == ()
    assert action.errors == (error,)


def test_item_numbers_count_across_blocks() -> None:
    action = parse_completion(f"<tool_call>[{ADD}]</tool_call><tool_call>[{{}}]</tool_call>")
    assert action.errors == ("tool_call item 2: missing 'name'",)


def test_empty_block_and_empty_array() -> None:
    assert parse_completion("<tool_call> \n</tool_call>").errors == (
        "tool_call block 1: empty; expected a JSON array of tool calls",
    )
    assert parse_completion("<tool_call>[]</tool_call>").errors == (
        "tool_call block 1: the array holds no tool calls",
    )


def test_no_block() -> None:
    action = parse_completion("<think>hmm</think> The answer is Porto.")
    assert action.errors == (NO_BLOCK_ERROR,)
    assert "no <tool_call> or <answer> block found" in NO_BLOCK_ERROR
    assert action.think == "hmm" and action.calls == () and action.answer is None


def test_empty_string() -> None:
    assert parse_completion("") == ParsedAction(errors=(NO_BLOCK_ERROR,), raw="")


def test_too_many_calls() -> None:
    text = "<tool_call>[" + ", ".join([ADD] * 18) + "]</tool_call>"
    action = parse_completion(text)
    assert action.calls == (ADD_CALL,) * 16
    assert action.errors == ("more than 16 tool calls in one step; the first 16 run",)
    assert parse_completion(text, max_calls=3).errors == (
        "more than 3 tool calls in one step; the first 3 run",
    )


def test_several_answers_last_counts() -> None:
    action = parse_completion("<answer>Lisbon</answer><answer>Porto</answer>")
    assert action.answer == "Porto"
    assert action.errors == ("2 <answer> blocks found; only the last one counts",)


def test_unrepairable_truncation_keeps_error() -> None:
    action = parse_completion('<tool_call>[{"name": "Add_memory", "arguments": {"content": tru')
    assert action.calls == (ToolCall("Add_memory", {}),)  # half-written member dropped
    assert action.errors == ()


def test_deep_nesting_does_not_raise() -> None:
    action = parse_completion("<tool_call>" + "[" * 100_000 + "</tool_call>")
    assert action.calls == ()
    assert action.errors[0].startswith("tool_call block 1: invalid JSON")


def test_huge_integer_does_not_raise() -> None:
    action = parse_completion('<tool_call>{"name": "x", "arguments": {"k": ' + "9" * 5000 + "}}")
    assert action.calls == ()
    assert action.errors[0].startswith("tool_call block 1: invalid JSON")


def test_type_errors() -> None:
    with pytest.raises(TypeError, match="got bytes"):
        parse_completion(b"<answer>x</answer>")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="got NoneType"):
        parse_completion(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_calls"):
        parse_completion("", max_calls=0)


# --- render_completion ------------------------------------------------------------------


def test_render_format() -> None:
    text = render_completion([ADD_CALL], think="store")
    assert text == f"<think>store</think>\n<tool_call>[{ADD}]</tool_call>"
    assert render_completion(answer="Porto") == "<answer>Porto</answer>"
    assert render_completion() == ""


def test_render_escapes_tags_inside_json() -> None:
    call = ToolCall("Add_memory", {"content": 'say </tool_call><answer>"hi"</answer>'})
    text = render_completion([call], answer="done")
    assert "<" not in text.split("<tool_call>")[1].split("</tool_call>")[0]
    assert parse_completion(text) == ParsedAction(calls=(call,), answer="done", raw=text)


@pytest.mark.parametrize(
    "answer",
    ["", "  padded  ", "\n", "a</answer>b", "a</ ANSWER >b", "&amp;", "&lt;", "&#65;", "<x>&"],
)
def test_render_answer_round_trip(answer: str) -> None:
    action = parse_completion(render_completion(answer=answer, think=f" {answer}</think> "))
    assert action.answer == answer
    assert action.think == f" {answer}</think> "
    assert action.errors == ()


def test_render_rejects_bad_types() -> None:
    with pytest.raises(TypeError, match="answer"):
        render_completion(answer=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        render_completion([ToolCall("Add_memory", {"content": object()})])


@pytest.mark.parametrize("cut", range(1, len("</tool_call>")))
def test_closing_tag_cut_part_way(cut: int) -> None:
    assert calls_of(f"<tool_call>[{ADD}]" + "</tool_call>"[:cut]) == (ADD_CALL,)
    assert parse_completion("<answer>Porto" + "</answer>"[:cut]).answer == "Porto"


def test_errors_are_capped() -> None:
    action = parse_completion("<tool_call></tool_call>" * 50)
    assert len(action.errors) == 20
    assert action.errors[-1] == "... and 31 more errors"


def test_deep_nesting_reads_the_same_from_any_stack_depth() -> None:
    # Found by `make fuzz`: nesting near the recursion limit parsed at one call depth and
    # not at another, so a replay from another call site differed.
    text = ('<tool_call>[{"name": "Add_memory", "arguments": {"content": "x", "metadata": '
            + "[" * 900 + "]" * 900 + "}}]</tool_call>")

    def deeper(frames: int):
        return parse_completion(text) if frames == 0 else deeper(frames - 1)

    direct = parse_completion(text)
    assert deeper(300) == direct
    assert direct.calls == () and "nested deeper than 200 levels" in direct.errors[0]


def test_deep_structured_arguments_are_refused_the_same_from_any_stack_depth() -> None:
    from agemem_env.actions.parse import parse_structured_action

    deep: list = []
    for _ in range(900):
        deep = [deep]
    action = {"name": "Retrieve_memory", "arguments": {"query": deep}}

    def deeper(frames: int):
        return parse_structured_action(action) if frames == 0 else deeper(frames - 1)

    direct = parse_structured_action(action)
    assert deeper(300) == direct
    assert direct.calls == () and "nested deeper than 200 levels" in direct.errors[0]
