"""Wall-clock times of a leaderboard run, kept apart from the results: they differ
between two identical runs, so they live in ``<run folder>/timing/`` (gitignored under
the committed ``leaderboard/``), one JSON file per pair, named as its result file.
"""

from __future__ import annotations

import math
import platform
import time
from pathlib import Path
from typing import Any

from agents.runner import EpisodeRecord
from leaderboard.results import ResultError, read_result, write_json

TIMING_DIR = "timing"


def timing_path(result_path: Path) -> Path:
    """``<run>/timing/<suite>__<agent>.json`` for ``<run>/results/<suite>__<agent>.json``."""
    return result_path.parent.parent / TIMING_DIR / result_path.name


def write_timing(result_path: Path, records: list[EpisodeRecord], wall_seconds: float) -> Path:
    """Latency per episode (p50, p95), the agent's LLM seconds, the pair's wall time."""
    seconds = [r.wall_seconds for r in records]
    data = {
        "episode_seconds": seconds,
        "latency_p50_s": percentile(seconds, 50),
        "latency_p95_s": percentile(seconds, 95),
        "llm_seconds": [r.llm_seconds for r in records],
        "wall_seconds": wall_seconds,
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "host": platform.node(),
    }
    path = timing_path(result_path)
    write_json(data, path)
    return path


def read_timing(result_path: Path) -> dict[str, Any] | None:
    """The timing of a result file, or None when there is none (or it is unreadable)."""
    try:
        return read_result(timing_path(result_path))
    except ResultError:
        return None


def percentile(values: list[float], q: float) -> float | None:
    """Linear-interpolated percentile; None for no values.

    >>> percentile([1.0, 2.0, 3.0, 4.0], 50), percentile([], 95)
    (2.5, None)
    """
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
