"""SeedCycle: reset from a fixed list of seeds, so training seeds and held-out seeds stay
apart whatever the library calls ``reset`` with."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gymnasium as gym


class SeedCycle(gym.Wrapper):
    """Each ``reset()`` without a seed uses the next of ``seeds`` (cycling at the end).

    RL libraries seed an env once and then reset it bare, which draws later episodes
    from the first seed's generator. This keeps every training episode on a seed of the
    list: train on ``range(0, 10**6)``, evaluate on ``range(10**6, 10**6 + 200)``. An
    explicit ``reset(seed=s)`` passes ``s`` through and does not advance the cycle.

    >>> import gymnasium as gym, agemem_env
    >>> env = SeedCycle(gym.make("AgeMem-Stage3-v0", embedder="hashing"), [7, 8])
    >>> [env.reset()[1]["seed"] == env.unwrapped.reset(seed=s)[1]["seed"] for s in (7, 8)]
    [True, True]
    """

    def __init__(self, env: gym.Env, seeds: Sequence[int]):
        super().__init__(env)
        if len(seeds) == 0 or not all(isinstance(s, int) and s >= 0 for s in seeds[:1000]):
            raise ValueError("seeds must be a non-empty sequence of ints >= 0 (a range works)")
        self.seeds = seeds
        self.position = 0

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """Reset with ``seed``, or with the next seed of the cycle when it is None."""
        if seed is None:
            seed = self.seeds[self.position % len(self.seeds)]
            self.position += 1
        return self.env.reset(seed=seed, options=options)
