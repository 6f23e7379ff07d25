"""Verification by replay: results the runner just wrote verify; every forgery the issue
lists (an edited score or answer with a recomputed digest, duplicated episodes, a wrong
seed list, a wrong dataset hash, an edited action) is rejected with its reason; submit
verifies and never replaces another result unless told which."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from agemem_env.core import ToolCall
from agents import registry
from leaderboard.main import app
from leaderboard.results import AgentSpec, aggregate, digest, pack_actions, read_result
from leaderboard.runner import run_pair
from leaderboard.suites import Suite, sha256_json
from leaderboard.verify import verify_result

SUITE_TOML = """name = "unit-verify"
episodes = 3
embedder = "hashing"
seeds = [0, 4]
[tasks]
source = "synthetic"
[tasks.config]
num_updates = 1
"""
SUITE = Suite.from_dict({"name": "unit-verify", "episodes": 3, "embedder": "hashing",
                         "seeds": [0, 4],
                         "tasks": {"source": "synthetic", "config": {"num_updates": 1}}})
KNOWN = {SUITE.name: SUITE}


class StructuredStub:
    """A structured-mode agent with numpy values in its actions: stores each visible user
    turn, then answers."""

    name = "structured-stub"
    action_mode = "structured"

    def reset(self, task_info):
        self.stage3 = 0

    def act(self, observation, info):
        if observation["stage"] == 3:
            self.stage3 += 1
            if self.stage3 > 1:
                return ToolCall("Answer", {"text": "Veltrix"})
            return {"tool": np.int64(3), "text": np.str_("where does Dana work")}
        turns = [m["content"] for m in observation["messages"] if m["role"] == "user"]
        # Arguments out of alphabetical order: the env renders them in this order.
        return [{"tool": np.int64(0), "text": t} for t in turns[-2:]] + [
            ToolCall("Add_memory", {"memory_type": "fact", "content": turns[-1]}),
            {"tool": 6, "text": "ok"}]


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict[str, Path]:
    registry.AGENTS["structured-stub"] = StructuredStub
    out = tmp_path_factory.mktemp("verify") / "results"
    paths = {}
    for name in ("heuristic", "oracle", "random", "rag", "structured-stub"):
        outcome = run_pair(AgentSpec(name, name), SUITE, out)
        assert outcome.status == "ok", outcome.note
        paths[name] = outcome.path
    del registry.AGENTS["structured-stub"]
    return paths


@pytest.mark.parametrize("name", ["heuristic", "oracle", "random", "rag", "structured-stub"])
def test_results_the_runner_just_wrote_verify(results, name):
    result = read_result(results[name])
    verdict = verify_result(result, KNOWN)
    assert verdict.ok, verdict.problems
    assert verdict.episodes == 6
    assert result["agent"]["privileged"] is (name == "oracle")


def test_a_minilm_suite_replays_within_the_stated_tolerance(tmp_path):
    suite = Suite.from_dict({"name": "minilm", "episodes": 2, "embedder": "minilm",
                             "tasks": {"source": "synthetic"}})
    outcome = run_pair(AgentSpec("heuristic", "heuristic"), suite, tmp_path)
    assert verify_result(read_result(outcome.path)).ok


def _resign(r):
    r["aggregates"] = aggregate(r["episodes"])
    r["digest"] = digest(r)


def _edit_score(r):
    r["episodes"][0]["judge_score"] = 1.0 - r["episodes"][0]["judge_score"]
    _resign(r)


def _edit_answer(r):
    r["episodes"][1]["answer"] = "an invented answer"
    _resign(r)


def _duplicate_episode(r):
    from leaderboard.results import unpack_actions

    actions = unpack_actions(r["actions"])
    r["episodes"][1] = copy.deepcopy(r["episodes"][0])
    actions[1] = actions[0]
    r["actions"] = pack_actions(actions)
    _resign(r)


def _wrong_seeds(r):
    r["seeds"] = [7, 8]
    r["suite"]["definition"]["seeds"] = [7, 8]
    r["suite"]["hash"] = sha256_json(r["suite"]["definition"])
    _resign(r)


def _wrong_dataset_hash(r):
    r["dataset_hash"] = "ab" * 32
    _resign(r)


def _edit_action(r, change):
    from leaderboard.results import unpack_actions

    actions = unpack_actions(r["actions"])
    change(actions[0])
    r["actions"] = pack_actions(actions)
    _resign(r)


def _wrong_judge(r):
    r["judge_id"] = "em_f1:em"
    _resign(r)


def _last_to(text):
    def change(actions):
        actions[-1] = text

    return change


FORGERIES = {
    "edited score, digest recomputed": (_edit_score, "episode 0 (run seed 0, reset seed 0): "
                                                     "field judge_score: replay gives"),
    "edited answer, digest recomputed": (_edit_answer, "field answer: replay gives"),
    "duplicated episodes": (_duplicate_episode, "appears 2 times (duplicated episodes)"),
    "wrong seed list": (_wrong_seeds, "seeds [7, 8] are not suite 'unit-verify''s seeds [0, 4]"),
    "wrong dataset hash": (_wrong_dataset_hash, "is not the hash of the data on this machine"),
    "edited action": (lambda r: _edit_action(r, _last_to("<answer>Paris</answer>")),
                      "field answer: replay gives 'Paris'"),
    "action appended": (lambda r: _edit_action(r, lambda a: a.append("<answer>x</answer>")),
                        "1 recorded actions were never played"),
    "action removed": (lambda r: _edit_action(r, lambda a: a.pop()), "error: replay failed"),
    "wrong judge id": (_wrong_judge, "is not the suite's judge"),
}


@pytest.mark.parametrize("name", FORGERIES)
def test_verify_rejects_each_forgery_with_its_reason(results, name):
    result = read_result(results["heuristic"])
    forge, reason = FORGERIES[name]
    forge(result)
    verdict = verify_result(result, KNOWN)
    assert not verdict.ok
    assert any(reason in p for p in verdict.problems), verdict.problems


def _cli(*args):
    return CliRunner().invoke(app, ["leaderboard", *map(str, args)])


@pytest.fixture
def suites_dir(tmp_path) -> Path:
    folder = tmp_path / "suites"
    folder.mkdir()
    (folder / "unit-verify.toml").write_text(SUITE_TOML)
    return folder


def test_cli_verify_reports_each_file(results, suites_dir, tmp_path):
    done = _cli("verify", results["heuristic"].parent, "--suites", suites_dir)
    assert done.exit_code == 0, done.output
    assert "5 of 5 files verified" in done.output
    forged = read_result(results["heuristic"])
    _edit_answer(forged)
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(forged))
    done = _cli("verify", path, "--suites", suites_dir)
    assert done.exit_code == 1 and "rejected" in done.output
    assert "field answer" in done.output


def test_submit_files_a_verified_result_and_never_replaces_another(results, suites_dir,
                                                                   tmp_path):
    board = tmp_path / "board"
    done = _cli("submit", results["heuristic"], "--out", board, "--suites", suites_dir)
    assert done.exit_code == 0, done.output
    target = board / "results" / "unit-verify__heuristic.json"
    assert target.read_bytes() == results["heuristic"].read_bytes()
    # Another result under the same agent name (the random agent, renamed) is refused...
    other = read_result(results["random"])
    for episode in other["episodes"]:
        episode["agent"] = "random"
    other["agent"]["name"] = "heuristic"
    other["digest"] = digest(other)
    path = tmp_path / "other.json"
    path.write_text(json.dumps(other))
    old = read_result(target)["digest"][:12]
    done = _cli("submit", path, "--out", board, "--suites", suites_dir)
    assert done.exit_code == 1 and f"--replace {old}" in done.output
    assert target.read_bytes() == results["heuristic"].read_bytes()
    done = _cli("submit", path, "--out", board, "--suites", suites_dir, "--replace", "0" * 12)
    assert done.exit_code == 1
    # ... unless its digest is named.
    done = _cli("submit", path, "--out", board, "--suites", suites_dir, "--replace", old)
    assert done.exit_code == 0 and f"replaced {old}" in done.output
    assert read_result(target)["digest"] == other["digest"]


def test_submit_rejects_a_forgery_and_files_nothing(results, suites_dir, tmp_path):
    forged = read_result(results["heuristic"])
    _edit_score(forged)
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(forged))
    done = _cli("submit", path, "--out", tmp_path / "board", "--suites", suites_dir)
    assert done.exit_code == 1 and "field judge_score" in done.output
    assert not (tmp_path / "board" / "results").exists()
