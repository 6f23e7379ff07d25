"""The leaderboard run end to end on tiny suites with fast agents: reproducible aggregates,
the same numbers from worker processes and from Ray, resume, failures recorded per pair,
absent data skipped, and the CLI writing its reports."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents import registry
from leaderboard.main import app
from leaderboard.results import AgentSpec, read_result
from leaderboard.runner import run_leaderboard
from leaderboard.suites import Suite

SUITE_TOML = """name = "tiny"
episodes = 3
seeds = [0, 1]
embedder = "hashing"
[tasks]
source = "synthetic"
[tasks.config]
num_updates = 1
"""
TINY = Suite.from_dict({"name": "tiny", "episodes": 3, "seeds": [0, 1], "embedder": "hashing",
                        "tasks": {"source": "synthetic", "config": {"num_updates": 1}}})
ABSENT = Suite.from_dict({"name": "absent", "tasks": {
    "source": "hotpotqa", "path": "{data}/no-such-folder/hotpot.json"}})
FAST = [AgentSpec(n, n, {}) for n in ("oracle", "heuristic", "random", "no-memory")]


def digests(outcomes) -> dict[tuple[str, str], str]:
    return {(o.agent, o.suite): read_result(o.path)["digest"] for o in outcomes if o.path}


def aggregates(outcomes) -> dict[tuple[str, str], dict]:
    return {(o.agent, o.suite): read_result(o.path)["aggregates"] for o in outcomes if o.path}


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run1")
    return out, run_leaderboard(FAST, [TINY], out, progress=False)


def test_same_seeds_give_identical_aggregates(first_run, tmp_path):
    _, outcomes = first_run
    assert {o.status for o in outcomes} == {"ok"}
    again = run_leaderboard(FAST, [TINY], tmp_path, progress=False)
    assert aggregates(again) == aggregates(outcomes)
    assert digests(again) == digests(outcomes)


def test_worker_processes_match_the_single_process_run(first_run, tmp_path):
    _, outcomes = first_run
    pooled = run_leaderboard(FAST, [TINY], tmp_path, workers=2, progress=False)
    assert digests(pooled) == digests(outcomes)


def test_ray_backend_matches_the_process_backend(first_run, tmp_path):
    pytest.importorskip("ray")
    _, outcomes = first_run
    on_ray = run_leaderboard(FAST[:2], [TINY], tmp_path, workers=2, backend="ray",
                             progress=False)
    assert {o.status for o in on_ray} == {"ok"}
    assert digests(on_ray) == {k: v for k, v in digests(outcomes).items()
                               if k[0] in ("oracle", "heuristic")}


def test_resume_skips_finished_pairs_and_reruns_missing_ones(tmp_path):
    first = run_leaderboard(FAST[:2], [TINY], tmp_path, progress=False)
    stamps = {o.agent: o.path.stat().st_mtime_ns for o in first}
    first[1].path.unlink()
    second = run_leaderboard(FAST[:2], [TINY], tmp_path, progress=False)
    assert [o.status for o in second] == ["cached", "ok"]
    assert second[0].path.stat().st_mtime_ns == stamps["oracle"]
    fresh = run_leaderboard(FAST[:1], [TINY], tmp_path, resume=False, progress=False)
    assert fresh[0].status == "ok"


def test_a_corrupted_result_is_rerun_on_resume(tmp_path):
    (first,) = run_leaderboard(FAST[1:2], [TINY], tmp_path, progress=False)
    text = first.path.read_text()
    assert '"judge_score": 1.0' in text
    first.path.write_text(text.replace('"judge_score": 1.0', '"judge_score": 0.0', 1))
    (again,) = run_leaderboard(FAST[1:2], [TINY], tmp_path, progress=False)
    assert again.status == "ok"


class _Crashing:
    name = "crashing"

    def reset(self, task_info):
        pass

    def act(self, observation, info):
        raise RuntimeError("the agent crashed")


@pytest.mark.parametrize("workers", [1, 2])
def test_a_failing_agent_is_recorded_not_fatal(tmp_path, workers):
    agents = [AgentSpec("ghost", "no-such-agent", {}), FAST[1]]
    outcomes = run_leaderboard(agents, [TINY], tmp_path, workers=workers, progress=False)
    assert [o.status for o in outcomes] == ["failed", "ok"]
    failed = read_result(outcomes[0].path)
    assert failed["status"] == "failed" and "no-such-agent" in failed["error"]


def test_an_agent_failing_every_episode_is_a_failed_pair(tmp_path, monkeypatch):
    monkeypatch.setitem(registry.AGENTS, "crashing", _Crashing)
    (outcome,) = run_leaderboard([AgentSpec("crashing", "crashing", {})], [TINY], tmp_path,
                                 progress=False)
    assert outcome.status == "failed" and "the agent crashed" in outcome.note


def test_suite_with_absent_data_is_skipped(tmp_path):
    outcomes = run_leaderboard(FAST[:1], [ABSENT, TINY], tmp_path, progress=False)
    assert [o.status for o in outcomes] == ["skipped", "ok"]
    assert "data absent" in outcomes[0].note and outcomes[0].path is None


def test_cli_run_writes_results_and_reports(tmp_path):
    suites = tmp_path / "suites"
    suites.mkdir()
    (suites / "tiny.toml").write_text(SUITE_TOML)
    args = ["leaderboard", "run", "--out", str(tmp_path / "out"), "--suites", str(suites),
            "--suites-only", "tiny", "--agents", "heuristic,no-memory", "--workers", "1",
            "--no-progress"]
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 0, done.output
    assert "2 ok" in done.output
    out = tmp_path / "out"
    assert (out / "results" / "tiny__heuristic.json").is_file()
    assert "| heuristic |" in (out / "LEADERBOARD.md").read_text()
    assert (out / "index.html").is_file() and (out / "plots" / "scores.png").is_file()
    again = CliRunner().invoke(app, args)
    assert "2 cached" in again.output


def test_cli_rejects_unknown_suites_and_backends(tmp_path):
    done = CliRunner().invoke(app, ["leaderboard", "run", "--out", str(tmp_path),
                                            "--suites-only", "nope"])
    assert done.exit_code == 2 and "unknown suite" in done.output
    done = CliRunner().invoke(app, ["leaderboard", "run", "--out", str(tmp_path),
                                            "--backend", "spark"])
    assert done.exit_code == 2 and "--backend" in done.output


def test_console_script_points_at_the_leaderboard():
    text = (Path(__file__).parents[2] / "pyproject.toml").read_text()
    assert 'agemem = "leaderboard.main:main"' in text


PLUGIN = '''
class Echo:
    """An agent from outside the package: answers a fixed text."""

    name = "echo"

    def __init__(self, text="nothing"):
        self.text = text

    def reset(self, task_info):
        pass

    def act(self, observation, info):
        return f"<answer>{self.text}</answer>"
'''


def _cli_run(out: Path, suites: Path, *args: str):
    return CliRunner().invoke(app, ["leaderboard", "run", "--out", str(out), "--suites",
                                    str(suites), "--suites-only", "tiny", "--workers", "1",
                                    "--no-progress", *args])


@pytest.fixture
def tiny_suites(tmp_path) -> Path:
    suites = tmp_path / "suites"
    suites.mkdir()
    (suites / "tiny.toml").write_text(SUITE_TOML)
    return suites


def test_an_agent_by_import_path_runs_on_the_leaderboard(tmp_path, tiny_suites, monkeypatch):
    (tmp_path / "echo_plugin.py").write_text(PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    agents = tmp_path / "agents.toml"
    agents.write_text('agents = ["echo-paris", "echo_plugin:Echo"]\n'
                      '[agent.echo-paris]\nagent = "echo_plugin:Echo"\n'
                      'args = {text = "Paris"}\ndescription = "always says Paris"\n')
    done = _cli_run(tmp_path / "out", tiny_suites, "--agents-file", str(agents))
    assert done.exit_code == 0, done.output
    results = tmp_path / "out" / "results"
    paris = read_result(results / "tiny__echo-paris.json")
    assert paris["agent"]["kwargs"] == {"text": "Paris"}
    assert paris["agent"]["description"] == "always says Paris"
    assert {e["answer"] for e in paris["episodes"]} == {"Paris"}
    assert (results / "tiny__echo_plugin.Echo.json").is_file()
    board = (tmp_path / "out" / "LEADERBOARD.md").read_text()
    assert "echo-paris" in board and "always says Paris" in board


def test_a_run_with_failed_pairs_exits_1(tmp_path, tiny_suites, monkeypatch):
    monkeypatch.setitem(registry.AGENTS, "crashing", _Crashing)
    done = _cli_run(tmp_path / "out", tiny_suites, "--agents", "crashing,heuristic")
    assert done.exit_code == 1 and "1 pairs failed" in done.output
    assert (tmp_path / "out" / "LEADERBOARD.md").is_file()


def test_run_into_a_new_folder_without_the_data_skips_and_says_why(tmp_path, monkeypatch):
    monkeypatch.setenv("AGEMEM_DATA", str(tmp_path / "no-data"))
    out = tmp_path / "new" / "folder"
    done = CliRunner().invoke(app, ["leaderboard", "run", "--out", str(out), "--suites-only",
                                    "longmemeval", "--agents", "heuristic", "--no-progress"])
    assert done.exit_code == 0, done.output
    assert "skipped: data absent" in done.output
    assert "longmemeval: skipped (data absent" in (out / "LEADERBOARD.md").read_text()


def test_a_rerun_of_an_unchanged_tree_rewrites_no_byte(tmp_path, tiny_suites):
    args = ("--agents", "heuristic,no-memory", "--no-resume")
    assert _cli_run(tmp_path / "out", tiny_suites, *args).exit_code == 0
    out = tmp_path / "out"
    committed = [p for p in out.rglob("*") if p.is_file() and "timing" not in p.parts]
    before = {p: p.read_bytes() for p in committed}
    assert _cli_run(out, tiny_suites, *args).exit_code == 0
    assert {p: p.read_bytes() for p in committed} == before
    assert (out / "timing" / "tiny__heuristic.json").is_file()
