"""Native tool calls (OpenAI assistant messages) read as the same env action as tags."""

from __future__ import annotations

import json

import gymnasium as gym
import pytest

from agemem_env.actions import (
    native_completion,
    parse_completion,
    parse_native_message,
    render_completion,
)
from agemem_env.core import ToolCall


def _message(content, *calls):
    return {"role": "assistant", "content": content, "tool_calls": [
        {"id": f"c{i}", "type": "function", "function": {"name": name, "arguments": args}}
        for i, (name, args) in enumerate(calls)] or None}


CASES = {
    "one call, string arguments": (
        _message(None, ("Add_memory", '{"content": "Dana likes tea"}')),
        render_completion([ToolCall("Add_memory", {"content": "Dana likes tea"})])),
    "dict arguments and think text": (
        _message("look it up", ("Retrieve_memory", {"query": "city", "top_k": 2})),
        render_completion([ToolCall("Retrieve_memory", {"query": "city", "top_k": 2})],
                          think="look it up")),
    "closing Answer call": (
        _message("", ("Retrieve_memory", '{"query": "q"}'), ("Answer", '{"text": "Porto"}')),
        render_completion([ToolCall("Retrieve_memory", {"query": "q"})], answer="Porto")),
    "content alone": (_message("  Porto  "), "<answer>Porto</answer>"),
    "content holding tags": (_message("<answer>Lisbon</answer>"), "<answer>Lisbon</answer>"),
}


@pytest.mark.parametrize("name", CASES)
def test_a_native_message_parses_to_the_tag_formats_action(name):
    message, tags = CASES[name]
    native, tagged = parse_native_message(message), parse_completion(tags)
    assert (native.calls, native.answer, native.think, native.errors) == (
        tagged.calls, tagged.answer, tagged.think, tagged.errors)
    assert native_completion(message) == tags  # the text the agent hands env.step


def test_arguments_that_are_not_json_become_an_error_sentence():
    action = parse_native_message(_message(None, ("Add_memory", "content=tea"),
                                           ("Retrieve_memory", '{"query": "tea"}')))
    assert action.calls == (ToolCall("Retrieve_memory", {"query": "tea"}),)  # neighbour runs
    assert len(action.errors) == 1 and "'arguments'" in action.errors[0]
    assert "not one JSON object" in action.errors[0]


def test_an_empty_message_is_a_format_error_not_an_answer():
    assert parse_native_message({"content": None}).errors
    assert parse_native_message({"content": "", "tool_calls": []}).answer is None


def _native_reply(tags: str) -> dict:
    """What a server in native format sends for the action ``tags`` means."""
    parsed = parse_completion(tags)
    calls = [(c.name, json.dumps(c.arguments)) for c in parsed.calls]
    if parsed.answer is not None:
        calls.append(("Answer", json.dumps({"text": parsed.answer})))
    return _message(parsed.think or None, *calls)


def _run(to_action):
    env = gym.make("AgeMem-Stage3-v0", embedder="hashing", rounds_per_stage=2)
    obs, info = env.reset(seed=3)
    script = [
        render_completion([ToolCall("Add_memory", {"content": "fact one"})], think="store"),
        render_completion([ToolCall("Filter_context", {"criteria": "weather"})]),
        render_completion([ToolCall("Retrieve_memory", {"query": "fact"})]),
        render_completion(answer="unknown"),
    ]
    trace, done, step = [], False, 0
    while not done:
        action = to_action(script[min(step, len(script) - 1)])
        obs, reward, terminated, truncated, info = env.step(action)
        trace.append((reward, info["parse_errors"], info["step_results"], obs["messages"][1:]))
        done, step = terminated or truncated, step + 1
    env.close()
    return trace


def test_a_tags_run_and_a_native_run_give_the_same_env_actions():
    tags_run = _run(lambda tags: tags)
    native_run = _run(lambda tags: native_completion(_native_reply(tags)))
    assert native_run == tags_run
    assert len(tags_run) >= 3
