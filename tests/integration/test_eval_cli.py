"""``agemem eval``: runs an agent, writes JSONL, prints a summary; bad input exits 2."""

from __future__ import annotations

import importlib.util
import json
import sys
import types
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents.protocol import TaskInfo
from agents.scripted import OracleScript
from leaderboard.main import app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


class TestOracle:
    """The scripted oracle as an Agent."""

    __test__ = False  # not a pytest class
    name = "test-oracle"
    privileged = True  # reads the gold task

    def reset(self, task_info: TaskInfo) -> None:
        self.script = OracleScript(task_info.task)

    def act(self, observation, info):
        return self.script.act(observation)


class Crasher(TestOracle):
    """Fails every episode at its first step."""

    __test__ = False
    name = "test-crasher"

    def act(self, observation, info):
        raise RuntimeError("boom")


@pytest.fixture
def fake_registry(monkeypatch):
    """An ``agents.registry`` knowing two agents; records the kwargs each make got."""
    calls: list[dict] = []
    known = {"test-oracle": TestOracle, "test-crasher": Crasher}

    def make_agent(name: str, **kwargs):
        calls.append(kwargs)
        if name not in known:
            raise KeyError(f"unknown agent {name!r}; choose test-oracle")
        return known[name]()

    module = types.ModuleType("agents.registry")
    module.make_agent = make_agent
    monkeypatch.setitem(sys.modules, "agents.registry", module)
    return calls


def _eval(*args: str):
    return CliRunner().invoke(app, ["eval", "--embedder", "hashing", "--no-progress", *args],
                              terminal_width=200)


def test_eval_writes_jsonl_and_prints_a_summary(fake_registry, tmp_path):
    out = tmp_path / "eval.jsonl"
    result = _eval("--agent", "test-oracle", "--episodes", "4", "--seed", "7", "--num-envs",
                   "2", "--vector", "sync", "--out", str(out), "--env-kwarg", "token_budget=4096")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(row["seed"] for row in rows) == [7, 8, 9, 10]
    assert {row["agent"] for row in rows} == {"test-oracle"}
    assert all(row["judge_score"] == 1.0 and row["error"] is None for row in rows)
    for word in ("answer score", "1.000 ± 0.000", "memory F1", "prompt tokens", "4 records"):
        assert word in result.output
    assert fake_registry == [{}, {}]  # one agent per slot; the probe agent is reused


def test_eval_on_a_dataset_plays_each_task_once(fake_registry, tmp_path):
    out = tmp_path / "hotpot.jsonl"
    result = _eval("--agent", "test-oracle", "--tasks", "hotpotqa", "--tasks-path",
                   str(FIXTURES / "hotpotqa_official.json"), "--out", str(out), "--llm", "echo")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == len({row["task_id"] for row in rows}) >= 2
    assert {row["source"] for row in rows} == {"hotpotqa"}
    assert fake_registry == [{"backend": "echo"}]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--agent", "nobody"], "unknown agent"),
        (["--agent", "test-oracle", "--env", "AgeMem-Stage9-v0"], "unknown environment"),
        (["--agent", "test-oracle", "--tasks", "trivia"], "unknown task source"),
        (["--agent", "test-oracle", "--tasks", "hotpotqa", "--tasks-path", "/no/such.json"],
         "does not exist"),
        (["--agent", "test-oracle", "--tasks", "locomo", "--tasks-path",
          str(FIXTURES / "locomo.json"), "--episodes", "999"], "only"),
        (["--agent", "test-oracle", "--tasks-path", "x.json"], "does not apply"),
        (["--agent", "test-oracle", "--env-kwarg", "token_budget"], "key=value"),
        (["--agent", "test-oracle", "--env-kwarg", "token_budget=3"], "token_budget"),
        (["--agent", "test-oracle", "--env-kwarg", "token_budgt=4096"], "did you mean "
                                                                         "'token_budget'"),
        (["--agent", "test-oracle", "--embedder", "minilm2"], "unknown embedder"),
        (["--agent", "heuristic", "--env", "AgeMem-BabyAI-v0"], "never calls Act"),
        (["--agent", "embodied-heuristic"], "plays the embodied ids"),
        (["--agent", "llm"], "--agent llm needs --llm: smollm2"),
        (["--agent", "test-oracle", "--env", "AgeMem-BabyAI-v0", "--tasks", "synthetic"],
         "do not apply"),
        (["--agent", "test-oracle", "--env", "AgeMem-ALFWorld-v0"], "game_path"),
        (["--agent", "test-oracle", "--vector", "threads"], "--vector"),
        (["--agent", "test-oracle", "--num-envs", "2", "--vector", "none"], "--num-envs"),
    ],
)
def test_bad_input_exits_2_with_one_line(fake_registry, args, message):
    result = _eval(*args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert "was raised from the environment creator" not in result.output
    assert [line for line in result.output.splitlines() if line.startswith("error:")]


def test_missing_agent_option_is_a_usage_error():
    assert _eval().exit_code == 2


@pytest.mark.skipif(importlib.util.find_spec("agents.registry") is None,
                    reason="agents.registry not written yet")
def test_eval_with_a_registered_agent(tmp_path):
    out = tmp_path / "oracle.jsonl"
    result = _eval("--agent", "oracle", "--episodes", "2", "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [row["seed"] for row in rows] == [0, 1]
    assert all(row["error"] is None for row in rows)


def test_failed_episodes_exit_1_and_say_how_many(fake_registry, tmp_path):
    out = tmp_path / "crash.jsonl"
    result = _eval("--agent", "test-crasher", "--episodes", "3", "--out", str(out))
    assert result.exit_code == 1, result.output
    assert "error: 3 of 3 episodes failed (first: episode 0, seed 0: RuntimeError: boom)" \
        in result.output
    assert "failed episodes" in result.output  # the summary still comes first
    assert len(out.read_text().splitlines()) == 3


def test_eval_runs_an_embodied_env_with_its_agent(tmp_path):
    out = tmp_path / "babyai.jsonl"
    result = _eval("--agent", "embodied-heuristic", "--env", "AgeMem-BabyAI-v0", "--episodes",
                   "2", "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [row["env_id"] for row in rows] == ["AgeMem-BabyAI-v0"] * 2
    assert all(row["error"] is None and row["tool_calls"].get("Act", 0) > 0 for row in rows)
    assert "calls: Act" in result.output


def test_an_llm_agent_run_shows_its_calls(tmp_path):
    from chat_stub import chat_server, completion_body

    with chat_server(reply_fn=lambda request: (200, completion_body("<answer>x</answer>"))
                     ) as server:
        result = CliRunner().invoke(app, [
            "eval", "--agent", "llm", "--llm", f"openai:{server.url}#stub", "--embedder",
            "hashing", "--episodes", "2", "--out", str(tmp_path / "llm.jsonl")])
    assert result.exit_code == 0, result.output
    assert len(server.requests) == 6  # an answer ends each of the three stages
    assert "llm calls: 6call" in result.output, result.output
