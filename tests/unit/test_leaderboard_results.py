"""Result files: aggregates, digest, and `agemem leaderboard submit` rejecting every kind
of corrupted or tampered file with a reason."""

from __future__ import annotations

import copy
import json
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leaderboard.main import app
from leaderboard.results import AgentSpec, aggregate, check_result, digest, read_result
from leaderboard.runner import run_pair
from leaderboard.suites import Suite

SUITE_TOML = """name = "unit-tiny"
episodes = 3
embedder = "hashing"
seeds = [0, 5]
[tasks]
source = "synthetic"
"""
SUITE = Suite.from_dict(tomllib.loads(SUITE_TOML))


def submit(path: Path, out: Path):
    """`agemem leaderboard submit PATH`, with the test suite known."""
    suites = out / "suites"
    suites.mkdir(parents=True, exist_ok=True)
    (suites / "unit-tiny.toml").write_text(SUITE_TOML)
    return CliRunner().invoke(app, ["leaderboard", "submit", str(path), "--out",
                                            str(out), "--suites", str(suites)])


@pytest.fixture(scope="module")
def result_file(tmp_path_factory) -> Path:
    outcome = run_pair(AgentSpec("heuristic", "heuristic", {}), SUITE,
                       tmp_path_factory.mktemp("results"))
    assert outcome.status == "ok", outcome.note
    return outcome.path


@pytest.fixture
def result(result_file) -> dict:
    return read_result(result_file)


def test_a_fresh_result_is_valid_and_complete(result):
    assert check_result(result, {SUITE.name: SUITE}) == []
    assert result["episodes_declared"] == len(result["episodes"]) == 6
    assert result["seeds"] == [0, 5] and result["suite"]["hash"] == SUITE.hash()
    assert len(result["dataset_hash"]) == 64 and result["judge_id"]
    aggregates = result["aggregates"]
    for key in ("answer_score", "answer_em", "answer_f1", "memory_f1", "prompt_tokens",
                "overflow_rate"):
        assert set(aggregates[key]) == {"mean", "ci95", "n"}
    assert "Add_memory" in aggregates["tool_calls"]
    assert result["timing"]["latency_p50_s"] <= result["timing"]["latency_p95_s"]


def test_timing_is_outside_the_digest(result):
    changed = copy.deepcopy(result)
    changed["timing"]["wall_seconds"] += 100
    changed["timing"]["latency_p50_s"] = 0.0
    assert digest(changed) == result["digest"] and check_result(changed) == []


def test_failed_episodes_are_left_out_of_the_means():
    ok = {"judge_score": 1.0, "judge_em": 1.0, "judge_f1": 1.0, "memory_precision": 1.0,
          "memory_recall": 1.0, "memory_f1": 1.0, "prompt_tokens_total": 10,
          "episode_return": 1.0, "steps": 2, "overflow": False, "tool_calls": {},
          "parse_errors": 0, "error": None}
    failed = dict(ok, judge_score=0.0, error="boom")
    summary = aggregate([ok, failed])
    assert summary["errors"] == 1 and summary["answer_score"]["mean"] == 1.0


def _edit_episode_score(r):
    r["episodes"][0]["judge_score"] = 1.0 - r["episodes"][0]["judge_score"]


def _edit_score_and_aggregates(r):
    _edit_episode_score(r)
    r["aggregates"] = aggregate(r["episodes"])


def _drop_episode_everywhere(r):
    r["episodes"].pop()
    r["aggregates"] = aggregate(r["episodes"])
    r["digest"] = digest(r)


def _drop_episode_and_redeclare(r):
    r["episodes"].pop()
    r["episodes_declared"] -= 1
    r["aggregates"] = aggregate(r["episodes"])
    r["digest"] = digest(r)


def _edit_suite_and_rehash(r):
    from leaderboard.suites import sha256_json

    r["suite"]["definition"]["episodes"] = 2
    r["suite"]["hash"] = sha256_json(r["suite"]["definition"])
    r["digest"] = digest(r)


TAMPERS = {
    "episode score edited": (_edit_episode_score, "aggregates do not match"),
    "score and aggregates edited": (_edit_score_and_aggregates, "digest does not match"),
    "aggregate edited": (lambda r: r["aggregates"]["answer_score"].update(mean=0.99),
                         "aggregates do not match"),
    "episode dropped, rest recomputed": (_drop_episode_everywhere, "episodes_declared"),
    "episode dropped and redeclared": (_drop_episode_and_redeclare, "the suite plays"),
    "suite hash edited": (lambda r: r["suite"].update(hash="0" * 64),
                          "suite hash does not match"),
    "suite changed and rehashed": (_edit_suite_and_rehash, "differs from the known suite"),
    "digest edited": (lambda r: r.update(digest="f" * 64), "digest does not match"),
    "seeds edited": (lambda r: r.update(seeds=[7]), "seeds"),
    "field missing": (lambda r: r.pop("dataset_hash"), "schema"),
    "wrong type": (lambda r: r["episodes"][0].update(steps="two"), "schema"),
    "unknown field": (lambda r: r.update(extra=1), "schema"),
    "failed run": (lambda r: r.update(status="failed", error="agent crashed"), "failed"),
}


@pytest.mark.parametrize("name", TAMPERS)
def test_submit_rejects_tampered_files_with_a_reason(result, tmp_path, name):
    tamper, reason = TAMPERS[name]
    tamper(result)
    path = tmp_path / "tampered.json"
    path.write_text(json.dumps(result))
    done = submit(path, tmp_path / "board")
    assert done.exit_code != 0
    assert "rejected" in done.output and reason in done.output
    assert not (tmp_path / "board" / "results").exists()


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", ""])
def test_submit_rejects_corrupted_files(tmp_path, text):
    path = tmp_path / "corrupt.json"
    path.write_text(text)
    done = submit(path, tmp_path)
    assert done.exit_code != 0 and "rejected" in done.output


def test_submit_accepts_a_valid_file_and_files_it(result_file, tmp_path):
    done = submit(result_file, tmp_path)
    assert done.exit_code == 0, done.output
    assert "accepted" in done.output
    assert (tmp_path / "results" / "unit-tiny__heuristic.json").read_bytes() \
        == result_file.read_bytes()
