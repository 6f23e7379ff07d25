"""The LLM-call progress line counts every call, across agent resets."""

from __future__ import annotations

from agents.call_meter import CallMeter
from agents.llm.usage import LLMCall


class FakeLLMAgent:
    def __init__(self):
        self.llm_usage: list[LLMCall] = []

    def call(self):
        self.llm_usage.append(LLMCall("act", 10, 2, 0.1))

    def reset(self, task_info=None):  # as LLMAgent.reset does: a new list per episode
        self.llm_usage = []


def test_counts_calls_of_every_agent_made_across_resets():
    meter = CallMeter(interval=3600)
    make = meter.watch(FakeLLMAgent)
    with meter:
        first, second = make(), make()
        first.call()
        first.call()
        assert meter.poll() == 2
        first.call()       # not polled yet ...
        first.reset()      # ... and the list is replaced
        first.call()
        second.call()
        assert meter.poll() == 5
        assert meter.poll() == 5  # nothing new
        for _ in range(3):  # whole episodes between two polls
            first.reset()
            first.call()
        assert meter.poll() == 8
    assert len(meter.agents) == 2
