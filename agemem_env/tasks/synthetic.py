"""Seeded synthetic tasks: multi-hop facts and changing preferences, wrapped in noise.

Draws come in a fixed order from the ``np.random.Generator`` passed in (no set iteration, no
``hash``), so a seed fixes the task bit for bit: the question's fact chain, related facts,
updates (earlier values, stated first and changed later), retractions, the Stage-1 order,
the Stage-2 distractors, the surface form of each turn and the Stage-2 reminders. Surface
forms and reminders come from a second stream drawn once from the first, so the
``paraphrase`` and ``reminder_rate`` knobs change how facts are said, never which facts
there are or their order. New question kinds register in `QUESTION_KINDS`; relations and
pools live in `synthetic_vocab`, varied surface forms in `synthetic_paraphrase`.

>>> import numpy as np
>>> task = generate_task(np.random.default_rng(0), SyntheticConfig(hops=2, num_updates=1))
>>> task.metadata["kind"] in ("multihop", "preference")
True
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import TypeVar

import numpy as np

from agemem_env.tasks import synthetic_paraphrase as paraphrase
from agemem_env.tasks.synthetic_vocab import (
    NAME_PARTS,
    RELATIONS,
    RETRACTIONS,
    USER,
    VALUE_POOLS,
    chain_paths,
    chitchat_lines,
    look_alikes,
)
from agemem_env.tasks.task import Task

_T = TypeVar("_T")


@dataclass(frozen=True)
class SyntheticConfig:
    """Difficulty knobs of the synthetic generator; every field is validated."""

    hops: int = 2
    """Length of the fact chain a multihop question needs (1..3)."""
    num_related_facts: int = 4
    """True facts about other entities, stated in Stage 1 but not needed (0..20)."""
    num_updates: int = 1
    """Facts whose value changes later in Stage 1; the first always hits the chain (0..3)."""
    num_retractions: int = 0
    """Wrong statements the user withdraws later in Stage 1 (0..3)."""
    num_distractors: int = 6
    """Stage-2 turns: related statements plus chit-chat (0..40)."""
    distractor_similarity: float = 0.5
    """Share of distractors about the chain's relations and look-alike entities (0..1)."""
    filler_turns: int = 2
    """Small-talk turns mixed into Stage 1 (0..10)."""
    question_kinds: tuple[str, ...] = ("multihop", "preference")
    """Kinds the generator picks from uniformly; names in `QUESTION_KINDS`."""
    information_tokens: int = 0
    """Pad Stage 1 with small-talk paragraphs up to about this many tokens (0: no padding);
    above the env's token_budget, the information overflows the context."""
    paraphrase: float = 0.7
    """Chance that a Stage-1 statement, update or retraction takes a varied surface form
    (other word order, two sentences with a pronoun, a looser correction, small talk
    around it), and that two statements share a turn; 0 keeps the plain templates."""
    reminder_rate: float = 1.5
    """Expected Stage-2 reminders (``Task.reminders``) per fact of the question's chain
    (0..3), each restating the fact in passing; a reminder of a fact that changed recalls
    an earlier value half the time. Reminders are not distractors."""

    def __post_init__(self) -> None:
        """Validate every knob; the error names the field and its allowed range."""
        for name, (lo, hi) in _RANGES.items():
            value = getattr(self, name)
            kind = float if name in _SHARES else int
            # bool is an int subclass; True as a count is a mistake, not a 1.
            bad_type = isinstance(value, bool) or not isinstance(value, int | kind)
            if bad_type or not lo <= value <= hi:
                raise ValueError(
                    f"SyntheticConfig.{name} must be {kind.__name__} in {lo}..{hi}, got {value!r}"
                )
        kinds = self.question_kinds
        if not isinstance(kinds, str):
            object.__setattr__(self, "question_kinds", tuple(kinds))
        if isinstance(kinds, str) or not kinds or any(k not in QUESTION_KINDS for k in kinds):
            raise ValueError(
                "SyntheticConfig.question_kinds must be a non-empty tuple of names from "
                f"{sorted(QUESTION_KINDS)}, got {kinds!r}"
            )


# Allowed range of each numeric knob, checked by SyntheticConfig.__post_init__.
_RANGES: dict[str, tuple[float, float]] = {
    "hops": (1, 3),
    "num_related_facts": (0, 20),
    "num_updates": (0, 3),
    "num_retractions": (0, 3),
    "num_distractors": (0, 40),
    "distractor_similarity": (0.0, 1.0),
    "filler_turns": (0, 10),
    "information_tokens": (0, 1_000_000),
    "paraphrase": (0.0, 1.0),
    "reminder_rate": (0.0, 3.0),
}
# Knobs that are shares or chances (a float, or an int bound such as 0 or 1).
_SHARES = frozenset({"distractor_similarity", "paraphrase", "reminder_rate"})
# A reminder of a fact that changed recalls an earlier value this often.
_STALE_SHARE = 0.5


@dataclass
class _Fact:
    """A fact of the episode: current value, earlier values, and its role."""

    subject: str
    relation: str
    value: str
    role: str  # "chain" | "related" | "retracted"
    history: list[str] = field(default_factory=list)  # earlier values, oldest first


@dataclass(frozen=True)
class _Turn:
    """One Stage-1 turn; a turn may state several facts (``roles`` and ``facts`` align)."""

    text: str
    roles: tuple[str, ...]  # "chain" | "related" | "retracted" | "update" | "retraction" | "filler"
    facts: tuple[int, ...]  # indices into the facts; () for filler
    values: tuple[str, ...] = ()  # the value stated, or (old, new) for an update

    @property
    def role(self) -> str:
        return "+".join(self.roles)


class _Builder:
    """Draws one task's facts and turns; holds the bookkeeping that keeps them consistent."""

    def __init__(self, rng: np.random.Generator, config: SyntheticConfig) -> None:
        self.rng = rng
        self.config = config
        self.facts: list[_Fact] = []
        self.used: set[str] = set()  # subjects already spoken of (membership only)
        # Values noise may never mention: the chain's entities, old values and the answer.
        self.forbidden: set[str] = set()

    def pick(self, seq: Sequence[_T]) -> _T:
        return seq[int(self.rng.integers(len(seq)))]

    def add_fact(self, subject: str, relation: str, value: str, role: str) -> int:
        self.facts.append(_Fact(subject, relation, value, role))
        self.used.add(subject)
        if role == "chain":
            self.forbidden.update((subject, value))
        return len(self.facts) - 1

    def fresh(
        self, kind: str, like: str | None = None, ok: Callable[[str], bool] | None = None
    ) -> str | None:
        """A new entity of ``kind`` (None if none is left); with ``like``, a look-alike name."""
        if kind in NAME_PARTS:
            firsts, lasts = NAME_PARTS[kind]
            if like is None:
                return self._sample_name(firsts, lasts)
            cands = look_alikes(like, firsts, lasts)
        else:
            cands = list(VALUE_POOLS[kind])
        cands = [c for c in cands if self._unused(c) and (ok is None or ok(c))]
        return self.pick(cands) if cands else None

    def _unused(self, name: str) -> bool:
        return name not in self.used and name not in self.forbidden

    def _sample_name(self, firsts: tuple[str, ...], lasts: tuple[str, ...]) -> str | None:
        # Thousands of combinations: rejection sampling is cheaper than listing them.
        for _ in range(200):
            name = f"{self.pick(firsts)} {self.pick(lasts)}"
            if self._unused(name):
                return name
        return None

    def value_for(
        self, relation: str, subject: str, ok: Callable[[str], bool] | None = None
    ) -> str | None:
        """A value for ``subject``'s ``relation`` that avoids forbidden ones (None if none)."""
        rel = RELATIONS[relation]
        if rel.derive is not None:
            return rel.derive[subject]
        if rel.object_kind in NAME_PARTS:
            name = self.fresh(rel.object_kind)
            if name is not None:
                self.used.add(name)  # so an old value never equals a later draw
            return name
        cands = [
            v
            for v in VALUE_POOLS[rel.object_kind]
            if v not in self.forbidden and (ok is None or ok(v))
        ]
        return self.pick(cands) if cands else None

    def draw_fact(self, relation: str, like: str | None = None) -> tuple[str, str] | None:
        """A (subject, value) pair about a fresh entity; None when the pools run dry."""
        rel = RELATIONS[relation]
        if rel.subject_kind == "user":
            taken = any(f.subject == USER and f.relation == relation for f in self.facts)
            subject = None if taken else USER
        else:
            # Derived facts fix the value by the subject: pick subjects whose value is allowed.
            ok = (lambda s: rel.derive[s] not in self.forbidden) if rel.derive else None
            subject = self.fresh(rel.subject_kind, like, ok)
        value = self.value_for(relation, subject) if subject else None
        if subject is None or value is None:
            return None
        self.used.add(subject)
        return subject, value

    def add_noise_facts(self, n: int, role: str) -> None:
        """Add ``n`` related (or retracted) facts about entities outside the chain."""
        names = list(RELATIONS)
        for _ in range(n):
            for i in self.rng.permutation(len(names)):
                name = names[int(i)]
                drawn = self.draw_fact(name)
                if drawn:
                    self.add_fact(drawn[0], name, drawn[1], role)
                    break

    def add_updates(self, n: int) -> None:
        """Give ``n`` mutable facts an earlier value; the first update hits the chain."""
        for k in range(n):
            roles = ("chain",) if k == 0 else ("chain", "related")
            idx = [
                i
                for i, f in enumerate(self.facts)
                if f.role in roles and RELATIONS[f.relation].changes
            ]
            if not idx:
                return
            i = self.pick(idx)
            old = self._old_value(i)
            if old is not None:
                self.facts[i].history.insert(0, old)
                self.forbidden.add(old)

    def _old_value(self, i: int) -> str | None:
        fact = self.facts[i]
        seen = {fact.value, *fact.history}
        nxt = self.facts[i + 1] if i + 1 < len(self.facts) else None
        derive = None
        if fact.role == "chain" and nxt is not None and nxt.role == "chain":
            derive = RELATIONS[nxt.relation].derive

        def ok(v: str) -> bool:
            # A stale link must lead to a wrong answer, not to the right one by luck.
            return v not in seen and (derive is None or derive[v] != nxt.value)

        return self.value_for(fact.relation, fact.subject, ok)

    def order_turns(self, fillers: list[str]) -> list[_Turn]:
        """Stage-1 turns: statements and fillers shuffled, each change placed after its base."""
        base = [self._say(i, f) for i, f in enumerate(self.facts)]
        base += [_Turn(line, ("filler",), ()) for line in fillers]
        seq = [base[int(i)] for i in self.rng.permutation(len(base))]
        for i, fact in enumerate(self.facts):
            prev = next(t for t in seq if t.facts == (i,))
            for dep in self._dependents(i, fact):
                # Anywhere after the turn it changes, so the stale value is said first.
                at = next(k for k, t in enumerate(seq) if t is prev)
                seq.insert(int(self.rng.integers(at + 1, len(seq) + 1)), dep)
                prev = dep
        return seq

    def _say(self, i: int, fact: _Fact) -> _Turn:
        first = fact.history[0] if fact.history else fact.value
        text = self.pick(RELATIONS[fact.relation].says).format(s=fact.subject, o=first)
        return _Turn(text, (fact.role,), (i,), (first,))

    def _dependents(self, i: int, fact: _Fact) -> list[_Turn]:
        rel = RELATIONS[fact.relation]
        if fact.role == "retracted":
            line = self.pick(RETRACTIONS).format(topic=rel.topic.format(s=fact.subject))
            return [_Turn(line, ("retraction",), (i,))]
        values = [*fact.history, fact.value]
        return [
            _Turn(
                self.pick(rel.changes).format(s=fact.subject, old=old, o=new),
                ("update",),
                (i,),
                (old, new),
            )
            for old, new in zip(values, values[1:], strict=False)
        ]

    def distractors(self, chitchat: list[str]) -> tuple[list[str], list[str]]:
        """Stage-2 turns and their roles ("related" or "chitchat"), shuffled."""
        n = self.config.num_distractors
        n_related = math.floor(n * self.config.distractor_similarity + 0.5)
        chain = [f for f in self.facts if f.role == "chain"]
        items: list[tuple[str, str]] = []
        for _ in range(n_related):
            fact = self.pick(chain)
            # About somebody else: the user's own relation becomes its third-person twin.
            name = RELATIONS[fact.relation].other or fact.relation
            like = None if fact.subject == USER else fact.subject
            drawn = self.draw_fact(name, like)
            if drawn:
                subject, value = drawn
                items.append(
                    (self.pick(RELATIONS[name].says).format(s=subject, o=value), "related")
                )
        items += [(line, "chitchat") for line in chitchat[: n - len(items)]]
        order = self.rng.permutation(len(items))
        return [items[int(i)][0] for i in order], [items[int(i)][1] for i in order]


def _drawn(value: str | None) -> str:
    # The chain is drawn first, from full pools, so this never fires in practice.
    if value is None:
        raise RuntimeError("synthetic: pools exhausted while drawing the question's chain")
    return value


def _multihop_chain(b: _Builder) -> str:
    """Person -> entity -> ... chain; the question asks through every link."""
    paths = chain_paths(b.config.hops)
    if b.config.num_updates:
        # An update must be able to hit the chain, so keep paths with a mutable link.
        paths = [p for p in paths if any(RELATIONS[r].changes for r in p)]
    path = b.pick(paths)
    subject = _drawn(b.fresh("person"))
    phrase = subject
    for k, name in enumerate(path):
        value = _drawn(b.value_for(name, subject))
        b.add_fact(subject, name, value, "chain")
        if k < len(path) - 1:
            phrase = RELATIONS[name].noun.format(s=phrase)
        subject = value
    return RELATIONS[path[-1]].ask.format(s=phrase)


def _preference_chain(b: _Builder) -> str:
    """One of the user's preferences; with updates, it changes over Stage 1."""
    names = [n for n, rel in RELATIONS.items() if rel.group == "preference"]
    name = b.pick(names)
    b.add_fact(USER, name, _drawn(b.value_for(name, USER)), "chain")
    return RELATIONS[name].ask


# Question kind -> builder that adds the chain facts to the builder and returns the question.
QUESTION_KINDS: dict[str, Callable[[_Builder], str]] = {
    "multihop": _multihop_chain,
    "preference": _preference_chain,
}


def generate_task(
    rng: np.random.Generator, config: SyntheticConfig | None = None, task_id: str | None = None
) -> Task:
    """Generate one synthetic task from ``rng`` alone.

    Args:
        rng: The only source of randomness; the same state gives the same task.
        config: Difficulty knobs; defaults to ``SyntheticConfig()``.
        task_id: Id to use; defaults to "synthetic-" plus a hash of the content.

    Returns:
        A `Task` whose metadata records the kind, hops, updates, the config, every fact
        (``facts``, with ``chain`` indexing the question's facts), each turn's roles and
        facts (``turn_roles``: "+"-joined when a turn states several facts; ``turn_facts``:
        a tuple of fact indices per turn), the distractor roles, and per reminder the fact
        it restates (``reminder_facts``) and whether it recalls an earlier value
        (``reminder_stale``).
    """
    config = config or SyntheticConfig()
    b = _Builder(rng, config)
    kind = b.pick(config.question_kinds)
    question = QUESTION_KINDS[kind](b)
    chain = [i for i, f in enumerate(b.facts) if f.role == "chain"]
    b.add_noise_facts(config.num_related_facts, "related")
    b.add_updates(config.num_updates)
    b.add_noise_facts(config.num_retractions, "retracted")
    small_talk = chitchat_lines(rng, config.filler_turns + config.num_distractors)
    turns = b.order_turns(small_talk[: config.filler_turns])
    # A stream of its own for surface forms and reminders: the facts and their order do
    # not depend on the paraphrase and reminder knobs.
    style = np.random.default_rng(int(rng.integers(2**63 - 1)))
    reminders = _reminders(style, b.facts, chain, config.reminder_rate)
    turns = _restyle(style, b.facts, turns, config.paraphrase)  # last: reminders stay put
    turns = _pad(rng, turns, config.information_tokens)
    distractors, distractor_roles = b.distractors(small_talk[config.filler_turns :])
    if any(b.facts[i].history for i in chain):
        question = question[:-1] + " now?"
    facts = [b.facts[i] for i in chain]
    stale = _stale_statements(b.facts)
    content = {
        "information": [t.text for t in turns],
        "question": question,
        "answers": [facts[-1].value],
        "supporting_facts": [
            RELATIONS[f.relation].fact.format(s=f.subject, o=f.value) for f in facts
        ],
        "distractors": distractors,
        "reminders": [text for text, _, _ in reminders],
    }
    metadata = {
        "kind": kind,
        "hops": len(chain),
        "num_updates": sum(len(f.history) for f in b.facts),
        "config": asdict(config),
        "facts": tuple({**asdict(f), "history": tuple(f.history)} for f in b.facts),
        "chain": tuple(chain),
        "turn_roles": tuple(t.role for t in turns),
        "turn_facts": tuple(t.facts for t in turns),
        "distractor_roles": tuple(distractor_roles),
        "reminder_facts": tuple(i for _, i, _ in reminders),
        "reminder_stale": tuple(stale for _, _, stale in reminders),
    }
    # Values and stale facts stay out of the content id: tasks keep their ids.
    return Task(id=task_id or _content_id(content), metadata=metadata, **content,
                supporting_values=tuple(f.value for f in facts),
                stale_facts=tuple(text for text, _ in stale),
                stale_values=tuple(value for _, value in stale))


def _stale_statements(facts: Sequence[_Fact]) -> list[tuple[str, str]]:
    """(clean sentence, value) of every value Stage 1 made untrue: each earlier value of a
    fact that changed, and each retracted claim."""
    out = []
    for fact in facts:
        template = RELATIONS[fact.relation].fact
        olds = [fact.value] if fact.role == "retracted" else fact.history
        out.extend((template.format(s=fact.subject, o=old), old) for old in olds)
    return out


# Turns that state a fact (and may be restated or share a turn with another statement).
_STATEMENTS = frozenset({"chain", "related", "retracted"})


def _restyle(
    rng: np.random.Generator, facts: Sequence[_Fact], turns: list[_Turn], share: float
) -> list[_Turn]:
    """Restate about ``share`` of the turns in a varied form, then let about ``share / 2``
    of neighbouring true statements share a turn. Order and roles are kept."""
    if share == 0:
        return turns
    varied = [_vary(rng, facts, t) if t.facts and rng.random() < share else t for t in turns]
    out: list[_Turn] = []
    for turn in varied:
        prev = out[-1] if out else None
        if prev and _joinable(prev) and _joinable(turn) and rng.random() < share / 2:
            text = paraphrase.join(prev.text, turn.text, rng)
            out[-1] = _Turn(text, prev.roles + turn.roles, prev.facts + turn.facts)
        else:
            out.append(turn)
    return out


def _joinable(turn: _Turn) -> bool:
    # Retracted statements stay alone, so a retraction withdraws a whole turn.
    return len(turn.roles) == 1 and turn.roles[0] in ("chain", "related")


def _vary(rng: np.random.Generator, facts: Sequence[_Fact], turn: _Turn) -> _Turn:
    """One turn in a varied surface form; the facts it states stay the same."""
    fact, role = facts[turn.facts[0]], turn.roles[0]
    text = None
    if role in _STATEMENTS:
        if rng.random() < _WRAP_SHARE:
            text = paraphrase.wrap(turn.text, rng)
        else:
            text = paraphrase.statement(fact.relation, fact.subject, turn.values[0], rng)
    elif role == "update":
        old, new = turn.values
        text = paraphrase.correction(fact.relation, fact.subject, old, new, rng)
    elif role == "retraction":
        topic = RELATIONS[fact.relation].topic.format(s=fact.subject)
        text = paraphrase.retraction(topic, rng)
    return replace(turn, text=text or turn.text)


# Of the varied statements, this share keeps its words and gets small talk around them.
_WRAP_SHARE = 0.25


def _reminders(
    rng: np.random.Generator, facts: Sequence[_Fact], chain: Sequence[int], rate: float
) -> list[tuple[str, int, bool]]:
    """(text, fact index, stale) per Stage-2 reminder: each chain fact is restated
    ``floor(rate)`` times, and once more with chance ``rate % 1``; a reminder of a fact that
    changed recalls an earlier value with chance ``_STALE_SHARE``."""
    out = []
    for i in chain:
        fact = facts[i]
        for _ in range(int(rate) + (rng.random() < rate % 1)):
            stale = bool(fact.history) and rng.random() < _STALE_SHARE
            value = fact.history[int(rng.integers(len(fact.history)))] if stale else fact.value
            said = [text for text, _, _ in out]
            text = paraphrase.restate(fact.relation, fact.subject, value, stale, rng, said)
            out.append((text, i, stale))
    return out


def _pad(rng: np.random.Generator, turns: list[_Turn], tokens: int) -> list[_Turn]:
    """Insert small-talk paragraphs at random places until the stream holds ~tokens.

    Tokens are estimated at 6/5 per word, within a few percent of cl100k on this text.
    """
    estimate = sum(len(t.text.split()) for t in turns) * 6 // 5
    turns = list(turns)
    while estimate < tokens:
        paragraph = " ".join(chitchat_lines(rng, _PAD_LINES))
        turns.insert(int(rng.integers(0, len(turns) + 1)), _Turn(paragraph, ("filler",), ()))
        estimate += len(paragraph.split()) * 6 // 5
    return turns


_PAD_LINES = 6


def _content_id(content: dict[str, object]) -> str:
    # sha256 of canonical JSON: stable across processes, unlike hash().
    blob = json.dumps(content, sort_keys=True, ensure_ascii=True).encode()
    return "synthetic-" + hashlib.sha256(blob).hexdigest()[:12]


def generate_tasks(n: int, seed: int, config: SyntheticConfig | None = None) -> list[Task]:
    """Generate ``n`` tasks; task ``i`` depends only on ``(seed, i)`` and the config.

    Args:
        n: Number of tasks (non-negative).
        seed: Non-negative integer seed.
        config: Difficulty knobs shared by all tasks.

    Returns:
        The tasks; a longer list from the same seed starts with the shorter one.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"generate_tasks: n must be a non-negative int, got {n!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"generate_tasks: seed must be a non-negative int, got {seed!r}")
    # One stream per task, so task i is the same whatever n is.
    return [generate_task(np.random.default_rng([int(seed), i]), config) for i in range(n)]
