"""Reward terms of the AgeMem paper (Appendix A.2), one pure function each.

Every term lies in [0, 1] except the task term (which is -1 without an answer) and the
penalties (which are <= 0).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def task_term(judge_score: float | None, no_answer: float = -1.0) -> float:
    """Eq. 17: the judge's score of the answer, or ``no_answer`` when there is none.

    >>> task_term(0.5), task_term(None)
    (0.5, -1.0)
    """
    return no_answer if judge_score is None else float(judge_score)


def compression(tokens_used: int, budget: int) -> float:
    """Eq. 19: max(0, 1 - T_used / T_max), the share of the budget left unused.

    >>> compression(2048, 8192)
    0.75
    >>> compression(9000, 8192)
    0.0
    """
    return max(0.0, 1.0 - tokens_used / budget)


def preventive(first_reduction: Any, first_overflow: Any) -> float:
    """Eq. 20: 1 if a context-reduction tool ran before the context first overflowed.

    Times are anything ordered: step numbers, or (step, phase) pairs so that a reduction
    in step t comes before the overflow its step's own reveal causes.

    >>> preventive(3, None), preventive(3, 5), preventive(5, 3), preventive(None, None)
    (1.0, 1.0, 0.0, 0.0)
    >>> preventive((3, 0), (3, 2))
    1.0
    """
    if first_reduction is None:
        return 0.0
    if first_overflow is None:
        return 1.0
    return float(first_reduction < first_overflow)


def preservation(key_terms: Sequence[str], context_tokens: set[str] | frozenset[str]) -> float:
    """Eq. 21, graded: the share of the query's key terms still present in the context.

    The paper's indicator is the case where every term is kept (a score of 1).

    >>> preservation(["paris", "tower"], {"paris", "hotel"})
    0.5
    >>> preservation([], set())
    1.0
    """
    if not key_terms:
        return 1.0
    return sum(term in context_tokens for term in key_terms) / len(key_terms)


def storage(n_supporting: int, n_added: int) -> float:
    """Eq. 23: share of added memory entries that support the answer.

    >>> storage(2, 4), storage(0, 0)
    (0.5, 0.0)
    """
    return n_supporting / max(1, n_added)


def maintenance(n_updates: int, n_deletes: int) -> float:
    """Eq. 24: 1 if any update or delete succeeded.

    >>> maintenance(0, 1), maintenance(0, 0)
    (1.0, 0.0)
    """
    return float(n_updates + n_deletes > 0)


def relevance(per_retrieval_support: Sequence[float]) -> float:
    """Eq. 25, offline: mean over retrievals of the share of returned memories that
    support a gold fact (0 when the agent never retrieved anything).

    >>> relevance([1.0, 0.5]), relevance([])
    (0.75, 0.0)
    """
    if not per_retrieval_support:
        return 0.0
    return sum(per_retrieval_support) / len(per_retrieval_support)


def tool_validity(n_ok: int, n_calls: int) -> float:
    """Share of tool calls that ran without error (0 when no tool was called).

    >>> tool_validity(3, 4), tool_validity(0, 0)
    (0.75, 0.0)
    """
    return n_ok / n_calls if n_calls else 0.0


def weighted_mean(values: Sequence[float], weights: Sequence[float]) -> float:
    """Eq. 18 and 22: sum_i alpha_i * R_i with weights that sum to one.

    >>> weighted_mean([1.0, 0.0, 0.5], [1/3, 1/3, 1/3])
    0.5
    """
    return float(sum(v * w for v, w in zip(values, weights, strict=True)))


def format_penalty(n_errors: int, per_error: float, cap: float) -> float:
    """Penalty for malformed completions and invalid tool calls, bounded below by cap.

    >>> format_penalty(3, -0.1, -1.0), format_penalty(30, -0.1, -1.0)
    (-0.30000000000000004, -1.0)
    """
    return max(cap, n_errors * per_error)


def share(part: float, whole: float) -> float:
    """``part / whole``, 0 when there is nothing to take a share of.

    >>> share(1, 4), share(3, 0)
    (0.25, 0.0)
    """
    return part / whole if whole else 0.0


def mean(values: Sequence[float]) -> float:
    """The mean, 0 for no values (a term with nothing to judge pays nothing).

    >>> mean([1.0, 0.5]), mean([])
    (0.75, 0.0)
    """
    return sum(values) / len(values) if values else 0.0
