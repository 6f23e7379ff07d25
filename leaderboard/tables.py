"""The leaderboard's tables, built once from the result files and rendered by every report
(Markdown, HTML, the terminal): per-benchmark scores, EM/F1, memory quality, prompt
tokens, tool usage, and latency apart from the deterministic numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from leaderboard.results import MEMORY_TOOLS, ResultError, check_result, read_result


@dataclass
class Board:
    """Every successful result of a results folder, by (agent, suite), plus notes."""

    agents: list[str]
    suites: list[str]
    results: dict[tuple[str, str], dict[str, Any]]
    notes: list[str] = field(default_factory=list)

    def cell(self, agent: str, suite: str) -> dict[str, Any] | None:
        """The aggregates of one pair, or None when it has no valid result."""
        result = self.results.get((agent, suite))
        return result["aggregates"] if result else None


@dataclass(frozen=True)
class Table:
    """A rendered-agnostic table: strings only, first column the row label."""

    title: str
    header: list[str]
    rows: list[list[str]]
    caption: str = ""


def load_board(results_dir: Path, agents: list[str] | None = None,
               suites: list[str] | None = None) -> Board:
    """Read every ``*.json`` result in ``results_dir``; invalid or failed ones become notes.

    ``agents`` and ``suites`` come first, in that order; the rest follow in file order.
    """
    results: dict[tuple[str, str], dict[str, Any]] = {}
    notes: list[str] = []
    for path in sorted(Path(results_dir).glob("*.json")):
        try:
            result = read_result(path)
        except ResultError as err:
            notes.append(str(err))
            continue
        problems = check_result(result)
        if result.get("status") == "failed" and isinstance(result.get("agent"), dict):
            reason = (result.get("error") or "no reason given").splitlines()[0]
            notes.append(f"{result['agent'].get('name')} on "
                         f"{result.get('suite', {}).get('name')}: failed ({reason})")
            continue
        if problems:
            notes.append(f"{path.name}: left out: {problems[0]}")
            continue
        results[result["agent"]["name"], result["suite"]["name"]] = result
    seen_agents = list(dict.fromkeys(a for a, _ in results))
    seen_suites = list(dict.fromkeys(s for _, s in results))
    return Board(_ordered(agents, seen_agents), _ordered(suites, seen_suites), results, notes)


def _ordered(first: list[str] | None, seen: list[str]) -> list[str]:
    """``seen``, with the names of ``first`` up front.

    >>> _ordered(["b", "x"], ["a", "b", "c"])
    ['b', 'a', 'c']
    """
    head = [name for name in first or [] if name in seen]
    return head + [name for name in seen if name not in head]


def stat(value: dict[str, Any] | None, digits: int = 3) -> str:
    """``{"mean": .5, "ci95": .1}`` -> "0.500 ± 0.100"; missing -> "-".

    >>> stat({"mean": 0.5, "ci95": 0.1, "n": 4}), stat(None), stat({"mean": None})
    ('0.500 ± 0.100', '-', '-')
    """
    if not value or value.get("mean") is None:
        return "-"
    return f"{value['mean']:.{digits}f} ± {value['ci95']:.{digits}f}"


def per_benchmark(board: Board, metric: str, title: str, digits: int = 3,
                  caption: str = "") -> Table:
    """Rows agents, columns suites, cells ``metric`` mean ± 95% CI, plus an average."""
    rows = []
    for agent in board.agents:
        cells = [board.cell(agent, s) for s in board.suites]
        means = [c[metric]["mean"] for c in cells if c and c[metric]["mean"] is not None]
        average = f"{sum(means) / len(means):.{digits}f}" if len(means) == len(cells) \
            and means else "-"
        rows.append([agent, *(stat(c and c[metric], digits) for c in cells), average])
    return Table(title, ["agent", *board.suites, "average"], rows, caption)


def tool_usage(board: Board) -> Table:
    """Mean calls per episode of each memory tool, pooled over suites, with the overflow
    and parse-error rates."""
    rows = []
    for agent in board.agents:
        mix = pooled_tools(board, agent)
        cells = [board.cell(agent, s) for s in board.suites]
        overflow = _pooled(cells, lambda c: c["overflow_rate"]["mean"] or 0.0)
        parse = _pooled(cells, lambda c: c["parse_error_rate"])
        rows.append([agent, *(f"{mix[t]:.2f}" for t in MEMORY_TOOLS),
                     f"{overflow:.3f}", f"{parse:.3f}"])
    return Table("Tool usage (calls per episode, all suites)",
                 ["agent", *MEMORY_TOOLS, "overflow rate", "parse errors / step"], rows,
                 "Pooled over every suite, weighted by episodes.")


def pooled_tools(board: Board, agent: str) -> dict[str, float]:
    """Mean calls per episode of each memory tool over every suite of ``agent``."""
    cells = [board.cell(agent, s) for s in board.suites]
    return {t: _pooled(cells, lambda c, t=t: c["tool_calls"].get(t, {}).get("mean") or 0.0)
            for t in MEMORY_TOOLS}


def latency(board: Board) -> Table:
    """Per-episode latency p50/p95 per suite: wall-clock, so not reproducible."""
    rows = []
    for agent in board.agents:
        cells = []
        for suite in board.suites:
            result = board.results.get((agent, suite))
            t = result["timing"] if result else None
            cells.append("-" if not t or t["latency_p50_s"] is None
                         else f"{t['latency_p50_s']:.2f} / {t['latency_p95_s']:.2f}")
        rows.append([agent, *cells])
    return Table("Latency per episode, seconds (p50 / p95)", ["agent", *board.suites], rows,
                 "Wall-clock on the machine that ran it: not part of the deterministic "
                 "results or their digest.")


def suites_table(board: Board) -> Table:
    """Which suite is what: env, source, episodes, judge, embedder, hashes."""
    rows = []
    for suite in board.suites:
        result = next(r for (_, s), r in board.results.items() if s == suite)
        d = result["suite"]["definition"]
        rows.append([suite, d["env_id"], d["tasks"]["source"], str(result["episodes_declared"]),
                     ",".join(map(str, d["seeds"])), result["judge_id"] or "-", d["embedder"],
                     result["suite"]["hash"][:12], (result["dataset_hash"] or "-")[:12]])
    return Table("Suites", ["suite", "env", "tasks", "episodes", "seeds", "judge", "embedder",
                            "suite hash", "dataset hash"], rows)


def all_tables(board: Board) -> list[Table]:
    """The report's tables, in the paper's order."""
    return [
        suites_table(board),
        per_benchmark(board, "answer_score", "Answer score per benchmark (judge, mean ± 95% CI)"),
        per_benchmark(board, "answer_em", "Exact match per benchmark"),
        per_benchmark(board, "answer_f1", "Token F1 per benchmark"),
        per_benchmark(board, "memory_f1", "Memory quality: F1 of stored memory against the "
                      "gold supporting facts"),
        per_benchmark(board, "prompt_tokens", "Prompt tokens per episode", digits=0,
                      caption="Sum over the episode's steps of the context shown to the agent."),
        tool_usage(board),
        latency(board),
    ]


def _pooled(cells: list[dict[str, Any] | None], value: Any) -> float:
    """Episode-weighted mean of ``value(cell)`` over the cells that exist."""
    weighted = [(c["episodes"] - c["errors"], value(c)) for c in cells if c]
    total = sum(n for n, _ in weighted)
    return sum(n * v for n, v in weighted) / total if total else 0.0
