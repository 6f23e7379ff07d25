"""AgeMem-BabyAI-v0 resets: a seed never seen in the process, and a repeated seed.

Run: ``.venv/bin/python -m pytest tests/benchmarks/test_babyai_bench.py --benchmark-only``
(skipped without minigrid). A reset describes the instance and its two siblings (level
generation, the hindsight route and the BabyAI bot's run for each) unless the process has
described them before; then they come from the memo. Wall and CPU p50 are reported.
"""

from __future__ import annotations

import itertools
import time
import warnings

import gymnasium as gym
import numpy as np
import pytest

import agemem_env  # noqa: F401

pytest.importorskip("minigrid")


@pytest.mark.parametrize("case", ["cold (new seed)", "repeated seed"])
def test_babyai_reset(benchmark, report, case: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # minigrid's deprecation notes on first make
        env = gym.make("AgeMem-BabyAI-v0", embedder="hashing")
    env.reset(seed=0)  # imports, the level's first make, the tokenizer
    fresh = itertools.count(1_000_000)  # env seeds no other benchmark uses
    cpu: list[float] = []

    def reset() -> None:
        start = time.process_time()
        env.reset(seed=next(fresh) if case.startswith("cold") else 7)
        cpu.append(time.process_time() - start)

    benchmark.group = "BabyAI reset"
    benchmark.pedantic(reset, rounds=30, iterations=1, warmup_rounds=1)
    env.close()
    report("AgeMem-BabyAI-v0 reset (p50 of 30)",
           f"{case:<16} wall {benchmark.stats.stats.median * 1e3:7.2f} ms   "
           f"cpu {np.median(cpu) * 1e3:7.2f} ms")
