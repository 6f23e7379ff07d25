"""Every registered id, in both action modes: check_env, determinism, reward terms in info."""

from __future__ import annotations

import pickle
import warnings

import gymnasium as gym
import pytest
from gymnasium.utils.env_checker import check_env, data_equivalence

from agemem_env import ENV_IDS
from agemem_env.rewards import TERM_NAMES

MODES = ("text", "structured")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("env_id", ENV_IDS)
def test_check_env_passes_without_warnings(env_id, mode):
    env = gym.make(env_id, action_mode=mode, embedder="hashing").unwrapped
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env, skip_render_check=False)
    assert [str(w.message) for w in caught] == []
    env.close()


@pytest.mark.slow
def test_check_env_passes_with_minilm():
    env = gym.make("AgeMem-Stage3-v0").unwrapped
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env)
    assert [str(w.message) for w in caught] == []


def test_namespaced_make_imports_the_package():
    env = gym.make("agemem_env:AgeMem-Stage3-v0", embedder="hashing")
    obs, _ = env.reset(seed=1)
    assert obs["stage"] == 1
    env.close()


def _rollout(env, seed, actions):
    trace = [env.reset(seed=seed)]
    for action in actions:
        obs, reward, terminated, truncated, info = env.step(action)
        trace.append((obs, reward, terminated, truncated, info))
        if terminated or truncated:
            break
    return trace


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_same_seed_and_actions_give_identical_episodes(make_env, env_id):
    actions = [
        '<think>x</think><tool_call>[{"name": "Add_memory", "arguments": {"content": '
        '"Dana works at Veltrix"}}, {"name": "Retrieve_memory", "arguments": {"query": "Dana"}}]'
        "</tool_call>",
        "<answer>ok</answer>",
        '<tool_call>[{"name": "Filter_context", "arguments": {"criteria": "football"}}, '
        '{"name": "Summary_context", "arguments": {"span": "all"}}]</tool_call>',
        "garbage that does not parse",
        "<answer>done</answer>",
        '<tool_call>{"name": "Retrieve_memory", "arguments": {"query": "company city"}}'
        "</tool_call>",
        "<answer>Porto</answer>",
    ]
    first = _rollout(make_env(env_id), 7, actions)
    second = _rollout(make_env(env_id), 7, actions)
    assert data_equivalence(first, second)
    other = _rollout(make_env(env_id), 8, actions)
    assert not data_equivalence(first[0], other[0])


@pytest.mark.parametrize("mode", MODES)
def test_every_reward_term_is_in_info_at_every_step(make_env, mode):
    env = make_env(action_mode=mode)
    _, info = env.reset(seed=3)
    assert set(TERM_NAMES) <= set(info["reward_terms"])
    for _ in range(20):
        _, _, terminated, truncated, info = env.step(env.action_space.sample())
        assert set(TERM_NAMES) <= set(info["reward_terms"])
        assert {"task_id", "seed", "tool_calls", "parse_errors", "context_tokens"} <= set(info)
        if terminated or truncated:
            break
    assert terminated or truncated


def test_env_pickles_and_resumes_identically(make_env):
    env = make_env().unwrapped
    env.reset(seed=5)
    env.step("<answer>skip</answer>")
    clone = pickle.loads(pickle.dumps(env))
    action = '<tool_call>[{"name": "Filter_context", "arguments": {"criteria": "x"}}]</tool_call>'
    assert data_equivalence(env.step(action), clone.step(action))


def test_import_and_make_load_no_torch_and_no_model():
    import subprocess
    import sys

    code = (
        "import sys, gymnasium as gym, agemem_env\n"
        "gym.make('AgeMem-Stage3-v0')\n"
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_an_episode_does_not_depend_on_earlier_episodes(make_env):
    add = ('<tool_call>[{"name": "Add_memory", "arguments": {"content": "Dana likes tea"}}]'
           "</tool_call>")
    fresh = make_env()
    used = make_env()
    used.reset(seed=1)
    used.step(add)
    used.step(add)
    assert data_equivalence(_rollout(fresh, 9, [add, add]), _rollout(used, 9, [add, add]))
