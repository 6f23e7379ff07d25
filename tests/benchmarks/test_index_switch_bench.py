"""Where AutoIndex should leave exact search for usearch: search and add costs by store size.

Run: ``.venv/bin/python -m pytest tests/benchmarks/test_index_switch_bench.py --benchmark-only``
(about two minutes on 2 cores). Vectors as in test_retrieval_bench.py: mixtures of real
MiniLM sentence embeddings plus small noise; queries are held-out sentences. One exact
index and one usearch index (the module's defaults) grow together through the sizes.

The summary prints, per size, the p50 of a top-5 search and of one add on each, and the
usearch recall@5; AutoIndex's threshold (``AUTO_THRESHOLD``) is read off that table: the
size from which usearch's search saving pays for its dearer adds at about one add per search.
Run it with ``OPENBLAS_NUM_THREADS=1`` too: exact search's BLAS pass behaves very differently
on one thread, on two of an idle machine, and on two when another process holds a core.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from test_retrieval_bench import N_QUERIES, K, base_embeddings, corpus

from agemem_env.memory.vector_index import AUTO_THRESHOLD, ExactIndex, USearchIndex

SIZES = (4_096, 8_192, 12_288, 16_384, 24_576, 32_768, 65_536)
ADD_ROUNDS = 200


class _Growing:
    """An exact and a usearch index over the same vectors, grown (never shrunk) on demand."""

    def __init__(self) -> None:
        base = base_embeddings()
        self.queries, pool = base[:N_QUERIES], base[N_QUERIES:]
        self.vectors = corpus(max(SIZES) + len(SIZES) * ADD_ROUNDS, pool)
        dim = self.vectors.shape[1]
        self.indexes = {"exact": ExactIndex(dim), "usearch": USearchIndex(dim)}
        self.size = 0
        self.truth: list[list[int]] = []

    def grow(self, n: int) -> None:
        if n > self.size:
            keys = list(range(self.size, n))
            self.indexes["exact"].add_many(keys, self.vectors[self.size : n])
            # All cores for the bulk build (timing only; the env builds on one).
            self.indexes["usearch"].add_many(keys, self.vectors[self.size : n], threads=0)
            self.size = n
            self.truth = [[k for k, _ in self.indexes["exact"].search(q, K)]
                          for q in self.queries]


_STATE: dict[str, _Growing] = {}


def _growing(n: int) -> _Growing:
    state = _STATE.setdefault("state", _Growing())
    state.grow(n)
    return state


CASES = [(n, kind, op) for n in SIZES for op in ("search", "add") for kind in ("exact", "usearch")]


@pytest.mark.parametrize(("n", "kind", "op"), CASES, ids=[f"{n}-{k}-{o}" for n, k, o in CASES])
def test_index_cost_by_size(benchmark, report, n: int, kind: str, op: str) -> None:
    state = _growing(n)
    index = state.indexes[kind]
    benchmark.group = f"n={n:,} {op}"
    if op == "search":
        cycle = itertools.cycle(state.queries)
        benchmark(lambda: index.search(next(cycle), K))
        recall = float(np.mean([len({k for k, _ in index.search(q, K)} & set(t)) / K
                                for q, t in zip(state.queries, state.truth, strict=True)]))
        extra = f"  recall@5 {recall:.4f}"
    else:
        # Fresh keys, kept afterwards (200 more vectors do not change the size class): in
        # usearch an add right after a remove costs 3-5x a plain add, so undoing each add
        # would measure the wrong thing.
        first = max(SIZES) + SIZES.index(n) * ADD_ROUNDS  # rows no other size adds
        fresh = iter(range(first, first + ADD_ROUNDS))

        def setup():
            key = next(fresh)
            return (key, state.vectors[key]), {}

        benchmark.pedantic(index.add, setup=setup, rounds=ADD_ROUNDS, iterations=1)
        extra = ""
    p50_us = benchmark.stats.stats.median * 1e6
    report(f"index switch point (AUTO_THRESHOLD = {AUTO_THRESHOLD:,})",
           f"n={n:>7,} {kind:<8} {op:<6} p50 {p50_us:8.0f} us{extra}")
