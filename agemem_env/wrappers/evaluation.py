"""Score a policy on a wrapped env over given seeds: return and answer F1 per episode."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import gymnasium as gym

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


def _answer_f1(info: dict[str, Any]) -> float | None:
    if info.get("judge"):
        return float(info["judge"]["f1"])
    return 0.0 if info.get("stage") == 3 else None
