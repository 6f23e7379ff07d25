"""How well a suite tells agents apart, measured on its per-episode answer scores.

For every pair of non-reference agents the per-episode judge scores are paired by episode
(run seed and episode index) and a paired bootstrap resamples the episodes: the pair is
*separated* when the 95% interval of the mean difference excludes 0, and *identical* when
the two agents scored the same on every episode. A suite reports the share of its pairs
it separates and its minimum detectable difference (MDD):

    MDD = (z[1 - alpha/2] + z[power]) * s_d / sqrt(n)

the smallest true mean difference a paired test at level ``alpha`` (0.05) finds with
probability ``power`` (0.8) over ``n`` episodes, where ``s_d`` is the median, over the
suite's non-identical pairs, of the standard deviation of the per-episode differences.
A suite that separates no pair is flagged.

Reference agents are left out of the pair counts: ``oracle`` reads the gold answer, and
``random`` and ``no-memory`` are floors that every memory system should beat; a suite
separating them from the rest says little about the rest.

>>> scores = {"a": {(0, i): float(i % 2) for i in range(40)},
...           "b": {(0, i): 0.0 for i in range(40)}, "oracle": {(0, i): 1.0 for i in range(40)}}
>>> d = suite_discrimination("demo", scores)
>>> d.agents, d.separated, d.identical, d.flagged
(('a', 'b'), 1, 0, False)

Run it on a results folder (a run folder holding ``results/`` works too)::

    python -m leaderboard.discrimination runs/leaderboard [--pairs]
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from agemem_env.cli.errors import fail
from leaderboard.board import Board
from leaderboard.tables import Table

REFERENCE_AGENTS: tuple[str, ...] = ("oracle", "random", "no-memory")
RESAMPLES = 2000
LEVEL = 0.95
POWER = 0.8
EpisodeKey = tuple[int, int]  # (reset seed, episode index): what pairs two agents' episodes


@dataclass(frozen=True)
class PairComparison:
    """Two agents on the episodes both played: mean of ``a - b`` with its bootstrap CI."""

    a: str
    b: str
    n: int
    mean_diff: float
    ci_low: float
    ci_high: float
    sd_diff: float
    """Standard deviation of the per-episode differences (what the MDD is made of)."""
    identical: bool
    """Equal scores on every paired episode."""

    @property
    def separated(self) -> bool:
        """The interval excludes 0: one agent is better at the chosen level."""
        return self.ci_low > 0 or self.ci_high < 0


@dataclass(frozen=True)
class SuiteDiscrimination:
    """One suite's discrimination over its non-reference agents."""

    suite: str
    agents: tuple[str, ...]
    """Compared agents, in input order; references are left out."""
    excluded: tuple[str, ...]
    """Reference agents present in the results and left out."""
    pairs: tuple[PairComparison, ...]
    episodes: int
    """Paired episodes of the smallest pair (all pairs have it when every agent finished)."""
    mdd: float | None
    """Minimum detectable difference (module docstring); None without a non-identical pair."""

    @property
    def separated(self) -> int:
        """Pairs the bootstrap separates."""
        return sum(p.separated for p in self.pairs)

    @property
    def identical(self) -> int:
        """Pairs with equal scores on every episode."""
        return sum(p.identical for p in self.pairs)

    @property
    def share(self) -> float | None:
        """Separated pairs over all pairs (None without pairs)."""
        return self.separated / len(self.pairs) if self.pairs else None

    @property
    def flagged(self) -> bool:
        """The suite separates no pair: it cannot rank these agents."""
        return self.separated == 0


def episode_scores(result: Mapping[str, Any]) -> dict[EpisodeKey, float]:
    """Per-episode judge scores of one result file, keyed by (seed, episode index).

    Failed episodes are left out (as the result's means leave them out); an unanswered
    question is the 0 the runner recorded.

    >>> episode_scores({"episodes": [{"seed": 3, "episode": 0, "judge_score": 0.5,
    ...                               "error": None}]})
    {(3, 0): 0.5}
    """
    out: dict[EpisodeKey, float] = {}
    for e in result.get("episodes") or []:
        if e.get("error") is None and e.get("judge_score") is not None:
            out[int(e["seed"]), int(e["episode"])] = float(e["judge_score"])
    return out


def bootstrap_indices(n: int, resamples: int = RESAMPLES, seed: int = 0) -> np.ndarray:
    """``resamples x n`` episode indices drawn with replacement; the same (n, seed) gives
    the same draws, so every pair of a suite is resampled alike."""
    return np.random.default_rng([seed, n]).integers(0, n, size=(resamples, n))


def compare_pair(a: str, b: str, scores_a: Mapping[EpisodeKey, float],
                 scores_b: Mapping[EpisodeKey, float], *, resamples: int = RESAMPLES,
                 seed: int = 0, level: float = LEVEL) -> PairComparison:
    """Paired bootstrap of the mean of ``a - b`` over the episodes both played.

    >>> p = compare_pair("x", "y", {(0, 0): 1.0, (0, 1): 1.0}, {(0, 0): 0.0, (0, 1): 0.0})
    >>> p.mean_diff, p.separated, p.identical
    (1.0, True, False)
    """
    keys = sorted(set(scores_a) & set(scores_b))
    diff = np.array([scores_a[k] - scores_b[k] for k in keys], dtype=float)
    n = len(keys)
    if n == 0:
        return PairComparison(a, b, 0, 0.0, 0.0, 0.0, 0.0, True)
    identical = bool(np.all(np.abs(diff) < 1e-12))
    means = diff[bootstrap_indices(n, resamples, seed)].mean(axis=1)
    low, high = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    sd = float(diff.std(ddof=1)) if n > 1 else 0.0
    return PairComparison(a, b, n, float(diff.mean()), float(low), float(high), sd, identical)


def minimum_detectable_difference(sd_diff: float, n: int, level: float = LEVEL,
                                  power: float = POWER) -> float:
    """(z[1 - alpha/2] + z[power]) * sd / sqrt(n), alpha = 1 - level.

    >>> round(minimum_detectable_difference(0.5, 50), 3)
    0.198
    """
    z = statistics.NormalDist()
    factor = z.inv_cdf(1 - (1 - level) / 2) + z.inv_cdf(power)
    return factor * sd_diff / math.sqrt(n)


def suite_discrimination(suite: str, scores: Mapping[str, Mapping[EpisodeKey, float]], *,
                         reference: Sequence[str] = REFERENCE_AGENTS,
                         resamples: int = RESAMPLES, seed: int = 0, level: float = LEVEL,
                         power: float = POWER) -> SuiteDiscrimination:
    """Every pair of the non-reference agents of ``scores`` (agent -> episode scores)."""
    agents = tuple(a for a in scores if a not in reference)
    excluded = tuple(a for a in scores if a in reference)
    pairs = tuple(compare_pair(a, b, scores[a], scores[b], resamples=resamples, seed=seed,
                               level=level) for a, b in combinations(agents, 2))
    spread = [p.sd_diff for p in pairs if not p.identical and p.n > 1]
    n = min((p.n for p in pairs), default=0)
    mdd = (minimum_detectable_difference(statistics.median(spread), n, level, power)
           if spread and n > 1 else None)
    return SuiteDiscrimination(suite, agents, excluded, pairs, n, mdd)


def discrimination(results: Iterable[Mapping[str, Any]], **options: Any
                   ) -> list[SuiteDiscrimination]:
    """One entry per suite of ``results`` (result documents; failed ones are skipped), in
    the order suites first appear; ``options`` go to ``suite_discrimination``."""
    by_suite: dict[str, dict[str, dict[EpisodeKey, float]]] = {}
    for result in results:
        if result.get("status") != "ok":
            continue
        suite, agent = result["suite"]["name"], result["agent"]["name"]
        by_suite.setdefault(suite, {})[agent] = episode_scores(result)
    return [suite_discrimination(s, scores, **options) for s, scores in by_suite.items()]


TABLE_HEADER = ["suite", "episodes", "agents", "pairs separated", "share", "identical pairs",
                "MDD (80% power)", "flag"]


def discrimination_table(board: Board) -> Table:
    """The report's table: for each suite, how many of its ranked agents' pairs a paired
    bootstrap separates, and the smallest difference it would find at its n."""
    items = discrimination(
        (board.results[agent, suite] for suite in board.suites for agent in board.agents
         if (agent, suite) in board.results),
        reference=tuple(board.references) or REFERENCE_AGENTS)
    return Table(
        "Discrimination: how well each suite tells the ranked agents apart", TABLE_HEADER,
        table_rows(items),
        caption=f"Pairs of ranked agents (references left out) whose paired bootstrap 95% "
                f"interval of the mean score difference excludes 0 ({RESAMPLES} resamples, "
                f"episodes paired by seed); identical pairs score the same on every episode; "
                f"MDD: the smallest true difference found with {POWER:.0%} power at the "
                f"suite's n.")


def table_rows(items: Sequence[SuiteDiscrimination]) -> list[list[str]]:
    """Rows under ``TABLE_HEADER``: strings only, ready for any renderer."""
    rows = []
    for d in items:
        share = "-" if d.share is None else f"{d.share:.0%}"
        mdd = "-" if d.mdd is None else f"{d.mdd:.3f}"
        flag = "separates nothing" if d.flagged else ""
        rows.append([d.suite, str(d.episodes), str(len(d.agents)),
                     f"{d.separated} of {len(d.pairs)}", share, str(d.identical), mdd, flag])
    return rows


PAIR_HEADER = ["suite", "a", "b", "episodes", "mean a - b", "95% CI", "separated", "identical"]


def pair_rows(items: Sequence[SuiteDiscrimination]) -> list[list[str]]:
    """One row per compared pair, under ``PAIR_HEADER``."""
    return [[d.suite, p.a, p.b, str(p.n), f"{p.mean_diff:+.3f}",
             f"[{p.ci_low:+.3f}, {p.ci_high:+.3f}]", "yes" if p.separated else "",
             "yes" if p.identical else ""] for d in items for p in d.pairs]


def markdown(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub Markdown table.

    >>> print(markdown(["a", "b"], [["1", "2"]]))
    | a | b |
    |---|---:|
    | 1 | 2 |
    """
    lines = ["| " + " | ".join(header) + " |",
             "|---|" + "---:|" * (len(header) - 1)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def read_results(folder: Path) -> list[dict[str, Any]]:
    """Every result document in ``folder`` (or in its ``results/``); files that are not
    results are skipped. ValueError when there is no such folder."""
    folder = Path(folder)
    if (folder / "results").is_dir():
        folder = folder / "results"
    if not folder.is_dir():
        raise ValueError(f"{folder} is not a folder of result files")
    out = []
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(data, dict) and {"suite", "agent", "episodes"} <= set(data):
            out.append(data)
    return out


app = typer.Typer(add_completion=False)


@app.command()
def main(
    folder: Annotated[Path, typer.Argument(help="Results folder, or a run folder with results/.")],
    pairs: Annotated[bool, typer.Option(help="Also list every compared pair.")] = False,
    reference: Annotated[str, typer.Option(
        help="Comma-separated agents left out of the pairs.")] = ",".join(REFERENCE_AGENTS),
    resamples: Annotated[int, typer.Option(min=100, help="Bootstrap resamples.")] = RESAMPLES,
    seed: Annotated[int, typer.Option(min=0, help="Bootstrap seed.")] = 0,
) -> None:
    """Print each suite's discrimination table (and with --pairs every pair)."""
    try:
        results = read_results(folder)
    except ValueError as err:
        fail(str(err))
    refs = tuple(r.strip() for r in reference.split(",") if r.strip())
    items = discrimination(results, reference=refs, resamples=resamples, seed=seed)
    if not items:
        fail(f"no successful result files in {folder}")
    typer.echo(markdown(TABLE_HEADER, table_rows(items)))
    typer.echo(f"\nreference agents left out: {', '.join(refs) or 'none'}")
    if pairs:
        typer.echo("\n" + markdown(PAIR_HEADER, pair_rows(items)))


if __name__ == "__main__":
    app()
