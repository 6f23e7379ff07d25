"""The two PPO examples run end to end for a short budget and their policies learn."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import torch

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cleanrl_loop_updates_the_policy_and_scores_held_out_seeds(tmp_path):
    cleanrl = load("cleanrl_ppo")
    args = cleanrl.parse_args(["--total-timesteps", "256", "--num-envs", "2",
                               "--num-steps", "64", "--seed", "3"])
    agent, curve = cleanrl.train(args)
    torch.manual_seed(3)
    initial = cleanrl.Agent(agent.actor[0].in_features, agent.actor[-1].out_features)
    moved = [not torch.equal(a, b) for a, b in zip(agent.parameters(), initial.parameters(),
                                                   strict=True)]
    assert all(moved) and curve and curve[-1][0] == 256
    out = tmp_path / "cleanrl.json"
    results = cleanrl.main(["--total-timesteps", "256", "--num-envs", "2", "--num-steps", "64",
                            "--eval-episodes", "3", "--out", str(out)])
    assert json.loads(out.read_text()) == json.loads(json.dumps(results))
    assert [h["seed"] for h in results["held_out"]] == [cleanrl.HELD_OUT + i for i in range(3)]


def test_gae_bootstraps_until_an_episode_ends():
    cleanrl = load("cleanrl_ppo")
    rewards = torch.tensor([[0.0], [1.0], [0.0]])
    values = torch.zeros(3, 1)
    dones = torch.tensor([[0.0], [0.0], [1.0]])  # step 2 starts a new episode
    adv, returns = cleanrl.compute_gae(rewards, values, dones, torch.tensor([5.0]),
                                       torch.tensor([0.0]), gamma=0.5, lam=1.0)
    assert adv[:, 0].tolist() == [0.5, 1.0, 2.5]  # nothing flows back across the reset
    assert torch.equal(returns, adv)


def test_sb3_ppo_learns_for_a_few_hundred_steps():
    pytest.importorskip("stable_baselines3")
    sb3 = load("sb3_ppo")
    model = sb3.make_model(sb3.parse_args(["--num-envs", "2", "--seed", "1"]))
    before = torch.nn.utils.parameters_to_vector(model.policy.parameters()).clone()
    curve = sb3.Curve()
    model.learn(total_timesteps=512, callback=curve)
    after = torch.nn.utils.parameters_to_vector(model.policy.parameters())
    assert model.num_timesteps >= 512 and curve.points
    assert "train/loss" in model.logger.name_to_value and not torch.equal(before, after)
    results = sb3.main(["--total-timesteps", "256", "--num-envs", "2", "--eval-episodes", "2"])
    assert len(results["held_out"]) == 2
