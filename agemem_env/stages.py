"""How an episode's material is laid out over stages and rounds."""

from __future__ import annotations

from collections.abc import Sequence

STAGE_NAMES = {1: "memory construction", 2: "context control", 3: "question"}


def split_into_rounds(turns: Sequence[str], rounds: int) -> list[list[str]]:
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
