"""Summarisers for Summary_context: an offline extractive one and an LLM one.

A summariser is any callable with a ``name`` that turns the texts of a context span into
one summary string starting with "Summary: ". The default, ``ExtractiveSummariser``,
needs no model and is deterministic, so seeded episodes stay reproducible.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from agemem_env.scoring.text import content_tokens

EMPTY_SUMMARY = "Summary: (nothing to summarise)"
SUMMARY_PREFIX = "Summary: "
SUMMARY_INSTRUCTION = (
    "You compress part of a conversation so that it can replace the original messages. "
    "Keep every fact, name, number, date, decision and open question; drop greetings, "
    "small talk and filler. Write plain, short sentences in the third person, without "
    "lists or commentary, and add nothing that the conversation does not say."
)

_SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?])\s+|\n+")
_CAPITALISED_RE = re.compile(r"[A-Z][\w'-]*")
_NUMBER_RE = re.compile(r"\d")
# Sentences made only of these words (after stopwords go) carry no information.
FILLER_WORDS: frozenset[str] = frozenset(
    """
    hi hello hey thanks thank ok okay sure bye goodbye lol haha great cool nice yeah yes
    yep hmm um uh oh wow well good morning evening night please awesome welcome see later
    talk soon glad happy anyway right fine alright sounds how going doing day today
    user assistant system tool
    """.split()
)
# Jaccard similarity of content tokens at which a sentence repeats an earlier one.
_DUPLICATE_JACCARD = 0.8


@runtime_checkable
class Summariser(Protocol):
    """Turns the texts of a context span into one "Summary: ..." string."""

    name: str

    def __call__(self, texts: Sequence[str]) -> str:
        """Summarise ``texts`` (message contents, in order)."""
        ...


_LISTED_RE = re.compile(r"^mem_\d+(?: \([-\d.]+\))?: ", re.MULTILINE)
_LIST_HEADER_RE = re.compile(
    r"^(?:\[\w+\] \((?:ok|error)\) )?(?:\d+ memories:|Related memories:)\s*", re.IGNORECASE)


def summary_input(message: Any) -> str:
    r"""What of a context message a summary may keep (``""``: nothing).

    User turns keep their text, an earlier summary without its "Summary: " label (so
    summaries never nest); a retrieval keeps the memories it listed, without ids and
    scores; tool status lines, format errors and the agent's own completions are dropped,
    so "removed 0 messages" or "mem_1 (0.83)" never outrank a fact.

    >>> from agemem_env.memory.short_term import ContextMessage
    >>> summary_input(ContextMessage("tool", "[Retrieve_memory] (ok) 1 memories:\nmem_1 (0.83): "
    ...                              "Ana lives in Porto", "retrieval", 9))
    'Ana lives in Porto'
    >>> summary_input(ContextMessage("user", "Summary: Ana moved.", "summary", 5))
    'Ana moved.'
    >>> summary_input(ContextMessage("tool", "[Filter_context] (ok) removed 0 messages", "tool", 6))
    ''
    """
    if message.role == "user":
        return strip_label(message.content)
    if message.role == "tool" and message.kind == "retrieval":
        return _LISTED_RE.sub("", _LIST_HEADER_RE.sub("", message.content)).strip()
    return ""


def strip_label(text: str) -> str:
    """A text without the "Summary: " label of earlier summaries (repeated ones too)."""
    while text.startswith(SUMMARY_PREFIX):
        text = text[len(SUMMARY_PREFIX):]
    return text


def split_sentences(texts: Sequence[str]) -> list[str]:
    """Sentences of all texts in order (split after . ! ? and at line breaks).

    >>> split_sentences(["Hi! Ana moved to Porto.\\nShe likes it."])
    ['Hi!', 'Ana moved to Porto.', 'She likes it.']
    """
    return [s.strip() for text in texts for s in _SENTENCE_SPLIT_RE.split(text) if s.strip()]


def sentence_information(sentence: str) -> float:
    """A deterministic information score: names, numbers and length.

    Capitalised words after the first (name-like) and tokens with digits (numbers, dates)
    count 2 each; content tokens add up to 4 for length.

    >>> sentence_information("Ana moved to Porto in May 2019.")
    7.0
    >>> sentence_information("ok")
    0.2
    """
    words = sentence.split()
    names = {w for w in words[1:] if _CAPITALISED_RE.match(w) and w != "I"}
    numbers = sum(bool(_NUMBER_RE.search(word)) for word in words)
    length = min(len(content_tokens(sentence)), 20) / 5
    return 2.0 * len(names) + 2.0 * numbers + length


@dataclass(frozen=True)
class ExtractiveSummariser:
    """Offline summary: keep the most informative sentences, in their original order.

    Greetings and filler and near-duplicate sentences are dropped; the rest are ranked by
    ``sentence_information`` and the top ``ceil(ratio * n)`` (at least 1, at most
    ``max_sentences``) are kept.

    Args:
        ratio: Share of the candidate sentences to keep, in (0, 1].
        max_sentences: Upper bound on kept sentences.

    >>> ExtractiveSummariser(ratio=0.5)(["Hello!", "My sister Ana moved to Porto in 2019.",
    ...                                  "The weather is okay today."])
    'Summary: My sister Ana moved to Porto in 2019.'
    """

    ratio: float = 0.4
    max_sentences: int = 12
    name: str = field(default="extractive", init=False)

    def __post_init__(self) -> None:
        """Reject a ratio outside (0, 1] or a non-positive sentence cap."""
        if not 0.0 < self.ratio <= 1.0:
            raise ValueError(f"ExtractiveSummariser: ratio must be in (0, 1], got {self.ratio!r}")
        if self.max_sentences < 1:
            raise ValueError(
                f"ExtractiveSummariser: max_sentences must be >= 1, got {self.max_sentences!r}"
            )

    def __call__(self, texts: Sequence[str]) -> str:
        """Summarise ``texts``; "Summary: (nothing to summarise)" when nothing is left."""
        if isinstance(texts, str):
            raise TypeError("texts must be a sequence of str, not a single str")
        candidates = _informative_sentences(split_sentences([strip_label(t) for t in texts]))
        if not candidates:
            return EMPTY_SUMMARY
        keep = min(max(1, math.ceil(self.ratio * len(candidates))), self.max_sentences)
        # Stable sort: equal scores keep their original order, so ties are deterministic.
        ranked = sorted(range(len(candidates)), key=lambda i: -sentence_information(candidates[i]))
        chosen = sorted(ranked[:keep])
        return SUMMARY_PREFIX + " ".join(candidates[i] for i in chosen)


def _informative_sentences(sentences: list[str]) -> list[str]:
    """Drop filler-only sentences and near-duplicates of earlier sentences."""
    kept: list[str] = []
    kept_tokens: list[frozenset[str]] = []
    for sentence in sentences:
        tokens = content_tokens(sentence) - FILLER_WORDS
        if not tokens:
            continue
        if any(_jaccard(tokens, seen) >= _DUPLICATE_JACCARD for seen in kept_tokens):
            continue
        kept.append(sentence)
        kept_tokens.append(tokens)
    return kept


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b)


@dataclass(frozen=True)
class LLMSummariser:
    """Summary written by an LLM through a chat ``generate`` function.

    Args:
        generate: Takes chat messages (``[{"role": ..., "content": ...}]``) and returns
            the model's reply text.
        max_chars: The reply is cut to this many characters.

    >>> LLMSummariser(lambda messages: "Ana moved to Porto.")(["user: Hi, I moved to Porto"])
    'Summary: Ana moved to Porto.'
    """

    generate: Callable[[list[dict[str, str]]], str]
    max_chars: int = 2000
    name: str = field(default="llm", init=False)

    def __post_init__(self) -> None:
        """Reject a non-callable ``generate`` or a non-positive ``max_chars``."""
        if not callable(self.generate):
            raise TypeError(f"LLMSummariser: generate must be callable, got {self.generate!r}")
        if self.max_chars < 1:
            raise ValueError(f"LLMSummariser: max_chars must be >= 1, got {self.max_chars!r}")

    def __call__(self, texts: Sequence[str]) -> str:
        """Ask the model for a summary; empty input returns without calling it."""
        if isinstance(texts, str):
            raise TypeError("texts must be a sequence of str, not a single str")
        conversation = "\n".join(text for text in texts if text.strip())
        if not conversation:
            return EMPTY_SUMMARY
        messages = [
            {"role": "system", "content": SUMMARY_INSTRUCTION},
            {"role": "user", "content": conversation},
        ]
        reply = self.generate(messages)
        if not isinstance(reply, str):
            raise TypeError(f"LLMSummariser: generate returned {type(reply).__name__}, not str")
        text = reply.strip()
        # Models often echo the label; avoid "Summary: Summary: ...".
        if text.lower().startswith("summary:"):
            text = text[len("summary:") :].strip()
        return SUMMARY_PREFIX + (text[: self.max_chars] or "(empty)")


def make_summariser(spec: str | Summariser | None) -> Summariser:
    """A summariser from a name or an object.

    Args:
        spec: None or "extractive" (the offline default), or a Summariser, returned as is.
            An LLM summariser needs a generate function: pass ``LLMSummariser(generate)``.

    >>> make_summariser(None).name
    'extractive'
    """
    if spec is None:
        return ExtractiveSummariser()
    if isinstance(spec, str):
        key = spec.strip().lower()
        if key == "extractive":
            return ExtractiveSummariser()
        hint = "; 'llm' needs a model: pass LLMSummariser(generate)" if key == "llm" else ""
        raise ValueError(
            f"unknown summariser {spec!r}; choose 'extractive' or pass a Summariser{hint}"
        )
    if callable(spec):
        return spec
    raise TypeError(f"summariser must be a name, a Summariser or None, got {type(spec).__name__}")
