"""Text normalisation shared by the judges, memory quality and the summariser.

``normalize_answer`` follows the official HotpotQA evaluation script (itself SQuAD's);
``content_tokens`` drops a small stopword list from it; ``key_terms`` gives the terms a
question is about.
"""

from __future__ import annotations

import re
import string

_ARTICLES_RE = re.compile(r"\b(a|an|the)\b")
# str.translate deletes these in C: the same text as filtering char by char, ~10x faster.
DROP_PUNCTUATION = str.maketrans("", "", string.punctuation)

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


def normalize_answer(s: str) -> str:
    """Lowercase, drop punctuation and the articles a/an/the, collapse whitespace.

    >>> normalize_answer("The  Eiffel-Tower, in Paris!")
    'eiffeltower in paris'
    >>> normalize_answer("An apple a day")
    'apple day'
    """
    if not isinstance(s, str):
        raise TypeError(f"normalize_answer expects a str, got {type(s).__name__}")
    text = s.lower().translate(DROP_PUNCTUATION)
    text = _ARTICLES_RE.sub(" ", text)
    return " ".join(text.split())


def content_tokens(text: str) -> frozenset[str]:
    """Normalised tokens of ``text`` minus STOPWORDS.

    >>> sorted(content_tokens("The capital of France is Paris."))
    ['capital', 'france', 'paris']
    """
    return frozenset(normalize_answer(text).split()) - STOPWORDS


def content_words(text: str) -> list[str]:
    """``content_tokens`` with repeats and in order.

    >>> content_words("Rain, rain and more rain.")
    ['rain', 'rain', 'rain']
    """
    return [word for word in normalize_answer(text).split() if word not in STOPWORDS]


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
