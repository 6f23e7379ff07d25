"""The LLM policy (SmolLM2-135M + LoRA) under the GRPO trainer, on the CPU.

Short prompts (the last 96 tokens of the chat) and 6-token completions keep two updates
to well under two minutes; the math is the same as at full length.
"""

from __future__ import annotations

import gymnasium as gym
import pytest
import torch

import agemem_env  # noqa: F401
from agents.grpo.config import GRPOConfig
from agents.grpo.policy import cat_samples, read_policy_file
from agents.grpo.trainer import GRPOTrainer, play_episode

pytest.importorskip("peft")
pytest.importorskip("transformers")
pytestmark = pytest.mark.slow

FAST = {"rounds_per_stage": 1}


def smollm2_or_skip():
    from agents.llm import smollm2

    try:
        smollm2.gguf_path()
    except (ImportError, FileNotFoundError) as err:
        pytest.skip(f"SmolLM2 is not installed: {err}")


@pytest.fixture(scope="module")
def policy():
    smollm2_or_skip()
    from agents.grpo.llm_policy import LLMConfig, LLMPolicy

    return LLMPolicy(LLMConfig(max_new_tokens=6, max_prompt_tokens=96, device="cpu"))


class LengthBonus(gym.Wrapper):
    """Adds 0.01 per completion character, so two rollouts of a group differ in reward
    (SmolLM2's short completions would otherwise all earn the same format penalty)."""

    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        return obs, reward + 0.01 * len(action), terminated, truncated, info


def test_recomputed_logprobs_equal_the_sampled_ones(policy):
    env = gym.make("AgeMem-Stage1-v0", embedder="hashing", **FAST)
    rollout = play_episode(env, policy, 3, torch.Generator().manual_seed(0))
    sample = rollout.samples[0]
    prompt, completion, _ = sample.payload
    assert len(prompt) <= 96 and 1 <= len(completion) == sample.tokens <= 6
    scored = policy.score(rollout.samples)
    assert scored.logp.requires_grad
    torch.testing.assert_close(scored.logp.detach(), cat_samples(rollout.samples),
                               atol=1e-4, rtol=1e-4)
    # Untrained adapters (B = 0): the reference is the same model.
    torch.testing.assert_close(policy.reference_logprobs(rollout.samples),
                               scored.logp.detach(), atol=1e-4, rtol=1e-4)


def test_two_updates_change_lora_only_and_reload(policy, tmp_path):
    lora = {n: p.detach().clone() for n, p in policy.model.named_parameters() if p.requires_grad}
    base = {n: p.detach().clone() for n, p in policy.model.named_parameters()
            if not p.requires_grad and n.endswith("q_proj.base_layer.weight")}
    assert lora and base and all("lora_" in n for n in lora)
    config = GRPOConfig(env_id="AgeMem-Stage1-v0", env_kwargs=FAST, steps=2, tasks_per_update=1,
                        group_size=2, micro_batch=1, lr=1e-3, progress=False)
    records = GRPOTrainer(policy, config, tmp_path, env_wrapper=LengthBonus).train()
    assert len(records) == 2
    assert all(torch.isfinite(torch.tensor(r["loss/total"])) for r in records)
    assert records[0]["rollout/tokens"] > 0 and records[0]["loss/adv_abs"] > 0
    now = dict(policy.model.named_parameters())
    assert any(not torch.equal(now[n].detach(), v) for n, v in lora.items())
    assert all(torch.equal(now[n].detach(), v) for n, v in base.items())
    # Reload the checkpoint into the same model (a second SmolLM2 load costs ~20 s).
    trained = {n: p.detach().clone() for n, p in now.items() if p.requires_grad}
    with torch.no_grad():
        for param in policy.trainable_parameters():
            param.zero_()
    policy.load_weights(tmp_path / "checkpoint" / "policy")
    for name, value in trained.items():
        torch.testing.assert_close(now[name].detach(), value)
    assert read_policy_file(tmp_path / "checkpoint" / "policy")[0] == "llm"


def test_constrained_sampling_is_scored_under_the_same_constraint():
    from agemem_env.actions.text import parse_completion
    from agents.grpo.llm_policy import LLMConfig, LLMPolicy

    pytest.importorskip("llguidance")
    smollm2_or_skip()
    constrained = LLMPolicy(LLMConfig(max_new_tokens=48, max_prompt_tokens=96, device="cpu",
                                      constrained=True))
    env = gym.make("AgeMem-Stage1-v0", embedder="hashing", **FAST)
    obs, info = env.reset(seed=3)
    pairs = constrained.act_batch([obs, obs], [info, info],
                                  [torch.Generator().manual_seed(s) for s in (0, 1)])
    samples = [sample for _, sample in pairs]
    for text, _ in pairs:
        assert parse_completion(text).errors == ()  # the grammar leaves no format error
    recorded = cat_samples(samples)
    assert (recorded < 0).any()  # some tokens were free choices, not all forced
    torch.testing.assert_close(constrained.score(samples).logp.detach(), recorded,
                               atol=1e-4, rtol=1e-4)
    # Unconstrained scoring of the same tokens gives other numbers: the mask matters.
    free = [type(s)(s.logp, s.tokens, s.payload._replace(constraint_budget=None))
            for s in samples]
    assert not torch.allclose(constrained.score(free).logp.detach(), recorded, atol=1e-3)
