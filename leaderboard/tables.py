"""The leaderboard's tables, built once from the board and rendered by every report
(Markdown, HTML, the terminal): suites, agents, per-benchmark scores, EM/F1, memory
quality, prompt tokens, the agents' own LLM tokens, and tool usage.

Cells are ``mean [low, high] n=N``: the 95% Student-t interval (clipped to the metric's
range) and the episodes scored. Rows follow the board's ranking; references come last,
marked "ref". The best entry (not reference) of each column is in ``Table.best``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from leaderboard.board import MIN_RANKED_EPISODES, Board, load_board
from leaderboard.results import MEMORY_TOOLS

__all__ = ["Board", "Table", "all_tables", "load_board", "stat"]

REFERENCE_MARK = "ref"
UNIT = (0.0, 1.0)  # range of scores and rates
COUNT = (0.0, None)  # range of counts and tokens


@dataclass(frozen=True)
class Table:
    """A renderer-agnostic table: strings only; the first ``labels`` columns are row
    labels; ``best`` holds the (row, column) cells to mark as the best entry."""

    title: str
    header: list[str]
    rows: list[list[str]]
    caption: str = ""
    labels: int = 1
    best: set[tuple[int, int]] = field(default_factory=set)


def stat(value: dict[str, Any] | None, digits: int = 3,
         bounds: tuple[float, float | None] = UNIT) -> str:
    """``{"mean", "ci95", "n"}`` -> "0.500 [0.40, 0.60] n=4"; no interval below n=2.

    >>> stat({"mean": 0.5, "ci95": 0.1, "n": 4}), stat(None), stat({"mean": 0.5, "n": 1})
    ('0.500 [0.400, 0.600] n=4', '-', '0.500 n=1')
    >>> stat({"mean": 0.5, "ci95": 6.35, "n": 2})  # clipped to 0..1
    '0.500 [0.000, 1.000] n=2'
    """
    if not value or value.get("mean") is None:
        return "-"
    mean, half, n = value["mean"], value.get("ci95"), value.get("n", 0)
    if half is None:
        return f"{mean:.{digits}f} n={n}"
    low, high = mean - half, mean + half
    low = max(low, bounds[0]) if bounds[0] is not None else low
    high = min(high, bounds[1]) if bounds[1] is not None else high
    return f"{mean:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}] n={n}"


def rank_labels(board: Board) -> list[list[str]]:
    """``[rank, agent]`` per row: 1, 2, ... for entries (equal averages share a rank:
    1, 1, 3), "ref" for references.

    >>> rank_labels(Board(["a", "b"], [], {}, references={"b": "floor"}))
    [['1', 'a'], ['ref', 'b']]
    """
    ranks, position, previous = [], 0, ("none",)
    for k, agent in enumerate(a for a in board.agents if a not in board.references):
        average = board.average(agent)
        key = (round(average, 12),) if average is not None else (None, agent)
        position = position if key == previous else k + 1
        previous = key
        ranks.append([str(position), agent])
    return ranks + [[REFERENCE_MARK, a] for a in board.agents if a in board.references]


def suite_header(board: Board, suite: str) -> str:
    """A suite's column name, with "(custom)" for a suite that is not a packaged one."""
    return f"{suite} (custom)" if suite in board.custom else suite


def per_benchmark(board: Board, metric: str, title: str, digits: int = 3,
                  bounds: tuple[float, float | None] = UNIT, caption: str = "") -> Table:
    """Rows agents (ranked), columns suites, cells ``metric`` with interval and n, and
    the average over the ranked suites."""
    rows, values = [], []
    for labels, agent in zip(rank_labels(board), board.agents, strict=True):
        cells = [board.cell(agent, s) for s in board.suites]
        average = board.average(agent, metric)
        rows.append([*labels, *(stat(c and c[metric], digits, bounds) for c in cells),
                     "-" if average is None else f"{average:.{digits}f}"])
        values.append([(c[metric]["mean"] if c else None) for c in cells] + [average])
    header = ["#", "agent", *(suite_header(board, s) for s in board.suites),
              "average (ranked suites)"]
    best = _best(board, values, offset=2, higher=metric != "prompt_tokens")
    return Table(title, header, rows, caption, labels=2, best=best)


def _best(board: Board, values: list[list[float | None]], offset: int,
          higher: bool = True) -> set[tuple[int, int]]:
    """The best entry's cells of each column (ties all marked); references excluded."""
    best = set()
    entries = [i for i, a in enumerate(board.agents) if a not in board.references]
    for column in range(len(values[0]) if values else 0):
        scored = [(values[i][column], i) for i in entries if values[i][column] is not None]
        if not scored:
            continue
        top = max(v for v, _ in scored) if higher else min(v for v, _ in scored)
        best |= {(i, column + offset) for v, i in scored if abs(v - top) < 1e-12}
    return best


def agents_table(board: Board) -> Table:
    """Who is who: role, what the agent is, how it was trained, what makes it."""
    rows = []
    for labels, agent in zip(rank_labels(board), board.agents, strict=True):
        info = board.agent_info(agent)
        role = "reference" if agent in board.references else "entry"
        about = board.references.get(agent) or info["description"] or "-"
        rows.append([*labels, role, about, info["training"] or "-",
                     f"{info['registry']} ({info['action_mode']})"])
    return Table("Agents", ["#", "agent", "role", "what it is", "how it was trained",
                            "made by (action mode)"], rows,
                 "References are shown for scale and never ranked.", labels=6)


def suites_table(board: Board) -> Table:
    """Which suite is what: packaged or custom, env, source, episodes, judge, hashes."""
    rows = []
    for suite in board.suites:
        result = next(r for (_, s), r in board.results.items() if s == suite)
        d = result["suite"]["definition"]
        rows.append([suite, "custom" if suite in board.custom else "packaged",
                     "yes" if suite in board.ranked_suites else "no", d["env_id"],
                     d["tasks"]["source"], str(result["episodes_declared"]),
                     ",".join(map(str, d["seeds"])), result["judge_id"] or "-",
                     d["embedder"], result["suite"]["hash"][:12],
                     (result["dataset_hash"] or "-")[:12]])
    return Table("Suites", ["suite", "kind", "in average", "env", "tasks", "episodes",
                            "seeds", "judge", "embedder", "suite hash", "dataset hash"], rows,
                 f"In average: every entry has at least {MIN_RANKED_EPISODES} scored episodes "
                 "there. Custom: not one of the packaged suites (name and hash).", labels=5)


def llm_cost(board: Board) -> Table:
    """The agents' own LLM calls and tokens per episode (0 for rule agents)."""
    rows = []
    for labels, agent in zip(rank_labels(board), board.agents, strict=True):
        cells = [board.cell(agent, s) for s in board.suites]
        rows.append([*labels, *("-" if c is None else
                                f"{_mean(c, 'llm_calls'):.1f} / "
                                f"{_mean(c, 'llm_prompt_tokens'):.0f} / "
                                f"{_mean(c, 'llm_completion_tokens'):.0f}" for c in cells)])
    return Table("The agents' own LLM calls per episode (calls / prompt tokens / completion "
                 "tokens)", ["#", "agent", *(suite_header(board, s) for s in board.suites)],
                 rows, "Beside the env's context (prompt tokens table): what a memory system's "
                 "own LLM steps cost. Self-reported by the agent; a replay cannot recompute it.",
                 labels=2)


def tool_usage(board: Board) -> Table:
    """Mean calls per episode of each memory tool, pooled over suites, with the overflow
    and parse-error rates."""
    rows = []
    for labels, agent in zip(rank_labels(board), board.agents, strict=True):
        mix = pooled_tools(board, agent)
        cells = [board.cell(agent, s) for s in board.suites]
        overflow = _pooled(cells, lambda c: c["overflow_rate"]["mean"] or 0.0)
        parse = _pooled(cells, lambda c: c["parse_error_rate"])
        rows.append([*labels, *(f"{mix[t]:.2f}" for t in MEMORY_TOOLS),
                     f"{overflow:.3f}", f"{parse:.3f}"])
    return Table("Tool usage (calls per episode, all suites)",
                 ["#", "agent", *MEMORY_TOOLS, "overflow rate", "parse errors / step"], rows,
                 "Pooled over every suite, weighted by episodes.", labels=2)


def pooled_tools(board: Board, agent: str) -> dict[str, float]:
    """Mean calls per episode of each memory tool over every suite of ``agent``."""
    cells = [board.cell(agent, s) for s in board.suites]
    return {t: _pooled(cells, lambda c, t=t: c["tool_calls"].get(t, {}).get("mean") or 0.0)
            for t in MEMORY_TOOLS}


def all_tables(board: Board, extra: list[Callable[[Board], Table]] | None = None
               ) -> list[Table]:
    """The report's tables, in the paper's order; ``extra`` builders (the per-suite
    discrimination table) are placed after the score tables."""
    scores = [
        per_benchmark(board, "answer_score", "Answer score per benchmark (judge)"),
        per_benchmark(board, "answer_em", "Exact match per benchmark"),
        per_benchmark(board, "answer_f1", "Token F1 per benchmark"),
        per_benchmark(board, "memory_f1", "Memory quality: F1 of stored memory against the "
                      "gold supporting facts"),
    ]
    costs = [
        per_benchmark(board, "prompt_tokens", "Prompt tokens per episode", digits=0,
                      bounds=COUNT, caption="Sum over the episode's steps of the context "
                      "shown to the agent; lowest marked."),
        llm_cost(board),
        tool_usage(board),
    ]
    return [suites_table(board), agents_table(board), *scores,
            *(build(board) for build in extra or []), *costs]


def _mean(cell: dict[str, Any], key: str) -> float:
    return (cell.get(key) or {}).get("mean") or 0.0


def _pooled(cells: list[dict[str, Any] | None], value: Any) -> float:
    """Episode-weighted mean of ``value(cell)`` over the cells that exist."""
    weighted = [(c["episodes"] - c["errors"], value(c)) for c in cells if c]
    total = sum(n for n, _ in weighted)
    return sum(n * v for n, v in weighted) / total if total else 0.0
