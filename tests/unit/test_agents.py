"""Baseline agents play full AgeMem-Stage3-v0 episodes (hashing embedder)."""

from __future__ import annotations

import doctest
import importlib
import sys
import types
from collections import Counter

import numpy as np
import pytest

from agemem_env.actions.text import parse_completion
from agemem_env.tasks import Task
from agents.heuristic import HeuristicAgent
from agents.oracle import OracleAgent
from agents.protocol import Agent, TaskInfo
from agents.random_agent import RandomAgent
from agents.registry import AGENTS, make_agent
from baselines.no_memory import NoMemoryAgent

NAMES = ("random", "oracle", "no-memory", "heuristic")
HONEST_PARSERS = ("oracle", "no-memory", "heuristic")


def play(env, agent, seed, options=None):
    """One episode; returns the actions taken and the last info."""
    obs, info = env.reset(seed=seed, options=options)
    unwrapped = env.unwrapped
    agent.reset(TaskInfo(env_id="AgeMem-Stage3-v0", action_mode=unwrapped.action_mode,
                         seed=seed, task=unwrapped.task,
                         extra={"action_space": env.action_space}))
    actions, done = [], False
    while not done:
        action = agent.act(obs, info)
        actions.append(action)
        obs, _, terminated, truncated, info = env.step(action)
        done = terminated or truncated
        assert len(actions) <= 3 * unwrapped.rounds_per_stage
    return actions, info


@pytest.mark.parametrize(
    "module", ["agents.heuristic", "baselines.no_memory", "agents.oracle", "agents.random_agent",
               "agents.registry"],
)
def test_doctests_pass(module):
    # pytest's --doctest-modules only walks agemem_env/, so run the agents' doctests here.
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("name", NAMES)
def test_each_agent_plays_full_episodes(make_env, name):
    env = make_env()
    for seed in range(3):
        agent = make_agent(name)
        assert isinstance(agent, Agent) and agent.name == name
        actions, info = play(env, agent, seed)
        assert info["stage"] == 3 and actions
        if name in HONEST_PARSERS:
            assert info["parse_errors"] == 0 and info["tool_errors"] == 0
            assert all(not parse_completion(a).errors for a in actions)


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_actions(make_env, name):
    # A fresh env each time: memory ids keep counting up across resets of one env.
    first, _ = play(make_env(), make_agent(name), seed=5)
    again, _ = play(make_env(), make_agent(name), seed=5)
    assert first == again


def test_random_agent_seed_changes_actions_and_calls_parse_often(make_env):
    env = make_env()
    a, _ = play(env, RandomAgent(seed=0), seed=1)
    b, _ = play(env, RandomAgent(seed=1), seed=1)
    assert a != b
    steps = calls = 0
    for seed in range(10):
        actions, _ = play(env, RandomAgent(seed=0), seed)
        steps += len(actions)
        calls += sum(bool(parse_completion(x).calls) for x in actions)
    assert calls / steps > 0.5


def test_random_agent_structured_mode_uses_every_tool(make_env):
    env = make_env(action_mode="structured")
    used = Counter()
    for seed in range(10):
        actions, info = play(env, RandomAgent(seed=2), seed)
        assert all(isinstance(a, dict) for a in actions)
        used.update(info["tool_calls"])
    assert {"Add_memory", "Retrieve_memory", "Filter_context"} <= set(used)


def test_oracle_gets_full_task_score(make_env):
    env = make_env()
    for seed in range(5):
        _, info = play(env, OracleAgent(), seed)
        assert info["reward_terms"]["task"] == 1.0


def test_oracle_needs_the_gold_task():
    with pytest.raises(ValueError, match="gold task"):
        OracleAgent().reset(TaskInfo(env_id="x", action_mode="text", seed=0))


@pytest.mark.parametrize("agent", [OracleAgent(), NoMemoryAgent(), HeuristicAgent()])
def test_text_only_agents_reject_structured_mode(agent, small_task):
    with pytest.raises(ValueError, match="text mode"):
        agent.reset(TaskInfo(env_id="x", action_mode="structured", seed=0, task=small_task))


def test_heuristic_uses_the_memory_tools_across_synthetic_episodes(make_env):
    env = make_env()
    used = Counter()
    for seed in range(10):
        _, info = play(env, HeuristicAgent(), seed)
        used.update(info["tool_calls"])
    assert used["Add_memory"] > 0 and used["Filter_context"] > 0
    assert used["Retrieve_memory"] > 0
    assert used["Update_memory"] + used["Delete_memory"] > 0


def test_heuristic_beats_no_memory_and_random_on_answer_f1(make_env):
    env = make_env()
    scores = {}
    for name in ("heuristic", "no-memory", "random"):
        f1 = [(play(env, make_agent(name), s)[1]["judge"] or {}).get("f1", 0.0)
              for s in range(10)]
        scores[name] = float(np.mean(f1))
    assert scores["heuristic"] > 0.5
    assert scores["heuristic"] > scores["no-memory"] and scores["heuristic"] > scores["random"]


UPDATE_TASK = Task(
    id="update-delete",
    information=(
        "My friend Dana Ortiz works at Veltrix Labs.",
        "I keep meaning to clean out the garage.",
        "My neighbour Omar Novak has a dog named Biscuit.",
        "Dana Ortiz left Veltrix Labs and now works at Norvane Systems.",
        "Forget what I said about Omar Novak's dog, that was wrong.",
    ),
    question="Which company does Dana Ortiz work for now?",
    answers=("Norvane Systems",),
    supporting_facts=("Dana Ortiz works at Norvane Systems.",),
    distractors=("My cousin Dana Reyes works at Quorix Partners.", "Traffic was awful."),
)


def test_heuristic_updates_changed_facts_and_deletes_retracted_ones(make_env):
    env = make_env(tasks=[UPDATE_TASK])
    _, info = play(env, HeuristicAgent(), seed=0)
    stored = [record.content for record in env.unwrapped.ltm.records()]
    assert stored == ["Dana Ortiz left Veltrix Labs and now works at Norvane Systems."]
    assert info["tool_calls"]["Update_memory"] == 1 and info["tool_calls"]["Delete_memory"] == 1
    assert info["answer"] == "Norvane Systems"


def test_heuristic_summarises_a_filling_context(make_env):
    env = make_env(token_budget=1024, task_config={"information_tokens": 2000})
    _, info = play(env, HeuristicAgent(), seed=0)
    assert info["tool_calls"].get("Summary_context", 0) > 0


def test_registry_names_and_errors():
    assert set(NAMES) | {"llm"} <= set(AGENTS)
    assert make_agent("No_Memory").name == "no-memory"
    with pytest.raises(ValueError, match=r"heuristic, .*no-memory, oracle, .*random"):
        make_agent("gpt")


def test_llm_hook_imports_lazily(monkeypatch):
    module = types.ModuleType("agents.llm_agent")

    class FakeLLMAgent:
        name = "llm"

        def __init__(self, backend, max_new_tokens=64, temperature=0.0):
            self.backend, self.max_new_tokens = backend, max_new_tokens

        def reset(self, task_info):
            pass

        def act(self, observation, info):
            return "<answer>x</answer>"

    module.LLMAgent = FakeLLMAgent
    monkeypatch.setitem(sys.modules, "agents.llm_agent", module)
    agent = make_agent("llm", backend="fake", max_new_tokens=8)
    assert isinstance(agent, FakeLLMAgent) and agent.max_new_tokens == 8
    monkeypatch.setitem(sys.modules, "agents.llm_agent", None)
    with pytest.raises(ImportError, match="agents.llm_agent"):
        make_agent("llm")
