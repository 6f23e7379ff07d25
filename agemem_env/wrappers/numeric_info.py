"""NumericInfo: only the numbers of ``info``, as arrays-only learners want them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium as gym

_NUMBER = (bool, int, float)


class NumericInfo(gym.Wrapper):
    """Keep the numbers of ``info``; flatten its dicts of numbers to ``"outer/inner"``.

    The env's own ``info`` merges in Gymnasium's vector envs as it is (one shape every
    step), but most of it is text and lists a numbers-only learner never reads, and a vector
    env turns them into object arrays every step. This keeps every int, float and bool
    (``reward_terms/task``, ``judge/f1``, ``ltm_size``, ``memory_quality/f1``, ...) and drops
    the rest (strings, lists, None). Wrap it outermost.

    >>> import gymnasium as gym, agemem_env
    >>> env = NumericInfo(gym.make("AgeMem-Stage3-v0", embedder="hashing"))
    >>> info = env.reset(seed=0)[1]
    >>> info["reward_terms/task"], info["judge/judged"], "step_results" in info
    (-1.0, False, False)
    """

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """Reset; the info keeps its numbers only."""
        obs, info = self.env.reset(seed=seed, options=options)
        return obs, numeric_info(info)

    def step(self, action: Any):
        """Step; the info keeps its numbers only."""
        obs, reward, terminated, truncated, info = self.env.step(action)
        return obs, reward, terminated, truncated, numeric_info(info)


def numeric_info(info: Mapping[str, Any]) -> dict[str, Any]:
    """The numbers of ``info``, dicts of numbers flattened one level as ``"key/name"``.

    >>> numeric_info({"a": 1, "b": None, "c": {"x": 0.5, "y": "no"}, "d": "text"})
    {'a': 1, 'c/x': 0.5}
    """
    out: dict[str, Any] = {}
    for key, value in info.items():
        if isinstance(value, _NUMBER):
            out[key] = value
        elif isinstance(value, Mapping):
            out.update((f"{key}/{k}", v) for k, v in value.items() if isinstance(v, _NUMBER))
    return out
