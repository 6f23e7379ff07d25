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
