"""Token counters: offline tiktoken (BPE file rebuilt from quicktok), tokenizers, the factory."""

from __future__ import annotations

import hashlib
import os

import pytest
import quicktok

from agemem_env import tokens
from agemem_env.tokens import (
    HFTokenizerCounter,
    TiktokenCounter,
    make_token_counter,
)

SAMPLES = [
    "hello world",
    "Alice moved to Lisbon in 2021; she prefers oolong tea.",
    "naïve café — 東京 🚀",
    "def f(x):\n    return x ** 2\n",
]


class WhitespaceTokenizer:
    """Stands in for a transformers tokenizer."""

    name_or_path = "toy/whitespace"

    def encode(self, text: str, add_special_tokens: bool = True) -> list[int]:
        assert add_special_tokens is False
        return [len(word) for word in text.split()]


@pytest.mark.parametrize("encoding", ["cl100k_base", "o200k_base"])
def test_tiktoken_counts_match_quicktok(encoding: str) -> None:
    counter = TiktokenCounter(encoding)
    reference = quicktok.get_encoding(encoding)
    for text in SAMPLES:
        assert counter.count(text) == len(reference.encode_ordinary(text))
    assert counter.name == f"tiktoken:{encoding}"


def test_tiktoken_uses_tiktoken_not_the_fallback() -> None:
    TiktokenCounter().count("warm up")
    assert type(tokens._ENCODINGS["cl100k_base"]).__module__.startswith("tiktoken")


def test_known_counts_and_special_token_text() -> None:
    counter = TiktokenCounter()
    assert counter.count("hello world") == 2
    assert counter.count("") == 0
    # User text containing a special token is ordinary text, not an error.
    assert counter.count("<|endoftext|>") > 1
    with pytest.raises(TypeError, match="str"):
        counter.count(None)  # type: ignore[arg-type]


def test_bpe_file_written_where_tiktoken_looks(tmp_path) -> None:
    tokens._ensure_bpe_file("cl100k_base", tmp_path)
    url, expected = tokens._BPE_FILES["cl100k_base"]
    written = tmp_path / hashlib.sha1(url.encode()).hexdigest()
    assert hashlib.sha256(written.read_bytes()).hexdigest() == expected
    mtime = written.stat().st_mtime_ns
    tokens._ensure_bpe_file("cl100k_base", tmp_path)  # a good file is left alone
    assert written.stat().st_mtime_ns == mtime


def test_cache_dir_respects_user_setting_and_env_is_restored(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    assert tokens._cache_dir() == tmp_path
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR")
    assert tokens._cache_dir() == tokens._DEFAULT_CACHE_DIR.expanduser()
    with tokens._tiktoken_cache_env(tmp_path):
        assert os.environ["TIKTOKEN_CACHE_DIR"] == str(tmp_path)
    assert "TIKTOKEN_CACHE_DIR" not in os.environ


def test_unknown_encoding_raises_runtime_error_naming_it() -> None:
    counter = TiktokenCounter("no_such_encoding_xyz")
    with pytest.raises(RuntimeError, match="no_such_encoding_xyz"):
        counter.count("hello")


def test_hf_tokenizer_counter() -> None:
    counter = HFTokenizerCounter(WhitespaceTokenizer())
    assert counter.count("one two three") == 3
    assert counter.name == "hf:toy/whitespace"
    with pytest.raises(TypeError, match="encode"):
        HFTokenizerCounter(object())


def test_make_token_counter_specs() -> None:
    default = make_token_counter()
    assert isinstance(default, TiktokenCounter) and default.encoding == "cl100k_base"
    assert make_token_counter("o200k_base").encoding == "o200k_base"  # type: ignore[attr-defined]
    assert make_token_counter(default) is default
    assert isinstance(make_token_counter(WhitespaceTokenizer()), HFTokenizerCounter)
    with pytest.raises(TypeError, match="int"):
        make_token_counter(3)


class CallCountingTokenizer(WhitespaceTokenizer):
    """Counts how often it is asked to encode."""

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, text: str, add_special_tokens: bool = True) -> list[int]:
        self.calls += 1
        return super().encode(text, add_special_tokens)


def test_cached_counts_equal_fresh_counts() -> None:
    import random

    rng = random.Random(0)
    alphabet = "abc xyz 0123 .,!? \n\té東京🚀<|endoftext|>"
    texts = SAMPLES + ["".join(rng.choice(alphabet) for _ in range(rng.randrange(300)))
                       for _ in range(500)]
    cached, fresh = TiktokenCounter(cache_size=64), TiktokenCounter(cache_size=0)
    reference = quicktok.get_encoding("cl100k_base")
    for text in texts + texts[::-1]:  # second pass: hits and re-misses after eviction
        assert cached.count(text) == fresh.count(text) == len(reference.encode_ordinary(text))


def test_each_text_is_tokenised_once_within_the_bound() -> None:
    tokenizer = CallCountingTokenizer()
    counter = HFTokenizerCounter(tokenizer, cache_size=2)
    assert [counter.count(t) for t in ("a b", "a b", "c", "a b")] == [2, 2, 1, 2]
    assert tokenizer.calls == 2
    counter.count("d")  # evicts "c", the least recently used
    counter.count("c")
    assert tokenizer.calls == 4
    uncached = HFTokenizerCounter(tokenizer, cache_size=0)
    for _ in range(2):
        uncached.count("a b")
    assert tokenizer.calls == 6


def test_counters_pickle_and_check_cache_size() -> None:
    import pickle

    counter = TiktokenCounter(cache_size=8)
    counter.count("hello world")
    clone = pickle.loads(pickle.dumps(counter))
    assert clone.count("hello world") == 2 and clone.cache_size == 8
    hf = pickle.loads(pickle.dumps(HFTokenizerCounter(WhitespaceTokenizer())))
    assert hf.count("one two") == 2
    for bad in (-1, 2.0, True):
        with pytest.raises(ValueError, match="cache_size"):
            TiktokenCounter(cache_size=bad)  # type: ignore[arg-type]
