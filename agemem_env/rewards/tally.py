"""The store's standing against the gold, kept up to date as memories change, so a step
costs the same with 10 memories or 100,000 (no rescan of the store per step).

Sums are exact (``ExactSum``), so the tallies give the same bits as scoring every memory
again: ``math.fsum`` is what ``scoring.memory_quality`` uses, and both round the same exact
sum once.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable

from agemem_env.scoring.memory_quality import Judgement, QualitySummary, f1_of


class ExactSum:
    """A running sum of floats, exact until read (Shewchuk's partials, as ``math.fsum``),
    that takes values out as well as in.

    >>> total = ExactSum()
    >>> for x in (0.1, 0.2, 0.3):
    ...     total.add(x)
    >>> total.add(-0.2)
    >>> total.value() == math.fsum([0.1, 0.3])
    True
    """

    def __init__(self) -> None:
        self._partials: list[float] = []

    def add(self, x: float) -> None:
        """Add ``x`` (subtract with ``add(-x)``)."""
        i = 0
        for y in self._partials:
            if abs(x) < abs(y):
                x, y = y, x
            high = x + y
            low = y - (high - x)
            if low:
                self._partials[i] = low
                i += 1
            x = high
        self._partials[i:] = [x]

    def value(self) -> float:
        """The sum, rounded once."""
        return math.fsum(self._partials)


class StoreTally:
    """Per-memory judgements of the store, and the sums the memory terms read.

    Args:
        judge: text -> ``Judgement`` (the ledger's, cached by text).
        n_facts: Checkable gold facts (the recall denominator).
    """

    def __init__(self, judge: Callable[[str], Judgement], n_facts: int) -> None:
        self._judge, self.n_facts = judge, n_facts
        self._judged: dict[str, Judgement] = {}
        self._own: set[str] = set()
        self._focus = ExactSum()
        self._supporters: Counter[int] = Counter()
        self._counts: Counter[str] = Counter()  # supporting, stale, own, own_supporting

    def set(self, memory_id: str, content: str) -> None:
        """A memory was added or rewritten."""
        self.drop(memory_id, keep_own=True)
        judged = self._judged[memory_id] = self._judge(content)
        self._count(memory_id, judged, +1)

    def drop(self, memory_id: str, keep_own: bool = False) -> None:
        """A memory was deleted (or is about to be rewritten, ``keep_own``)."""
        judged = self._judged.pop(memory_id, None)
        if judged is not None:
            self._count(memory_id, judged, -1)
        if not keep_own:
            self._own.discard(memory_id)

    def clear(self) -> None:
        """The store was cleared."""
        self._judged.clear()
        self._own.clear()
        self._focus = ExactSum()
        self._supporters.clear()
        self._counts.clear()

    def mark_own(self, memory_id: str) -> None:
        """The episode's agent wrote this memory (the paper's storage counts only those)."""
        if memory_id in self._own:
            return
        self._own.add(memory_id)
        judged = self._judged.get(memory_id)
        if judged is not None:
            self._counts["own"] += 1
            self._counts["own_supporting"] += bool(judged.supports)

    def _count(self, memory_id: str, judged: Judgement, sign: int) -> None:
        self._focus.add(sign * judged.focus)
        self._supporters.update({j: sign for j in judged.supports})
        self._counts["supporting"] += sign * bool(judged.supports)
        self._counts["stale"] += sign * judged.stale
        if memory_id in self._own:
            self._counts["own"] += sign
            self._counts["own_supporting"] += sign * bool(judged.supports)

    def summary(self) -> QualitySummary:
        """Memory quality of the whole store."""
        n = len(self._judged)
        if not n or not self.n_facts:
            return QualitySummary(0.0, 0.0, 0.0, n, self._counts["supporting"],
                                  self._counts["stale"])
        precision = self._focus.value() / n
        recall = sum(1 for count in self._supporters.values() if count > 0) / self.n_facts
        return QualitySummary(precision, recall, f1_of(precision, recall), n,
                              self._counts["supporting"], self._counts["stale"])

    def own_summary(self) -> QualitySummary:
        """Counts of the agent's own surviving memories (the paper's storage reads these)."""
        return QualitySummary(0.0, 0.0, 0.0, self._counts["own"],
                              self._counts["own_supporting"], 0)
