"""Varied surface forms of synthetic turns: paraphrases, pronoun splits, corrections, reminders.

Data plus the few pure functions that fill it in. Every form of a fact keeps at least 60% of
the content words of the relation's clean ``fact`` sentence over the whole turn (the memory
scorer's support rule; a unit test checks), so a memory agent that stores the whole turn
still supports the gold fact, while one that stores single sentences may lose the subject
("They work at Veltrix Labs.") or keep a stale value a correction only implies.

Templates use ``{s}`` (subject), ``{o}`` (value) and ``{old}`` (earlier value); a ``{t}``
wrap holds a whole turn.

>>> import numpy as np
>>> restate("works_at", "Dana Ortiz", "Veltrix Labs", stale=False, rng=np.random.default_rng(0))
'By the way, Dana Ortiz works at Veltrix Labs, just so you know.'
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np

from agemem_env.tasks.synthetic_vocab import PREFERENCES, RELATIONS, USER


@dataclass(frozen=True)
class Forms:
    """Extra surface forms of one relation.

    Attributes:
        alt: One-sentence statements in another word order.
        lead: First sentence of a two-sentence statement (names the subject; empty: the
            subject kind's ``LEADS``).
        tail: Second sentence of a two-sentence statement: the subject as a pronoun, or
            only the value.
        corrections: Updates in a looser voice; some leave the old value implied.
        past: Clause stating an earlier value in the past tense, for stale reminders.
    """

    alt: tuple[str, ...]
    tail: tuple[str, ...]
    corrections: tuple[str, ...] = ()
    past: str = ""
    lead: tuple[str, ...] = ()


# Two-sentence statements: the lead names the subject, the tail states the fact.
LEADS: Mapping[str, tuple[str, ...]] = {
    "person": (
        "I bumped into {s} at the station yesterday.",
        "{s} called me last night, we talked for ages.",
        "I had lunch with {s} on Sunday.",
    ),
    "company": (
        "There was a long article about {s} in the paper.",
        "I keep hearing about {s} lately.",
    ),
    "city": ("I was reading about {s} last night.", "A friend keeps sending me photos of {s}."),
}

_LINK_FORMS: dict[str, Forms] = {
    "works_at": Forms(
        alt=("{o} is where {s} works.", "It's {o} that {s} works for, in case you wondered."),
        tail=("These days they work at {o}.", "They work at {o}, apparently."),
        corrections=(
            "Actually, scratch that: {s} works at {o}, not {old}.",
            "I need to correct myself about {s}: it's {o} these days, {old} is history.",
            "{s} switched jobs, by the way. The new employer is {o}.",
        ),
        past="{s} was still working at {o}",
    ),
    "headquartered_in": Forms(
        alt=("{o} is where {s} has its headquarters.", "The headquarters of {s} are in {o}."),
        tail=("Its headquarters are in {o}.", "They are headquartered in {o}, it said."),
        corrections=(
            "Actually, scratch that: {s} is headquartered in {o}, not {old}.",
            "I need to correct myself about {s}: headquarters in {o}, {old} is history.",
            "Big news about {s}: new headquarters, in {o}.",
        ),
        past="{s} was still headquartered in {o}",
    ),
    "located_in": Forms(
        alt=("{o} is the country {s} is in.", "Geography quiz: {s} is in {o}."),
        tail=("It is in {o}, I looked it up.", "That city is in {o}."),
    ),
    "lives_in": Forms(
        alt=("{o} is where {s} lives.", "Over in {o}, that's where {s} lives."),
        tail=("They live in {o} these days.", "They live in {o}, apparently."),
        corrections=(
            "Actually, scratch that: {s} lives in {o}, not {old}.",
            "I need to correct myself about {s}: it's {o} these days, {old} is history.",
            "{s} packed up and went to {o}, by the way.",
        ),
        past="{s} was still living in {o}",
    ),
    "born_in": Forms(
        alt=("{o} is where {s} was born.", "Born in {o}, that's {s}."),
        tail=("They were born in {o}.", "Born and raised in {o}, they told me."),
    ),
    "has_dog": Forms(
        alt=("{o} is the name of the dog {s} has.", "There's a dog named {o}, it belongs to {s}."),
        tail=("They have a dog named {o}.", "Their dog is named {o}."),
    ),
}


def _favourite_forms() -> dict[str, Forms]:
    """The forms of every favourite-something relation, the user's and other people's."""
    out: dict[str, Forms] = {}
    for cat in PREFERENCES:
        out[f"favourite_{cat}"] = Forms(
            alt=(f"{{o}} is {{s}}'s favourite {cat}.", f"Ask {{s}} about {cat}: {{o}}, always."),
            tail=(
                f"Their favourite {cat} is {{o}}.",
                f"Their favourite {cat}? That would be {{o}}.",
            ),
            corrections=(
                f"Actually, scratch that: {{s}}'s favourite {cat} is {{o}}, not {{old}}.",
                f"I need to correct myself about {{s}}: the favourite {cat} is {{o}} these days.",
            ),
            past=f"{{s}}'s favourite {cat} was {{o}}",
        )
        out[f"my_favourite_{cat}"] = Forms(
            alt=(
                f"{{o}} is my favourite {cat}, no contest.",
                f"I'd say nothing beats {{o}}, my favourite {cat}.",
            ),
            lead=(
                f"People keep asking about my favourite {cat}.",
                f"Let me tell you my favourite {cat}.",
            ),
            tail=("It's {o}, without a doubt.", "The answer is {o}, every time."),
            corrections=(
                f"Actually, scratch that: my favourite {cat} is {{o}}, not {{old}}.",
                f"I need to correct myself on my favourite {cat}: make that {{o}}.",
                f"I'm so over {{old}}. These days it's {{o}} for me, my favourite {cat}.",
                f"Change of heart about my favourite {cat}. These days it's {{o}}.",
            ),
            past=f"my favourite {cat} was {{o}}",
        )
    return out


FORMS: Mapping[str, Forms] = {
    **_LINK_FORMS,
    **_favourite_forms(),
    "my_home_city": Forms(
        alt=("{o} is my home city these days.", "Home for me is {o}, my home city."),
        lead=("You asked me where my home city is.", "Let me tell you about my home city."),
        tail=("It's {o} at the moment.", "The answer is {o}."),
        corrections=(
            "Actually, scratch that: my home city is {o}, not {old}.",
            "I need to correct myself on my home city: make that {o}.",
            "Big change about my home city. I live in {o} these days.",
        ),
        past="my home city was {o}",
    ),
}

RETRACTIONS_VARIED: tuple[str, ...] = (
    "That thing I said about {topic}? Not true, sorry.",
    "Hmm, I was wrong about {topic}, please disregard it.",
    "Actually, scratch that bit about {topic}. My mistake.",
)
# Small talk around a turn; none of it names a person, place or value.
WRAPS: tuple[str, ...] = (
    "Sorry, long day. {t}",
    "{t} Anyway, enough about that.",
    "Oh, before I forget. {t}",
    "{t} Right, where was I?",
)
# Joins two statements into one turn.
JOINS: tuple[str, ...] = ("{a} {b}", "{a} Also: {b}", "{a} Oh, and one more thing. {b}")
# Reminders in passing: the current value, or an earlier one recalled as past.
CURRENT_FRAMES: tuple[str, ...] = (
    "As I said before, {c}.",
    "Not that it matters, but {c}.",
    "By the way, {c}, just so you know.",
)
STALE_FRAMES: tuple[str, ...] = (
    "That reminds me of the days when {c}.",
    "I was just remembering the time when {c}.",
    "Funny to think that {c}, back then.",
)


def _pick(rng: np.random.Generator, seq: tuple[str, ...]) -> str:
    return seq[int(rng.integers(len(seq)))]


def statement(relation: str, subject: str, value: str, rng: np.random.Generator) -> str:
    """A varied statement of a fact: another word order, or two sentences with a pronoun.

    >>> statement("works_at", "Dana Ortiz", "Veltrix Labs", np.random.default_rng(2))
    'Veltrix Labs is where Dana Ortiz works.'
    >>> statement("works_at", "Dana Ortiz", "Veltrix Labs", np.random.default_rng(1))
    'I had lunch with Dana Ortiz on Sunday. They work at Veltrix Labs, apparently.'
    """
    forms = FORMS[relation]
    if rng.random() < 0.5:
        return _capitalised(_pick(rng, forms.alt).format(s=subject, o=value))
    leads = forms.lead or LEADS[RELATIONS[relation].subject_kind]
    return f"{_pick(rng, leads).format(s=subject)} {_pick(rng, forms.tail).format(o=value)}"


def _capitalised(sentence: str) -> str:
    # "ska is my favourite music" opens a sentence: "Ska is ...".
    return sentence[:1].upper() + sentence[1:]


def correction(
    relation: str, subject: str, old: str, value: str, rng: np.random.Generator
) -> str | None:
    """A varied update from ``old`` to ``value``; None if the relation has none."""
    forms = FORMS[relation].corrections
    return _pick(rng, forms).format(s=subject, old=old, o=value) if forms else None


def retraction(topic: str, rng: np.random.Generator) -> str:
    """A varied withdrawal of what was said about ``topic``."""
    return _pick(rng, RETRACTIONS_VARIED).format(topic=topic)


def wrap(text: str, rng: np.random.Generator) -> str:
    """``text`` with small talk around it."""
    return _pick(rng, WRAPS).format(t=text)


def join(first: str, second: str, rng: np.random.Generator) -> str:
    """Two statements said in one turn."""
    return _pick(rng, JOINS).format(a=first, b=second)


def restate(
    relation: str,
    subject: str,
    value: str,
    stale: bool,
    rng: np.random.Generator,
    avoid: Collection[str] = (),
) -> str:
    """A Stage-2 reminder of a fact in passing; ``stale`` recalls ``value`` as a past one.
    A frame that would repeat a text in ``avoid`` is left out while another remains.

    Raises:
        ValueError: ``stale`` for a relation that never changes (no past form).
    """
    if stale:
        past = FORMS[relation].past
        if not past:
            raise ValueError(f"restate: relation {relation!r} never changes; no stale form")
        clause, frames = past.format(s=subject, o=value), STALE_FRAMES
    else:
        clause, frames = (
            RELATIONS[relation].fact.rstrip(".").format(s=subject, o=value),
            CURRENT_FRAMES,
        )
        # "The user's favourite food is X" -> "my favourite food is X": the user is speaking.
        if subject == USER:
            clause = clause.replace("The user's", "my", 1)
    texts = tuple(frame.format(c=clause) for frame in frames)
    return _pick(rng, tuple(t for t in texts if t not in avoid) or texts)
