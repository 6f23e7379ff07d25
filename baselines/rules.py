"""The rules that stand in for the baselines' LLM steps: which sentences are facts,
whether a fact repeats, changes or withdraws a memory, and the triple a sentence states."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from agents import reader
from agents.reader import COMMON_WORDS, has_change_cue, split_sentences, stem

# A withdrawal names what it withdraws ("forget what I said *about X*", "I was wrong
# *about X*"), so a sentence that merely says something "was wrong" deletes nothing.
RETRACTION_RE = re.compile(r"\babout\s+(?P<topic>[^,.;!?]+)", re.IGNORECASE)
_WITHDRAW_RE = re.compile(
    r"\b(?:forget|ignore|disregard|scratch|take back|wrong|not true|mistake)\b", re.IGNORECASE
)
# Words that announce a change beyond the reader's cues ("Correction: make that X").
_MORE_CUES_RE = re.compile(r"\b(?:correction|scratch that|make that|switched|these days)\b",
                           re.IGNORECASE)
# The value a changed statement leaves behind: "moved from *Lyon*", "gone off *surfing*".
OLD_VALUE_RE = re.compile(
    r"\b(?:from|off|left|over|not|instead of|replaced|no longer (?:at|in|likes?))\s+"
    r"(?P<old>[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*|[a-z][\w'-]*)"
)
_FACT_WORDS = frozenset("favourite favorite prefer prefers allergic named love loves hate".split())
_FIRST_PERSON_RE = re.compile(r"\b(?:i|me|my|mine|i'm|i've)\b", re.IGNORECASE)
_SESSION_HEAD_RE = re.compile(r"^\(([^()]{3,80})\)$")

# The rules read the same sentences again and again (every fact against every candidate):
# the reader caches terms, and entity spans are cached here.
terms = reader.terms


@functools.lru_cache(maxsize=65536)
def _entity_spans(text: str) -> tuple[str, ...]:
    return tuple(reader.entity_spans(text))


def entity_spans(text: str) -> list[str]:
    """``agents.reader.entity_spans``, cached."""
    return list(_entity_spans(text))


def units(turn: str) -> list[str]:
    """A turn cut into self-contained sentences.

    Each line is read on its own (a LoCoMo session is one line per utterance); a line
    "Topic: sentences" (a speaker, or "I was reading about X:") prefixes every sentence
    with its topic, so "He was born in 1950." still says whom it is about once stored; a
    sentence that speaks of "they" or "she" before naming anyone gets the last name of the
    sentence before it as its topic.

    >>> units("I was reading about Jeff Porcaro: He was a drummer. He played in Toto.")
    ['Jeff Porcaro: He was a drummer.', 'Jeff Porcaro: He played in Toto.']
    >>> units("I had lunch with Zora Duarte. These days they work at Corvina Foods.")[1]
    'Zora Duarte: These days they work at Corvina Foods.'
    """
    out: list[str] = []
    for line in (x.strip() for x in turn.splitlines()):
        if not line or _SESSION_HEAD_RE.match(line):
            continue
        head, sep, body = line.partition(": ")
        topic = ""
        if sep and len(head.split()) <= 12 and body:
            # A speaker ("Caroline") or a named subject; never "Correction on my sport".
            short = len(head.split()) <= 3
            names = [n for n in entity_spans(head) if short or not head.startswith(n)]
            topic = names[-1] if names else ""
        sentences = split_sentences(body if topic else line)
        if topic and len(sentences) == 1 and terms(topic) <= terms(sentences[0]):
            out.append(sentences[0])
            continue
        merged: list[str] = []
        for sentence in sentences:
            # "It's tennis, without a doubt." continues the sentence before it.
            if merged and not informative(sentence) and len(sentence.split()) <= 12:
                merged[-1] += " " + sentence
            elif merged and not topic and (name := _antecedent(merged[-1], sentence)):
                merged.append(f"{name}: {sentence}")
            else:
                merged.append(sentence)
        out += [f"{topic}: {s}" if topic else s for s in merged]
    return out


_PRONOUN_RE = re.compile(r"\b(?:they|them|their|he|him|his|she|her)\b", re.IGNORECASE)


def _antecedent(before: str, sentence: str) -> str | None:
    """The name a pronoun of ``sentence`` stands for: the last name of the sentence
    ``before``, when ``sentence`` says "they" (or he, she...) before naming anyone."""
    pronoun = _PRONOUN_RE.search(sentence)
    names = entity_spans(sentence)
    if pronoun is None or (names and sentence.find(names[0]) < pronoun.start()):
        return None
    earlier = [n for n in entity_spans(before.partition(": ")[2] or before) if " " in n]
    return earlier[-1] if earlier else None


def informative(sentence: str) -> bool:
    """Whether a sentence states a fact worth keeping: it names something, holds a
    number, or is a personal preference ("my favourite drink is chai").

    >>> informative("Weekends go by far too quickly."), informative("Caroline: I went.")
    (False, True)
    """
    words = set(re.findall(r"[a-z']+", sentence.lower()))
    # A lone capitalised first word ("Weekends go by fast") is no name; a speaker is.
    first = sentence.split()[0].strip("\"'(") if sentence.split() else ""
    if any(n != first for n in entity_spans(sentence)) or re.search(r"\d", sentence):
        return True
    return bool(words & _FACT_WORDS) and bool(_FIRST_PERSON_RE.search(sentence))


def rule_facts(turn: str) -> list[str]:
    """The rule extractor: informative sentences of a turn, in order.

    >>> rule_facts("I think I left the oven light on. My cousin Mei Xu lives in Osaka.")
    ['My cousin Mei Xu lives in Osaka.']
    """
    return [u for u in units(turn) if informative(u)]


def chunks(text: str, max_chars: int) -> list[str]:
    """``text`` cut at line or sentence ends into pieces of at most ``max_chars``.

    >>> chunks("One. Two. Three.", 10)
    ['One. Two.', 'Three.']
    """
    pieces = [s for line in text.splitlines() for s in split_sentences(line) if s.strip()]
    out: list[str] = []
    for piece in pieces:
        piece = piece[:max_chars]
        if out and len(out[-1]) + 1 + len(piece) <= max_chars:
            out[-1] += " " + piece
        else:
            out.append(piece)
    return out or [text[:max_chars]]


# ------------------------------------------------------------------------- rule changes
def old_values(fact: str) -> list[str]:
    """Values a changed statement leaves behind.

    >>> old_values("I moved from Lyon to Valencia, so Valencia is my home city now.")
    ['Lyon']
    """
    return [m.group("old") for m in OLD_VALUE_RE.finditer(fact)] if changes(fact) else []


def changes(fact: str) -> bool:
    """Whether a statement announces a change or correction."""
    return has_change_cue(fact) or bool(_MORE_CUES_RE.search(fact))


def retraction_topic(fact: str) -> str | None:
    """What a retraction withdraws ("forget what I said about *where Dana works*"), else None.

    >>> retraction_topic("That thing I said about where Dana lives? Not true, sorry.")
    'where Dana lives'
    """
    match = RETRACTION_RE.search(fact)
    return match.group("topic").strip() if match and _WITHDRAW_RE.search(fact) else None


def same_voice(a: str, b: str) -> bool:
    """Both about the user ("my ...") or both about someone else."""
    return bool(_FIRST_PERSON_RE.search(a)) == bool(_FIRST_PERSON_RE.search(b))


def rule_event(fact: str, memory: str) -> str:
    """Mem0's decision for one (new fact, stored memory) pair, by rule.

    ``NONE`` when the memory already says it, ``UPDATE`` when the fact changes it (it
    names the memory's value as the old one, or announces a change about the same subject
    and relation), ``DELETE`` when it withdraws it, else ``ADD`` (unrelated).

    >>> rule_event("Pablo lives in Lisbon now, they left Chennai.", "Pablo lives in Chennai.")
    'UPDATE'
    >>> rule_event("My favourite sport is surfing.", "My favourite sport is surfing.")
    'NONE'
    >>> rule_event("Forget what I said about where Dana works.", "Dana works at Veltrix.")
    'DELETE'
    """
    new, old = _content(fact), _content(memory)
    if (topic := retraction_topic(fact)) is not None:
        # The names in the topic must all be in the memory, and one more word besides.
        need = _all_terms(entity_spans(topic))
        hits = terms(topic) & old
        found = need <= old if need else bool(hits)
        return "DELETE" if found else "NONE"
    if new and new <= old:
        return "NONE"
    olds = old_values(fact)
    if any(terms(v) and terms(v) <= old for v in olds) and new & old - _all_terms(olds):
        return "UPDATE"
    shared = (new & old) - _all_terms(olds)
    names_new = _all_terms(entity_spans(fact)) - _all_terms(olds)
    names_old = _all_terms(entity_spans(memory))
    other_subject = names_new and names_old and not names_new & names_old
    if changes(fact) and len(shared) >= 2 and same_voice(fact, memory) and not other_subject:
        return "UPDATE"
    return "ADD"


_COMMON_STEMS = frozenset(stem(w) for w in COMMON_WORDS)


@functools.lru_cache(maxsize=65536)
def _content(text: str) -> frozenset[str]:
    """Terms that say what a statement is about: "these *days*" or "I *think*" say nothing."""
    return terms(text) - _COMMON_STEMS


def _all_terms(texts: Iterable[str]) -> frozenset[str]:
    return frozenset().union(*(terms(t) for t in texts))


# ------------------------------------------------------------------------- triples
@dataclass(frozen=True)
class Triple:
    """An entity relation read off one sentence: (subject, relation, object)."""

    subject: str
    relation: str
    object: str
    evidence: str


def rule_triple(sentence: str) -> Triple | None:
    """Subject (a name that acts, else the speaker, else "user" for first-person
    statements), object (the newest name or value), relation (the remaining content words,
    stemmed); None when nothing fits.

    >>> rule_triple("Pablo Horvat lives in Lisbon now, they left Chennai.")  # doctest: +ELLIPSIS
    Triple(subject='Pablo Horvat', relation='liv', object='Lisbon', evidence='Pablo Horvat ...')
    >>> rule_triple("Update: I've gone off surfing, my favourite sport is climbing now.").object
    'climbing'
    >>> rule_triple("Caroline: I went to the Riverside Gallery.").subject
    'Caroline'
    >>> t = rule_triple("My friend Elena Eriksen works at Ulvane Foods.")
    >>> t.subject, t.relation, t.object
    ('Elena Eriksen', 'work', 'Ulvane Foods')
    """
    if _PAST_RE.search(sentence):
        return None  # a recollection ("back when X was...") states no current relation
    olds = set(old_values(sentence))
    names = [n for n in entity_spans(sentence) if n not in olds]
    head = re.match(r"([^:]{2,40}): ", sentence)
    lead = _LEAD_WORD_RE.match(sentence)
    speaker = None
    if names and head and head.group(1) == names[0]:
        speaker = names.pop(0)  # "Caroline: I went ...", or the topic of "they work at"
    elif names and lead and lead.group().startswith(names[0]):
        names.pop(0)  # "Correction on ..." names no subject
    # A name that does something ("X works", "X's dog") is the subject, whoever speaks.
    acting = next((n for n in names if re.search(rf"{re.escape(n)}(?:'s\b|\s+{_VERB})", sentence)),
                  None)
    first_person = bool(_FIRST_PERSON_RE.search(sentence))
    if acting is not None:
        subject = acting
        names.remove(acting)
    elif speaker is not None:
        subject = speaker
    elif first_person:
        subject = USER
    else:
        subject = names.pop(0) if names else None
    values = names or [w for w in _copula_values(sentence) if w not in olds]
    if subject is None or not values:
        return None
    obj = values[-1]
    used = terms(subject) | terms(obj) | _all_terms(olds)
    rest = terms(sentence) - used
    relation = sorted(rest - {stem(w) for w in COMMON_WORDS}) or sorted(rest)
    if not relation:
        return None
    return Triple(subject, "_".join(relation), obj, sentence)


USER = "user"  # the subject of what the speaker says of themself
_VERB = (r"(?:is|are|was|were|has|had|have|works?|worked|lives?|lived|moved|grew|studied|"
         r"plays?|owns?|keeps?|loves?|likes?|prefers?|joined|left|switched|started|got)\b")
_PAST_RE = re.compile(r"\b(?:used to|back when|the days when|was still|were still)\b", re.I)
_LEAD_WORD_RE = re.compile(r"^[A-Z][a-z]+(?::|,| on | about )")
_BEFORE_COPULA_RE = re.compile(
    r"\b([a-z][\w'-]+)(?:,? (?:is|are|was|it's|that's)\s+(?:my|their|his|her|the)\b"
    r"| (?:has replaced|replaced)\b)")
_AFTER_COPULA_RE = re.compile(r"\b(?:is|are|was|make that|easy,|it's|be)\s+([a-z][\w'-]+)")


def _copula_values(sentence: str) -> list[str]:
    """Plain-word values, the one a copula points at last: "*espresso* is my favourite
    drink", "my favourite sport is *climbing*"."""
    plain = _plain_words(sentence)
    for regex in (_BEFORE_COPULA_RE, _AFTER_COPULA_RE):
        hits = [w for w in regex.findall(sentence) if w in plain]
        if hits:
            return [w for w in plain if w != hits[-1]] + [hits[-1]]
    return plain


def _plain_words(sentence: str) -> list[str]:
    """Lower-case content words that may be a value ("surfing"), in order."""
    words = re.findall(r"\b[a-z][a-z'-]{2,}\b", sentence)
    return [w for w in words if terms(w) and w not in COMMON_WORDS and not has_change_cue(w)]
