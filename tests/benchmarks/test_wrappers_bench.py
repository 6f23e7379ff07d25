"""What the array wrappers cost per step, side by side in one run.

Run on demand: ``.venv/bin/python -m pytest tests/benchmarks/test_wrappers_bench.py
--benchmark-only --benchmark-group-by=group``. Every variant plays the same episode (seed
and flat actions fixed: add, add, wait, ... retrieve, answer) on AgeMem-Stage3-v0 with the
hashing embedder; ``raw`` sends the very calls ``FlatToolAction`` decoded, so the
difference is the wrappers' own work. steps/s is in extra_info.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import agemem_env  # noqa: F401
from agemem_env.wrappers import FeatureObservation, FlatToolAction, TokenizedObservation
from agemem_env.wrappers.flat_action import VERBS

PLAN = [VERBS.index(v) for v in ["add"] * 4 + ["wait"] * 6 + ["filter"] * 2
        + ["retrieve", "answer"]]


class Chars:
    """A tokenizer-shaped stand-in (one id per byte), so the tokenizer is not measured."""

    def __len__(self):
        return 256

    def __call__(self, text, add_special_tokens=False):
        return {"input_ids": list(text.encode()[:4096])}


def wrapped(variant: str) -> gym.Env:
    env = FlatToolAction(gym.make("AgeMem-Stage3-v0", embedder="hashing",
                                  action_mode="structured"))
    if variant in ("features", "features+tokens"):
        env = FeatureObservation(env)
    if variant in ("tokens", "features+tokens"):
        env = TokenizedObservation(env, Chars(), max_length=512)
    return env


def recorded_calls() -> list:
    """The structured calls FlatToolAction sends for PLAN, to replay on the bare env."""
    env = wrapped("flat")
    env.reset(seed=0)
    calls = []
    for verb in PLAN:
        calls.append(env.action(np.array([verb, 0, 1])))
        if any(env.step(np.array([verb, 0, 1]))[2:4]):
            break
    return calls


@pytest.mark.benchmark(group="wrappers")
@pytest.mark.parametrize("variant", ["raw", "flat", "features", "tokens", "features+tokens"])
def test_wrapper_steps_per_second(benchmark, variant):
    calls = recorded_calls()
    env = gym.make("AgeMem-Stage3-v0", embedder="hashing", action_mode="structured") \
        if variant == "raw" else wrapped(variant)
    actions = calls if variant == "raw" else [np.array([v, 0, 1]) for v in PLAN[:len(calls)]]

    def one_episode():
        env.reset(seed=0)
        for action in actions:
            env.step(action)

    benchmark.pedantic(one_episode, rounds=30, iterations=1, warmup_rounds=2)
    benchmark.extra_info["steps_per_second"] = len(actions) / benchmark.stats.stats.mean
