"""How an episode's material is laid out over stages and rounds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import numpy as np

STAGE_NAMES = {1: "memory construction", 2: "context control", 3: "question"}
# Context-message kinds of Stage-2 turns: a reminder restates the task's own information,
# so it is no distractor (the level-2 removal score and the agent's filter target ignore it).
DISTRACTOR_KIND = "distractor"
REMINDER_KIND = "information"

_T = TypeVar("_T")


def split_into_rounds(turns: Sequence[_T], rounds: int) -> list[list[_T]]:
    """Spread turns over ``rounds`` contiguous chunks, earlier chunks one larger if uneven.

    Every turn is shown by the time the round cap is reached; chunks may be empty when
    there are fewer turns than rounds.

    >>> split_into_rounds(["a", "b", "c", "d", "e"], 3)
    [['a', 'b'], ['c', 'd'], ['e']]
    >>> split_into_rounds(["a"], 3)
    [['a'], [], []]
    """
    size, extra = divmod(len(turns), rounds)
    chunks, start = [], 0
    for i in range(rounds):
        end = start + size + (i < extra)
        chunks.append(list(turns[start:end]))
        start = end
    return chunks


def mix_reminders(
    distractors: Sequence[str], reminders: Sequence[str], rng: np.random.Generator
) -> list[tuple[str, str]]:
    """The Stage-2 stream as (text, message kind): the distractors in their order, each
    reminder inserted at a position drawn from ``rng``. Without reminders nothing is drawn,
    so tasks without them play exactly as before.

    >>> mix_reminders(["a", "b"], [], np.random.default_rng(0))
    [('a', 'distractor'), ('b', 'distractor')]
    >>> stream = mix_reminders(["a", "b"], ["r"], np.random.default_rng(0))
    >>> [text for text, kind in stream if kind == "distractor"], len(stream)
    (['a', 'b'], 3)
    """
    stream = [(text, DISTRACTOR_KIND) for text in distractors]
    for text in reminders:
        stream.insert(int(rng.integers(len(stream) + 1)), (text, REMINDER_KIND))
    return stream
