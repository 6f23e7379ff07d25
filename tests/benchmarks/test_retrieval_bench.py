"""Retrieval latency of the long-term memory index: exact numpy vs usearch, 1k to 1M memories.

Run (1k and 100k; about a minute on 2 cores, plus ~30 s the first time to embed with MiniLM):

    .venv/bin/python -m pytest tests/benchmarks/test_retrieval_bench.py --benchmark-only

Add the 1M case (about 9 more minutes on 2 cores, ~9 GB of RAM) with ``AGEMEM_BENCH_1M=1``.
Each row records ``recall@5`` against exact search in ``extra_info`` (see
``--benchmark-json``) and in the summary printed at the end of the run.

Vectors are embedding-like, never uniform random (random vectors are nearly orthogonal,
which flatters or wrecks an ANN index unrealistically): a few thousand varied sentences are
embedded once with MiniLM (cached under ``~/.cache/agemem/bench/``), and larger sets are
L2-normalised mixtures of 2-3 of those embeddings plus small Gaussian noise, which keeps
MiniLM's anisotropic geometry. Queries are embeddings of held-out sentences.
"""

from __future__ import annotations

import itertools
import os
import time
from pathlib import Path

import numpy as np
import pytest

from agemem_env.memory.vector_index import AutoIndex, ExactIndex, USearchIndex

CACHE_DIR = Path("~/.cache/agemem/bench").expanduser()
N_SENTENCES = 4096
N_QUERIES = 128
K = 5
SIZES = [1_000, 100_000] + ([1_000_000] if os.environ.get("AGEMEM_BENCH_1M") == "1" else [])

_TOPICS = {
    "cooking": ("recipe", "oven", "garlic", "risotto", "knife", "spice", "dough", "broth"),
    "travel": ("flight", "passport", "hotel", "itinerary", "museum", "train", "beach", "visa"),
    "finance": ("stock", "bond", "mortgage", "budget", "dividend", "tax", "loan", "inflation"),
    "health": ("doctor", "vaccine", "sleep", "diet", "allergy", "clinic", "fever", "workout"),
    "software": ("compiler", "database", "bug", "server", "API", "deploy", "cache", "thread"),
    "music": ("guitar", "concert", "album", "melody", "drummer", "chord", "opera", "playlist"),
    "sports": ("marathon", "goalkeeper", "tennis", "referee", "stadium", "coach", "medal"),
    "pets": ("cat", "puppy", "vet", "leash", "aquarium", "parrot", "kitten", "hamster"),
    "weather": ("storm", "forecast", "snow", "humidity", "drought", "rainbow", "heatwave"),
    "family": ("sister", "grandmother", "wedding", "birthday", "cousin", "nephew", "anniversary"),
    "science": ("telescope", "molecule", "experiment", "galaxy", "enzyme", "fossil", "laser"),
    "work": ("meeting", "deadline", "manager", "promotion", "invoice", "contract", "office"),
    "garden": ("tomato", "compost", "rose", "seedling", "hedge", "orchard", "fertiliser"),
    "movies": ("director", "sequel", "premiere", "actor", "trailer", "screenplay", "cinema"),
    "cars": ("engine", "tyre", "mechanic", "highway", "battery", "garage", "fuel"),
    "books": ("novel", "library", "author", "chapter", "poem", "bookshop", "biography"),
}
_NAMES = ("Alice", "Bob", "Chen", "Dana", "Emeka", "Fatima", "Goran", "Hana", "Ivan", "Julia")
_PLACES = ("Paris", "Lagos", "Osaka", "Lima", "Oslo", "Cairo", "Denver", "Hanoi", "Porto")
_TEMPLATES = (
    "{name} mentioned the {a} and the {b} during lunch in {place}.",
    "My favourite {a} is still the one from {place}.",
    "Did you know {name} bought a new {a} last {day}?",
    "The {a} broke again, so {name} called about the {b}.",
    "Remember that the {a} costs {num} dollars in {place}.",
    "{name} prefers the {a} over the {b} these days.",
    "We talked for an hour about {a}s and {b}s.",
    "On {day} I have to deal with the {a} before noon.",
    "Is the {a} in {place} better than the {b}?",
    "{name}'s {a} was featured in a story about {b}s.",
    "Honestly the {b} matters more than any {a}.",
    "Note to self: {num} {a}s for {name} by {day}.",
)
_DAYS = ("Monday", "Tuesday", "Friday", "Sunday", "weekend", "spring", "December")


def _sentences(n: int, seed: int = 0) -> list[str]:
    """``n`` distinct, varied sentences, deterministic for a seed."""
    rng = np.random.default_rng(seed)
    topics = list(_TOPICS.values())
    out: dict[str, None] = {}
    for _ in itertools.count():
        words = topics[rng.integers(len(topics))]
        # One in four sentences mixes two topics, as real chat does.
        other = topics[rng.integers(len(topics))] if rng.random() < 0.25 else words
        text = _TEMPLATES[rng.integers(len(_TEMPLATES))].format(
            name=_NAMES[rng.integers(len(_NAMES))],
            place=_PLACES[rng.integers(len(_PLACES))],
            day=_DAYS[rng.integers(len(_DAYS))],
            num=int(rng.integers(2, 500)),
            a=words[rng.integers(len(words))],
            b=other[rng.integers(len(other))],
        )
        out[text] = None
        if len(out) == n:
            return list(out)
    raise AssertionError("unreachable")


def base_embeddings() -> np.ndarray:
    """MiniLM embeddings of the benchmark sentences, computed once and cached as .npy."""
    path = CACHE_DIR / f"minilm_sentences_{N_SENTENCES}.npy"
    if path.exists():
        return np.load(path)
    from agemem_env.embed import SentenceTransformerEmbedder

    vectors = SentenceTransformerEmbedder().embed(_sentences(N_SENTENCES))
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, vectors)
    os.replace(tmp, path)
    return vectors


def corpus(n: int, base: np.ndarray, seed: int = 1, noise: float = 0.01) -> np.ndarray:
    """``n`` unit vectors, each a random mixture of 2-3 base rows plus Gaussian noise."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    for start in range(0, n, 65_536):  # chunks bound the temporary memory
        m = min(65_536, n - start)
        picks = rng.integers(len(base), size=(m, 3))
        weights = rng.dirichlet(np.ones(3), size=m).astype(np.float32)
        weights[rng.random(m) < 0.5, 2] = 0.0  # half the mixtures use only two rows
        chunk = np.einsum("mj,mjd->md", weights, base[picks])
        chunk += rng.normal(0.0, noise, size=chunk.shape).astype(np.float32)
        chunk /= np.linalg.norm(chunk, axis=1, keepdims=True)
        out[start : start + m] = chunk
    return out


_BUILT: dict[int, dict[str, object]] = {}


def _indexes(n: int) -> dict[str, object]:
    """Data, queries, exact answers and the three indexes for size ``n``, built once."""
    if n not in _BUILT:
        _BUILT.clear()  # keep one size in memory at a time (1M is ~5 GB all told)
        base = base_embeddings()
        queries, pool = base[:N_QUERIES], base[N_QUERIES:]  # held-out sentences as queries
        vectors = corpus(n, pool)
        keys = list(range(n))
        exact = ExactIndex(vectors.shape[1])
        exact.add_many(keys, vectors)
        # All cores for the build: fine for timing (a test wants build_threads=1, reproducible).
        auto = AutoIndex(vectors.shape[1], build_threads=0)
        start = time.perf_counter()
        auto.add_many(keys, vectors)
        build_s = time.perf_counter() - start
        if auto.backend == "usearch":
            usearch = auto._impl
        else:  # below the threshold the auto index is exact; build a graph to compare
            usearch = USearchIndex(vectors.shape[1], build_threads=0)
            start = time.perf_counter()
            usearch.add_many(keys, vectors)
            build_s = time.perf_counter() - start
        del vectors
        truth = [[key for key, _ in exact.search(q, K)] for q in queries]
        _BUILT[n] = {
            "queries": queries,
            "truth": truth,
            "exact": exact,
            "usearch": usearch,
            "auto": auto,
            "build_s": build_s,
        }
    return _BUILT[n]


BACKENDS = ("exact", "usearch", "auto", "usearch-es256", "usearch-plain")
CASES = [(n, backend) for n in SIZES for backend in BACKENDS]


def _searcher(built: dict[str, object], backend: str):
    """``search(query) -> keys`` for a backend row, and a callback undoing its setup.

    ``usearch-es256`` is our path with the earlier search breadth (256); ``usearch-plain``
    asks the same graph for the top 5 directly (no over-fetch, no exact re-scoring): the
    gap between the rows is the cost of each part.
    """
    if backend in ("exact", "usearch", "auto"):
        index = built[backend]
        return (lambda q: [key for key, _ in index.search(q, K)]), (lambda: None)
    graph = built["usearch"]._graph
    if backend == "usearch-plain":
        return (lambda q: graph.search(q, K).keys.tolist()), (lambda: None)
    before = graph.expansion_search
    graph.expansion_search = 256

    def undo() -> None:
        graph.expansion_search = before

    index = built["usearch"]
    return (lambda q: [key for key, _ in index.search(q, K)]), undo


@pytest.mark.parametrize(("n", "backend"), CASES, ids=[f"{n}-{b}" for n, b in CASES])
def test_retrieval_latency(benchmark, report, n: int, backend: str) -> None:
    """Latency of one top-5 search; recall@5 against exact search goes in extra_info."""
    built = _indexes(n)
    search, undo = _searcher(built, backend)
    try:
        queries = built["queries"]
        recall = float(
            np.mean(
                [
                    len(set(search(q)) & set(truth)) / K
                    for q, truth in zip(queries, built["truth"], strict=True)
                ]
            )
        )
        cycle = itertools.cycle(queries)
        benchmark.group = f"n={n:,}"
        benchmark.extra_info.update(
            {"n": n, "backend": backend, "recall@5": recall, "usearch_build_s": built["build_s"]}
        )
        if backend == "auto":
            benchmark.extra_info["auto_backend"] = built["auto"].backend
        result = benchmark(lambda: search(next(cycle)))
    finally:
        undo()
    p50_ms = benchmark.stats.stats.median * 1e3
    report("retrieval: top-5 search", f"n={n:>9,} {backend:<14} p50 {p50_ms:7.3f} ms  "
           f"recall@5 {recall:.4f}  graph build {built['build_s']:.1f} s")
    assert len(result) == K
    assert recall >= 0.95
