"""The Task model every task source produces and the environment consumes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Task:
    """One question with the information needed to answer it and noise around it.

    Attributes:
        id: Stable identifier, unique within its source.
        information: Stage-1 turns, in the order the user says them (casual user turns;
            later turns may update or retract earlier ones).
        distractors: Stage-2 turns: related but irrelevant statements and chit-chat.
        reminders: Stage-2 turns that restate a fact in passing (the current value or,
            recalled as past, an earlier one); the environment mixes them among the
            distractors at seeded positions but never counts them as distractors.
            Empty for sources without them.
        question: The Stage-3 query.
        answers: Accepted gold answers (any one counts as correct).
        supporting_facts: Gold facts the answer rests on, as self-contained sentences;
            memory quality is measured against them.
        supporting_values: The value each supporting fact carries now (aligned with
            ``supporting_facts``; "" where unknown), so a memory holding an earlier value
            does not count as support. Empty for sources without values.
        stale_facts: Statements the task's information made untrue: earlier values of
            facts that changed, and claims the user retracted. A memory that holds one
            (and no current value) is stale.
        stale_values: The superseded value each stale fact carries (aligned with
            ``stale_facts``; "" where unknown).
        source: Where the task came from ("synthetic", "hotpotqa", ...).
        metadata: Source-specific extras (question type, category, dates, difficulty).
    """

    id: str
    information: tuple[str, ...]
    question: str
    answers: tuple[str, ...]
    supporting_facts: tuple[str, ...]
    distractors: tuple[str, ...] = ()
    reminders: tuple[str, ...] = ()
    source: str = "synthetic"
    metadata: Mapping[str, Any] = field(default_factory=dict)
    supporting_values: tuple[str, ...] = ()
    stale_facts: tuple[str, ...] = ()
    stale_values: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("Task.id must be a non-empty string")
        if not self.question.strip():
            raise ValueError(f"Task {self.id!r}: question is empty")
        if not self.answers:
            raise ValueError(f"Task {self.id!r}: answers is empty; give at least one")
        for name in ("information", "answers", "supporting_facts", "distractors", "reminders",
                     "supporting_values", "stale_facts", "stale_values"):
            value = getattr(self, name)
            if isinstance(value, str) or not all(isinstance(v, str) for v in value):
                raise TypeError(f"Task {self.id!r}: {name} must be a sequence of strings")
            object.__setattr__(self, name, tuple(value))
        for values, facts in (("supporting_values", "supporting_facts"),
                              ("stale_values", "stale_facts")):
            given, expected = len(getattr(self, values)), len(getattr(self, facts))
            if given not in (0, expected):
                raise ValueError(f"Task {self.id!r}: {values} has {given} entries; give one "
                                 f"per entry of {facts} ({expected}) or none")
