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

import re
from collections.abc import Sequence
from dataclasses import dataclass

from agemem_env.scoring.text import QUESTION_WORDS, STOPWORDS, content_tokens

UNKNOWN = "I don't know"
MAX_HOPS = 3

# Words that announce a changed or corrected statement; they break ties between sentences.
CHANGE_CUES: frozenset[str] = frozenset(
    "now moved switched actually longer left replaced update changed instead anymore gone turns"
    .split()
)
# Markers after which a changed statement names the *old* value ("moved from Lyon").
_OLD_VALUE_RE = re.compile(
    r"\b(?:from|off|left|not|replaced|no longer at|no longer in|no longer|instead of)\s+$",
    re.IGNORECASE,
)
# Conversational words that are never answers, though a sentence may start with them.
COMMON_WORDS: frozenset[str] = frozenset(
    """
    actually also always apparently ask asked bad big checked come day days easy else even ever
    fact far fine fun funny good got great guess heard hey honestly just know known kind last
    later like little long look looked lot made make maybe mean mention mentioned mind mix moment
    much never new next nice oh ok okay once one people pretty quite read really remember right
    said say see seem seems still stop sure talk talking tell thing things think thought time
    today told true turns turn update way well wrong yes yeah ive im its youd youll id ill itll
    thats theres youre theyre weve youve theyve hes shes dont cant wasnt isnt gone moved move left
    replaced switched changed instead anymore longer went going get gets yet ugh wow thanks please
    sorry something anything everyone someone friend cousin neighbour colleague club running job
    these those monday mondays tuesday wednesday thursday friday saturday sunday
    """.split()
)
_CONNECTORS = frozenset("of de da la le van von der du del di dos das".split())
_FIRST_PERSON = frozenset("i me my mine im ive id myself".split())
_AUXILIARIES = frozenset("is are was were do does did can could has have had will would".split())
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATE_RE = re.compile(
    rf"\b(?:\d{{1,2}} (?:{_MONTHS})(?: \d{{4}})?|(?:{_MONTHS}) \d{{1,2}}(?:, \d{{4}})?"
    rf"|(?:{_MONTHS}) \d{{4}})\b"
)
_NUMBER_RE = re.compile(r"\b\d[\d,.]*\d\b|\b\d\b")
_YEAR_RE = re.compile(r"\b(?:1[0-9]|20)\d\d\b")
_SPLIT_RE = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[\"'(\[]?[A-Z0-9])")
_MEM_PREFIX_RE = re.compile(r"^\s*mem_\d+(?:\s*\([-\d.]+\))?:\s*")
_HEADER_RE = re.compile(
    r"^\s*(?:\d+ memories:|related memories:|\[\w+\] \((?:ok|error)\))", re.IGNORECASE
)
# "Dr.", the initial "S." or "F.C." ends no sentence.
_ABBREVIATION_RE = re.compile(r"^(?:(?:[A-Z]\.)+|(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|Prof|Inc|Ltd|Co|vs)\.)$")
_STRIP = "\"'“”‘’()[]{},;:!?."


@dataclass(frozen=True)
class Reading:
    """What the reader found: the answer, the entities met along the way (each hop's value),
    and the sentences read, in passage order."""

    answer: str
    chain: tuple[str, ...] = ()
    sentences: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Candidate:
    text: str
    start: int
    kind: int  # 3: number or date; 2: capitalised name; 1: plain content word


def stem(word: str) -> str:
    """A crude stem so inflections meet: "lives"/"lived"/"live" -> "liv".

    >>> [stem(w) for w in ("lives", "live", "works", "headquartered", "headquarters")]
    ['liv', 'liv', 'work', 'headquarter', 'headquarter']
    """
    word = word.lower()
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    suffix = next((x for x in ("ing", "ed") if len(word) > len(x) + 2 and word.endswith(x)), "")
    word = word[: len(word) - len(suffix)]
    return word[:-1] if len(word) > 3 and word.endswith("e") else word


def has_change_cue(text: str) -> bool:
    """Whether ``text`` announces a change or correction ("now", "moved", "no longer")."""
    # Raw words too: "now" is a stopword, so content terms never hold it.
    words = set(re.findall(r"[a-z]+", text.lower()))
    cues = frozenset(stem(w) for w in CHANGE_CUES)
    return bool((words | {stem(w) for w in words}) & (cues | CHANGE_CUES))


def terms(text: str) -> frozenset[str]:
    """Stemmed content words of ``text`` (``content_tokens`` without stopwords)."""
    return frozenset(stem(t) for t in content_tokens(text))


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``; a question fragment stays with the sentence after it.

    >>> split_sentences("My favourite colour? Easy, olive. Dr. S. P. Smith was born in 1900.")
    ['My favourite colour? Easy, olive.', 'Dr. S. P. Smith was born in 1900.']
    """
    pieces, start = [], 0
    for match in _SPLIT_RE.finditer(text):
        before = text[start : match.start()].rstrip("\"')]")
        last = before.split()[-1] if before.split() else ""
        if _ABBREVIATION_RE.match(last):
            continue
        pieces.append(text[start : match.start()].strip())
        start = match.end()
    pieces.append(text[start:].strip())
    merged: list[str] = []
    for piece in filter(None, pieces):
        if merged and merged[-1].endswith("?") and len(merged[-1].split()) <= 6:
            merged[-1] = f"{merged[-1]} {piece}"
        else:
            merged.append(piece)
    return merged


def clean_passage(text: str) -> str:
    """Drop tool headers and ``mem_N (0.82):`` prefixes, keep the memory text."""
    lines = [_MEM_PREFIX_RE.sub("", line) for line in text.splitlines()]
    return "\n".join(line for line in lines if line.strip() and not _HEADER_RE.match(line))


def _words(sentence: str) -> list[tuple[int, str, str]]:
    """(start, raw, core) per whitespace token; core drops punctuation and a possessive."""
    return [(m.start(), m.group(), re.sub(r"['’]s$", "", m.group().strip(_STRIP)))
            for m in re.finditer(r"\S+", sentence)]


def _is_plain(core: str) -> bool:
    """A word that is never an entity on its own (I, My, Update, Funny...)."""
    low = re.sub(r"\W", "", core.lower())
    return low in STOPWORDS or low in COMMON_WORDS or low in QUESTION_WORDS


def _entity_runs(sentence: str) -> list[_Candidate]:
    """Maximal runs of capitalised words ("University of Copenhagen"), plain words trimmed."""
    words, runs, i = _words(sentence), [], 0
    caps = [core[:1].isupper() for _, _, core in words]
    while i < len(words):
        if not caps[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(words) and words[j][1][-1:] not in ",;:!?)\"":
            if caps[j + 1]:
                j += 1
            elif words[j + 1][2].lower() in _CONNECTORS and caps[j + 2 : j + 3] == [True]:
                j += 2
            else:
                break
        span = words[i : j + 1]
        while span and _is_plain(span[0][2]):
            span = span[1:]
        if span:
            text = sentence[span[0][0] : span[-1][0] + len(span[-1][1])].strip(_STRIP)
            runs.append(_Candidate(re.sub(r"['’]s$", "", text), span[0][0], 2))
        i = j + 1
    return runs


def entity_spans(text: str) -> list[str]:
    """Capitalised names in ``text``, conversational words ("Update", "My") left out.

    >>> entity_spans("Update: My friend Dana Ortiz works at the University of Porto.")
    ['Dana Ortiz', 'University of Porto']
    """
    return [cand.text for sentence in split_sentences(text) for cand in _entity_runs(sentence)]


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
        names = frozenset().union(*(terms(c.text) for c in _entity_runs(question))) & q_terms
        first_person = bool(set(re.findall(r"[a-z']+", low)) & _FIRST_PERSON)
        number = re.search(r"\b(?:what|which) year\b|\bwhen\b|\bhow (?:many|much|old|long)\b", low)
        return cls(question, q_terms, names, first_person, bool(number))


def _candidates(sentence: str, q: _Question) -> list[_Candidate]:
    """Spans of the sentence the question does not already hold, old values left out."""
    q_low = q.text.lower()
    found = _entity_runs(sentence)
    for regex in (_YEAR_RE,) if "year" in q_low else (_DATE_RE, _NUMBER_RE):
        found += [_Candidate(m.group(), m.start(), 3) for m in regex.finditer(sentence)]
    found += [
        _Candidate(core, start, 1)
        for start, _, core in _words(sentence)
        if core.isalpha() and len(core) > 2 and not core[:1].isupper() and not _is_plain(core)
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


def _best_candidate(sentence: str, q: _Question, exclude: Sequence[str] = ()) -> _Candidate | None:
    """Rank by kind (numbers first for when/how-many), then closeness to question words."""
    cands = [
        c for c in _candidates(sentence, q) if not any(terms(c.text) <= terms(e) for e in exclude)
    ]
    anchors = [start for start, _, core in _words(sentence) if stem(core) in q.terms]

    def key(cand: _Candidate) -> tuple[float, float, int]:
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


def _sentences(passages: Sequence[str]) -> list[_Sentence]:
    """Every sentence of every passage, in order. A sentence of a paragraph also holds the
    words of the paragraph's topic (its first name), so "She studied at X" is about her."""
    out: list[_Sentence] = []
    # Each line is its own paragraph: a tool message lists one memory per line.
    paragraphs = [line for p in passages for line in clean_passage(p).splitlines()]
    for paragraph in paragraphs:
        sentences = split_sentences(paragraph)
        runs = _entity_runs(sentences[0]) if len(sentences) > 1 else []
        topic = terms(runs[0].text) if runs else frozenset()
        for text in sentences:
            tokens = set(content_tokens(text)) | set(re.findall(r"[a-z']+", text.lower()))
            first_person, cue = bool(tokens & _FIRST_PERSON), has_change_cue(text)
            out.append(_Sentence(text, terms(text) | topic, len(out), first_person, cue))
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
    options, years = (match.group(1).strip(_STRIP), match.group(2).strip(_STRIP)), []
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
    if question.split()[0].lower() in _AUXILIARIES:
        # Yes/no questions: "yes" is the more common answer in multi-hop QA sets.
        return Reading("yes", (), (ranked[0].text,))
    for start in ranked[:3]:
        cand = _best_candidate(start.text, q)
        if cand is not None:
            return _follow(q, sents, start, cand)
    return Reading(UNKNOWN)


def _follow(q: _Question, sents: Sequence[_Sentence], start: _Sentence, cand: _Candidate
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
