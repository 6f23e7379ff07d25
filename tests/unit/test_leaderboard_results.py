"""Result files: what they hold, what they keep out (wall-clock times), the checks a file
passes before it is shown, and the attacks on the file itself (size, nesting, names)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from leaderboard.checks import check_result
from leaderboard.results import (
    MAX_RESULT_BYTES,
    AgentSpec,
    ResultError,
    _umask,
    aggregate,
    digest,
    pack_actions,
    read_result,
    unpack_actions,
    write_json,
)
from leaderboard.runner import run_pair
from leaderboard.suites import Suite, sha256_json
from leaderboard.timing import read_timing

SUITE_TOML = """name = "unit-tiny"
episodes = 3
embedder = "hashing"
seeds = [0, 5]
[tasks]
source = "synthetic"
"""
SUITE = Suite.from_dict(tomllib.loads(SUITE_TOML))


@pytest.fixture(scope="module")
def result_file(tmp_path_factory) -> Path:
    outcome = run_pair(AgentSpec("heuristic", "heuristic"), SUITE,
                       tmp_path_factory.mktemp("run") / "results")
    assert outcome.status == "ok", outcome.note
    return outcome.path


@pytest.fixture
def result(result_file) -> dict:
    return read_result(result_file)


def test_a_fresh_result_is_valid_and_complete(result):
    assert check_result(result, {SUITE.name: SUITE}) == []
    assert result["episodes_declared"] == len(result["episodes"]) == 6
    assert result["seeds"] == [0, 5] and result["suite"]["hash"] == SUITE.hash()
    assert len(result["dataset_hash"]) == 64 and result["judge_id"] == "em_f1:f1"
    assert result["agent"]["privileged"] is False and result["agent"]["action_mode"] == "text"
    assert result["provenance"]["commit"]  # this checkout is a git repository
    aggregates = result["aggregates"]
    for key in ("answer_score", "answer_em", "answer_f1", "memory_f1", "prompt_tokens",
                "overflow_rate", "llm_calls", "llm_prompt_tokens", "llm_completion_tokens"):
        assert set(aggregates[key]) == {"mean", "ci95", "n"}
    assert aggregates["llm_calls"]["mean"] == 0.0  # a rule agent calls no LLM
    actions = unpack_actions(result["actions"])
    assert len(actions) == 6 and all(a and isinstance(a[0], str) for a in actions)
    assert [len(a) for a in actions] == [e["steps"] for e in result["episodes"]]


def test_wall_clock_lives_in_the_timing_file_not_the_result(result_file, result):
    assert "timing" not in result
    assert all("wall_seconds" not in e and "llm_seconds" not in e for e in result["episodes"])
    timing = read_timing(result_file)
    assert len(timing["episode_seconds"]) == 6
    assert timing["latency_p50_s"] <= timing["latency_p95_s"]


def test_a_rerun_writes_the_same_bytes(result_file, tmp_path):
    again = run_pair(AgentSpec("heuristic", "heuristic"), SUITE, tmp_path / "results")
    assert again.path.read_bytes() == result_file.read_bytes()


def test_failed_episodes_are_left_out_of_the_means():
    ok = {"judge_score": 1.0, "judge_em": 1.0, "judge_f1": 1.0, "memory_precision": 1.0,
          "memory_recall": 1.0, "memory_f1": 1.0, "prompt_tokens_total": 10,
          "episode_return": 1.0, "steps": 2, "overflow": False, "tool_calls": {},
          "parse_errors": 0, "error": None, "llm_calls": 0, "llm_prompt_tokens": 0,
          "llm_completion_tokens": 0}
    failed = dict(ok, judge_score=0.0, error="boom")
    summary = aggregate([ok, failed])
    assert summary["errors"] == 1 and summary["answer_score"]["mean"] == 1.0


def _redigest(r):
    r["digest"] = digest(r)


def _edit_score_and_aggregates(r):
    r["episodes"][0]["judge_score"] = 1.0 - r["episodes"][0]["judge_score"]
    r["aggregates"] = aggregate(r["episodes"])


def _drop_episode_and_redeclare(r):
    r["episodes"].pop()
    r["episodes_declared"] -= 1
    r["aggregates"] = aggregate(r["episodes"])
    _redigest(r)


def _edit_suite_and_rehash(r):
    r["suite"]["definition"]["episodes"] = 2
    r["suite"]["hash"] = sha256_json(r["suite"]["definition"])
    _redigest(r)


def _rename_outer_suite(r):
    r["suite"]["name"] = "hotpotqa"
    _redigest(r)


def _rename_agent(r, name):
    r["agent"]["name"] = name
    _redigest(r)


TAMPERS = {
    "episode score edited": (lambda r: r["episodes"][0].update(judge_score=0.5),
                             "aggregates do not match"),
    "score and aggregates edited": (_edit_score_and_aggregates, "digest does not match"),
    "aggregate edited": (lambda r: r["aggregates"]["answer_score"].update(mean=0.99),
                         "aggregates do not match"),
    "episode dropped and redeclared": (_drop_episode_and_redeclare, "the suite plays"),
    "suite hash edited": (lambda r: r["suite"].update(hash="0" * 64),
                          "suite hash does not match"),
    "suite changed and rehashed": (_edit_suite_and_rehash, "differs from the known suite"),
    "outer suite name edited": (_rename_outer_suite, "is not its definition's name"),
    "agent name with a slash": (lambda r: _rename_agent(r, "heuristic/"), "schema"),
    "agent name with HTML": (lambda r: _rename_agent(r, "<b>x</b>"), "schema"),
    "digest edited": (lambda r: r.update(digest="f" * 64), "digest does not match"),
    "seeds edited": (lambda r: r.update(seeds=[7]), "seeds"),
    "actions unreadable": (lambda r: r["actions"].update(data="AAAA"), "actions"),
    "field missing": (lambda r: r.pop("dataset_hash"), "schema"),
    "wrong type": (lambda r: r["episodes"][0].update(steps="two"), "schema"),
    "unknown field": (lambda r: r.update(extra=1), "schema"),
    "failed run": (lambda r: r.update(status="failed", error="agent crashed"), "failed"),
}


@pytest.mark.parametrize("name", TAMPERS)
def test_check_result_names_what_is_wrong(result, name):
    tamper, reason = TAMPERS[name]
    tamper(result)
    problems = check_result(result, {SUITE.name: SUITE})
    assert problems and any(reason in p for p in problems), problems


def test_a_file_over_the_size_cap_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "big.json"
    with path.open("wb") as stream:
        stream.truncate(MAX_RESULT_BYTES + 1)  # sparse: no disk, no memory
    with pytest.raises(ResultError, match="over the 32 MiB cap"):
        read_result(path)


@pytest.mark.parametrize("depth", [100, 200_000])
def test_any_json_nesting_is_a_clear_error(tmp_path, depth):
    path = tmp_path / "deep.json"
    path.write_text('{"a": ' + "[" * depth + "]" * depth + "}")
    with pytest.raises(ResultError, match="nested"):
        read_result(path)


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", "", "\xff\xfe"])
def test_broken_files_are_clear_errors(tmp_path, text):
    path = tmp_path / "broken.json"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(ResultError, match="broken.json"):
        read_result(path)


def test_writes_are_atomic_and_leave_no_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "r.json"
    write_json({"a": 1}, path)
    assert path.stat().st_mode & 0o777 == 0o666 & ~_umask()  # readable by others, as a copy

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("leaderboard.results.os.replace", crash)
    with pytest.raises(KeyboardInterrupt):
        write_json({"a": 2}, path)
    assert json.loads(path.read_text()) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_packed_actions_round_trip_and_a_bomb_is_capped(monkeypatch):
    actions = [["<answer>x</answer>", {"repr": "set()"}], [[{"name": "Answer"}]]]
    assert unpack_actions(pack_actions(actions)) == actions
    bomb = pack_actions([["x" * (1 << 20)]])  # 1 MB unpacked from a few hundred bytes
    monkeypatch.setattr("leaderboard.results.MAX_RESULT_BYTES", 1000)
    with pytest.raises(ResultError, match="unpack to more than 8000 bytes"):
        unpack_actions(bomb)
