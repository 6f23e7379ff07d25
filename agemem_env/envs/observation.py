"""The observation space: chat messages ready for a chat template, plus stage, round,
context size and memory size."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from agemem_env.actions.spaces import SAMPLE_CHARSET

ROLES = ("system", "user", "assistant", "tool")
MAX_COUNT = 2**31 - 1


class ChatMessages(spaces.Space[list]):
    """A list of chat messages, each ``{"role": ..., "content": ...}``.

    Like minigrid's ``MissionSpace``, a small custom space so ``check_env`` can verify
    observations that are not arrays. ``shared_bytes`` is the per-env buffer an async
    vector env shares the messages through (``envs.shared_messages``).
    """

    def __init__(self, max_messages: int = 4096, max_chars: int = 1_000_000,
                 shared_bytes: int = 2**21, seed=None):
        self.max_messages = max_messages
        self.max_chars = max_chars
        self.shared_bytes = shared_bytes
        super().__init__(dtype=object, seed=seed)

    def sample(self, mask: Any = None, probability: Any = None) -> list[dict[str, str]]:
        """A short random conversation that starts with a system message."""
        n = int(self.np_random.integers(1, 6))
        roles = ["system"] + [ROLES[int(self.np_random.integers(1, 4))] for _ in range(n - 1)]
        chars = np.array(list(SAMPLE_CHARSET))
        return [
            {"role": r, "content": "".join(self.np_random.choice(chars, size=12))} for r in roles
        ]

    def contains(self, x: Any) -> bool:
        """True for a list of dicts with a known role and a str content."""
        if not isinstance(x, list) or len(x) > self.max_messages:
            return False
        return all(
            isinstance(m, dict)
            and set(m) == {"role", "content"}
            and m["role"] in ROLES
            and isinstance(m["content"], str)
            and len(m["content"]) <= self.max_chars
            for m in x
        )

    @property
    def is_np_flattenable(self) -> bool:
        """Chat messages have no fixed-size array form."""
        return False

    def __repr__(self) -> str:
        return f"ChatMessages(max_messages={self.max_messages})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ChatMessages) and (
            self.max_messages,
            self.max_chars,
        ) == (other.max_messages, other.max_chars)


def observation_space(rounds_per_stage: int) -> spaces.Dict:
    """Messages ready for a chat template, plus stage, round, context size and LTM size."""
    return spaces.Dict(
        {
            "messages": ChatMessages(),
            "stage": spaces.Discrete(3, start=1),
            "round": spaces.Discrete(rounds_per_stage + 1),
            "context_tokens": spaces.Discrete(MAX_COUNT),
            "ltm_size": spaces.Discrete(MAX_COUNT),
        }
    )
