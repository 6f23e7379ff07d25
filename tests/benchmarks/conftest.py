"""Benchmarks run on demand (``make bench``: ``pytest tests/benchmarks --benchmark-only``).

Each benchmark may add lines to a summary printed after pytest-benchmark's own table
(``report`` fixture), so one run shows steps/s, per-store-size step costs and memory
numbers side by side without ``-s`` or ``--benchmark-json``.
"""

from __future__ import annotations

import os
from collections import defaultdict

import pytest

_SUMMARY: dict[str, list[str]] = defaultdict(list)


@pytest.fixture(autouse=True)
def _only_on_demand(request: pytest.FixtureRequest) -> None:
    # Some of these take minutes: never part of a plain `pytest` run.
    if not request.config.getoption("benchmark_only") and os.environ.get("AGEMEM_BENCH") != "1":
        pytest.skip("benchmark: run with --benchmark-only (or AGEMEM_BENCH=1)")


@pytest.fixture
def report():
    """``report(section, line)``: a line for the end-of-run summary, grouped by section."""

    def add(section: str, line: str) -> None:
        _SUMMARY[section].append(line)

    return add


@pytest.hookimpl(trylast=True)  # after pytest-benchmark's tables
def pytest_terminal_summary(terminalreporter) -> None:
    """Print every reported section after the benchmark tables."""
    for section, lines in _SUMMARY.items():
        terminalreporter.write_sep("-", section)
        for line in lines:
            terminalreporter.write_line(line)
