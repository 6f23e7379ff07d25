"""Which rule decides that a stored memory supports a gold fact: a named choice or a callable.

The rule drives memory quality in ``info``, and the storage and relevance reward terms.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from agemem_env.embed import Embedder
from agemem_env.memory_quality import MemoryQuality, memory_quality

MemoryScorer = Callable[[Sequence[str], Sequence[str]], MemoryQuality]
"""(memories, gold facts) -> MemoryQuality; LLMMemoryJudge from judges_extra is one."""

DEFAULT_THRESHOLDS = {"tokens": 0.6, "embedding": 0.7}


def make_memory_scorer(
    spec: str | MemoryScorer | None, embedder: Embedder, threshold: float | None = None
) -> MemoryScorer:
    """A scorer from "tokens" (share of a fact's content words, default), "embedding"
    (cosine of sentence embeddings), or any callable such as an LLM memory judge.

    >>> from agemem_env.embed import HashingEmbedder
    >>> scorer = make_memory_scorer(None, HashingEmbedder())
    >>> scorer(["Dana works at Veltrix Labs"], ["Dana works at Veltrix Labs."]).recall
    1.0
    """
    if spec is None or spec == "tokens":
        return partial(memory_quality, threshold=threshold or DEFAULT_THRESHOLDS["tokens"])
    if spec == "embedding":
        from agemem_env.judges_extra import embedding_memory_quality

        return partial(
            embedding_memory_quality,
            embedder=embedder,
            threshold=threshold or DEFAULT_THRESHOLDS["embedding"],
        )
    if callable(spec):
        return spec
    raise ValueError(
        f"memory_scorer must be 'tokens', 'embedding' or a callable, got {spec!r}"
    )
