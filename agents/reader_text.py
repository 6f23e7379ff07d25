"""The reader's text primitives: crude stems, content terms, change cues, sentences and
capitalised names. Shared by the reader, the rule agents and the baselines' rules.

>>> sorted(terms("Dana lives in Porto now."))
['dana', 'liv', 'porto']
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from agemem_env.scoring.text import QUESTION_WORDS, STOPWORDS, content_tokens

# Words that announce a changed or corrected statement; they break ties between sentences.
CHANGE_CUES: frozenset[str] = frozenset(
    "now moved switched actually longer left replaced update changed instead anymore gone turns"
    .split()
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
    these those monday mondays tuesday wednesday thursday friday saturday sunday anyway enough
    besides btw
    """.split()
)
_CONNECTORS = frozenset("of de da la le van von der du del di dos das".split())
_SPLIT_RE = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[\"'(\[]?[A-Z0-9])")
_MEM_PREFIX_RE = re.compile(r"^\s*mem_\d+(?:\s*\([-\d.]+\))?:\s*")
_HEADER_RE = re.compile(
    r"^\s*(?:\d+ memories:|related memories:|\[\w+\] \((?:ok|error)\))", re.IGNORECASE
)
# "Dr.", the initial "S." or "F.C." ends no sentence.
_ABBREVIATION_RE = re.compile(r"^(?:(?:[A-Z]\.)+|(?:Mr|Mrs|Ms|Dr|St|Jr|Sr|Prof|Inc|Ltd|Co|vs)\.)$")
# Punctuation a span sheds at either end.
STRIP = "\"'“”‘’()[]{},;:!?."


@dataclass(frozen=True)
class Span:
    """A piece of a sentence that may answer: its text, where it starts, and its kind."""

    text: str
    start: int
    kind: int  # 3: number or date; 2: capitalised name; 1: plain content word


# stem, has_change_cue and terms are cached: the rule agents ask about the same sentences
# again and again (every new fact against every stored one).
@functools.lru_cache(maxsize=65536)
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


@functools.lru_cache(maxsize=65536)
def has_change_cue(text: str) -> bool:
    """Whether ``text`` announces a change or correction ("now", "moved", "no longer")."""
    # Raw words too: "now" is a stopword, so content terms never hold it.
    words = set(re.findall(r"[a-z]+", text.lower()))
    return not words.isdisjoint(_CUES) or any(stem(w) in _CUES for w in words)


_CUES = CHANGE_CUES | {stem(w) for w in CHANGE_CUES}


@functools.lru_cache(maxsize=65536)
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


def word_spans(sentence: str) -> list[tuple[int, str, str]]:
    """(start, raw, core) per whitespace token; core drops punctuation and a possessive."""
    return [(m.start(), m.group(), re.sub(r"['’]s$", "", m.group().strip(STRIP)))
            for m in re.finditer(r"\S+", sentence)]


def is_plain(core: str) -> bool:
    """A word that is never an entity on its own (I, My, Update, Funny...)."""
    low = re.sub(r"\W", "", core.lower())
    return low in STOPWORDS or low in COMMON_WORDS or low in QUESTION_WORDS


def entity_runs(sentence: str) -> list[Span]:
    """Maximal runs of capitalised words ("University of Copenhagen"), plain words trimmed."""
    words, runs, i = word_spans(sentence), [], 0
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
        while span and is_plain(span[0][2]):
            span = span[1:]
        if span:
            text = sentence[span[0][0] : span[-1][0] + len(span[-1][1])].strip(STRIP)
            runs.append(Span(re.sub(r"['’]s$", "", text), span[0][0], 2))
        i = j + 1
    return runs


def entity_spans(text: str) -> list[str]:
    """Capitalised names in ``text``, conversational words ("Update", "My") left out.

    >>> entity_spans("Update: My friend Dana Ortiz works at the University of Porto.")
    ['Dana Ortiz', 'University of Porto']
    """
    return [cand.text for sentence in split_sentences(text) for cand in entity_runs(sentence)]
