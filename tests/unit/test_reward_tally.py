"""The reward's running tally of the store gives exactly the terms a full rescoring of
every memory gives (``reward_check=True`` asserts it every step), on recorded episodes of
rule agents and of the red team, with prefilled and kept memories too."""

from __future__ import annotations

import pytest

from agemem_env.rewards.red_team import POLICIES
from agemem_env.rewards.tally import ExactSum
from agents.protocol import TaskInfo
from agents.registry import make_agent


def _play_agent(env, agent, seed):
    obs, info = env.reset(seed=seed)
    agent.reset(TaskInfo("AgeMem-Stage3-v0", "text", seed, env.unwrapped.task))
    done = False
    while not done:
        obs, _, terminated, truncated, info = env.step(agent.act(obs, info))
        done = terminated or truncated
    return info


@pytest.mark.parametrize("name", ["heuristic", "rag", "mem0", "amem", "random", "oracle"])
def test_tally_and_rescoring_agree_for_every_agent(make_env, name) -> None:
    env = make_env(reward_check=True)
    for seed in range(4):
        _play_agent(env, make_agent(name), seed)  # raises if any step disagrees


def test_tally_and_rescoring_agree_for_the_red_team(make_env) -> None:
    env = make_env(reward_check=True)
    for policy in POLICIES.values():
        obs, info = env.reset(seed=7)
        script = policy(env.unwrapped.task)
        done = False
        while not done:
            obs, _, terminated, truncated, info = env.step(script.act(obs, info))
            done = terminated or truncated


def test_prefilled_and_kept_memories_are_tallied(make_env) -> None:
    env = make_env(reward_check=True, start_stage=3, prefill="oracle")
    info = _play_agent(env, make_agent("heuristic"), 1)
    assert info["memory_quality"]["recall"] == 1.0
    kept = make_env(reward_check=True, ltm_reset=False)
    for seed in range(3):
        _play_agent(kept, make_agent("heuristic"), seed)


def test_exact_sums_do_not_depend_on_order_or_removals() -> None:
    import math
    import random

    values = [random.Random(3).random() / 7 for _ in range(500)]
    total = ExactSum()
    for v in values:
        total.add(v)
    for v in values[::2]:
        total.add(-v)
    assert total.value() == math.fsum(values[1::2])
