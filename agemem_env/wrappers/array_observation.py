"""The base of the observation wrappers that turn the chat observation into arrays.

Each wrapper makes named arrays (``parts``) from the env's chat observation and its
``info``. Alone, a wrapper with one part observes a ``Box`` and one with several a
``Dict`` of them; stacked directly on another such wrapper it observes a ``Dict`` of the
parts of both, so ``TokenizedObservation(FeatureObservation(env), tok)`` gives
``{"features", "input_ids", "attention_mask"}``. The chat observation travels beside the
arrays (``chat_observation``), so every layer reads the messages, never the arrays below.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

CHAT_KEYS = ("messages", "stage", "round", "context_tokens", "ltm_size")


class ArrayObservation(gym.ObservationWrapper):
    """Chat observation -> named arrays; subclasses give ``part_spaces`` and ``encode``.

    Args:
        env: An AgeMem env (possibly under ``FlatToolAction`` or other wrappers that keep
            its observation), or another ``ArrayObservation``.
        parts: Name -> ``Box`` of the arrays this wrapper adds.
    """

    def __init__(self, env: gym.Env, parts: Mapping[str, spaces.Box]):
        super().__init__(env)
        self._below = env if isinstance(env, ArrayObservation) else None
        if self._below is None:
            check_chat_space(env.observation_space, type(self).__name__)
            below_parts: dict[str, spaces.Box] = {}
        else:
            below_parts = dict(self._below.parts)
        clash = sorted(set(parts) & set(below_parts))
        if clash:
            raise ValueError(f"{type(self).__name__}: observation part(s) {clash} already "
                             "made by the wrapper below; stack each wrapper once")
        self.parts: dict[str, spaces.Box] = {**below_parts, **parts}
        self.observation_space = _as_space(self.parts)
        self.chat_observation: dict[str, Any] | None = None
        self.arrays: dict[str, np.ndarray] = {}
        self._info: Mapping[str, Any] = {}

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """Reset the env and this wrapper's episode state (``on_reset``)."""
        obs, info = self.env.reset(seed=seed, options=options)
        self._info = info
        self.on_reset()
        return self.observation(obs), info

    def step(self, action: Any):
        """Step the env; the info reaches ``encode`` with the observation."""
        obs, reward, terminated, truncated, info = self.env.step(action)
        self._info = info
        return self.observation(obs), reward, terminated, truncated, info

    def observation(self, observation: Any) -> Any:
        """This wrapper's arrays, with those of the wrapper below when stacked."""
        chat = self._below.chat_observation if self._below is not None else observation
        self.chat_observation = chat
        own = self.encode(chat, self._info)
        self.arrays = {**(self._below.arrays if self._below is not None else {}), **own}
        if len(self.arrays) == 1:
            return next(iter(self.arrays.values()))
        return dict(self.arrays)

    def on_reset(self) -> None:
        """A new episode starts (a hook for wrappers that keep episode state)."""

    def encode(self, chat: Mapping[str, Any], info: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """Name -> array of this wrapper's parts for one chat observation."""
        raise NotImplementedError


def check_chat_space(space: spaces.Space, who: str) -> None:
    """Raise ValueError unless ``space`` is the AgeMem chat observation space."""
    if not isinstance(space, spaces.Dict) or not set(CHAT_KEYS) <= set(space.spaces):
        raise ValueError(f"{who} needs the AgeMem chat observation (a Dict with "
                         f"{', '.join(CHAT_KEYS)}), got {space}; put FlatToolAction and "
                         "SeedCycle inside and the observation wrappers outside")


def _as_space(parts: Mapping[str, spaces.Box]) -> spaces.Space:
    if len(parts) == 1:
        return next(iter(parts.values()))
    return spaces.Dict(dict(parts))
