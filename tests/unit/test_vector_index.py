"""Vector indexes: exact order and scores, restrictions, removal, usearch agreeing with exact."""

from __future__ import annotations

import numpy as np
import pytest

from agemem_env.embed import HashingEmbedder
from agemem_env.memory.vector_index import AutoIndex, ExactIndex, USearchIndex, make_index

DIM = 16
FACTORIES = {
    "exact": lambda: ExactIndex(DIM),
    "usearch": lambda: USearchIndex(DIM),
    "auto": lambda: AutoIndex(DIM, threshold=8),  # small threshold: migrates mid-test
}


@pytest.fixture(params=sorted(FACTORIES))
def index(request):
    return FACTORIES[request.param]()


def unit(rng: np.random.Generator, n: int, dim: int = DIM) -> np.ndarray:
    x = rng.normal(size=(n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_search_matches_brute_force(index) -> None:
    rng = np.random.default_rng(0)
    vectors = unit(rng, 60)
    for key, vector in enumerate(vectors):
        index.add(key * 3, vector * 5.0)  # scale must not matter: cosine
    query = unit(rng, 1)[0]
    expected = np.argsort(-(vectors @ query), kind="stable")[:7]
    result = index.search(query, 7)
    assert [key for key, _ in result] == [int(i) * 3 for i in expected]
    assert [s for _, s in result] == pytest.approx((vectors @ query)[expected].tolist(), abs=1e-5)
    assert len(index) == 60 and index.keys() == {k * 3 for k in range(60)}


def test_ties_break_by_key_and_k_larger_than_store(index) -> None:
    vector = np.ones(DIM, dtype=np.float32)
    for key in (9, 2, 5):
        index.add(key, vector)
    assert index.search(vector, 10) == [
        (2, pytest.approx(1.0)),
        (5, pytest.approx(1.0)),
        (9, pytest.approx(1.0)),
    ]
    assert [k for k, _ in index.search(vector, 2)] == [2, 5]


def test_restriction_and_removal(index) -> None:
    rng = np.random.default_rng(1)
    vectors = unit(rng, 40)
    for key, vector in enumerate(vectors):
        index.add(key, vector)
    query = vectors[7]
    assert [k for k, _ in index.search(query, 3, keys={3, 4, 30, 999})] == sorted(
        [3, 4, 30], key=lambda k: (-(vectors[k] @ query), k)
    )
    index.remove(7)
    assert 7 not in [k for k, _ in index.search(query, 40)]
    assert len(index) == 39
    with pytest.raises(KeyError):
        index.remove(7)


def test_add_existing_key_replaces_vector(index) -> None:
    rng = np.random.default_rng(2)
    a, b = unit(rng, 2)
    index.add(1, a)
    index.add(1, b)
    assert len(index) == 1
    assert index.search(b, 1)[0] == (1, pytest.approx(1.0, abs=1e-6))


def test_zero_vector_scores_zero(index) -> None:
    index.add(1, np.zeros(DIM, dtype=np.float32))
    index.add(2, np.eye(DIM, dtype=np.float32)[0])
    assert index.search(np.eye(DIM, dtype=np.float32)[0], 5) == [
        (2, pytest.approx(1.0)),
        (1, 0.0),
    ]


def test_bad_vectors_and_keys_are_rejected(index) -> None:
    with pytest.raises(ValueError, match="dimensions"):
        index.add(1, np.ones(DIM + 1))
    with pytest.raises(ValueError, match="NaN"):
        index.add(1, np.full(DIM, np.nan))
    with pytest.raises(TypeError, match="key"):
        index.add(-1, np.ones(DIM))
    assert len(index) == 0 and index.search(np.ones(DIM), 3) == []


def test_auto_index_migrates_past_threshold() -> None:
    rng = np.random.default_rng(3)
    vectors = unit(rng, 20)
    auto, exact = AutoIndex(DIM, threshold=10), ExactIndex(DIM)
    for key, vector in enumerate(vectors):
        auto.add(key, vector)
        exact.add(key, vector)
        assert auto.backend == ("exact" if key < 10 else "usearch")
    for query in unit(rng, 5):
        assert auto.search(query, 5) == exact.search(query, 5)


def test_make_index_names() -> None:
    assert isinstance(make_index("exact", 4), ExactIndex)
    with pytest.raises(ValueError, match="unknown index 'faiss'"):
        make_index("faiss", 4)


def _sentences(n: int) -> list[str]:
    rng = np.random.default_rng(4)
    words = (
        "cat dog tea coffee bank river train flight doctor garden music film stock bond "
        "rain snow city village book poem engine battery sister cousin"
    ).split()
    return [" ".join(rng.choice(words, size=int(rng.integers(3, 9)))) for _ in range(n)]


def test_usearch_agrees_with_exact_on_embeddings() -> None:
    """A few thousand real (hashing) embeddings: same top-5 and bit-identical scores."""
    texts = _sentences(3000)
    vectors = HashingEmbedder(dim=128).embed(texts)
    exact, ann = ExactIndex(128), USearchIndex(128)
    exact.add_many(range(len(texts)), vectors)
    ann.add_many(range(len(texts)), vectors)
    queries = HashingEmbedder(dim=128).embed(_sentences(3050)[3000:])
    agree = 0
    for query in queries:
        want, got = exact.search(query, 5), ann.search(query, 5)
        agree += want == got
        shared = dict(want).keys() & dict(got).keys()
        assert all(dict(want)[k] == dict(got)[k] for k in shared)  # bit-identical scores
    assert agree >= 0.96 * len(queries)
    # A restricted search is exact even on the usearch index.
    subset = set(range(0, 3000, 7))
    for query in queries[:10]:
        assert ann.search(query, 5, keys=subset) == exact.search(query, 5, keys=subset)


def test_usearch_survives_many_removals() -> None:
    rng = np.random.default_rng(5)
    vectors = unit(rng, 300)
    ann, exact = USearchIndex(DIM), ExactIndex(DIM)
    ann.add_many(range(300), vectors)
    exact.add_many(range(300), vectors)
    for key in range(0, 290):
        ann.remove(key)
        exact.remove(key)
    assert ann.search(vectors[295], 5) == exact.search(vectors[295], 5)


def test_usearch_bulk_build_is_reproducible() -> None:
    """Same data, two builds: identical answers (GRPO groups compare runs of one seed)."""
    texts = _sentences(2000)
    vectors = HashingEmbedder(dim=64).embed(texts)
    queries = HashingEmbedder(dim=64).embed(_sentences(2100)[2000:])
    answers = []
    for _ in range(2):
        ann = USearchIndex(64, expansion_search=16)  # a narrow search makes misses likely
        ann.add_many(range(len(texts)), vectors)
        answers.append([ann.search(q, 5) for q in queries])
    assert answers[0] == answers[1]


def test_pickled_index_answers_identically(index) -> None:
    """Envs are pickled (vector envs, Ray); a copy must behave like the original."""
    import pickle

    rng = np.random.default_rng(6)
    vectors = unit(rng, 80)
    index.add_many(range(80), vectors)
    index.remove(3)
    clone = pickle.loads(pickle.dumps(index))
    queries = unit(rng, 10)
    assert [clone.search(q, 5) for q in queries] == [index.search(q, 5) for q in queries]
    clone.add(500, queries[0])  # the copy stays usable and independent
    assert clone.search(queries[0], 1)[0][0] == 500 and 500 not in index.keys()
