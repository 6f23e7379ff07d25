"""The default answer of ``FlatToolAction``: a short span of the passage that best matches
the question.

A minimal extractive choice (``agents.reader`` is the full reader; the env package may
not import agents, so a user who wants it passes ``answer_fn=agents.reader.answer_question``).
Sentences are ranked by the question's content words they share, ties going to later
sentences (newer knowledge); the answer is the winner's last run of capitalised words or
numbers the question does not contain, else its last content word the question lacks.

>>> best_span("Where does Ana live now?", ["Ana lived in Lyon.", "Ana moved to Porto."])
'Porto'
>>> best_span("What is my favourite colour?", ["My favourite colour is teal."])
'teal'
>>> best_span("Who?", [])
"I don't know"
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from agemem_env.scoring.text import QUESTION_WORDS, content_tokens

UNKNOWN = "I don't know"
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+")
_WORD_RE = re.compile(r"[\w'-]+")
_NAME_RUN_RE = re.compile(r"\b(?:[A-Z][\w'-]*|\d[\d,.:]*)(?:\s+(?:[A-Z][\w'-]*|\d[\d,.:]*))*")


def best_span(question: str, passages: Sequence[str]) -> str:
    """A short answer to ``question`` from ``passages``; ``UNKNOWN`` when there are none."""
    asked = content_tokens(question) - QUESTION_WORDS
    sentences = [s for p in passages for s in _SENTENCE_RE.split(p) if s.strip()]
    if not sentences:
        return UNKNOWN
    # max() keeps the first of equals, so scan newest first: ties go to later sentences.
    best = max(reversed(sentences), key=lambda s: len(content_tokens(s) & asked))
    return _span(best, asked) or UNKNOWN


def _span(sentence: str, asked: frozenset[str]) -> str | None:
    """The sentence's last name/number run the question lacks, else its last new word."""
    runs = [m.group(0) for m in _NAME_RUN_RE.finditer(sentence) if m.start() > 0]
    new_runs = [r for r in runs if not content_tokens(r) <= asked]
    if new_runs:
        return new_runs[-1].rstrip(".,:")
    words = [w for w in _WORD_RE.findall(sentence) if content_tokens(w) - asked]
    return words[-1] if words else None
