"""Thousands of random actions never raise and never leave memory inconsistent."""

from __future__ import annotations

import json

import gymnasium as gym
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import agemem_env  # noqa: F401
from agemem_env.tools import TOOL_NAMES

ENV = gym.make("AgeMem-Stage3-v0", embedder="hashing", rounds_per_stage=50).unwrapped
STRUCT = gym.make(
    "AgeMem-Stage3-v0", embedder="hashing", action_mode="structured", rounds_per_stage=50
).unwrapped

ids = st.sampled_from(["mem_1", "mem_2", "mem_999", "", "mem_-1", "MEM_1", "1"])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
arguments = st.dictionaries(
    st.sampled_from(["content", "memory_id", "query", "top_k", "span", "criteria", "text",
                     "confirmation", "metadata", "metadata_filter", "memory_type", "extra"]),
    json_values | ids | st.text(max_size=40),
    max_size=4,
)
calls = st.lists(
    st.fixed_dictionaries({"name": st.sampled_from([*TOOL_NAMES, "Nope", "add"]),
                           "arguments": arguments}),
    max_size=4,
)
completions = st.one_of(
    st.text(max_size=200),
    calls.map(lambda c: f"<tool_call>{json.dumps(c)}</tool_call>"),
    calls.map(lambda c: f"<think>t</think><tool_call>{json.dumps(c)[:-3]}"),
    st.text(max_size=40).map(lambda a: f"<answer>{a}</answer>"),
)
structured = st.fixed_dictionaries({
    "tool": st.integers(-2, 8) | st.sampled_from(TOOL_NAMES),
    "text": st.text(max_size=60),
    "memory_id": ids,
    "memory_type": st.text(max_size=10),
    "metadata": st.text(max_size=20) | st.just('{"type": "fact"}'),
    "top_k": st.integers(0, 25),
    "confirmation": st.integers(0, 1),
})


def _check(env, actions):
    env.reset(seed=0)
    for action in actions:
        before = {r.id: r for r in env.ltm.records()}
        *_, terminated, truncated, info = env.step(action)
        assert env.ltm.consistency_errors() == []
        after = {r.id: r for r in env.ltm.records()}
        # a failed call leaves memory as it was: only ids of successful calls changed
        changed = {i for i in before.keys() | after.keys() if before.get(i) != after.get(i)}
        touched = {
            mid
            for r in env._last_results
            if r.ok
            for mid in (*r.effects.added, *r.effects.updated, *r.effects.deleted)
        }
        assert changed <= touched
        if terminated or truncated:
            env.reset(seed=0)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(completions, min_size=1, max_size=20))
def test_random_text_actions_never_raise_and_keep_memory_consistent(actions):
    _check(ENV, actions)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(structured | st.lists(structured, max_size=3) | st.integers(), min_size=1,
                max_size=20))
def test_random_structured_actions_never_raise_and_keep_memory_consistent(actions):
    _check(STRUCT, actions)
