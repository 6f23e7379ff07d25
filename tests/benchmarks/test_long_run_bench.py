"""Memory and file descriptors over 3,000 heuristic episodes in one process.

Run: ``.venv/bin/python -m pytest tests/benchmarks/test_long_run_bench.py --benchmark-only``
(a few minutes; ``AGEMEM_BENCH_EPISODES=N`` changes the count). Each variant runs in a fresh
Python process (so one's memory does not colour the next), playing AgeMem-Stage3-v0 with the
heuristic agent and the hashing embedder through ``agents.runner.run_episodes``. Reported:
RSS and open file descriptors after start-up (imports done), after 10 warm-up episodes and
after all of them, the embedding cache's size, and failed episodes. The variants differ in
the embedding cache bound: the default (``DEFAULT_CACHE_ENTRIES``) and 10,000 entries.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EPISODES = int(os.environ.get("AGEMEM_BENCH_EPISODES", "3000"))
ROOT = Path(__file__).resolve().parents[2]

_CHILD = """
import json, sys, time
import psutil
from agemem_env.embed import CachedEmbedder, HashingEmbedder, make_embedder
from agents.heuristic import HeuristicAgent
from agents.runner import run_episodes

episodes, cache = int(sys.argv[1]), sys.argv[2]
embedder = make_embedder("hashing") if cache == "default" else CachedEmbedder(
    HashingEmbedder(), max_entries=int(cache))
me = psutil.Process()
def sample():
    return {"rss_mb": me.memory_info().rss / 2**20, "fds": me.num_fds()}
out = {"start": sample()}
run = lambda n: run_episodes("AgeMem-Stage3-v0", HeuristicAgent, episodes=n,
                             env_kwargs={"embedder": embedder}, progress=False)
run(10)
out["warm"] = sample()
start = time.perf_counter()
records = run(episodes)
out["wall_s"] = time.perf_counter() - start
out["end"] = sample()
out["failed"] = sum(r.error is not None for r in records)
out["cache_entries"] = len(embedder)
out["cache_bound"] = embedder.max_entries
print(json.dumps(out))
"""


@pytest.mark.parametrize("cache", ["default", "10000"])
def test_long_run_memory_and_fds(benchmark, report, cache: str) -> None:
    result: dict = {}

    def run() -> None:
        done = subprocess.run([sys.executable, "-c", _CHILD, str(EPISODES), cache],
                              capture_output=True, text=True, check=True, cwd=ROOT)
        result.update(json.loads(done.stdout.strip().splitlines()[-1]))

    benchmark.group = "long run"
    benchmark.pedantic(run, rounds=1, iterations=1)
    benchmark.extra_info.update(result)
    start, warm, end = result["start"], result["warm"], result["end"]
    report(f"{EPISODES:,} heuristic episodes in one process (Stage 3, hashing embedder)",
           f"cache bound {result['cache_bound']:>7,}: RSS {start['rss_mb']:.0f} MB at start, "
           f"{warm['rss_mb']:.0f} after 10 episodes, {end['rss_mb']:.0f} after all; fds "
           f"{start['fds']}/{warm['fds']}/{end['fds']}; cache {result['cache_entries']:,} "
           f"entries; {result['failed']} failed; {result['wall_s']:.0f} s")
    assert result["failed"] == 0
    assert end["fds"] <= warm["fds"] + 2  # no descriptor leak across episodes
