"""Score a policy on a wrapped env over given seeds: return and answer F1 per episode."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np

Policy = Callable[[Any, dict[str, Any]], Any]
"""(observation, info) -> action of the wrapped env."""


@dataclass(frozen=True)
class EpisodeScore:
    """One held-out episode. ``answer_f1`` is 0 for an unanswered question (as in
    ``agents.runner``) and None when the level asks none; ``verbs`` are the
    ``FlatToolAction`` verbs taken, in order (empty without that wrapper)."""

    seed: int
    episode_return: float
    answer_f1: float | None
    steps: int
    verbs: tuple[str, ...] = ()


def play_seeds(env: gym.Env, policy: Policy, seeds: Iterable[int]) -> list[EpisodeScore]:
    """Play one episode per seed with ``policy`` and score each.

    >>> import gymnasium as gym, agemem_env
    >>> from agemem_env.wrappers import FlatToolAction
    >>> env = FlatToolAction(gym.make("AgeMem-Stage3-v0", embedder="hashing"))
    >>> [(s.answer_f1, s.verbs) for s in play_seeds(env, lambda obs, info: [6, 0, 0], [0])]
    [(0.0, ('answer', 'answer', 'answer'))]
    """
    scores = []
    for seed in seeds:
        obs, info = env.reset(seed=seed)
        total, verbs, done = 0.0, [], False
        while not done:
            obs, reward, terminated, truncated, info = env.step(policy(obs, info))
            total, done = total + float(reward), terminated or truncated
            verbs.append((info.get("flat_action") or {}).get("verb"))
        scores.append(EpisodeScore(seed, total, _answer_f1(info), len(verbs),
                                   tuple(v for v in verbs if v is not None)))
    return scores


def held_out_results(learner: str, scores: list[EpisodeScore], **run: Any) -> dict[str, Any]:
    """A learner's held-out episodes as JSON-ready data, with ``run``'s settings (budget,
    seed, training time, curve) and the means a one-line report prints."""
    return {
        "learner": learner, **run,
        "mean_return": float(np.mean([s.episode_return for s in scores])) if scores else None,
        "mean_answer_f1": float(np.mean([s.answer_f1 or 0.0 for s in scores])) if scores
        else None,
        "held_out": [{"seed": s.seed, "return": s.episode_return, "answer_f1": s.answer_f1,
                      "verbs": list(s.verbs)} for s in scores],
    }


def _answer_f1(info: dict[str, Any]) -> float | None:
    judge = info.get("judge") or {}
    if judge.get("judged"):
        return float(judge["f1"])
    return 0.0 if info.get("stage") == 3 else None
