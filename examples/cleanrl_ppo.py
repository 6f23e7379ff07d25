"""A CleanRL-style PPO loop in plain torch learns to manage memory in AgeMem-Stage3-v0.

    python examples/cleanrl_ppo.py --total-timesteps 100000 --seed 0

One file, read top to bottom: the arguments, the wrapped env, the actor-critic, then the
loop (rollout, advantages, loss, update, log), after CleanRL's ``ppo.py``; no project
trainer. The policy picks from ``FlatToolAction``'s ``Discrete`` menu (18 moves: add /
filter / update / delete with a target, retrieve with a top_k, summarise, answer, wait)
and reads ``FeatureObservation``'s float vector. Training resets use seeds below
``HELD_OUT`` (``SeedCycle``); the evaluation plays held-out seeds from ``HELD_OUT`` on.
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
from torch import nn
from torch.distributions import Categorical

import agemem_env  # noqa: F401  (registers the env ids)
from agemem_env.wrappers import (
    FeatureObservation,
    FlatToolAction,
    NumericInfo,
    SeedCycle,
    held_out_results,
    play_seeds,
)
from agents.reader import answer_question

ENV_ID = "AgeMem-Stage3-v0"
HELD_OUT = 1_000_000  # first held-out seed; training seeds are all below it


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line; each PPO setting is CleanRL's name for it."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--total-timesteps", type=int, default=100_000, help="env steps")
    p.add_argument("--seed", type=int, default=0, help="seed of torch and sampling")
    p.add_argument("--num-envs", type=int, default=4, help="envs stepped together")
    p.add_argument("--num-steps", type=int, default=128, help="steps per env per rollout")
    p.add_argument("--learning-rate", type=float, default=3e-4)
    p.add_argument("--gamma", type=float, default=0.99, help="discount")
    p.add_argument("--gae-lambda", type=float, default=0.95)
    p.add_argument("--num-minibatches", type=int, default=4)
    p.add_argument("--update-epochs", type=int, default=4)
    p.add_argument("--clip-coef", type=float, default=0.2)
    p.add_argument("--ent-coef", type=float, default=0.01)
    p.add_argument("--vf-coef", type=float, default=0.5)
    p.add_argument("--max-grad-norm", type=float, default=0.5)
    p.add_argument("--eval-episodes", type=int, default=200, help="held-out episodes")
    p.add_argument("--reward-preset", default=None, help="default: the env's")
    p.add_argument("--out", type=Path, default=None, help="write the results as JSON")
    args = p.parse_args(argv)
    if min(args.total_timesteps, args.num_envs, args.num_steps, args.num_minibatches) < 1:
        p.error("--total-timesteps, --num-envs, --num-steps, --num-minibatches must be >= 1")
    return args


def make_env(reward_preset: str | None, train_seeds: range | None = None) -> gym.Env:
    """The wrapped env: hashing embedder (fast), structured actions, arrays out."""
    kwargs = {"embedder": "hashing", "action_mode": "structured"}
    if reward_preset is not None:
        kwargs["reward_preset"] = reward_preset
    env = gym.make(ENV_ID, **kwargs)
    if train_seeds is not None:
        env = SeedCycle(env, train_seeds)
    return FeatureObservation(FlatToolAction(env, discrete=True, answer_fn=answer_question))


def layer_init(layer: nn.Linear, std: float = np.sqrt(2), bias: float = 0.0) -> nn.Linear:
    """Orthogonal weights, constant bias (CleanRL's init)."""
    nn.init.orthogonal_(layer.weight, std)
    nn.init.constant_(layer.bias, bias)
    return layer


class Agent(nn.Module):
    """Separate actor and critic MLPs over the feature vector."""

    def __init__(self, n_features: int, n_actions: int, hidden: int = 64):
        super().__init__()
        self.critic = nn.Sequential(
            layer_init(nn.Linear(n_features, hidden)), nn.Tanh(),
            layer_init(nn.Linear(hidden, hidden)), nn.Tanh(),
            layer_init(nn.Linear(hidden, 1), std=1.0),
        )
        self.actor = nn.Sequential(
            layer_init(nn.Linear(n_features, hidden)), nn.Tanh(),
            layer_init(nn.Linear(hidden, hidden)), nn.Tanh(),
            layer_init(nn.Linear(hidden, n_actions), std=0.01),
        )

    def get_value(self, x: torch.Tensor) -> torch.Tensor:
        """[B, F] -> [B, 1] state values."""
        return self.critic(x)

    def get_action_and_value(self, x: torch.Tensor, action: torch.Tensor | None = None):
        """Sample (or score) actions: (action, log-prob, entropy, value), each [B]."""
        dist = Categorical(logits=self.actor(x))
        if action is None:
            action = dist.sample()
        return action, dist.log_prob(action), dist.entropy(), self.critic(x).squeeze(-1)


def compute_gae(rewards: torch.Tensor, values: torch.Tensor, dones: torch.Tensor,
                next_value: torch.Tensor, next_done: torch.Tensor, gamma: float,
                lam: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Generalised advantage estimation. rewards, values, dones: [T, N]; next_*: [N].
    ``dones[t]`` says step t began a new episode. Returns (advantages, returns), [T, N]."""
    advantages = torch.zeros_like(rewards)
    last = torch.zeros_like(next_value)
    for t in reversed(range(rewards.shape[0])):
        nonterminal = 1.0 - (next_done if t == rewards.shape[0] - 1 else dones[t + 1])
        following = next_value if t == rewards.shape[0] - 1 else values[t + 1]
        delta = rewards[t] + gamma * following * nonterminal - values[t]
        last = delta + gamma * lam * nonterminal * last
        advantages[t] = last
    return advantages, advantages + values


def train(args: argparse.Namespace) -> tuple[Agent, list[tuple[int, float]]]:
    """The PPO loop. Returns the agent and the learning curve [(timesteps, mean return of
    the last 20 episodes)], one point per rollout."""
    torch.manual_seed(args.seed)
    torch.set_num_threads(1)  # a small MLP: more threads only contend with the envs
    n = args.num_envs
    # SAME_STEP: a finished env resets inside the step that ended it, as in classic gym.
    envs = gym.vector.SyncVectorEnv(
        # NumericInfo: the vector env merges infos, which needs the same type per key.
        [(lambda i=i: NumericInfo(make_env(args.reward_preset, range(i, HELD_OUT, n))))
         for i in range(n)],
        autoreset_mode=gym.vector.AutoresetMode.SAME_STEP,
    )
    agent = Agent(envs.single_observation_space.shape[0], int(envs.single_action_space.n))
    optimizer = torch.optim.Adam(agent.parameters(), lr=args.learning_rate, eps=1e-5)
    batch_size = n * args.num_steps
    minibatch_size = max(1, batch_size // args.num_minibatches)
    iterations = max(1, args.total_timesteps // batch_size)

    obs_buf = torch.zeros((args.num_steps, n, *envs.single_observation_space.shape))
    actions = torch.zeros((args.num_steps, n), dtype=torch.long)
    logprobs, rewards, dones, values = (torch.zeros((args.num_steps, n)) for _ in range(4))

    next_obs = torch.as_tensor(envs.reset(seed=args.seed)[0])
    next_done = torch.zeros(n)
    episode_return, finished, curve, step = np.zeros(n), [], [], 0
    for iteration in range(1, iterations + 1):
        # Anneal the learning rate linearly to 0.
        optimizer.param_groups[0]["lr"] = (1.0 - (iteration - 1) / iterations) * args.learning_rate

        # Rollout.
        for t in range(args.num_steps):
            step += n
            obs_buf[t], dones[t] = next_obs, next_done
            with torch.no_grad():
                action, logprob, _, value = agent.get_action_and_value(next_obs)
            actions[t], logprobs[t], values[t] = action, logprob, value
            obs, reward, terminated, truncated, _ = envs.step(action.numpy())
            done = np.logical_or(terminated, truncated)
            rewards[t] = torch.as_tensor(reward, dtype=torch.float32)
            next_obs, next_done = torch.as_tensor(obs), torch.as_tensor(done, dtype=torch.float32)
            episode_return += reward
            finished.extend(episode_return[done].tolist())
            episode_return[done] = 0.0

        # Advantages.
        with torch.no_grad():
            next_value = agent.get_value(next_obs).squeeze(-1)
            advantages, returns = compute_gae(rewards, values, dones, next_value, next_done,
                                              args.gamma, args.gae_lambda)

        # Loss and update, over shuffled minibatches of the flattened batch.
        b_obs = obs_buf.reshape(batch_size, -1)
        b_actions, b_logprobs = actions.reshape(-1), logprobs.reshape(-1)
        b_adv, b_returns = advantages.reshape(-1), returns.reshape(-1)
        for _ in range(args.update_epochs):
            for mb in torch.randperm(batch_size).split(minibatch_size):
                _, newlogprob, entropy, newvalue = agent.get_action_and_value(
                    b_obs[mb], b_actions[mb])
                ratio = (newlogprob - b_logprobs[mb]).exp()
                adv = (b_adv[mb] - b_adv[mb].mean()) / (b_adv[mb].std() + 1e-8)
                pg_loss = torch.max(-adv * ratio,
                                    -adv * ratio.clamp(1 - args.clip_coef, 1 + args.clip_coef)
                                    ).mean()
                v_loss = 0.5 * ((newvalue - b_returns[mb]) ** 2).mean()
                loss = pg_loss - args.ent_coef * entropy.mean() + args.vf_coef * v_loss
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(agent.parameters(), args.max_grad_norm)
                optimizer.step()

        # Log.
        if finished:
            curve.append((step, float(np.mean(finished[-20:]))))
    envs.close()
    return agent, curve


def main(argv: list[str] | None = None) -> dict:
    """Train, evaluate greedily on the held-out seeds, print (and maybe write) results."""
    args = parse_args(argv)
    start = time.perf_counter()
    agent, curve = train(args)
    train_seconds = time.perf_counter() - start

    def policy(obs, info):
        with torch.no_grad():
            logits = agent.actor(torch.as_tensor(obs)[None])
        return int(logits.argmax())

    scores = play_seeds(make_env(args.reward_preset), policy,
                        range(HELD_OUT, HELD_OUT + args.eval_episodes))
    results = held_out_results("cleanrl-ppo", scores, total_timesteps=args.total_timesteps,
                               seed=args.seed, train_seconds=train_seconds, curve=curve)
    if scores:
        print(f"cleanrl-ppo: held-out return {results['mean_return']:.3f}, answer F1 "
              f"{results['mean_answer_f1']:.3f} over {len(scores)} seeds; trained "
              f"{train_seconds:.0f}s")
    if args.out is not None:
        args.out.write_text(json.dumps(results))
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
