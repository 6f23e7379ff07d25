"""Judges and memory scorers by name: what ``judge=`` and ``memory_scorer=`` of the env accept."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from agemem_env.embed import Embedder
from agemem_env.scoring.judges import ExactMatchF1Judge, Judge
from agemem_env.scoring.locomo import LoCoMoJudge
from agemem_env.scoring.memory_quality import (
    MemoryQuality,
    embedding_memory_quality,
    memory_quality,
)

_JUDGES = {"f1": "f1", "em_f1": "f1", "em": "em", "locomo": "locomo", "locomo_f1": "locomo"}


def make_judge(spec: str | Judge | None) -> Judge:
    """A judge from a name or an object.

    Args:
        spec: None or "f1" (EM/F1 judge scoring F1), "em" (scoring exact match),
            "locomo" (LoCoMo's category-aware F1), or a Judge, returned as is.

    >>> make_judge("em").score, make_judge(None).score
    ('em', 'f1')
    """
    if spec is None:
        return ExactMatchF1Judge("f1")
    if isinstance(spec, str):
        key = spec.strip().lower()
        if key not in _JUDGES:
            raise ValueError(
                f"unknown judge {spec!r}; choose 'f1', 'em' or 'locomo', or pass a Judge"
            )
        if _JUDGES[key] == "locomo":
            return LoCoMoJudge()
        return ExactMatchF1Judge(_JUDGES[key])
    if callable(spec):
        return spec
    raise TypeError(f"judge must be a name, a Judge or None, got {type(spec).__name__}")


class TokenScorer:
    """The default scorer: ``memory_quality``'s word rule at a threshold. The env keeps its
    verdict as a running tally instead of calling it on every memory every step."""

    name = "tokens"

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold

    def __call__(self, memories: Sequence[str], gold: Any) -> MemoryQuality:
        """Score ``memories`` against ``gold``."""
        return memory_quality(memories, gold, threshold=self.threshold)


MemoryScorer = Callable[[Sequence[str], Any], MemoryQuality]
"""(memories, gold) -> MemoryQuality, where gold is a ``GoldFacts`` (a Task or a plain list
of facts also works); scoring.llm_judges.LLMMemoryJudge is one."""

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
        return TokenScorer(threshold or DEFAULT_THRESHOLDS["tokens"])
    if spec == "embedding":
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
