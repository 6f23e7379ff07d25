"""An extractive reader: pick a short answer span for a question from a few passages.

No model: sentences are ranked by the question's (crudely stemmed) content words they
share, ties going to change cues ("now", "moved") and to later sentences; the answer is the
best span of the winner the question does not already say, names, numbers and dates first.
Multi-hop questions bridge: the entity found first leads to the sentence about it.

>>> answer_question("In which city is the company Dana works for headquartered?",
...                 ["Dana works at Veltrix Labs.", "Veltrix Labs is headquartered in Porto."])
'Porto'
>>> answer_question("What is my favourite food now?", ["My favourite food? Easy, sushi.",
...                 "Update: I've gone off sushi, my favourite food is tacos now."])
'tacos'
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from agemem_env.scoring.text import QUESTION_WORDS, STOPWORDS, content_tokens
from agents.reader_dates import parse_stamp, resolve_when
from agents.reader_text import (
    CHANGE_CUES,
    COMMON_WORDS,
    STRIP,
    Span,
    clean_passage,
    entity_runs,
    entity_spans,
    has_change_cue,
    is_plain,
    split_sentences,
    stem,
    terms,
    word_spans,
)

# The text primitives are re-exported: callers read them as the reader's vocabulary.
__all__ = ["CHANGE_CUES", "COMMON_WORDS", "UNKNOWN", "Reading", "answer_question",
           "clean_passage", "entity_spans", "has_change_cue", "read", "split_sentences",
           "stem", "terms"]

UNKNOWN = "I don't know"
MAX_HOPS = 3

# Markers after which a changed statement names the *old* value ("moved from Lyon").
_OLD_VALUE_RE = re.compile(
    r"\b(?:from|off|left|not|replaced|no longer at|no longer in|no longer|instead of)\s+$",
    re.IGNORECASE,
)
_FIRST_PERSON = frozenset("i me my mine im ive id myself".split())
_AUXILIARIES = frozenset("is are was were do does did can could has have had will would".split())
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATE_RE = re.compile(
    rf"\b(?:\d{{1,2}} (?:{_MONTHS})(?: \d{{4}})?|(?:{_MONTHS}) \d{{1,2}}(?:, \d{{4}})?"
    rf"|(?:{_MONTHS}) \d{{4}})\b"
)
_NUMBER_RE = re.compile(r"\b\d[\d,.]*\d\b|\b\d\b")
_YEAR_RE = re.compile(r"\b(?:1[0-9]|20)\d\d\b")


@dataclass(frozen=True)
class Reading:
    """What the reader found: the answer, the entities met along the way (each hop's value),
    and the sentences read, in passage order."""

    answer: str
    chain: tuple[str, ...] = ()
    sentences: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Question:
    """The question, analysed once: its key terms, names, person and answer type."""

    text: str
    terms: frozenset[str]
    names: frozenset[str]
    first_person: bool
    wants_number: bool

    @classmethod
    def of(cls, question: str) -> _Question:
        low = question.lower()
        # The answer's type ("which *city*") is never said in the answer sentence.
        typed = {stem(m) for m in re.findall(r"\b(?:which|what)\s+(\w+)", low)}
        words = {stem(t) for t in content_tokens(question) if t not in QUESTION_WORDS}
        q_terms = frozenset(words - typed)
        names = frozenset().union(*(terms(c.text) for c in entity_runs(question))) & q_terms
        first_person = bool(set(re.findall(r"[a-z']+", low)) & _FIRST_PERSON)
        number = re.search(r"\b(?:what|which) year\b|\bwhen\b|\bhow (?:many|much|old|long)\b", low)
        return cls(question, q_terms, names, first_person, bool(number))


def _candidates(sentence: str, q: _Question) -> list[Span]:
    """Spans of the sentence the question does not already hold, old values left out."""
    q_low = q.text.lower()
    found = entity_runs(sentence)
    for regex in (_YEAR_RE,) if "year" in q_low else (_DATE_RE, _NUMBER_RE):
        found += [Span(m.group(), m.start(), 3) for m in regex.finditer(sentence)]
    found += [
        Span(core, start, 1)
        for start, _, core in word_spans(sentence)
        if core.isalpha() and len(core) > 2 and not core[:1].isupper() and not is_plain(core)
    ]
    changed = has_change_cue(sentence)
    out = []
    for cand in found:
        cand_terms = terms(cand.text)
        # "Fooville University" may answer "the university that...": only mostly-said spans go.
        if not cand_terms or len(cand_terms & q.terms) * 2 > len(cand_terms):
            continue
        if cand.text.lower() in q_low:
            continue
        if changed and _OLD_VALUE_RE.search(sentence[: cand.start]):
            continue
        out.append(cand)
    return out


def _best_candidate(sentence: str, q: _Question, exclude: Sequence[str] = ()) -> Span | None:
    """Rank by kind (numbers first for when/how-many), then closeness to question words."""
    cands = [
        c for c in _candidates(sentence, q) if not any(terms(c.text) <= terms(e) for e in exclude)
    ]
    anchors = [start for start, _, core in word_spans(sentence) if stem(core) in q.terms]

    def key(cand: Span) -> tuple[float, float, int]:
        # Numbers and dates outrank names only when asked for ("which club" is no birth date).
        kind = cand.kind if q.wants_number else {3: 1.5}.get(cand.kind, cand.kind)
        distance = min((abs(cand.start - a) for a in anchors), default=0)
        return (kind, -distance, cand.start)

    return max(cands, key=key) if cands else None


@dataclass(frozen=True)
class _Sentence:
    text: str
    terms: frozenset[str]
    index: int
    first_person: bool
    cue: bool
    said: dt.date | None = None
    """The day it was said, when its passage carries a date stamp."""


def _sentences(passages: Sequence[str]) -> list[_Sentence]:
    """Every sentence of every passage, in order. A sentence of a paragraph also holds the
    words of the paragraph's topic (its first name), so "She studied at X" is about her.
    A stamp alone on a line dates the passage's later lines; one in front dates its line."""
    out: list[_Sentence] = []
    for passage in passages:
        said = None
        # Each line is its own paragraph: a tool message lists one memory per line.
        for line in clean_passage(passage).splitlines():
            day, paragraph = parse_stamp(line)
            if day is not None and not paragraph.strip():
                said = day
                continue
            sentences = split_sentences(paragraph)
            runs = entity_runs(sentences[0]) if len(sentences) > 1 else []
            topic = terms(runs[0].text) if runs else frozenset()
            for text in sentences:
                tokens = set(content_tokens(text)) | set(re.findall(r"[a-z']+", text.lower()))
                first_person, cue = bool(tokens & _FIRST_PERSON), has_change_cue(text)
                out.append(_Sentence(text, terms(text) | topic, len(out), first_person, cue,
                                     day or said))
    return out


def _rank(q: _Question, sents: Sequence[_Sentence]) -> list[_Sentence]:
    """Best first: overlap (names twice, so "Dana Reyes" loses to "Dana Ortiz"; +0.5 when both
    speak as "I"), then change cues, then lateness."""

    def key(s: _Sentence) -> tuple[float, bool, int]:
        score = len(s.terms & q.terms) + len(s.terms & q.names)
        score += 0.5 if q.first_person and s.first_person else 0.0
        return (score, s.cue, s.index)

    return sorted((s for s in sents if s.terms & q.terms), key=key, reverse=True)


def _bridge(entity: str, sents: Sequence[_Sentence], used: set[int],
            uncovered: frozenset[str]) -> _Sentence | None:
    """The sentence about ``entity`` that says more of what the question asks."""
    ent_terms = terms(entity)
    subject_re = re.compile(rf"{re.escape(entity)}\s+(?:is|was|has|had|moved|lies|sits)\b", re.I)
    best, best_key = None, (0.0, False, -1)
    for s in sents:
        if s.index in used or not ent_terms <= s.terms:
            continue
        score = 2.0 * len(s.terms & uncovered) + (1.0 if subject_re.search(s.text) else 0.0)
        key = (score, s.cue, s.index)
        if score >= 1.0 and key > best_key:
            best, best_key = s, key
    return best


def _pick_option(question: str, sents: Sequence[_Sentence]) -> str | None:
    """For "Which is older, A or B?": earlier / later by the first year said about each
    option, else the first option; None when the question offers no two options."""
    match = re.search(r",\s*([^,?]+?)\s+or\s+([^,?]+?)\s*\?*$", question)
    if not match:
        return None
    options, years = (match.group(1).strip(STRIP), match.group(2).strip(STRIP)), []
    for option in options:
        said = [s for s in sents if terms(option) and terms(option) <= s.terms]
        years.append(next((int(y) for s in said for y in _YEAR_RE.findall(s.text)), None))
    if None in years or years[0] == years[1]:
        return options[0]
    later = re.search(r"\b(?:later|last|younger|newer|more recent)", question.lower())
    return options[0] if (years[0] < years[1]) != bool(later) else options[1]


def read(question: str, passages: Sequence[str]) -> Reading:
    """Read ``passages`` for ``question``; see the module docstring.

    >>> reading = read("In which country is the city Mei Xu lives in?",
    ...                ["My cousin Mei Xu lives in Osaka.", "Fun fact: Osaka is in Japan."])
    >>> reading.answer, reading.chain
    ('Japan', ('Osaka', 'Japan'))
    """
    sents, q = _sentences(passages), _Question.of(question)
    ranked = _rank(q, sents)
    if not ranked:
        return Reading(UNKNOWN)
    option = _pick_option(question, sents)
    if option is not None:
        return Reading(option)
    if _WHEN_RE.match(question) and ranked[0].said is not None:
        return Reading(resolve_when(ranked[0].text, ranked[0].said), (), (ranked[0].text,))
    if question.split()[0].lower() in _AUXILIARIES:
        # Yes/no questions: "yes" is the more common answer in multi-hop QA sets.
        return Reading("yes", (), (ranked[0].text,))
    if _LIST_RE.match(question):
        items = dict.fromkeys(c for s in ranked[:_LIST_ITEMS] if (c := _list_item(q, s)))
        return Reading(", ".join(items) or UNKNOWN, (), tuple(s.text for s in ranked[:4]))
    if _CLAUSE_RE.match(question):
        return Reading(_clause(q, ranked[0]) or UNKNOWN, (), (ranked[0].text,))
    for start in ranked[:3]:
        cand = _best_candidate(start.text, q)
        if cand is not None:
            return _follow(q, sents, start, cand)
    return Reading(UNKNOWN)


# Questions whose answer is when the thing happened, read off the sentence's date stamp.
_WHEN_RE = re.compile(r"\s*(?:when\b|(?:in )?what (?:date|month|day)\b|how long ago\b)", re.I)
# "Why ...", "How did X feel", "What did X do": the answer is a clause, not a name.
_CLAUSE_RE = re.compile(r"\s*(?:why|how (?:did|does|do|is|was|has|have|can|could|would)|what "
                        r"(?:did|does|do|has|have|had|would|could|can|might|will))\b", re.I)
# "What activities does X do": a list, one item from each of the best sentences.
_LIST_RE = re.compile(r"\s*(?:what|which) (?:kinds? of |types? of )?[a-z]+s "
                      r"(?:do|does|did|has|have|had)\b", re.I)
_LIST_ITEMS = 4
_CLAUSE_WORDS = 8
_SPEAKER_RE = re.compile(r"^[A-Z][\w'-]*(?: [A-Z][\w'-]*)?: ")
_PHOTO_RE = re.compile(r"\[shares a photo:[^\]]*\]")
_CLAUSE_SPLIT_RE = re.compile(r"(?<=[,;:!?.])\s+|\s+[-–—]+\s+|\s+(?=(?:because|but|so|which)\b)")


def _clause(q: _Question, s: _Sentence, limit: int = _CLAUSE_WORDS) -> str | None:
    """The clause of ``s`` that answers: the one holding most question words (the next one
    when it says nothing else), without the question's words, at most ``limit`` words.

    >>> q = _Question.of("What did the charity race raise awareness for?")
    >>> _clause(q, _sentences(["Mel: I ran a charity race for mental health. So fun!"])[0])
    'ran a for mental health'
    """
    text = _PHOTO_RE.sub("", _SPEAKER_RE.sub("", s.text))
    parts = [p for p in _CLAUSE_SPLIT_RE.split(text) if p.strip()]
    if not parts:
        return None

    def key(part: str) -> tuple[int, bool, int]:
        said = terms(part)
        return (len(said & q.terms), bool(said - q.terms), -abs(len(part.split()) - 6))

    best = max(parts, key=key)
    if not terms(best) - q.terms and parts.index(best) + 1 < len(parts):
        best = parts[parts.index(best) + 1]
    kept = [w for w in best.split() if stem(w.strip(STRIP)) not in q.terms]
    while kept and _bare(kept[0]) in _FILLERS:
        kept.pop(0)
    kept = kept[:limit]
    while kept and _bare(kept[-1]) in STOPWORDS:
        kept.pop()
    return " ".join(kept).strip(STRIP) or None


_FILLERS = STOPWORDS | COMMON_WORDS | QUESTION_WORDS


def _list_item(q: _Question, s: _Sentence) -> str | None:
    """One item of a list answer: the sentence's best span, else a short clause."""
    cand = _best_candidate(s.text, q)
    return cand.text if cand is not None else _clause(q, s, 3)


def _bare(word: str) -> str:
    return re.sub(r"\W", "", word.lower())


def _follow(q: _Question, sents: Sequence[_Sentence], start: _Sentence, cand: Span
            ) -> Reading:
    """Follow the chain from the first sentence's entity while a bridge sentence exists."""
    chain, used = [cand.text], {start.index}
    covered = set(start.terms & q.terms)
    _supersede(q, sents, chain, used)
    for _ in range(MAX_HOPS - 1):
        nxt = _bridge(chain[-1], sents, used, q.terms - covered)
        hop = _best_candidate(nxt.text, q, exclude=chain) if nxt else None
        if nxt is None or hop is None:
            break
        chain.append(hop.text)
        used.add(nxt.index)
        covered |= nxt.terms & q.terms
        _supersede(q, sents, chain, used)
    return Reading(chain[-1], tuple(chain), tuple(s.text for s in sents if s.index in used))


def _supersede(q: _Question, sents: Sequence[_Sentence], chain: list[str], used: set[int]) -> None:
    """Replace the chain's last value by the one a later change moved it to ("X moved
    from Lyon to Porto" supersedes "X lives in Lyon"); follows repeated changes."""
    for _ in range(MAX_HOPS):
        pattern = re.compile(rf"{_OLD_VALUE_RE.pattern[:-1]}{re.escape(chain[-1])}\b", re.I)
        newer = [s for s in sents if s.index not in used and s.cue and pattern.search(s.text)]
        if not newer:
            return
        s = max(newer, key=lambda x: (len(x.terms & q.terms), x.index))
        cand = _best_candidate(s.text, q, exclude=chain)
        if cand is None:
            return
        chain[-1] = cand.text
        used.add(s.index)


def answer_question(question: str, passages: Sequence[str]) -> str:
    """A short answer span for ``question`` from ``passages``, or "I don't know".

    Args:
        question: The question.
        passages: Context messages and retrieved memories; tool headers and
            ``mem_N (score):`` prefixes are ignored.

    Returns:
        The span, "yes" for a yes/no question, or ``UNKNOWN`` when nothing overlaps.
    """
    return read(question, passages).answer
