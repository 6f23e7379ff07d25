"""Steps per second of every AgeMem env id, beside CartPole-v1 and a trivial dict env.

Run: ``.venv/bin/python -m pytest tests/benchmarks/test_throughput_bench.py --benchmark-only``.
Episodes are first played by the heuristic agents and their actions recorded; each benchmark
round then replays one recorded episode and times ``env.step`` alone (the reset happens in
the untimed setup and is reported apart). Same seed, same actions: the same episode. All
envs come from ``gym.make``, so every one pays the same wrappers (order enforcing, the
passive checker). AgeMem ids use the hashing embedder. AgeMem-BabyAI-v0 needs minigrid.
"""

from __future__ import annotations

import importlib.util
import time
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
from gymnasium import spaces

import agemem_env  # noqa: F401  (registers the ids)

EPISODES = 40
TRIVIAL_ID = "AgeMemBench/TrivialDict-v0"


class TrivialDictEnv(gym.Env):
    """The floor: a dict observation and nothing else."""

    observation_space = spaces.Dict({"x": spaces.Discrete(2)})
    action_space = spaces.Discrete(2)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        return {"x": 0}, {}

    def step(self, action: Any):
        return {"x": 0}, 0.0, False, False, {}


if TRIVIAL_ID not in gym.registry:
    gym.register(TRIVIAL_ID, entry_point=TrivialDictEnv)


def _agent_episodes(env: gym.Env, env_id: str, agent: Any) -> list[tuple[int, list[Any]]]:
    """(seed, actions) of EPISODES episodes the agent plays."""
    from agents.protocol import TaskInfo

    out = []
    for seed in range(EPISODES):
        obs, info = env.reset(seed=seed)
        agent.reset(TaskInfo(env_id, env.unwrapped.action_mode, seed, env.unwrapped.task,
                             extra={"action_space": env.action_space}))
        actions, done = [], False
        while not done:
            actions.append(agent.act(obs, info))
            obs, _, terminated, truncated, info = env.step(actions[-1])
            done = terminated or truncated
        out.append((seed, actions))
    return out


def _random_episodes(env: gym.Env, steps: int | None) -> list[tuple[int, list[Any]]]:
    """CartPole: random actions until the pole falls; the trivial env: ``steps`` zeros."""
    if steps is not None:
        return [(seed, [0] * steps) for seed in range(EPISODES)]
    out = []
    for seed in range(EPISODES):
        env.reset(seed=seed)
        rng, actions, done = np.random.default_rng(seed), [], False
        while not done:
            actions.append(int(rng.integers(2)))
            _, _, terminated, truncated, _ = env.step(actions[-1])
            done = terminated or truncated
        out.append((seed, actions))
    return out


def _make(env_id: str) -> tuple[gym.Env, list[tuple[int, list[Any]]]]:
    if env_id == "CartPole-v1":
        env = gym.make(env_id)
        return env, _random_episodes(env, None)
    if env_id == TRIVIAL_ID:
        env = gym.make(env_id)
        return env, _random_episodes(env, 1000)
    env = gym.make(env_id, embedder="hashing")
    if env_id == "AgeMem-BabyAI-v0":
        from agents.embodied_heuristic import EmbodiedHeuristicAgent

        return env, _agent_episodes(env, env_id, EmbodiedHeuristicAgent())
    from agents.heuristic import HeuristicAgent

    return env, _agent_episodes(env, env_id, HeuristicAgent())


ENV_IDS = ["AgeMem-Stage1-v0", "AgeMem-Stage2-v0", "AgeMem-Stage3-v0", "AgeMem-BabyAI-v0",
           "CartPole-v1", TRIVIAL_ID]


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_steps_per_second(benchmark, report, env_id: str) -> None:
    if env_id == "AgeMem-BabyAI-v0" and importlib.util.find_spec("minigrid") is None:
        pytest.skip("AgeMem-BabyAI-v0 needs minigrid: pip install 'agemem-gym[embodied]'")
    env, episodes = _make(env_id)
    queue = iter(episodes * 2)  # one warm-up pass over the first episode, then each once
    resets: list[float] = []

    def setup():
        seed, actions = next(queue)
        start = time.perf_counter()
        env.reset(seed=seed)
        resets.append(time.perf_counter() - start)
        return (actions,), {}

    def replay(actions: list[Any]) -> None:
        for action in actions:
            env.step(action)

    benchmark.group = "env steps"
    benchmark.pedantic(replay, setup=setup, rounds=len(episodes), iterations=1, warmup_rounds=1)
    env.close()
    steps = sum(len(actions) for _, actions in episodes)
    step_s = benchmark.stats.stats.mean * len(episodes) / steps
    benchmark.extra_info.update({"steps": steps, "steps_per_second": 1 / step_s,
                                 "reset_p50_s": float(np.median(resets))})
    report("env throughput (gym.make; AgeMem ids with the hashing embedder)",
           f"{env_id:<28} {1 / step_s:>11,.0f} steps/s  {step_s * 1e6:>9.1f} us/step  "
           f"reset p50 {np.median(resets) * 1e3:7.2f} ms  ({steps} steps)")
