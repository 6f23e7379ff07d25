"""Memory quality: how well stored memories cover a task's gold supporting facts.

Offline and lexical: text is normalised as for answers (``judges.normalize_answer``),
stopwords are dropped, and a memory *supports* a fact when it holds at least
``threshold`` (default 0.6) of the fact's content tokens. Precision is the share of
memories that support some fact, recall the share of facts some memory supports.
``key_terms`` gives a question's terms for the context-preservation reward.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agemem_env.judges import normalize_answer

# A small English stopword list; normalisation already removed a/an/the and punctuation.
STOPWORDS: frozenset[str] = frozenset(
    """
    a an the and or but if then else so as of at by for with about against between into
    through during before after above below to from up down in out on off over under
    again further once here there all any both each few more most other some such only
    own same than too very can will just should now i me my myself we our ours you your
    yours he him his she her hers it its they them their theirs this that these those
    am is are was were be been being have has had having do does did doing would could
    also not no nor s t ll re ve d m
    """.split()
)
# Words that shape a question but are not what it is about.
QUESTION_WORDS: frozenset[str] = frozenset(
    "what which who whom whose when where why how does did do many much".split()
)


def content_tokens(text: str) -> frozenset[str]:
    """Normalised tokens of ``text`` minus STOPWORDS.

    >>> sorted(content_tokens("The capital of France is Paris."))
    ['capital', 'france', 'paris']
    """
    return frozenset(normalize_answer(text).split()) - STOPWORDS


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


def key_terms(question: str) -> tuple[str, ...]:
    """The question's content tokens minus question words, in order, without repeats.

    The preservation reward checks that each is still in the context at answer time;
    terms are normalised like ``content_tokens``, so compare against those.

    >>> key_terms("Which city did Ana move to in 2019, and why did Ana move?")
    ('city', 'ana', 'move', '2019')
    """
    terms = dict.fromkeys(
        token
        for token in normalize_answer(question).split()
        if token not in STOPWORDS and token not in QUESTION_WORDS
    )
    return tuple(terms)
