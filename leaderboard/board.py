"""The board: every valid result of a results folder, which agents are references, which
suites are packaged and which enter the average, and the ranking.

Rules (the reports state them):
- A result enters the board when it passes ``checks.check_result``; others are notes.
- References are never ranked: every privileged agent (it read the gold task) and the
  agents the agent list names under ``[references]`` (floors: random, no-memory).
- The average is over the *ranked suites*: those where every entry's cell has at least
  ``MIN_RANKED_EPISODES`` scored episodes. Smaller suites are shown, not averaged, and an
  entry without a cell on a ranked suite has no average.
- Entries are ranked by that average of the answer score (higher first); an entry
  missing a ranked suite has no average and comes after those that have one.
- A suite whose name and hash are not a packaged suite's is labelled custom.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from leaderboard.checks import check_result
from leaderboard.names import one_line
from leaderboard.results import ResultError, read_result
from leaderboard.suites import is_packaged

MIN_RANKED_EPISODES = 20
RANK_METRIC = "answer_score"
PRIVILEGED_NOTE = "reads the gold task (privileged): an upper bound, not an entry"


@dataclass
class Board:
    """Every successful result of a results folder, by (agent, suite), plus notes."""

    agents: list[str]
    """Ranked entries first, then references."""
    suites: list[str]
    results: dict[tuple[str, str], dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    references: dict[str, str] = field(default_factory=dict)
    """Reference agents and what each is."""
    custom: set[str] = field(default_factory=set)
    """Suites that are not packaged ones (by name and hash)."""
    ranked_suites: list[str] = field(default_factory=list)
    """Suites that enter the average."""

    def cell(self, agent: str, suite: str) -> dict[str, Any] | None:
        """The aggregates of one pair, or None when it has no valid result."""
        result = self.results.get((agent, suite))
        return result["aggregates"] if result else None

    def entries(self) -> list[str]:
        """The ranked agents, best first."""
        return [a for a in self.agents if a not in self.references]

    def average(self, agent: str, metric: str = RANK_METRIC) -> float | None:
        """Mean of ``metric`` over the ranked suites; None if a cell is missing."""
        means = [(self.cell(agent, s) or {}).get(metric, {}).get("mean")
                 for s in self.ranked_suites]
        if not means or any(m is None for m in means):
            return None
        return sum(means) / len(means)

    def agent_info(self, agent: str) -> dict[str, Any]:
        """The agent block of any of its results."""
        return next(r["agent"] for (a, _), r in self.results.items() if a == agent)


def load_board(results_dir: Path, agents: list[str] | None = None,
               suites: list[str] | None = None, references: dict[str, str] | None = None
               ) -> Board:
    """Read every ``*.json`` result in ``results_dir``; invalid or failed ones become notes.

    ``agents`` (the run's order, used to break ties) and ``suites`` come first; the rest
    follow in file order. ``references``: the agent list's ``[references]``.
    """
    results, notes = _read_results(Path(results_dir))
    seen_agents = _ordered(agents, list(dict.fromkeys(a for a, _ in results)))
    board = Board(seen_agents, _ordered(suites, list(dict.fromkeys(s for _, s in results))),
                  results, notes)
    for agent in board.agents:
        info = board.agent_info(agent)
        if info["privileged"]:
            board.references[agent] = PRIVILEGED_NOTE
        elif references and agent in references:
            board.references[agent] = references[agent]
    board.custom = {s for s in board.suites if not _packaged(board, s)}
    board.ranked_suites = [s for s in board.suites if _enough(board, s)]
    board.agents = _ranked(board)
    return board


def _read_results(folder: Path) -> tuple[dict[tuple[str, str], dict[str, Any]], list[str]]:
    results: dict[tuple[str, str], dict[str, Any]] = {}
    notes: list[str] = []
    for path in sorted(folder.glob("*.json")):
        try:
            result = read_result(path)
        except ResultError as err:
            notes.append(str(err))
            continue
        if result.get("status") == "failed" and isinstance(result.get("agent"), dict):
            suite = result.get("suite") if isinstance(result.get("suite"), dict) else {}
            reason = one_line(str(result.get("error") or "no reason given").splitlines()[0])
            notes.append(f"{result['agent'].get('name')} on {suite.get('name')}: failed "
                         f"({reason})")
            continue
        problems = check_result(result)
        if problems:
            notes.append(f"{path.name}: left out: {problems[0]}")
            continue
        results[result["agent"]["name"], result["suite"]["name"]] = result
    return results, notes


def _packaged(board: Board, suite: str) -> bool:
    hashes = {r["suite"]["hash"] for (_, s), r in board.results.items() if s == suite}
    return all(is_packaged(suite, h) for h in hashes)


def _enough(board: Board, suite: str) -> bool:
    """Every entry's cell here has at least MIN_RANKED_EPISODES scored episodes."""
    cells = [c for a in board.entries() if (c := board.cell(a, suite)) is not None]
    return bool(cells) and all(c[RANK_METRIC]["n"] >= MIN_RANKED_EPISODES for c in cells)


def _ranked(board: Board) -> list[str]:
    """Entries by average (higher first; none last), then references; ties keep order."""
    order = {a: i for i, a in enumerate(board.agents)}

    def key(agent: str) -> tuple[int, float, int]:
        average = board.average(agent)
        return (average is None, -(average or 0.0), order[agent])

    entries = sorted(board.entries(), key=key)
    return entries + [a for a in board.agents if a in board.references]


def _ordered(first: list[str] | None, seen: list[str]) -> list[str]:
    """``seen``, with the names of ``first`` up front.

    >>> _ordered(["b", "x"], ["a", "b", "c"])
    ['b', 'a', 'c']
    """
    head = [name for name in first or [] if name in seen]
    return head + [name for name in seen if name not in head]
