"""Vector envs give the sequential runner's records: same seed, same task, same episode,
for rule agents and for LLM agents whose slots generate together."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from chat_stub import chat_server, completion_body, toy_policy, toy_reply

from agemem_env.actions.text import render_completion
from agemem_env.core import ToolCall
from agents.llm import OpenAICompatibleBackend, ScriptedBackend
from agents.llm.chat_format import tags_chat
from agents.llm_agent import LLMAgent
from agents.protocol import TaskInfo
from agents.registry import make_agent
from agents.runner import run_episodes
from agents.scripted import NoMemoryScript, OracleScript

ENV = "AgeMem-Stage3-v0"
FAST = {"embedder": "hashing"}
EPISODES, NUM_ENVS = 16, 8
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


class ScriptAgent:
    """An Agent around a scripted policy (agents.registry may not exist yet)."""

    privileged = True  # the scripts read the gold task

    def __init__(self, script_cls: type, name: str):
        self.script_cls, self.name = script_cls, name

    def reset(self, task_info: TaskInfo) -> None:
        self.script = self.script_cls(task_info.task)

    def act(self, observation, info):
        return self.script.act(observation)


class Dawdler(ScriptAgent):
    """The oracle after ``seed % 4`` idle look-ups: episodes of 4-7 steps, so slots free
    up at different times and episodes move between slots."""

    def __init__(self):
        super().__init__(OracleScript, "dawdler")

    def reset(self, task_info: TaskInfo) -> None:
        super().reset(task_info)
        self.extra = task_info.seed % 4

    def act(self, observation, info):
        if observation["stage"] == 3 and self.extra:
            self.extra -= 1
            return render_completion([ToolCall("Retrieve_memory", {"query": "weather"})])
        return super().act(observation, info)


class StructuredOracle:
    """Structured actions: ToolCalls and action-space dicts, several per step."""

    name = "structured-oracle"
    privileged = True

    def reset(self, task_info: TaskInfo) -> None:
        self.task = task_info.task
        assert task_info.action_mode == "structured"
        assert "tool" in task_info.extra["action_space"].spaces

    def act(self, observation, info):
        if observation["stage"] == 1:
            calls = [ToolCall("Add_memory", {"content": f}) for f in self.task.supporting_facts]
            return [*calls, {"tool": 6, "text": "noted"}]
        if observation["stage"] == 2:
            return {"tool": 6, "text": "ok"}
        return {"tool": 6, "text": self.task.answers[0]}


AGENTS = {
    "oracle": lambda: ScriptAgent(OracleScript, "oracle"),
    "no-memory": lambda: ScriptAgent(NoMemoryScript, "no-memory"),
    "dawdler": Dawdler,
}


def _by_seed(records) -> dict[int, tuple]:
    return {
        r.seed: (r.task_id, r.answer, r.episode_return, r.terms, r.steps, r.prompt_tokens,
                 r.tool_calls, r.judge_score, r.memory_f1, r.error)
        for r in records
    }


@pytest.fixture(scope="module")
def sequential():
    """Sequential records per agent, computed once."""
    return {
        name: run_episodes(ENV, factory, episodes=EPISODES, seed=3, env_kwargs=FAST,
                           progress=False)
        for name, factory in AGENTS.items()
    }


@pytest.mark.parametrize("vector", ["sync", "async"])
@pytest.mark.parametrize("agent", list(AGENTS))
def test_vector_runs_match_the_sequential_run(sequential, agent, vector):
    records = run_episodes(ENV, AGENTS[agent], episodes=EPISODES, seed=3, env_kwargs=FAST,
                           num_envs=NUM_ENVS, vector=vector, progress=False)
    assert [r.episode for r in records] == list(range(EPISODES))
    assert _by_seed(records) == _by_seed(sequential[agent])
    assert len({r.task_id for r in records}) == EPISODES
    if agent == "dawdler":
        assert {r.steps for r in records} == {4, 5, 6, 7}


def test_the_oracle_beats_no_memory(sequential):
    oracle = sum(r.episode_return for r in sequential["oracle"])
    assert oracle > sum(r.episode_return for r in sequential["no-memory"])


@pytest.mark.parametrize("vector", ["none", "sync", "async"])
def test_structured_actions_pass_through_vector_envs(vector):
    kwargs = {**FAST, "action_mode": "structured"}
    records = run_episodes(ENV, StructuredOracle, episodes=5, env_kwargs=kwargs,
                           num_envs=1 if vector == "none" else 3, vector=vector,
                           progress=False)
    assert all(r.error is None and r.judge_score == 1.0 for r in records)
    assert all(r.parse_errors == 0 and r.tool_calls["Add_memory"] >= 1 for r in records)


def test_dataset_episodes_follow_task_order_in_every_mode(tmp_path):
    kwargs = {**FAST, "tasks": "hotpotqa",
              "tasks_path": str(FIXTURES / "hotpotqa_official.json")}
    runs = {
        vector: run_episodes(ENV, AGENTS["oracle"], episodes=3, env_kwargs=kwargs,
                             num_envs=1 if vector == "none" else 2, vector=vector,
                             progress=False, task_indices=True, out=tmp_path / f"{vector}.jsonl")
        for vector in ("none", "sync", "async")
    }
    assert _by_seed(runs["sync"]) == _by_seed(runs["none"]) == _by_seed(runs["async"])
    assert [r.source for r in runs["none"]] == ["hotpotqa"] * 3
    assert len({r.task_id for r in runs["none"]}) == 3
    for vector in runs:
        assert len((tmp_path / f"{vector}.jsonl").read_text().splitlines()) == 3


# --- LLM agents: one batch call per step, the same records as one by one --------------------


def _llm_records(backend, vector: str, num_envs: int, agents: list | None = None):
    def factory():
        agent = LLMAgent(backend, max_new_tokens=32)
        if agents is not None:
            agents.append(agent)
        return agent

    return run_episodes(ENV, factory, episodes=EPISODES, seed=3, env_kwargs=FAST,
                        num_envs=num_envs, vector=vector, progress=False)


def test_llm_agents_through_a_chat_server_match_the_sequential_run():
    with chat_server(reply_fn=toy_reply, delay=0.02, strict=True) as server:
        backend = OpenAICompatibleBackend(server.url, "toy", max_concurrency=NUM_ENVS)
        sequential = _llm_records(backend, "none", 1)
        assert server.max_in_flight == 1
        agents: list[LLMAgent] = []
        batched = _llm_records(backend, "sync", NUM_ENVS, agents)
        assert server.max_in_flight > 1  # requests of several slots were in flight together
    assert all(r.error is None and r.parse_errors == 0 for r in sequential)
    assert _by_seed(batched) == _by_seed(sequential)
    assert sum(a.usage.calls for a in agents) == sum(r.steps for r in batched)


def test_llm_agents_on_one_scripted_backend_match_the_sequential_run():
    # A callable script is deterministic per chat, so batching must not change a thing.
    backend = ScriptedBackend(lambda messages: toy_policy(tags_chat(messages)))
    assert _by_seed(_llm_records(backend, "async", 4)) == _by_seed(
        _llm_records(backend, "none", 1))


LLM_BASELINES = ("no-memory", "rag", "mem0", "mem0g", "amem", "langmem", "atommem")


@pytest.mark.parametrize("name", LLM_BASELINES)
def test_llm_baselines_batch_their_steps_and_match_the_sequential_run(name):
    # delay: overlapping requests show as overlapping even on a busy machine
    with chat_server(reply_fn=_json_steps, delay=0.02) as server:
        spec = f"openai:{server.url}#toy"
        extra = {} if name == "no-memory" else {"embedder": "hashing"}

        def factory():
            return make_agent(name, backend=spec, **extra)

        kwargs = {"episodes": 6, "seed": 1, "env_kwargs": FAST, "progress": False}
        sequential = run_episodes(ENV, factory, **kwargs)
        assert server.max_in_flight == 1
        batched = run_episodes(ENV, factory, num_envs=3, vector="sync", **kwargs)
        assert server.max_in_flight > 1
    assert all(r.error is None for r in sequential)
    assert _by_seed(batched) == _by_seed(sequential)


def _json_steps(request: dict) -> tuple[int, dict]:
    """Answers every baseline step: facts, notes, decisions and short answers."""
    system = request["messages"][0]["content"].lower()
    user = request["messages"][-1]["content"]
    if "answer the question" in system:
        return 200, completion_body(user.split()[-2] if len(user.split()) > 1 else "x")
    first = user.splitlines()[0][:80] if user else ""
    reply = {"facts": [first], "keywords": first.split()[:3], "tags": ["t"],
             "context": first, "actions": []}
    return 200, completion_body(json.dumps(reply))
