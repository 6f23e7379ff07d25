"""Step-wise GRPO (AgeMem paper, Sec. 3.3) for any policy that follows ``policy.Policy``.

Each update: for each of B seeded tasks, K rollouts of the same episode; each
trajectory's terminal reward is normalised within its group; that advantage is broadcast
to every scored unit of every step of every stage; the clipped surrogate plus a k3 KL to
the frozen reference is minimised with AdamW, gradients accumulated over micro-batches.

Output folder: ``config.json``, ``metrics.jsonl`` (one line per update),
``learning_curve.png`` and ``checkpoint/`` (``policy/``, ``optimizer.pt``, ``state.json``),
which ``--resume`` continues from and ``grpo:DIR`` loads.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from tqdm import tqdm

import agemem_env  # noqa: F401  (registers the ids)
from agents.grpo.algorithms import broadcast_to_units, compute_advantages, grpo_loss
from agents.grpo.config import GRPOConfig
from agents.grpo.metrics import (
    append_jsonl,
    keep_before,
    plot_learning_curve,
    read_jsonl,
    rollout_metrics,
)
from agents.grpo.policy import Policy, StepSample, cat_samples
from agents.protocol import TaskInfo

logger = logging.getLogger(__name__)
CHECKPOINT = "checkpoint"


@dataclass
class Rollout:
    """One finished episode: its step samples, return and last info."""

    samples: list[StepSample]
    reward: float
    info: dict[str, Any]

    @property
    def n_units(self) -> int:
        return sum(s.n_units for s in self.samples)


def play_episode(env: gym.Env, policy: Policy, seed: int, generator: torch.Generator,
                 options: dict[str, Any] | None = None) -> Rollout:
    """One episode sampled from ``policy`` on ``env`` reset with ``seed``."""
    obs, info = env.reset(seed=seed, options=options)
    policy.reset(TaskInfo(env.spec.id if env.spec else "", env.unwrapped.action_mode, seed))
    samples, total, done = [], 0.0, False
    while not done:
        action, sample = policy.act(obs, info, generator=generator)
        samples.append(sample)
        obs, reward, terminated, truncated, info = env.step(action)
        total += float(reward)  # terminal mode: only the last is non-zero; dense: sums to it
        done = terminated or truncated
    return Rollout(samples, total, info)


def play_episodes(envs: list[gym.Env], policy: Any, seeds: list[int],
                  generators: list[torch.Generator],
                  options: list[dict[str, Any] | None]) -> list[Rollout]:
    """Episodes i = 0..n-1 on ``envs[i]`` in lockstep: each step, every unfinished
    episode's observation goes to ``policy.act_batch`` together (batched generation).

    Episode i samples with ``generators[i]`` throughout, as ``play_episode`` would.
    """
    observations, infos = [], []
    for env, seed, option in zip(envs, seeds, options, strict=True):
        obs, info = env.reset(seed=seed, options=option)
        policy.reset(TaskInfo(env.spec.id if env.spec else "", env.unwrapped.action_mode, seed))
        observations.append(obs)
        infos.append(info)
    samples: list[list[StepSample]] = [[] for _ in envs]
    totals = [0.0] * len(envs)
    live = list(range(len(envs)))
    while live:
        acted = policy.act_batch([observations[i] for i in live], [infos[i] for i in live],
                                 [generators[i] for i in live])
        still = []
        for i, (action, sample) in zip(live, acted, strict=True):
            samples[i].append(sample)
            observations[i], reward, terminated, truncated, infos[i] = envs[i].step(action)
            totals[i] += float(reward)
            if not (terminated or truncated):
                still.append(i)
        live = still
    return [Rollout(samples[i], totals[i], infos[i]) for i in range(len(envs))]


class GRPOTrainer:
    """The loop: rollout, advantages, loss, update, log, checkpoint.

    Args:
        policy: A ``Policy`` (structured or LLM).
        config: The run's ``GRPOConfig``.
        out: Output folder (created).
        resume: Continue from ``out/checkpoint`` when it exists.
        env_wrapper: Applied to every env the trainer makes (a reward probe, a logger).
    """

    def __init__(self, policy: Policy, config: GRPOConfig, out: str | Path, resume: bool = False,
                 env_wrapper: Callable[[gym.Env], gym.Env] | None = None):
        self.policy, self.config, self.out = policy, config, Path(out)
        self.env_wrapper = env_wrapper
        self.out.mkdir(parents=True, exist_ok=True)
        params = [p for p in policy.trainable_parameters() if p.requires_grad]
        if not params:
            raise ValueError("the policy has no trainable parameters")
        self.params = params
        self.optimizer = torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
        self.update = 0
        self._envs: dict[str, list[gym.Env]] = {}
        self._tasks: list[Any] | None = None
        torch.manual_seed(config.seed)
        if resume and (self.out / CHECKPOINT / "state.json").is_file():
            self.load_checkpoint()
        (self.out / "config.json").write_text(json.dumps(asdict(config), indent=2))

    # ----------------------------------------------------------------- the loop
    def train(self) -> list[dict[str, Any]]:
        """Run the remaining updates; returns their metric records."""
        cfg, metrics_path = self.config, self.out / "metrics.jsonl"
        keep_before(metrics_path, self.update)
        records = []
        bar = tqdm(total=cfg.steps, initial=self.update, desc="grpo", unit="update",
                   disable=not cfg.progress)
        with bar:
            while self.update < cfg.steps:
                start = time.perf_counter()
                env_id = cfg.env_for_update(self.update)
                groups = self.rollout(env_id)
                rollout_seconds = time.perf_counter() - start
                record = {"update": self.update, "env": env_id,
                          **self.learn(groups), **self._rollout_metrics(groups),
                          "time/rollout_seconds": rollout_seconds,
                          "time/seconds": time.perf_counter() - start}
                self._report(bar, record, groups)
                append_jsonl(metrics_path, record)
                records.append(record)
                self.update += 1
                if self.update % cfg.checkpoint_every == 0 or self.update == cfg.steps:
                    self.save_checkpoint()
                    plot_learning_curve(read_jsonl(metrics_path), self.out / "learning_curve.png")
                bar.set_postfix(reward=f"{record['rollout/reward']:.3f}",
                                kl=f"{record['loss/kl']:.4f}")
                bar.update(1)
        self.close()
        return records

    def rollout(self, env_id: str) -> list[list[Rollout]]:
        """B groups of K episodes, group b on task seed ``task_seed_start + update*B + b``.

        A policy with ``act_batch`` (the LLM policy) plays all B*K episodes of the update
        in lockstep, its generations batched; others play them one after another.
        """
        cfg = self.config
        self.policy.train(False)
        seeds, generators, options = [], [], []
        for b in range(cfg.tasks_per_update):
            task_seed = cfg.task_seed_start + self.update * cfg.tasks_per_update + b
            for k in range(cfg.group_size):
                # Seeded per (run, update, group, member): resume replays the same samples.
                entropy = np.random.SeedSequence([cfg.seed, self.update, b, k]).generate_state(1)
                generators.append(torch.Generator().manual_seed(int(entropy[0])))
                seeds.append(task_seed)
                options.append(self._options(task_seed))
        if hasattr(self.policy, "act_batch"):
            episodes = play_episodes(self._env_pool(env_id, len(seeds)), self.policy, seeds,
                                     generators, options)
        else:
            env = self._env_pool(env_id, 1)[0]
            episodes = [play_episode(env, self.policy, seed, generator, option)
                        for seed, generator, option in zip(seeds, generators, options,
                                                           strict=True)]
        k = cfg.group_size
        return [episodes[b * k:(b + 1) * k] for b in range(cfg.tasks_per_update)]

    def learn(self, groups: list[list[Rollout]]) -> dict[str, float]:
        """Advantages, then ``epochs`` passes of accumulated micro-batch gradients."""
        cfg = self.config
        rewards = torch.tensor([[r.reward for r in g] for g in groups], dtype=torch.float32)
        advantages = compute_advantages(rewards, cfg.advantage, cfg.adv_eps).reshape(-1)
        episodes = [r for g in groups for r in g]
        n_units = sum(r.n_units for r in episodes)
        n_steps = sum(len(r.samples) for r in episodes)
        batches = [range(i, min(i + cfg.micro_batch, len(episodes)))
                   for i in range(0, len(episodes), cfg.micro_batch)]
        old: dict[int, torch.Tensor] = {}
        sums = {"loss": 0.0, "kl": 0.0, "clip": 0.0, "entropy": 0.0, "mismatch": 0.0}
        self.policy.train(True)
        for epoch in range(cfg.epochs):
            grad_norm = self._pass(episodes, advantages, batches, old, sums, epoch,
                                   n_units, n_steps)
        self.policy.train(False)
        units = max(1, n_units * cfg.epochs)
        return {
            "loss/total": sums["loss"] / cfg.epochs,
            "loss/kl": sums["kl"] / units,
            "loss/clip_fraction": sums["clip"] / units,
            "loss/entropy": sums["entropy"] / units,
            "loss/logp_mismatch": sums["mismatch"] / max(1, n_units),
            "loss/grad_norm": grad_norm,
            "loss/adv_abs": float(advantages.abs().mean()),
        }

    def _pass(self, episodes: list[Rollout], advantages: torch.Tensor, batches: list[range],
              old: dict[int, torch.Tensor], sums: dict[str, float], epoch: int,
              n_units: int, n_steps: int) -> float:
        """One epoch: backward on each micro-batch (summing to the full-batch loss), then
        one optimiser step."""
        cfg = self.config
        step_offset = 0
        for index, batch in enumerate(batches):
            chosen = [episodes[i] for i in batch]
            samples = [s for r in chosen for s in r.samples]
            # The trajectory's advantage reaches every step, then every unit of the step.
            per_step = broadcast_to_units(advantages[list(batch)],
                                          [len(r.samples) for r in chosen])
            adv = broadcast_to_units(per_step, [s.n_units for s in samples])
            step_ids = broadcast_to_units(torch.arange(len(samples), dtype=torch.float32)
                                          + step_offset, [s.n_units for s in samples]).long()
            step_offset += len(samples)
            scored = self.policy.score(samples)
            device = scored.logp.device
            if epoch == 0:
                # Old log-probs from this forward pass (same weights as at sampling): the
                # first epoch's ratio is exactly 1, whatever the sampler's numerics.
                old[index] = scored.logp.detach()
                sums["mismatch"] += float((cat_samples(samples).to(device)
                                           - old[index]).abs().sum())
            ref = self.policy.reference_logprobs(samples).to(device)
            loss, parts = grpo_loss(
                scored.logp, old[index], ref, adv.to(device), step_ids.to(device),
                clip_eps=cfg.clip_eps, kl_coef=cfg.kl_coef, mode=cfg.loss_agg,
                n_tokens=n_units, n_steps=n_steps,
            )
            loss.backward()
            sums["loss"] += float(loss.detach())
            sums["kl"] += float(parts["kl"].sum())
            sums["clip"] += float(parts["clipped"].float().sum())
            sums["entropy"] += float(scored.entropy.sum())
        grad_norm = torch.nn.utils.clip_grad_norm_(
            self.params, cfg.max_grad_norm if cfg.max_grad_norm > 0 else float("inf"))
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        return float(grad_norm)

    # ----------------------------------------------------------------- helpers
    def _env_pool(self, env_id: str, n: int) -> list[gym.Env]:
        """``n`` envs of one id (made on first use, kept), in the policy's action mode."""
        cfg, pool = self.config, self._envs.setdefault(env_id, [])
        while len(pool) < n:
            tasks: Any = cfg.tasks
            if cfg.tasks != "synthetic":
                tasks = self._dataset()
            env = gym.make(
                env_id, tasks=tasks, embedder=cfg.embedder, reward_preset=cfg.reward_preset,
                action_mode=self.policy.action_mode, **cfg.env_kwargs)
            pool.append(self.env_wrapper(env) if self.env_wrapper else env)
        return pool[:n]

    def _report(self, bar: Any, record: dict[str, Any], groups: list[list[Rollout]]) -> None:
        """One line per update: what the rollouts cost and earned."""
        episodes = [r for g in groups for r in g]
        line = (f"update {record['update'] + 1}/{self.config.steps}: {len(episodes)} rollouts, "
                f"{sum(len(r.samples) for r in episodes)} steps, "
                f"{sum(s.tokens for r in episodes for s in r.samples)} tokens; rollout "
                f"{record['time/rollout_seconds']:.1f}s, update {record['time/seconds']:.1f}s; "
                f"reward {record['rollout/reward']:.3f}")
        if self.config.progress:
            bar.write(line)
        else:
            logger.info(line)

    def _dataset(self) -> list[Any]:
        if self._tasks is None:
            from agemem_env.tasks import load_tasks

            self._tasks = list(load_tasks(self.config.tasks, path=self.config.tasks_path))
        return self._tasks

    def _options(self, task_seed: int) -> dict[str, Any] | None:
        """Dataset sources: the task seed picks a task index; synthetic: the seed makes one."""
        if self.config.tasks == "synthetic":
            return None
        return {"task_index": task_seed % len(self._dataset())}

    @staticmethod
    def _rollout_metrics(groups: list[list[Rollout]]) -> dict[str, float]:
        episodes = [r for g in groups for r in g]
        return rollout_metrics([r.reward for r in episodes], [r.info for r in episodes],
                               [len(r.samples) for r in episodes],
                               [sum(s.tokens for s in r.samples) for r in episodes])

    def close(self) -> None:
        """Close the envs."""
        for pool in self._envs.values():
            for env in pool:
                env.close()
        self._envs.clear()

    # ----------------------------------------------------------------- checkpoints
    def save_checkpoint(self) -> Path:
        """Write ``checkpoint/`` atomically: a crash mid-save leaves the previous one."""
        final = self.out / CHECKPOINT
        staging = self.out / f".{CHECKPOINT}.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        self.policy.save(staging / "policy")
        torch.save(self.optimizer.state_dict(), staging / "optimizer.pt")
        (staging / "state.json").write_text(json.dumps({"update": self.update}))
        old = self.out / f".{CHECKPOINT}.old"
        shutil.rmtree(old, ignore_errors=True)
        if final.exists():
            os.replace(final, old)
        os.replace(staging, final)
        shutil.rmtree(old, ignore_errors=True)
        return final

    def load_checkpoint(self) -> None:
        """Policy weights, optimiser state and the update counter from ``checkpoint/``."""
        folder = self.out / CHECKPOINT
        state = json.loads((folder / "state.json").read_text())
        self.policy.load_weights(folder / "policy")
        self.optimizer.load_state_dict(torch.load(folder / "optimizer.pt", weights_only=True))
        self.update = int(state["update"])
        logger.info("resumed from %s at update %d", folder, self.update)
