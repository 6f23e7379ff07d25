"""gym.make_vec as Gymnasium users call it: sync and async with the defaults, through whole
episodes of the heuristic agent's actions, giving each slot the single env's episode."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import agemem_env  # noqa: F401  (registers the ids)
from agents.heuristic import HeuristicAgent
from agents.protocol import TaskInfo

N = 4


def _single_returns(seeds):
    """The heuristic's return per seed on one plain env."""
    env = gym.make("AgeMem-Stage3-v0", embedder="hashing")
    out = []
    for seed in seeds:
        obs, info = env.reset(seed=seed)
        agent = HeuristicAgent()
        agent.reset(TaskInfo("AgeMem-Stage3-v0", "text", seed))
        total, done = 0.0, False
        while not done:
            obs, reward, terminated, truncated, info = env.step(agent.act(obs, info))
            total, done = total + reward, terminated or truncated
        out.append(total)
    env.close()
    return out


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_make_vec_runs_whole_episodes_with_the_defaults(mode: str) -> None:
    seeds = list(range(N))
    envs = gym.make_vec("AgeMem-Stage3-v0", num_envs=N, vectorization_mode=mode,
                        embedder="hashing")
    try:
        obs, infos = envs.reset(seed=seeds)
        agents = [HeuristicAgent() for _ in range(N)]
        for seed, agent in zip(seeds, agents, strict=True):
            agent.reset(TaskInfo("AgeMem-Stage3-v0", "text", seed))
        totals, done = np.zeros(N), np.zeros(N, dtype=bool)
        while not done.all():
            actions = []
            for i, agent in enumerate(agents):
                slot_obs = {k: v[i] for k, v in obs.items()}
                slot_info = _slot(infos, i)
                actions.append("<answer>idle</answer>" if done[i]
                               else agent.act(slot_obs, slot_info))
            obs, rewards, terminated, truncated, infos = envs.step(actions)
            totals += np.where(done, 0.0, rewards)
            done |= terminated | truncated
        # Every slot's info has one shape: judged answers, floats in reward_terms.
        assert infos["judge"]["judged"].dtype == bool
        assert infos["reward_terms"]["total"].dtype == np.float64
    finally:
        envs.close()
    assert totals.tolist() == pytest.approx(_single_returns(seeds))


def _slot(infos: dict, i: int) -> dict:
    """Slot i's info out of the vector env's merged one (arrays and nested dicts)."""
    out = {}
    for key, value in infos.items():
        if key.startswith("_"):
            continue
        out[key] = _slot(value, i) if isinstance(value, dict) else value[i]
        if isinstance(out[key], np.generic):
            out[key] = out[key].item()
    return out


def test_the_text_action_space_admits_unicode() -> None:
    env = gym.make("AgeMem-Stage3-v0", embedder="hashing")
    assert env.action_space.contains("<answer>Beyoncé 北京</answer>")
    assert not env.action_space.contains(b"<answer>x</answer>")
    assert env.action_space.contains(env.action_space.sample())
