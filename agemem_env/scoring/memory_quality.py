"""Memory quality: how well stored memories cover a task's gold supporting facts.

Lexical by default: text is normalised as for answers and stopwords are dropped
(``scoring.text.content_tokens``), and a memory *supports* a fact when it holds at least
``threshold`` (default 0.6) of the fact's content tokens. ``embedding_memory_quality``
matches by cosine similarity instead. Precision is the share of memories that support
some fact, recall the share of facts some memory supports.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from agemem_env.embed import Embedder
from agemem_env.scoring.text import content_tokens

_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+|\n+")


def fact_support(memory_text: str, fact: str) -> float:
    """Share of the fact's content tokens that occur in the memory text.

    A fact with no content tokens (empty, or only stopwords) cannot be checked and gets
    0.0 from every memory; ``memory_quality`` leaves such facts out.

    >>> fact_support("User: Ana moved to Porto in 2019", "Ana lives in Porto since 2019")
    0.6
    >>> fact_support("anything", "it is")
    0.0
    """
    fact_tokens = content_tokens(fact)
    if not fact_tokens:
        return 0.0
    return len(fact_tokens & content_tokens(memory_text)) / len(fact_tokens)


@dataclass(frozen=True)
class MemoryQuality:
    """Coverage of the supporting facts by the stored memories.

    ``supporting[i]`` says whether memory i supports at least one fact.
    """

    precision: float
    recall: float
    f1: float
    supporting: tuple[bool, ...]


def memory_quality(
    memories: Sequence[str], facts: Sequence[str], threshold: float = 0.6
) -> MemoryQuality:
    """Precision, recall and F1 of memories against gold supporting facts.

    Args:
        memories: Stored memory contents.
        facts: Gold supporting facts; those without content tokens are ignored.
        threshold: Minimum ``fact_support`` for a memory to support a fact, in (0, 1].

    Returns:
        No memories, or no checkable facts, give precision, recall and F1 of 0.0.

    >>> quality = memory_quality(
    ...     ["Ana lives in Porto", "the weather was nice"],
    ...     ["Ana lives in Porto", "Ana works as a nurse"])
    >>> quality.precision, quality.recall, quality.supporting
    (0.5, 0.5, (True, False))
    >>> memory_quality([], ["Ana lives in Porto"]).f1
    0.0
    """
    for label, values in (("memories", memories), ("facts", facts)):
        if isinstance(values, str):
            raise TypeError(f"{label} must be a sequence of str, not a single str")
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold!r}")
    fact_sets = [tokens for tokens in map(content_tokens, facts) if tokens]
    memory_sets = [content_tokens(memory) for memory in memories]
    # supports[i][j]: memory i holds enough of fact j's content tokens.
    supports = [
        [len(fact & memory) / len(fact) >= threshold for fact in fact_sets]
        for memory in memory_sets
    ]
    supporting = tuple(any(row) for row in supports)
    if not memory_sets or not fact_sets:
        return MemoryQuality(0.0, 0.0, 0.0, supporting)
    precision = sum(supporting) / len(memory_sets)
    recall = sum(any(row[j] for row in supports) for j in range(len(fact_sets))) / len(fact_sets)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return MemoryQuality(precision, recall, f1, supporting)


def checkable_facts(memories: Sequence[str], facts: Sequence[str]) -> list[str]:
    """Type-check both; keep the facts with content tokens, as ``memory_quality`` does
    (the memory judges share this)."""
    for label, values in (("memories", memories), ("facts", facts)):
        if isinstance(values, str):
            raise TypeError(f"{label} must be a sequence of str, not a single str")
    return [fact for fact in facts if content_tokens(fact)]


def quality_from(supporting: tuple[bool, ...], recall: float) -> MemoryQuality:
    """Precision from per-memory support flags, F1 with the given recall."""
    precision = sum(supporting) / len(supporting)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return MemoryQuality(precision, recall, f1, supporting)


def _sentences(text: str) -> list[str]:
    """The text's sentences, plus the whole text when it has several.

    >>> _sentences("Ana moved. She likes Porto!")
    ['Ana moved.', 'She likes Porto!', 'Ana moved. She likes Porto!']
    """
    parts = [part.strip() for part in _SENTENCE_RE.split(text) if part.strip()]
    return parts + [text.strip()] if len(parts) > 1 else parts or [text]


def embedding_memory_quality(
    memories: Sequence[str], facts: Sequence[str], embedder: Embedder, threshold: float = 0.7
) -> MemoryQuality:
    """Memory quality with semantic matching: a memory supports a fact when one of its
    sentences (or the whole memory) has cosine similarity >= ``threshold`` with the fact.

    Args:
        memories: Stored memory contents.
        facts: Gold supporting facts; those without content tokens are ignored.
        embedder: Returns L2-normalised rows, so a dot product is the cosine.
        threshold: Minimum cosine similarity, in (0, 1].

    Returns:
        Precision, recall and F1 as in ``memory_quality``.
    """
    facts = checkable_facts(memories, facts)
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold!r}")
    if not memories or not facts:
        return MemoryQuality(0.0, 0.0, 0.0, tuple(False for _ in memories))
    units = [_sentences(memory) for memory in memories]
    owner = np.repeat(np.arange(len(units)), [len(u) for u in units])
    flat = [sentence for unit in units for sentence in unit]
    similarity = embedder.embed(flat) @ embedder.embed(facts).T  # (sentences, facts)
    # supports[i, j]: some unit of memory i is close enough to fact j.
    supports = np.zeros((len(memories), len(facts)), dtype=bool)
    np.logical_or.at(supports, owner, similarity >= threshold)
    supporting = tuple(bool(row.any()) for row in supports)
    return quality_from(supporting, float(supports.any(axis=0).mean()))
