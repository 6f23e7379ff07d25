"""Stable-Baselines3 PPO learns to manage memory in AgeMem-Stage3-v0.

    pip install "agemem-gym[sb3]"
    python examples/sb3_ppo.py --total-timesteps 100000 --seed 0

The env speaks chat; three wrappers make it arrays SB3 accepts:

* ``FlatToolAction``: the policy outputs ``MultiDiscrete([verb, target, top_k])`` and the
  wrapper builds the valid tool call (add the newest turn, update or delete a listed
  memory, retrieve with the question, filter, summarise, answer, wait). The answer is
  read from the retrieved memories by ``agents.reader.answer_question``.
* ``FeatureObservation``: stage, round, context fill, memory count, scores of the listed
  memories, their similarity to the question, and hashed embeddings of the newest turn
  and of the question, as one float vector (memory ids and scores come from ``info``).
* ``SeedCycle``: training episodes use seeds below ``HELD_OUT``; the evaluation plays
  the held-out seeds ``HELD_OUT, HELD_OUT + 1, ...``, which training never sees.

The reward is the env's default preset unless ``--reward-preset`` names another.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import gymnasium as gym
import numpy as np
import torch
from stable_baselines3 import PPO
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.vec_env import DummyVecEnv

import agemem_env  # noqa: F401  (registers the env ids)
from agemem_env.wrappers import (
    FeatureObservation,
    FlatToolAction,
    SeedCycle,
    held_out_results,
    play_seeds,
)
from agents.reader import answer_question

ENV_ID = "AgeMem-Stage3-v0"
HELD_OUT = 1_000_000  # first held-out seed; training seeds are all below it


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line: budget, seed, evaluation size, reward preset, output file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total-timesteps", type=int, default=100_000, help="env steps")
    parser.add_argument("--seed", type=int, default=0, help="seed of the policy and sampling")
    parser.add_argument("--num-envs", type=int, default=4, help="envs stepped together")
    parser.add_argument("--eval-episodes", type=int, default=200, help="held-out episodes")
    parser.add_argument("--reward-preset", default=None, help="default: the env's")
    parser.add_argument("--out", type=Path, default=None, help="write the results as JSON")
    args = parser.parse_args(argv)
    if args.total_timesteps < 1 or args.num_envs < 1 or args.eval_episodes < 0:
        parser.error("--total-timesteps and --num-envs must be >= 1, --eval-episodes >= 0")
    return args


def make_env(reward_preset: str | None, train_seeds: range | None = None) -> gym.Env:
    """The wrapped env: hashing embedder (fast), structured actions, arrays out."""
    kwargs = {"embedder": "hashing", "action_mode": "structured"}
    if reward_preset is not None:
        kwargs["reward_preset"] = reward_preset
    env = gym.make(ENV_ID, **kwargs)
    if train_seeds is not None:
        env = SeedCycle(env, train_seeds)
    return FeatureObservation(FlatToolAction(env, answer_fn=answer_question))


class Curve(BaseCallback):
    """The learning curve: mean return of the last 20 finished episodes, per rollout."""

    def __init__(self):
        super().__init__()
        self.points: list[tuple[int, float]] = []

    def _on_step(self) -> bool:
        return True

    def _on_rollout_end(self) -> None:
        returns = [ep["r"] for ep in self.model.ep_info_buffer][-20:]
        if returns:
            self.points.append((self.num_timesteps, float(np.mean(returns))))


def make_model(args: argparse.Namespace) -> PPO:
    """PPO over ``num_envs`` envs, each cycling its own slice of the training seeds;
    ``Monitor`` records the episode returns the curve reads."""
    torch.set_num_threads(1)  # a small MLP: more threads only contend with the envs
    n = args.num_envs
    envs = DummyVecEnv([
        (lambda i=i: Monitor(make_env(args.reward_preset, range(i, HELD_OUT, n))))
        for i in range(n)
    ])
    return PPO("MlpPolicy", envs, n_steps=256, batch_size=256, n_epochs=4,
               learning_rate=3e-4, gamma=0.99, ent_coef=0.01, seed=args.seed, verbose=0,
               device="cpu")


def train(args: argparse.Namespace) -> tuple[PPO, list[tuple[int, float]]]:
    """Learn for ``total_timesteps``; returns the model and its learning curve."""
    model, curve = make_model(args), Curve()
    model.learn(total_timesteps=args.total_timesteps, callback=curve)
    return model, curve.points


def main(argv: list[str] | None = None) -> dict:
    """Train, evaluate greedily on the held-out seeds, print (and maybe write) results."""
    args = parse_args(argv)
    start = time.perf_counter()
    model, curve = train(args)
    train_seconds = time.perf_counter() - start

    def policy(obs, info):
        return model.predict(obs, deterministic=True)[0]

    scores = play_seeds(make_env(args.reward_preset), policy,
                        range(HELD_OUT, HELD_OUT + args.eval_episodes))
    results = held_out_results("sb3-ppo", scores, total_timesteps=args.total_timesteps,
                               seed=args.seed, train_seconds=train_seconds, curve=curve)
    if scores:
        print(f"sb3-ppo: held-out return {results['mean_return']:.3f}, answer F1 "
              f"{results['mean_answer_f1']:.3f} over {len(scores)} seeds; trained "
              f"{train_seconds:.0f}s")
    if args.out is not None:
        args.out.write_text(json.dumps(results))
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
