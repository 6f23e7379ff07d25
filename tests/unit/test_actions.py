"""Structured actions map onto the same tool calls as text actions."""

from __future__ import annotations

from agemem_env.actions.parse import parse_action
from agemem_env.core import ToolCall


def test_structured_slots_become_named_arguments():
    parsed = parse_action(
        {"tool": 2, "memory_id": "mem_3", "confirmation": 1, "text": ""}, "structured", 100
    )
    expected = ToolCall("Delete_memory", {"memory_id": "mem_3", "confirmation": True})
    assert parsed.calls == (expected,)


def test_structured_accepts_tool_names_lists_and_toolcalls():
    parsed = parse_action(
        [
            {"tool": "Retrieve_memory", "text": "Dana", "top_k": 0},
            ToolCall("Answer", {"text": "Porto"}),
        ],
        "structured",
        100,
    )
    assert parsed.calls[0].arguments["query"] == "Dana"
    assert parsed.calls[0].arguments["top_k"] is None  # 0 means the default
    assert parsed.answer == "Porto"


def test_structured_metadata_json_is_decoded():
    parsed = parse_action(
        {"tool": 0, "text": "fact", "metadata": '{"type": "user_info"}'}, "structured", 100
    )
    assert parsed.calls[0].arguments["metadata"] == {"type": "user_info"}


def test_bad_structured_actions_become_errors_not_exceptions():
    parsed = parse_action([{"tool": 9}, 5, {"text": "x"}], "structured", 100)
    assert parsed.calls == ()
    assert len(parsed.errors) == 3
    assert "index 0-6" in parsed.errors[0]
    assert "expected a dict" in parsed.errors[1]
    assert "missing 'tool'" in parsed.errors[2]


def test_text_mode_rejects_non_strings_and_oversize_completions():
    assert "must be a str" in parse_action(b"x", "text", 100).errors[0]
    assert "limit is 100" in parse_action("x" * 101, "text", 100).errors[0]
