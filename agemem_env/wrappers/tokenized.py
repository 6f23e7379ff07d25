"""TokenizedObservation: the chat messages as a fixed-length row of token ids and a mask."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from agemem_env.wrappers.array_observation import ArrayObservation
from agemem_env.wrappers.episode_view import QUESTION_STAGE

_CACHE_SIZE = 4096  # encoded messages kept; a context repeats most messages step to step


class TokenizedObservation(ArrayObservation):
    """Messages -> ``input_ids`` and ``attention_mask``, each a ``Box`` of ``max_length``.

    Each message is written ``"{role}: {content}\\n"`` and encoded with the tokenizer (any
    Hugging Face tokenizer, or anything with ``__call__(text, add_special_tokens=False)``
    returning ``{"input_ids": [...]}`` and a ``__len__``). The row is *left*-truncated, so
    the newest turns survive, and in Stage 3 the question is kept at the front of the row
    even when the messages after it would fill it. Ids are right-aligned: padding
    (``pad_token_id``, else 0) is on the left and the newest token is last; the mask is 1
    on real tokens.

    Args:
        env: An AgeMem env, or an ``ArrayObservation`` to stack on.
        tokenizer: The tokenizer (``agents.llm.smollm2`` loads SmolLM2's offline).
        max_length: Tokens per observation.
        include_system: Encode the system prompt too (it is long and the same every
            step, so it is left out by default).

    >>> import gymnasium as gym, agemem_env
    >>> from agemem_env.wrappers.tokenized import TokenizedObservation
    >>> class Chars:  # a toy tokenizer: one id per character
    ...     def __len__(self): return 256
    ...     def __call__(self, text, add_special_tokens=False):
    ...         return {"input_ids": [min(ord(c), 255) for c in text]}
    >>> env = TokenizedObservation(gym.make("AgeMem-Stage3-v0", embedder="hashing"),
    ...                            Chars(), max_length=32)
    >>> obs, _ = env.reset(seed=0)
    >>> obs["input_ids"].shape, int(obs["attention_mask"].sum())
    ((32,), 32)
    """

    def __init__(self, env: gym.Env, tokenizer: Any, max_length: int = 512,
                 include_system: bool = False):
        if not isinstance(max_length, int) or max_length < 8:
            raise ValueError(f"max_length must be an int >= 8, got {max_length!r}")
        if not callable(tokenizer) or not hasattr(tokenizer, "__len__"):
            raise TypeError("tokenizer must be callable with a __len__ (a Hugging Face "
                            f"tokenizer), got {type(tokenizer).__name__}")
        vocab = len(tokenizer)
        parts = {
            "input_ids": spaces.Box(0, vocab - 1, (max_length,), np.int64),
            "attention_mask": spaces.Box(0, 1, (max_length,), np.int64),
        }
        super().__init__(env, parts)
        self.tokenizer, self.max_length = tokenizer, max_length
        self.include_system = include_system
        pad = getattr(tokenizer, "pad_token_id", None)
        self.pad_id = int(pad) if isinstance(pad, int) and 0 <= pad < vocab else 0
        self._question: dict[str, str] | None = None
        self._cache: OrderedDict[tuple[str, str], list[int]] = OrderedDict()

    def on_reset(self) -> None:
        """Forget the last episode's question."""
        self._question = None

    def encode(self, chat: Mapping[str, Any], info: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """The newest tokens that fit, the question pinned in front of them in Stage 3."""
        messages = [m for m in chat["messages"] if self.include_system or m["role"] != "system"]
        if chat["stage"] == QUESTION_STAGE and self._question is None:
            users = [m for m in messages if m["role"] == "user"]
            self._question = users[-1] if users else None
        ids = [t for m in messages for t in self._ids(m)]
        if len(ids) > self.max_length:
            ids = self._truncate(messages)
        row = np.full(self.max_length, self.pad_id, dtype=np.int64)
        mask = np.zeros(self.max_length, dtype=np.int64)
        if ids:
            row[-len(ids):], mask[-len(ids):] = ids, 1
        return {"input_ids": row, "attention_mask": mask}

    def _truncate(self, messages: list[dict[str, str]]) -> list[int]:
        """The question's ids (at most half the row), then the newest ids that fit."""
        question = self._question
        pinned = self._ids(question)[: self.max_length // 2] if question is not None else []
        tail = [t for m in messages if m != question for t in self._ids(m)]
        return pinned + tail[len(tail) - (self.max_length - len(pinned)):]

    def _ids(self, message: Mapping[str, str]) -> list[int]:
        key = (message["role"], message["content"])
        ids = self._cache.get(key)
        if ids is None:
            text = f"{message['role']}: {message['content']}\n"
            ids = [int(t) for t in self.tokenizer(text, add_special_tokens=False)["input_ids"]]
            self._cache[key] = ids
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return ids
