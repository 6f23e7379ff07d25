"""Batched acting: the act_batch contract, LLMAgent's batch form, and the threads that
batch the LLM calls baselines make inside act."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from chat_stub import toy_policy

from agents.llm import BackendError, ChatRequest, Completion, ScriptedBackend, batching
from agents.llm.usage import LLMCall, usage_log
from agents.llm_agent import LLMAgent
from agents.protocol import TaskInfo, act_batch, batch_act_of, threaded_act_batch


class BatchingBackend(ScriptedBackend):
    """The toy policy, answered in batches; records each batch's request count."""

    def __init__(self, fail_on: str | None = None):
        super().__init__(lambda messages: toy_policy(messages))
        self.batches: list[int] = []
        self.fail_on = fail_on
        self.lock = threading.Lock()

    def generate_batch(self, requests: list[ChatRequest]) -> list[Completion | BackendError]:
        with self.lock:
            self.batches.append(len(requests))
        out: list[Completion | BackendError] = []
        for r in requests:
            if self.fail_on and self.fail_on in r.messages[-1]["content"]:
                out.append(BackendError("server fell over"))
                continue
            text = self._reply(r.messages)
            out.append(Completion(text, 7, len(text.split()), 0.5, batch_size=len(requests)))
        return out


def _obs(text: str) -> dict[str, Any]:
    return {"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": text}]}


def _agents(backend, n: int) -> list[LLMAgent]:
    agents = [LLMAgent(backend, max_new_tokens=8) for _ in range(n)]
    for seed, agent in enumerate(agents):
        agent.reset(TaskInfo("AgeMem-Stage3-v0", "text", seed))
    return agents


def test_llm_agents_sharing_a_backend_generate_in_one_batch():
    backend = BatchingBackend()
    agents = _agents(backend, 3)
    texts = ["I live in Porto.", "Where do I live?", "Nice weather."]
    actions = act_batch(agents, [_obs(t) for t in texts], [{}] * 3)
    assert backend.batches == [3]
    assert actions == [toy_policy(_obs(t)["messages"]) for t in texts]
    for agent in agents:  # each agent keeps its own episode
        assert len(agent.completions) == 1 and agent.usage.calls == 1
        assert agent.llm_usage == [LLMCall("act", 7, len(agent.completions[0].text.split()),
                                           0.5, batch_size=3)]


def test_one_failed_request_fails_only_its_agent():
    backend = BatchingBackend(fail_on="boom")
    agents = _agents(backend, 3)
    actions = act_batch(agents, [_obs("a?"), _obs("boom"), _obs("b?")], [{}] * 3)
    assert actions[0] == "<answer>a</answer>" and actions[2] == "<answer>b</answer>"
    assert isinstance(actions[1], BackendError)
    assert [len(a.completions) for a in agents] == [1, 0, 1]  # the failure recorded nothing
    # Its next step samples with the same seed again, as a sequential retry would.
    assert agents[1]._request(_obs("x")).seed == 1


def test_agents_without_a_batch_form_act_one_by_one_in_order():
    calls = []

    class Rule:
        name = "rule"

        def act(self, observation, info):
            calls.append(observation["messages"][-1]["content"])
            if observation["messages"][-1]["content"] == "bad":
                raise RuntimeError("rule broke")
            return "<answer>r</answer>"

    backend = BatchingBackend()
    llm = _agents(backend, 2)
    agents = [Rule(), llm[0], Rule(), llm[1], Rule()]
    observations = [_obs("one"), _obs("q?"), _obs("bad"), _obs("p?"), _obs("three")]
    actions = act_batch(agents, observations, [{}] * 5)
    assert calls == ["one", "bad", "three"] and backend.batches == [2]
    assert actions[1] == "<answer>q</answer>" and actions[3] == "<answer>p</answer>"
    assert isinstance(actions[2], RuntimeError) and actions[0] == actions[4]
    assert batch_act_of(Rule()) is None and batch_act_of(llm[0]) is LLMAgent.act_batch
    with pytest.raises(ValueError, match="one observation and info per agent"):
        act_batch(agents, observations[:2], [{}] * 5)


class Steps:
    """An ``llm`` helper as baselines hold one: its calls may be batched across threads."""

    thread_batching = True

    def __init__(self, backend):
        self.backend, self.llm_usage = backend, []


class TwoStep:
    """Acts like a baseline: rules, then ``calls`` LLM calls in a row, each on the last."""

    def __init__(self, backend, calls: int):
        self.llm, self.calls, self.name = Steps(backend), calls, "two-step"

    def act(self, observation, info):
        text = observation["messages"][-1]["content"]
        for step in range(self.calls):
            chat = [{"role": "user", "content": f"{text} {step}?"}]
            completion = batching.generate(self.llm.backend, chat, max_new_tokens=4)
            self.llm.llm_usage.append(LLMCall.of(f"step{step}", completion))
            text = completion.text
        return text


def test_calls_inside_act_meet_in_deterministic_batches():
    for _ in range(3):  # thread timing never changes which calls share a batch
        backend = BatchingBackend()
        agents = [TwoStep(backend, calls) for calls in (2, 0, 1, 2)]
        assert batch_act_of(agents[0]) is threaded_act_batch
        actions = act_batch(agents, [_obs(f"t{i}") for i in range(4)], [{}] * 4)
        assert backend.batches == [3, 2]  # first calls of slots 0, 2, 3; then of 0 and 3
        assert actions[1] == "t1" and actions[2] == "<answer>0</answer>"
        assert [len(usage_log(a)) for a in agents] == [2, 0, 1, 2]


def test_a_failing_backend_in_a_thread_fails_only_the_agents_that_called_it():
    backend = BatchingBackend(fail_on="t1")
    agents = [TwoStep(backend, 1) for _ in range(3)]
    actions = threaded_act_batch(agents, [_obs(f"t{i}") for i in range(3)], [{}] * 3)
    assert isinstance(actions[1], BackendError) and actions[0] == "<answer>0</answer>"
    assert backend.batches == [3]


def test_generate_outside_a_scope_is_a_plain_call():
    backend = ScriptedBackend(["<answer>x</answer>"])
    assert batching.generate(backend, [{"role": "user", "content": "q"}]).text.endswith(
        "</answer>")


def test_a_broken_batch_form_fails_its_group_only():
    class Short:
        name = "short"

        @staticmethod
        def act_batch(agents, observations, infos):
            return ["<answer>x</answer>"]  # one action for every agent: a bug

        def act(self, observation, info):
            return "<answer>x</answer>"

    actions = act_batch([Short(), Short(), LLMAgent(BatchingBackend())],
                        [_obs("a"), _obs("b"), _obs("q?")], [{}] * 3)
    assert all(isinstance(a, TypeError) and "1 actions for 2 agents" in str(a)
               for a in actions[:2])
    assert actions[2] == "<answer>q</answer>"
