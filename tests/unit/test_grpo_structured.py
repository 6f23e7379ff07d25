"""The structured policy with the GRPO trainer: log-probs, training, determinism,
checkpoints, the ``grpo:DIR`` agent and ``agemem train grpo``."""

from __future__ import annotations

import json

import gymnasium as gym
import numpy as np
import pytest
import torch
from typer.testing import CliRunner

import agemem_env  # noqa: F401
from agents.grpo.agent import GRPOAgent, load_agent
from agents.grpo.config import GRPOConfig
from agents.grpo.policy import cat_samples
from agents.grpo.structured import StructuredConfig, StructuredPolicy, parameter_vector
from agents.grpo.trainer import GRPOTrainer, play_episode
from agents.registry import make_agent
from agents.runner import run_episodes

# Short episodes keep every test to seconds.
FAST = {"rounds_per_stage": 2}


def tiny_config(**overrides) -> GRPOConfig:
    base = dict(steps=2, tasks_per_update=1, group_size=3, env_kwargs=FAST, progress=False,
                lr=0.05, checkpoint_every=1)
    return GRPOConfig(**{**base, **overrides})


def structured_env(env_id: str = "AgeMem-Stage3-v0") -> gym.Env:
    return gym.make(env_id, embedder="hashing", action_mode="structured", **FAST)


def test_recomputed_logprobs_equal_the_sampled_ones():
    policy = StructuredPolicy(StructuredConfig(init_seed=3))
    with torch.no_grad():  # non-uniform weights, so the check is not trivially 0 == 0
        for p in policy.net.parameters():
            p.add_(0.3 * torch.randn_like(p))
    rollout = play_episode(structured_env(), policy, 7, torch.Generator().manual_seed(0))
    scored = policy.score(rollout.samples)
    assert scored.logp.requires_grad
    assert torch.allclose(scored.logp, cat_samples(rollout.samples), atol=1e-6)
    assert float(scored.logp.detach().exp().max()) < 1.0  # real choices, not single options
    ref = policy.reference_logprobs(rollout.samples)
    assert not torch.allclose(ref, scored.logp)  # the reference kept the initial weights


def test_every_action_is_valid_in_structured_mode():
    env, policy = structured_env(), StructuredPolicy()
    rollout = play_episode(env, policy, 11, torch.Generator().manual_seed(1))
    assert rollout.info["parse_errors"] == 0
    assert rollout.info["stage"] == 3 and rollout.samples


def test_training_moves_parameters_logs_metrics_and_is_deterministic(tmp_path):
    runs = []
    for name in ("a", "b"):
        policy = StructuredPolicy()
        before = parameter_vector(policy)
        records = GRPOTrainer(policy, tiny_config(), tmp_path / name).train()
        runs.append((parameter_vector(policy), records))
        assert not np.allclose(before, runs[-1][0])
    (params_a, rec_a), (params_b, rec_b) = runs
    np.testing.assert_array_equal(params_a, params_b)
    strip = [{k: v for k, v in r.items() if not k.startswith("time/")} for r in rec_a]
    assert strip == [{k: v for k, v in r.items() if not k.startswith("time/")} for r in rec_b]
    logged = [json.loads(x) for x in (tmp_path / "a" / "metrics.jsonl").read_text().splitlines()]
    assert [r["update"] for r in logged] == [0, 1]
    for key in ("rollout/reward", "terms/task", "terms/memory", "tools/Add_memory",
                "answer/f1", "memory/f1", "loss/kl", "loss/clip_fraction", "loss/entropy"):
        assert key in logged[0] and np.isfinite(logged[0][key])
    assert logged[0]["loss/logp_mismatch"] < 1e-5
    assert (tmp_path / "a" / "learning_curve.png").stat().st_size > 0


def test_other_seed_other_run(tmp_path):
    a, b = StructuredPolicy(), StructuredPolicy()
    GRPOTrainer(a, tiny_config(steps=1), tmp_path / "a").train()
    GRPOTrainer(b, tiny_config(steps=1, seed=1), tmp_path / "b").train()
    assert not np.allclose(parameter_vector(a), parameter_vector(b))


def test_resume_continues_to_the_same_weights(tmp_path):
    straight = StructuredPolicy()
    GRPOTrainer(straight, tiny_config(steps=3, epochs=2), tmp_path / "straight").train()
    GRPOTrainer(StructuredPolicy(), tiny_config(steps=1, epochs=2), tmp_path / "r").train()
    resumed = StructuredPolicy()
    trainer = GRPOTrainer(resumed, tiny_config(steps=3, epochs=2), tmp_path / "r", resume=True)
    assert trainer.update == 1
    trainer.train()
    np.testing.assert_allclose(parameter_vector(resumed), parameter_vector(straight), atol=1e-6)
    lines = (tmp_path / "r" / "metrics.jsonl").read_text().splitlines()
    updates = [json.loads(x)["update"] for x in lines]
    assert updates == [0, 1, 2]


def test_checkpoint_round_trip_and_the_grpo_agent(tmp_path):
    policy = StructuredPolicy()
    GRPOTrainer(policy, tiny_config(steps=1), tmp_path).train()
    agent = make_agent(f"grpo:{tmp_path}")
    assert isinstance(agent, GRPOAgent) and agent.action_mode == "structured"
    np.testing.assert_array_equal(parameter_vector(agent.policy), parameter_vector(policy))
    # The runner makes structured envs for it although env_kwargs do not say so.
    records = run_episodes("AgeMem-Stage3-v0", lambda: load_agent(str(tmp_path)), episodes=2,
                           env_kwargs={"embedder": "hashing", **FAST}, progress=False)
    assert [r.error for r in records] == [None, None]
    assert all(r.parse_errors == 0 for r in records)
    with pytest.raises(ValueError, match="acts in 'structured' mode"):
        run_episodes("AgeMem-Stage3-v0", lambda: load_agent(str(tmp_path)), episodes=1,
                     env_kwargs={"embedder": "hashing", "action_mode": "text"}, progress=False)
    with pytest.raises(FileNotFoundError, match="no trained policy"):
        load_agent(str(tmp_path / "missing"))


def test_curriculum_climbs_the_stages(tmp_path):
    records = GRPOTrainer(StructuredPolicy(), tiny_config(steps=4, curriculum=True),
                          tmp_path).train()
    assert [r["env"][-4] for r in records] == ["1", "2", "3", "3"]
    assert "answer/f1" not in records[0] and "answer/f1" in records[-1]


@pytest.mark.parametrize("bad, message", [
    ({"group_size": 1}, "group_size must be >= 2"),
    ({"loss_agg": "sum"}, "loss_agg must be one of"),
    ({"reward_preset": "nope"}, "reward_preset must be one of"),
    ({"env_id": "CartPole-v1"}, "env_id must be one of"),
    ({"env_kwargs": {"action_mode": "text"}}, "must not set 'action_mode'"),
])
def test_bad_config_names_the_field(bad, message):
    with pytest.raises(ValueError, match=message):
        GRPOConfig(**bad)


def test_train_cli_writes_a_loadable_run(tmp_path):
    from leaderboard.main import app

    out = tmp_path / "run"
    args = ["train", "grpo", "--policy", "structured", "--steps", "1", "--group-size", "2",
            "--tasks-per-update", "1", "--rounds-per-stage", "2", "--preset", "answer_only",
            "--out", str(out), "--no-progress"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (out / "checkpoint" / "policy" / "policy.json").is_file()
    assert json.loads((out / "config.json").read_text())["reward_preset"] == "answer_only"
    bad = CliRunner().invoke(app, ["train", "grpo", "--policy", "nope", "--out", str(out)])
    assert bad.exit_code == 2 and "error: --policy must be" in bad.output
