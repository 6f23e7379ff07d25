"""The env's chat as valid OpenAI requests in both tool formats, and replies back to actions."""

from __future__ import annotations

import json

import gymnasium as gym
import pytest
from chat_stub import chat_server, completion_body, schema_errors

from agemem_env.actions.text import parse_completion, render_completion
from agemem_env.core import ToolCall
from agemem_env.tools import TOOL_SPECS
from agents.llm import OpenAICompatibleBackend, make_backend
from agents.llm.chat_format import (
    NO_RESULT,
    completion_from_reply,
    native_chat,
    tags_chat,
    tool_schemas,
)
from agents.llm_agent import LLMAgent
from agents.protocol import TaskInfo

ENV = "AgeMem-Stage3-v0"


def _policy(messages: list[dict]) -> str:
    """Canonical completions that give the context every kind of message: calls with
    results, a bad call, a format error, auto-retrieved memories, answers."""
    assistant_turns = sum(m["role"] == "assistant" for m in messages)
    last = str(messages[-1]["content"])
    if last.rstrip().endswith("?"):
        return render_completion([ToolCall("Retrieve_memory", {"query": last})],
                                 answer=last.split()[-1], think="look it up")
    if assistant_turns % 3 == 1:
        return render_completion([ToolCall("Delete_memory", {"memory_id": "mem_404"})])
    calls = [ToolCall("Add_memory", {"content": last[:80]}), ToolCall("Filter_context",
                                                                      {"criteria": "rain"})]
    return render_completion(calls, think="keep it") + "\n<tool_call>[oops</tool_call>"


def _episode_chats(seed: int = 0) -> list[list[dict]]:
    env = gym.make(ENV, embedder="hashing")
    obs, info = env.reset(seed=seed)
    chats, done = [], False
    while not done:
        chats.append(obs["messages"])
        obs, _, terminated, truncated, info = env.step(_policy(obs["messages"]))
        done = terminated or truncated
    assert info["parse_errors"] > 0 and info["tool_errors"] > 0
    return chats


def test_raw_env_chats_break_the_schema_and_both_formats_fix_it():
    chats = _episode_chats()
    assert any(schema_errors({"messages": chat}) for chat in chats)  # the HTTP 500 cause
    for chat in chats:
        tags = tags_chat(chat)
        assert schema_errors({"messages": tags}) == []
        assert {m["role"] for m in tags} <= {"system", "user", "assistant"}
        assert all(a["role"] != b["role"] for a, b in zip(tags, tags[1:], strict=False))
        tool_texts = [m["content"] for m in chat if m["role"] == "tool"]
        merged = "\n\n".join(m["content"] for m in tags)
        assert all(f"[tool result] {text}" in merged for text in tool_texts)
        assert schema_errors({"messages": native_chat(chat)}) == []


def test_native_chat_answers_each_call_with_its_result():
    chat = _episode_chats()[2]
    native = native_chat(chat)
    calls = [m for m in native if m.get("tool_calls")]
    assert calls and all(m["role"] == "assistant" for m in calls)
    first = calls[0]["tool_calls"]
    assert [c["function"]["name"] for c in first] == ["Add_memory", "Filter_context"]
    answers = native[native.index(calls[0]) + 1 :][: len(first)]
    assert [m["tool_call_id"] for m in answers] == [c["id"] for c in first]
    assert answers[0]["content"].startswith("[Add_memory] (ok)")
    # The format error after them answers no call: it goes as a tagged user message.
    assert any(m["role"] == "user" and m["content"].startswith("[tool result] [format error]")
               for m in native)


def test_a_call_whose_result_is_gone_is_still_answered():
    chat = [{"role": "user", "content": "Where do I live?"},
            {"role": "assistant", "content": render_completion(
                [ToolCall("Retrieve_memory", {"query": "home"})], answer="Porto")}]
    native = native_chat(chat)
    names = [c["function"]["name"] for c in native[1]["tool_calls"]]
    assert names == ["Retrieve_memory", "Answer"]
    assert [m["content"] for m in native[2:]] == [NO_RESULT, NO_RESULT]
    assert schema_errors({"messages": native}) == []


@pytest.mark.parametrize("completion", [
    render_completion([ToolCall("Add_memory", {"content": "a <b> & c", "metadata": {"k": 1}})]),
    render_completion([ToolCall("Retrieve_memory", {"query": "q", "top_k": 2})], think="t"),
    render_completion(answer="Porto"),
    render_completion([ToolCall("Update_memory", {"memory_id": "mem_1", "content": "x"})],
                      answer="done"),
])
def test_native_round_trip_gives_the_same_action(completion):
    native = native_chat([{"role": "assistant", "content": completion}])[0]
    assert completion_from_reply(native) == completion  # the very same text, so same action


def test_replies_become_actions_and_bad_arguments_reach_the_env():
    call = {"id": "c1", "type": "function",
            "function": {"name": "Add_memory", "arguments": '{"content": "x"'}}
    action = parse_completion(completion_from_reply({"content": "", "tool_calls": [call]}))
    assert action.calls == (ToolCall("Add_memory", {"content": "x"}),)  # repaired by the env
    tagged = "<think>t</think><answer>Porto</answer>"
    assert completion_from_reply({"content": tagged}) == tagged
    assert completion_from_reply({"content": None}) == ""
    assert parse_completion(completion_from_reply({"content": "A </answer> B"})).answer == (
        "A </answer> B")


def test_tool_schemas_are_the_envs_seven_actions():
    schemas = tool_schemas()
    assert [s["function"] for s in schemas] == [spec.schema() for spec in TOOL_SPECS]
    assert {s["type"] for s in schemas} == {"function"}


def _as_tool_calls(completion: str) -> dict:
    """A tool-calling server's reply carrying the same action as a tag completion."""
    parsed = parse_completion(completion)
    calls = list(parsed.calls)
    if parsed.answer is not None and calls:
        calls.append(ToolCall("Answer", {"text": parsed.answer}))
    tool_calls = [{"id": f"r{k}", "type": "function",
                   "function": {"name": c.name, "arguments": json.dumps(c.arguments)}}
                  for k, c in enumerate(calls)]
    return completion_body(parsed.think if calls else parsed.answer, tool_calls=tool_calls)


def _script(task) -> list[str]:
    facts = [ToolCall("Add_memory", {"content": fact}) for fact in task.supporting_facts]
    return [
        render_completion(facts, think="Store the key facts."),
        render_completion([ToolCall("Delete_memory", {"memory_id": "mem_404"})]),
        render_completion(answer="Noted."),
        render_completion([ToolCall("Filter_context", {"criteria": "weather"})], answer="ok"),
        render_completion([ToolCall("Retrieve_memory", {"query": task.question})]),
        render_completion(answer=task.answers[0]),  # a plain reply has no think text
    ]


def _play(backend, server, tool_calls: bool) -> list[tuple]:
    env = gym.make(ENV, embedder="hashing")
    agent = LLMAgent(backend, max_new_tokens=64)
    obs, info = env.reset(seed=4)
    for completion in _script(env.unwrapped.task):
        server.answers.append((200, _as_tool_calls(completion) if tool_calls
                               else completion_body(completion)))
    agent.reset(TaskInfo(ENV, "text", 4))
    steps, done = [], False
    while not done:
        obs, reward, terminated, truncated, info = env.step(agent.act(obs, info))
        steps.append((obs["messages"], reward, info["tool_calls"], info["tool_errors"]))
        done = terminated or truncated
    assert info["judge"]["f1"] == 1.0 and info["parse_errors"] == 0
    return steps


def test_both_formats_drive_the_env_to_the_same_episode():
    with chat_server(strict=True) as server:
        tags = _play(OpenAICompatibleBackend(server.url, "m"), server, tool_calls=False)
        assert all("tools" not in r for r in server.requests)
    with chat_server(strict=True) as server:
        backend = make_backend(f"openai:{server.url}#m?tool_format=native")
        native = _play(backend, server, tool_calls=True)
        assert server.requests[0]["tools"] == tool_schemas()
        assert server.requests[0]["tool_choice"] == "auto"
        assert any(m["role"] == "tool" for r in server.requests for m in r["messages"])
    assert native == tags and len(tags) == 6 and tags[1][3] == 1  # the bad delete


def test_bad_spec_options_are_named():
    with pytest.raises(ValueError, match="unknown option 'concurrency'"):
        make_backend("openai:http://127.0.0.1:1/v1#m?concurrency=2")
    with pytest.raises(ValueError, match="max_concurrency='x'.*must be a int"):
        make_backend("openai:http://127.0.0.1:1/v1#m?max_concurrency=x")
    with pytest.raises(ValueError, match="tool_format must be one of"):
        make_backend("openai:http://127.0.0.1:1/v1#m?tool_format=json")
