"""``env.step`` with one Add_memory call, with 10 to 100,000 memories already stored.

Run: ``.venv/bin/python -m pytest tests/benchmarks/test_store_size_bench.py --benchmark-only``
(a few minutes: most of it is filling the 100k store). AgeMem-Stage3-v0, hashing embedder;
after ``reset`` the long-term memory is filled directly (``env.unwrapped.ltm.add``), then
each round is one text-mode step adding one new memory. The cost still grows with the store
because the reward re-scores every memory each step (issue 19, item 1: not this module's);
the index search alone is in test_index_switch_bench.py.
"""

from __future__ import annotations

import json
import time

import gymnasium as gym
import pytest

import agemem_env  # noqa: F401

SIZES = (10, 1_000, 10_000, 100_000)
ROUNDS = {10: 10, 1_000: 10, 10_000: 6, 100_000: 3}  # Stage 3 ends after 15 steps
_NAMES = ("Alice", "Bob", "Chen", "Dana", "Emeka", "Fatima", "Goran", "Hana", "Ivan", "Julia")
_THINGS = ("oolong tea", "jazz", "hiking", "chess", "sushi", "opera", "sailing", "pottery")
_PLACES = ("Lisbon", "Lagos", "Osaka", "Lima", "Oslo", "Cairo", "Denver", "Hanoi", "Porto")


def _memory(i: int) -> str:
    """A distinct, sentence-like memory for index i."""
    return (f"Note {i}: {_NAMES[i % 10]} likes {_THINGS[i // 10 % 8]} and lived in "
            f"{_PLACES[i // 80 % 9]} in {1950 + i % 70}.")


def _add_action(content: str) -> str:
    call = json.dumps([{"name": "Add_memory", "arguments": {"content": content}}])
    return f"<think>Store it.</think>\n<tool_call>{call}</tool_call>"


@pytest.mark.parametrize("n", SIZES)
def test_add_memory_step_by_store_size(benchmark, report, n: int) -> None:
    env = gym.make("AgeMem-Stage3-v0", embedder="hashing")
    env.reset(seed=0)
    ltm = env.unwrapped.ltm
    start = time.perf_counter()
    for i in range(n):
        ltm.add(_memory(i))
    fill_s = time.perf_counter() - start
    fresh = iter(range(10**6, 10**6 + 100))

    benchmark.group = "Add_memory step by store size"
    benchmark.pedantic(lambda: env.step(_add_action(_memory(next(fresh)))),
                       rounds=ROUNDS[n], iterations=1, warmup_rounds=1)
    assert len(ltm) == n + ROUNDS[n] + 1
    env.close()
    median = benchmark.stats.stats.median
    benchmark.extra_info.update({"memories": n, "fill_s": fill_s})
    report("env.step(Add_memory) by memories already stored (median)",
           f"{n:>9,} memories  {median * 1e3:10.2f} ms/step  (filled in {fill_s:.1f} s)")
