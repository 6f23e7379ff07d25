"""leaderboard.discrimination: paired bootstrap per agent pair, share separated, MDD."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from leaderboard.discrimination import (
    compare_pair,
    discrimination,
    episode_scores,
    minimum_detectable_difference,
    suite_discrimination,
    table_rows,
)

ROOT = Path(__file__).resolve().parents[2]


def _result(suite: str, agent: str, scores: list[float], errors: set[int] = frozenset(),
            status: str = "ok") -> dict:
    episodes = [{"seed": i, "episode": i, "judge_score": s, "error": "boom" if i in errors
                 else None} for i, s in enumerate(scores)]
    return {"suite": {"name": suite}, "agent": {"name": agent}, "status": status,
            "episodes": episodes}


def _coin(n: int, p: float, seed: int) -> list[float]:
    return [float(x) for x in np.random.default_rng(seed).random(n) < p]


def test_a_clearly_better_agent_is_separated_and_a_twin_is_identical():
    good, bad = _coin(60, 0.9, 1), _coin(60, 0.2, 2)
    d = discrimination([_result("s", "good", good), _result("s", "bad", bad),
                        _result("s", "twin", bad)])[0]
    by_pair = {(p.a, p.b): p for p in d.pairs}
    assert by_pair["good", "bad"].separated and by_pair["good", "bad"].mean_diff > 0.5
    assert by_pair["bad", "twin"].identical and not by_pair["bad", "twin"].separated
    assert (d.separated, d.identical, len(d.pairs)) == (2, 1, 3)
    assert not d.flagged


def test_reference_agents_are_left_out_of_the_pairs():
    scores = {name: {(0, i): float(i % 3 == 0) for i in range(30)}
              for name in ("oracle", "random", "no-memory", "rag", "mem0")}
    scores["oracle"] = {(0, i): 1.0 for i in range(30)}
    d = suite_discrimination("s", scores)
    assert d.agents == ("rag", "mem0")
    assert set(d.excluded) == {"oracle", "random", "no-memory"}
    assert len(d.pairs) == 1 and d.pairs[0].identical
    assert d.flagged  # the only pair is identical: the suite separates nothing


def test_episodes_pair_by_seed_and_index_not_by_file_order():
    a = {(0, 0): 1.0, (1, 1): 0.0, (2, 2): 1.0}
    b = dict(reversed(list({(0, 0): 1.0, (1, 1): 0.0, (2, 2): 1.0}.items())))
    assert compare_pair("a", "b", a, b).identical


def test_failed_episodes_are_not_paired():
    result = _result("s", "a", [1.0, 0.0, 1.0], errors={1})
    assert episode_scores(result) == {(0, 0): 1.0, (2, 2): 1.0}


def test_failed_results_are_skipped():
    items = discrimination([_result("s", "a", [1.0]), _result("s", "b", [0.0], status="failed")])
    assert items[0].agents == ("a",) and items[0].pairs == ()


def test_the_bootstrap_is_deterministic_and_seeded():
    a, b = _coin(40, 0.6, 3), _coin(40, 0.4, 4)
    sa = {(0, i): x for i, x in enumerate(a)}
    sb = {(0, i): x for i, x in enumerate(b)}
    first, again = compare_pair("a", "b", sa, sb), compare_pair("a", "b", sa, sb)
    other = compare_pair("a", "b", sa, sb, seed=7)
    assert (first.ci_low, first.ci_high) == (again.ci_low, again.ci_high)
    assert (first.ci_low, first.ci_high) != (other.ci_low, other.ci_high)
    assert first.ci_low <= first.mean_diff <= first.ci_high


def test_mdd_shrinks_with_the_square_root_of_n():
    assert minimum_detectable_difference(0.4, 400) == pytest.approx(
        minimum_detectable_difference(0.4, 100) / 2)
    # alpha 0.05 two-sided, 80% power: the textbook factor 2.80.
    assert minimum_detectable_difference(1.0, 1) == pytest.approx(2.8016, abs=1e-3)


def test_suite_mdd_uses_the_median_spread_of_non_identical_pairs():
    n = 50
    scores = {"a": {(0, i): _coin(n, 0.5, 5)[i] for i in range(n)},
              "b": {(0, i): _coin(n, 0.5, 6)[i] for i in range(n)}}
    scores["c"] = dict(scores["b"])
    d = suite_discrimination("s", scores)
    spreads = sorted(p.sd_diff for p in d.pairs if not p.identical)
    assert d.mdd == pytest.approx(minimum_detectable_difference(float(np.median(spreads)), n))


def test_table_rows_flag_a_suite_that_separates_nothing():
    flat = [_result("flat", name, [0.0] * 10) for name in ("a", "b")]
    row = table_rows(discrimination(flat))[0]
    assert row[0] == "flat" and row[3] == "0 of 1" and row[-1] == "separates nothing"
    assert row[6] == "-"  # no non-identical pair: no spread to size an MDD with


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "leaderboard.discrimination", *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_cli_prints_the_table_of_a_results_folder(tmp_path):
    (tmp_path / "results").mkdir()
    for name, p in (("rag", 0.9), ("mem0", 0.1), ("oracle", 1.0)):
        path = tmp_path / "results" / f"s__{name}.json"
        path.write_text(json.dumps(_result("s", name, _coin(50, p, len(name)))))
    (tmp_path / "results" / "notes.json").write_text("[1, 2]")  # not a result: skipped
    done = _cli(str(tmp_path), "--pairs")
    assert done.returncode == 0, done.stderr
    assert "| s | 50 | 2 | 1 of 1 | 100% | 0 |" in done.stdout
    assert "| s | mem0 | rag | 50 | -0." in done.stdout  # files in name order
    assert "oracle" in done.stdout.split("reference agents left out:")[1]


def test_cli_names_a_missing_folder_and_exits_2(tmp_path):
    done = _cli(str(tmp_path / "nope"))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"error: {tmp_path / 'nope'} is not a folder of result files"]
