"""Environment throughput: steps per second with the hashing and the MiniLM embedders.

Run on demand: ``.venv/bin/python -m pytest tests/benchmarks/test_env_bench.py --benchmark-only``.
Each round plays one full scripted oracle episode of AgeMem-Stage3-v0 (about 5 steps:
adds, filters, retrieval, answer); steps/s is reported in extra_info.
"""

from __future__ import annotations

import gymnasium as gym
import pytest

import agemem_env  # noqa: F401
from agents.scripted import OracleScript, play


@pytest.mark.parametrize("embedder", ["hashing", "minilm"])
def test_env_steps_per_second(benchmark, embedder):
    env = gym.make("AgeMem-Stage3-v0", embedder=embedder)
    play(env, OracleScript, seed=0)  # warm up: model load, tokenizer files
    seeds = iter(range(1, 10**6))
    steps = []

    def one_episode():
        env.reset(seed=next(seeds))
        script = OracleScript(env.unwrapped.task)
        obs, done, n = env.unwrapped._observation(), False, 0
        while not done:
            obs, _, terminated, truncated, _ = env.step(script.act(obs))
            n += 1
            done = terminated or truncated
        steps.append(n)

    benchmark.pedantic(one_episode, rounds=30 if embedder == "hashing" else 10, iterations=1)
    mean_steps = sum(steps) / len(steps)
    benchmark.extra_info["steps_per_episode"] = mean_steps
    benchmark.extra_info["steps_per_second"] = mean_steps / benchmark.stats.stats.mean
    env.close()
