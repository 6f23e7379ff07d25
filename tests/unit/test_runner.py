"""agents.runner: episode records, failures kept per episode, the summary's CI math, JSONL."""

from __future__ import annotations

import dataclasses
import json
import math

import gymnasium as gym
import pytest

from agemem_env.envs.agemem import AgeMemEnv
from agents.protocol import TaskInfo
from agents.runner import EpisodeRecord, mean_ci, run_episodes, summarise
from agents.scripted import NoMemoryScript, OracleScript

ENV = "AgeMem-Stage3-v0"
FAST = {"embedder": "hashing"}
STEP_FAILS = "AgeMemTest-StepFails-v0"


class ScriptAgent:
    """An Agent around a scripted policy (agents.registry may not exist yet); the scripts
    read the gold task, so it declares itself privileged."""

    privileged = True

    def __init__(self, script_cls: type, name: str):
        self.script_cls, self.name = script_cls, name

    def reset(self, task_info: TaskInfo) -> None:
        self.task_info = task_info
        self.script = self.script_cls(task_info.task)

    def act(self, observation, info):
        return self.script.act(observation)


def oracle() -> ScriptAgent:
    return ScriptAgent(OracleScript, "oracle")


class FailsOnSeed(ScriptAgent):
    """The oracle, except that its second act raises in the episode of one seed."""

    def __init__(self, seed: int):
        super().__init__(OracleScript, "fails")
        self.fail_seed, self.calls = seed, 0

    def reset(self, task_info: TaskInfo) -> None:
        super().reset(task_info)
        self.calls = 0

    def act(self, observation, info):
        self.calls += 1
        if self.task_info.seed == self.fail_seed and self.calls == 2:
            raise RuntimeError("agent broke")
        return super().act(observation, info)


class StepFails(AgeMemEnv):
    """AgeMemEnv whose second step raises in the episode reset with seed 1."""

    def reset(self, *, seed=None, options=None):
        self.fail = seed == 1
        return super().reset(seed=seed, options=options)

    def step(self, action):
        if self.fail and self.steps >= 1:
            raise RuntimeError("env broke")
        return super().step(action)


if STEP_FAILS not in gym.registry:
    gym.register(STEP_FAILS, entry_point=StepFails)


def test_records_have_every_field():
    records = run_episodes(ENV, oracle, episodes=3, seed=5, env_kwargs=FAST, progress=False)
    assert [(r.episode, r.seed) for r in records] == [(0, 5), (1, 6), (2, 7)]
    for record in records:
        for item in dataclasses.fields(EpisodeRecord):
            if item.name != "error":
                assert getattr(record, item.name) is not None, item.name
        assert record.env_id == ENV and record.agent == "oracle" and record.error is None
        assert record.source == "synthetic" and record.task_id
        assert record.terminated and not record.truncated
        assert record.steps == len(record.prompt_tokens) == 4
        assert record.prompt_tokens_total == sum(record.prompt_tokens) > 0
        assert math.isclose(record.episode_return, record.terms["total"])
        assert {"task", "context", "memory", "penalty", "total"} <= set(record.terms)
        assert record.judge_score == record.judge_em == record.judge_f1 == 1.0
        assert record.memory_recall == 1.0 and 0 < record.memory_f1 <= 1
        assert record.tool_calls["Retrieve_memory"] == 1
        assert record.tool_errors == record.parse_errors == 0 and not record.overflow
        assert record.wall_seconds > 0


def test_unanswered_question_scores_zero_and_levels_without_question_have_no_judge():
    never = ScriptAgent(type("Silent", (NoMemoryScript,), {"act": lambda s, o: "hmm"}), "x")
    record = run_episodes(ENV, lambda: never, episodes=1, env_kwargs=FAST, progress=False)[0]
    assert record.truncated and record.answer is None and record.parse_errors == 15
    assert (record.judge_score, record.judge_em, record.judge_f1) == (0.0, 0.0, 0.0)
    record = run_episodes("AgeMem-Stage1-v0", oracle, episodes=1, env_kwargs=FAST,
                          progress=False)[0]
    assert record.judge_score is None and record.error is None


@pytest.mark.parametrize("vector", ["none", "sync"])
def test_an_agent_that_raises_fails_only_its_episode(vector):
    records = run_episodes(ENV, lambda: FailsOnSeed(2), episodes=5, env_kwargs=FAST,
                           progress=False, vector=vector, num_envs=1 if vector == "none" else 2)
    assert [r.seed for r in records] == [0, 1, 2, 3, 4]
    failed = records[2]
    assert failed.error == "RuntimeError: agent broke"
    assert failed.steps == 1 and len(failed.prompt_tokens) == 2  # the second act raised
    assert all(r.error is None and r.judge_score == 1.0 for r in records if r.seed != 2)


@pytest.mark.parametrize("vector", ["none", "sync", "async"])
def test_an_env_step_that_raises_fails_only_its_episode(vector):
    records = run_episodes(STEP_FAILS, oracle, episodes=4, env_kwargs=FAST, progress=False,
                           vector=vector, num_envs=1 if vector == "none" else 2)
    assert [r.error for r in records] == [None, "RuntimeError: env broke", None, None]
    assert records[1].steps == 1
    assert all(r.judge_score == 1.0 for r in records if r.error is None)


def _record(ret: float, **changes) -> EpisodeRecord:
    base = EpisodeRecord(
        env_id=ENV, agent="a", episode=0, seed=0, task_id="t", source="synthetic", steps=4,
        episode_return=ret, terms={"total": ret}, answer="x", judge_score=ret, judge_em=0.0,
        judge_f1=ret, memory_precision=1.0, memory_recall=1.0, memory_f1=0.5,
        prompt_tokens=[10, 20], prompt_tokens_total=30, tool_calls={"Add_memory": 2},
        tool_errors=0, parse_errors=1, overflow=False, terminated=True, truncated=False,
        wall_seconds=0.1,
    )
    return dataclasses.replace(base, **changes)


def test_summarise_ci_math_on_known_numbers():
    records = [_record(1.0), _record(2.0, overflow=True), _record(3.0), _record(4.0),
               _record(-9.0, error="ValueError: x"), _record(0.0, judge_score=None)]
    summary = summarise(records)
    assert summary["episodes"] == 6 and summary["errors"] == 1
    ret = summary["return"]  # 1, 2, 3, 4, 0: mean 2, sd sqrt(2.5)
    assert ret["n"] == 5 and ret["mean"] == pytest.approx(2.0)
    assert ret["ci95"] == pytest.approx(2.7764451 * math.sqrt(2.5) / math.sqrt(5))  # t(4)
    score = summary["answer_score"]  # None (no question) is left out
    assert score["n"] == 4 and score["mean"] == pytest.approx(2.5)
    assert score["ci95"] == pytest.approx(3.1824463 * math.sqrt(5 / 3) / 2)  # t(3)
    assert summary["answer_em"] == {"mean": 0.0, "ci95": 0.0, "n": 5}
    assert summary["prompt_tokens"]["mean"] == 30 and summary["steps"]["ci95"] == 0.0
    assert summary["tool_calls"]["Add_memory"] == 2.0
    assert summary["tool_calls"]["Filter_context"] == 0.0
    assert summary["parse_error_rate"] == pytest.approx(5 / 20)
    assert summary["overflow_rate"] == pytest.approx(1 / 5)


def test_mean_ci_small_samples():
    assert mean_ci([]) == {"mean": None, "ci95": None, "n": 0}
    assert mean_ci([0.7]) == {"mean": 0.7, "ci95": None, "n": 1}  # no interval from one
    assert mean_ci([1.0, 3.0])["ci95"] == pytest.approx(12.7062047)  # sd = sqrt(2), t(1)
    assert summarise([])["return"]["mean"] is None


def test_jsonl_lines_parse_and_match_records(tmp_path):
    out = tmp_path / "runs" / "oracle.jsonl"
    records = run_episodes(ENV, oracle, episodes=3, env_kwargs=FAST, progress=False, out=out)
    lines = out.read_text().splitlines()
    assert len(lines) == 3
    assert [EpisodeRecord.from_json(line) for line in lines] == records
    row = json.loads(lines[0])
    assert row["episode_return"] == records[0].episode_return and row["error"] is None
    # Appending: a second run adds its lines after the first run's.
    run_episodes(ENV, oracle, episodes=2, seed=10, env_kwargs=FAST, progress=False, out=out)
    assert [json.loads(line)["seed"] for line in out.read_text().splitlines()] == [0, 1, 2, 10, 11]


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="vector"):
        run_episodes(ENV, oracle, episodes=1, vector="threads", progress=False)
    with pytest.raises(ValueError, match="num_envs=2"):
        run_episodes(ENV, oracle, episodes=1, num_envs=2, progress=False)
    assert run_episodes(ENV, oracle, episodes=0, env_kwargs=FAST, progress=False) == []


def test_an_episode_gathers_only_its_own_llm_calls():
    # The contract of agents.llm.usage: a log that may only grow (a baseline's LLMSteps)
    # or is emptied by reset (LLMAgent); the episode keeps the calls after its start.
    from agents.episode import Episode as _Episode
    from agents.llm import ScriptedBackend
    from agents.llm.usage import LLMCall
    from agents.llm_agent import LLMAgent

    class Grows(ScriptAgent):
        def __init__(self):
            super().__init__(OracleScript, "grows")
            self.llm = type("Steps", (), {"llm_usage": [LLMCall("old", 1, 1, 0.1)]})()

        def act(self, observation, info):
            self.llm.llm_usage.append(LLMCall("extract", 5, 2, 0.2))
            return super().act(observation, info)

    llm = LLMAgent(ScriptedBackend(["<answer>a</answer>"] * 9))
    for agent, kept in ((Grows(), ["extract"] * 4), (llm, ["act"] * 3)):
        env = gym.make(ENV, **FAST)
        obs, info = env.reset(seed=0)
        ep = _Episode(0, agent, TaskInfo(ENV, "text", 0, env.unwrapped.task), info, 0.0)
        if agent is llm:
            llm.llm_usage.append(LLMCall("from an earlier episode", 1, 1, 0.1))
        ep.begin()
        done = False
        while not done:
            obs, reward, terminated, truncated, info = env.step(agent.act(obs, info))
            done = terminated or truncated
        ep.record(ENV)
        assert [call.step for call in ep.llm_calls] == kept
