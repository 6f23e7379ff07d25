"""AgeMem-BabyAI-v0 (and the ids' errors): the env contract, determinism, and that memory
of the earlier run pays off when the Stage-3 budget is too small to explore."""

from __future__ import annotations

import gymnasium as gym
import pytest
from gymnasium.utils.env_checker import check_env, data_equivalence

pytest.importorskip("minigrid")

import agemem_env  # noqa: E402,F401
from agemem_env.core import ToolCall  # noqa: E402
from agemem_env.rewards import TERM_NAMES  # noqa: E402
from agents.embodied_heuristic import EmbodiedHeuristicAgent  # noqa: E402
from agents.heuristic import HeuristicAgent  # noqa: E402
from agents.protocol import TaskInfo  # noqa: E402

BABYAI = "AgeMem-BabyAI-v0"


def play(env, agent, seed):
    """One episode; returns the per-step (obs, reward, terminated, truncated, info)."""
    obs, info = env.reset(seed=seed)
    agent.reset(TaskInfo(BABYAI, "text", seed))
    steps, done = [(obs, 0.0, False, False, info)], False
    while not done:
        obs, reward, terminated, truncated, info = env.step(agent.act(obs, info))
        steps.append((obs, reward, terminated, truncated, info))
        done = terminated or truncated
    return steps


@pytest.mark.parametrize("mode", ["text", "structured"])
def test_check_env_passes(make_env, mode):
    env = make_env(BABYAI, action_mode=mode, n_siblings=1)
    check_env(env.unwrapped, skip_render_check=True)


def test_same_seed_same_actions_same_episode(make_env):
    first = play(make_env(BABYAI), EmbodiedHeuristicAgent(use_memory=False), 5)
    second = play(make_env(BABYAI), EmbodiedHeuristicAgent(use_memory=False), 5)
    assert len(first) == len(second)
    assert data_equivalence(first, second)


def test_every_reward_term_and_the_benchmark_report_are_in_info(make_env):
    steps = play(make_env(BABYAI), EmbodiedHeuristicAgent(), 2)
    info = steps[-1][-1]
    assert set(TERM_NAMES) <= set(info["reward_terms"])
    report = info["embodied"]
    assert report["success"] and report["commands"] <= report["budget"]
    assert info["reward_terms"]["task"] == 1.0
    assert info["reward_terms"]["memory/storage"] > 0  # it stored the route (a gold fact)


def test_memory_of_the_earlier_run_beats_no_memory(make_env):
    env = make_env(BABYAI)
    seeds = range(6)
    wins = {
        use: sum(play(env, EmbodiedHeuristicAgent(use_memory=use), s)[-1][-1]["embodied"]
                 ["success"] for s in seeds)
        for use in (True, False)
    }
    # Measured over 50 seeds: 50/50 with memory, 0/50 without (see docs/embodied.md).
    assert wins[True] >= 5 and wins[False] <= 1, wins


def test_structured_act_index_runs_a_command(make_env):
    env = make_env(BABYAI, action_mode="structured", start_stage=3, prefill="oracle")
    obs, _ = env.reset(seed=0)
    assert obs["stage"] == 3 and obs["ltm_size"] > 0  # prefill stored the gold facts
    _, _, _, _, info = env.step({"tool": 7, "text": "turn left"})
    result = info["step_results"][0]
    assert result["name"] == "Act" and result["ok"] and "You are at" in result["content"]
    assert info["embodied"]["commands"] == 1


def test_act_outside_stage_3_and_after_the_budget_is_refused(make_env):
    env = make_env(BABYAI, action_mode="structured", act_budget=1)
    env.reset(seed=0)
    _, _, _, _, info = env.step(ToolCall("Act", {"command": "go forward"}))
    assert not info["step_results"][0]["ok"] and "phase 3" in info["step_results"][0]["content"]
    assert info["tool_errors"] == 1
    env = make_env(BABYAI, action_mode="structured", act_budget=1, start_stage=3,
                   prefill="oracle")
    env.reset(seed=0)
    calls = [ToolCall("Act", {"command": "turn left"}), ToolCall("Act", {"command": "turn left"})]
    _, reward, terminated, truncated, info = env.step(calls)
    assert [r["ok"] for r in info["step_results"]] == [True, False]
    assert truncated and not terminated  # the budget is a time limit
    assert info["reward_terms"]["task"] == 0.0 and info["reward_terms"]["penalty/rounds"] == 0


def test_core_heuristic_agent_runs_on_the_embodied_env(make_env):
    steps = play(make_env(BABYAI), HeuristicAgent(), 1)
    assert steps[-1][2] or steps[-1][3]
    assert steps[-1][-1]["embodied"]["instance"].startswith("BabyAI-")


def test_ltm_persists_across_episodes_when_asked(make_env, tmp_path):
    env = make_env(BABYAI, ltm_path=str(tmp_path / "ltm.sqlite"), ltm_reset=False)
    play(env, EmbodiedHeuristicAgent(), 0)
    size = env.unwrapped.ltm.__len__()
    obs, _ = env.reset(seed=1)
    assert size > 0 and obs["ltm_size"] == size  # the next episode starts with it


def test_clear_errors_for_bad_arguments_and_missing_alfworld_data(tmp_path):
    with pytest.raises(ValueError, match="game_path"):
        gym.make("AgeMem-ALFWorld-v0")
    with pytest.raises(FileNotFoundError, match="tw-pddl"):
        gym.make("AgeMem-ALFWorld-v0", benchmark_kwargs={"game_path": str(tmp_path)})
    with pytest.raises(TypeError, match="tasks"):
        gym.make(BABYAI, tasks="synthetic")
    with pytest.raises(ValueError, match="budget_slack"):
        gym.make(BABYAI, budget_slack=-1)


def test_llm_agent_acts_through_the_system_prompt_it_is_given(make_env):
    from agents.llm import ScriptedBackend
    from agents.llm_agent import LLMAgent

    def reply(messages):
        assert '"name": "Act"' in messages[0]["content"]  # the Act schema is in the prompt
        if "Your mission:" in "".join(m["content"] for m in messages):
            return '<tool_call>[{"name": "Act", "arguments": {"command": "turn left"}}]</tool_call>'
        return "<answer>Noted.</answer>"

    steps = play(make_env(BABYAI, act_budget=3), LLMAgent(backend=ScriptedBackend(reply)), 0)
    info = steps[-1][-1]
    assert info["tool_calls"]["Act"] == 3 and info["embodied"]["commands"] == 3
    assert steps[-1][3]  # truncated: the budget is spent


def test_missing_extra_names_the_install_command():
    from agemem_env.embodied.backend import require

    with pytest.raises(ImportError, match=r"agemem-gym\[embodied\]"):
        require("no_such_benchmark_package", "The test backend")


def test_import_and_make_load_no_benchmark():
    import subprocess
    import sys

    code = ("import sys, gymnasium as gym, agemem_env; "
            "gym.make('AgeMem-BabyAI-v0', embedder='hashing'); "
            "gym.make('AgeMem-SciWorld-v0', embedder='hashing'); "
            "assert 'minigrid' not in sys.modules and 'scienceworld' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
