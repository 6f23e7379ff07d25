"""Memory quality: how well stored memories cover a task's gold supporting facts.

Lexical by default: text is normalised as for answers and stopwords are dropped
(``scoring.text.content_tokens``), and a memory *supports* a fact when it holds at least
``threshold`` (default 0.6) of the fact's content tokens. ``embedding_memory_quality``
matches by cosine similarity instead. Precision is the share of memories that support
some fact, recall the share of facts some memory supports.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from agemem_env.embed import Embedder
from agemem_env.scoring.text import content_tokens, content_words

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
class GoldFacts:
    """What memory is judged against: the gold facts with their current values, and the
    statements the task made untrue (earlier values, retracted claims) with theirs.

    A value of "" (or no values at all) means support by word overlap alone. It also reads
    as the sequence of its facts, so a scorer written for ``(memories, facts)`` still works.
    """

    facts: tuple[str, ...]
    values: tuple[str, ...] = ()
    stale: tuple[str, ...] = ()
    stale_values: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[str]:
        return iter(self.facts)

    def __len__(self) -> int:
        return len(self.facts)

    def __getitem__(self, index: int) -> str:
        return self.facts[index]

    @classmethod
    def of(cls, gold: Any) -> GoldFacts:
        """From a GoldFacts, a Task (its supporting and stale facts), or a list of facts."""
        if isinstance(gold, GoldFacts):
            return gold
        if hasattr(gold, "supporting_facts"):
            return cls(tuple(gold.supporting_facts), tuple(gold.supporting_values),
                       tuple(gold.stale_facts), tuple(gold.stale_values))
        if isinstance(gold, str):
            raise TypeError("facts must be a sequence of str, not a single str")
        return cls(tuple(gold))


@dataclass(frozen=True)
class Judgement:
    """How one text stands against the gold: the facts it supports (indices into the
    checkable facts), whether it is stale, and its focus (share of its content words that
    belong to the facts it supports)."""

    supports: frozenset[int]
    stale: bool
    focus: float


class FactMatcher:
    """The gold's token sets, computed once, and the support rule.

    A text supports a fact when it holds at least ``threshold`` of the fact's content words
    and every content word of the fact's current value: "The user's favourite sport is
    surfing." does not support "...is climbing." though it shares most words. A text is
    stale when it supports no fact but holds a stale statement the same way (with its old
    value).
    """

    def __init__(self, gold: Any, threshold: float = 0.6) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {threshold!r}")
        gold = GoldFacts.of(gold)
        self.threshold = threshold
        self.facts = _checkable(gold.facts, gold.values)
        self.stale = _checkable(gold.stale, gold.stale_values)

    def judge(self, text: str) -> Judgement:
        """The text's standing (see the class docstring)."""
        words = content_words(text)
        return self.judge_tokens(frozenset(words), words)

    def judge_tokens(self, tokens: frozenset[str], words: Sequence[str] = ()) -> Judgement:
        """``judge`` on content tokens already computed; ``words`` (the tokens with their
        repeats, in order) makes the focus count repeated words, as a dump repeats them."""
        supports = frozenset(j for j, fact in enumerate(self.facts) if self._holds(tokens, fact))
        stale = not supports and any(self._holds(tokens, s) for s in self.stale)
        focus = 0.0
        if supports:
            covered = frozenset().union(*(self.facts[j][0] for j in supports))
            counted = list(words) or list(tokens)
            focus = sum(word in covered for word in counted) / len(counted)
        return Judgement(supports, stale, focus)

    def _holds(self, tokens: frozenset[str], fact: tuple[frozenset[str], frozenset[str]]) -> bool:
        words, value = fact
        return len(words & tokens) / len(words) >= self.threshold and value <= tokens


def _checkable(facts: Sequence[str], values: Sequence[str]
               ) -> list[tuple[frozenset[str], frozenset[str]]]:
    """(content tokens, value tokens) of each fact that has content tokens."""
    values = list(values) or [""] * len(facts)
    pairs = [(content_tokens(f), content_tokens(v)) for f, v in zip(facts, values, strict=True)]
    return [(words, value) for words, value in pairs if words]


@dataclass(frozen=True)
class MemoryQuality:
    """Coverage of the supporting facts by the stored memories.

    ``supporting[i]``: memory i supports at least one fact (with its current value);
    ``stale[i]``: it holds a superseded value or a retracted claim instead; ``focus[i]``:
    the share of its content words that belong to the facts it supports. Precision is the
    mean focus, so one memory that dumps everything is not precise.
    """

    precision: float
    recall: float
    f1: float
    supporting: tuple[bool, ...]
    stale: tuple[bool, ...] = ()
    focus: tuple[float, ...] = ()

    @property
    def n_stale(self) -> int:
        """How many memories are stale."""
        return sum(self.stale)

    def summary(self) -> QualitySummary:
        """The numbers without the per-memory tuples."""
        return QualitySummary(self.precision, self.recall, self.f1, len(self.supporting),
                              sum(self.supporting), self.n_stale)


@dataclass(frozen=True)
class QualitySummary:
    """Memory quality as the reward and ``info`` report it: precision, recall, F1, and how
    many memories there are, support a gold fact, and are stale."""

    precision: float
    recall: float
    f1: float
    n: int
    n_supporting: int
    n_stale: int


def f1_of(precision: float, recall: float) -> float:
    """Harmonic mean, 0 when both are 0."""
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def memory_quality(memories: Sequence[str], facts: Any, threshold: float = 0.6) -> MemoryQuality:
    """Precision, recall and F1 of memories against the gold facts, value-aware.

    Args:
        memories: Stored memory contents.
        facts: The gold: a ``GoldFacts``, a Task, or a list of fact sentences (support by
            word overlap alone). Facts without content tokens are ignored.
        threshold: Minimum share of a fact's content words a memory must hold, in (0, 1].

    Returns:
        No memories, or no checkable facts, give precision, recall and F1 of 0.0.

    >>> quality = memory_quality(
    ...     ["Ana lives in Porto", "the weather was nice"],
    ...     ["Ana lives in Porto", "Ana works as a nurse"])
    >>> quality.precision, quality.recall, quality.supporting
    (0.5, 0.5, (True, False))
    >>> gold = GoldFacts(("Ana lives in Porto.",), ("Porto",), ("Ana lives in Lyon.",), ("Lyon",))
    >>> memory_quality(["Ana lives in Lyon"], gold).stale
    (True,)
    >>> memory_quality([], ["Ana lives in Porto"]).f1
    0.0
    """
    if isinstance(memories, str):
        raise TypeError("memories must be a sequence of str, not a single str")
    matcher = FactMatcher(facts, threshold)
    judged = [matcher.judge(memory) for memory in memories]
    return quality_of(judged, len(matcher.facts))


def quality_of(judged: Sequence[Judgement], n_facts: int) -> MemoryQuality:
    """Precision, recall and F1 from per-memory judgements over ``n_facts`` facts."""
    supporting = tuple(bool(j.supports) for j in judged)
    stale = tuple(j.stale for j in judged)
    focus = tuple(j.focus for j in judged)
    if not judged or not n_facts:
        return MemoryQuality(0.0, 0.0, 0.0, supporting, stale, focus)
    # fsum: the same bits as the reward's running tally, whatever the order of memories.
    precision = math.fsum(focus) / len(judged)
    recall = len(frozenset().union(*(j.supports for j in judged))) / n_facts
    return MemoryQuality(precision, recall, f1_of(precision, recall), supporting, stale, focus)


def quality_from(supporting: Sequence[bool], recall: float, stale: Sequence[bool]
                 ) -> MemoryQuality:
    """Binary precision from per-memory support flags, F1 with the given recall (the
    embedding and LLM scorers, which have no per-word focus)."""
    supporting = tuple(supporting)
    precision = sum(supporting) / len(supporting) if supporting else 0.0
    focus = tuple(float(s) for s in supporting)
    return MemoryQuality(precision, recall, f1_of(precision, recall), supporting, tuple(stale),
                         focus)


def _sentences(text: str) -> list[str]:
    """The text's sentences, plus the whole text when it has several.

    >>> _sentences("Ana moved. She likes Porto!")
    ['Ana moved.', 'She likes Porto!', 'Ana moved. She likes Porto!']
    """
    parts = [part.strip() for part in _SENTENCE_RE.split(text) if part.strip()]
    return parts + [text.strip()] if len(parts) > 1 else parts or [text]


def embedding_memory_quality(
    memories: Sequence[str], facts: Any, embedder: Embedder, threshold: float = 0.7
) -> MemoryQuality:
    """Memory quality with semantic matching: a memory supports a fact when one of its
    sentences (or the whole memory) has cosine similarity >= ``threshold`` with the fact
    and the memory holds the fact's current value. Staleness is judged by the word rule of
    ``FactMatcher``; precision is the share of supporting memories.

    Args:
        memories: Stored memory contents.
        facts: The gold, as for ``memory_quality``.
        embedder: Returns L2-normalised rows, so a dot product is the cosine.
        threshold: Minimum cosine similarity, in (0, 1].
    """
    if isinstance(memories, str):
        raise TypeError("memories must be a sequence of str, not a single str")
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold!r}")
    gold = GoldFacts.of(facts)
    values = list(gold.values) or [""] * len(gold.facts)
    kept = [(f, content_tokens(v)) for f, v in zip(gold.facts, values, strict=True)
            if content_tokens(f)]
    lexical = FactMatcher(gold)
    if not memories or not kept:
        stale = tuple(lexical.judge(m).stale for m in memories)
        return MemoryQuality(0.0, 0.0, 0.0, tuple(False for _ in memories), stale)
    units = [_sentences(memory) for memory in memories]
    owner = np.repeat(np.arange(len(units)), [len(u) for u in units])
    flat = [sentence for unit in units for sentence in unit]
    similarity = embedder.embed(flat) @ embedder.embed([f for f, _ in kept]).T
    # supports[i, j]: some unit of memory i is close enough to fact j, value included.
    supports = np.zeros((len(memories), len(kept)), dtype=bool)
    np.logical_or.at(supports, owner, similarity >= threshold)
    tokens = [content_tokens(memory) for memory in memories]
    for i, words in enumerate(tokens):
        supports[i] &= [value <= words for _, value in kept]
    supporting = [bool(row.any()) for row in supports]
    stale = [not sup and lexical.judge_tokens(words).stale
             for sup, words in zip(supporting, tokens, strict=True)]
    return quality_from(supporting, float(supports.any(axis=0).mean()), stale)
