"""Means with 95% Student-t intervals (``mean_ci``), and the summary of a run's records.

The t interval, not the normal one: at the small n of some suites (2, 8 episodes) the
normal approximation's 1.96 claims far more than the data hold (t at n=2 is 12.71).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from agemem_env.tools import TOOL_NAMES
from agents.episode import EpisodeRecord

# Summary metric -> EpisodeRecord field it averages.
SUMMARY_METRICS = {
    "answer_score": "judge_score", "answer_em": "judge_em", "answer_f1": "judge_f1",
    "memory_f1": "memory_f1", "return": "episode_return", "prompt_tokens": "prompt_tokens_total",
    "steps": "steps", "wall_seconds": "wall_seconds", "llm_calls": "llm_calls",
    "llm_prompt_tokens": "llm_prompt_tokens", "llm_completion_tokens": "llm_completion_tokens",
    "llm_seconds": "llm_seconds",
}


def mean_ci(values: Sequence[float]) -> dict[str, Any]:
    """Mean, the 95% Student-t half-width ``t(0.975, n-1) * sd / sqrt(n)`` (sd with
    ddof=1; None for n < 2, where no interval exists), and n.

    >>> {k: round(v, 4) for k, v in mean_ci([2.0, 4.0]).items()}  # sd = sqrt(2), t = 12.706
    {'mean': 3.0, 'ci95': 12.7062, 'n': 2}
    >>> mean_ci([0.5]), mean_ci([])
    ({'mean': 0.5, 'ci95': None, 'n': 1}, {'mean': None, 'ci95': None, 'n': 0})
    """
    n = len(values)
    if n == 0:
        return {"mean": None, "ci95": None, "n": 0}
    mean = float(sum(values) / n)
    if n == 1:
        return {"mean": mean, "ci95": None, "n": 1}
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    return {"mean": mean, "ci95": t_quantile(n - 1) * sd / math.sqrt(n), "n": n}


@lru_cache(maxsize=256)
def t_quantile(df: int) -> float:
    """The 0.975 quantile of Student's t with ``df`` degrees of freedom.

    >>> round(t_quantile(1), 3), round(t_quantile(30), 3)
    (12.706, 2.042)
    """
    from scipy.stats import t  # imported here: scipy.stats takes a while to load

    return float(t.ppf(0.975, df))


def summarise(records: Sequence[EpisodeRecord]) -> dict[str, Any]:
    """Means with 95% t intervals over the episodes that did not fail.

    Failed episodes (``error`` set) are counted in ``errors`` and left out of every mean:
    their numbers stop mid-episode. ``parse_error_rate`` is parse errors per agent step;
    ``overflow_rate`` the share of episodes that overflowed the context budget;
    ``llm_*`` the agent's own LLM calls per episode (0 for rule-mode agents).
    """
    ok = [r for r in records if r.error is None]
    summary: dict[str, Any] = {"episodes": len(records), "errors": len(records) - len(ok)}
    for name, attribute in SUMMARY_METRICS.items():
        values = [getattr(r, attribute) for r in ok]
        summary[name] = mean_ci([v for v in values if v is not None])
    # The six memory tools always, so runs compare key by key; other names (an invalid
    # Answer call, an unknown tool) where they occur. A valid answer is no call in the tally.
    tools = [t for t in TOOL_NAMES if t != "Answer"]
    names = tools + sorted({t for r in ok for t in r.tool_calls} - set(tools))
    summary["tool_calls"] = {
        tool: (sum(r.tool_calls.get(tool, 0) for r in ok) / len(ok) if ok else 0.0)
        for tool in names
    }
    steps = sum(r.steps for r in ok)
    summary["parse_error_rate"] = sum(r.parse_errors for r in ok) / steps if steps else 0.0
    summary["overflow_rate"] = sum(r.overflow for r in ok) / len(ok) if ok else 0.0
    return summary
