"""Chat messages in shared memory, so ``gym.make_vec(..., vectorization_mode="async")``
works with its default ``shared_memory=True``.

Gymnasium asks custom spaces to register ``create_shared_memory``, ``read_from_shared_memory``
and ``write_to_shared_memory``. A conversation has no fixed array form, so each env gets a
byte buffer of ``ChatMessages.shared_bytes``: a 4-byte length, then the messages as UTF-8
JSON. An observation larger than the buffer is refused with the way out in the message.
"""

from __future__ import annotations

import json
import multiprocessing as mp
from collections.abc import Sequence
from types import ModuleType
from typing import Any

import numpy as np
from gymnasium.vector.utils import (
    create_shared_memory,
    read_from_shared_memory,
    write_to_shared_memory,
)

from agemem_env.envs.observation import ChatMessages

_LENGTH = 4  # bytes of the length prefix


@create_shared_memory.register(ChatMessages)
def _create(space: ChatMessages, n: int = 1, ctx: ModuleType = mp) -> Any:
    return ctx.Array("B", n * space.shared_bytes)


@write_to_shared_memory.register(ChatMessages)
def _write(space: ChatMessages, index: int, value: list, shared_memory: Any) -> None:
    data = json.dumps(value, ensure_ascii=False).encode("utf-8")
    size = space.shared_bytes
    if len(data) + _LENGTH > size:
        raise ValueError(
            f"an observation of {len(data)} bytes does not fit the shared buffer of {size}; "
            "make the space with ChatMessages(shared_bytes=...) larger or pass "
            "vector_kwargs={'shared_memory': False}")
    buffer = np.frombuffer(shared_memory.get_obj(), dtype=np.uint8)
    start = index * size
    buffer[start:start + _LENGTH] = np.frombuffer(len(data).to_bytes(_LENGTH, "little"),
                                                  dtype=np.uint8)
    buffer[start + _LENGTH:start + _LENGTH + len(data)] = np.frombuffer(data, dtype=np.uint8)


class SharedMessagesView(Sequence):
    """The n envs' messages, decoded from the shared buffer when read.

    AsyncVectorEnv reads shared memory once, at construction, and then hands out the
    same object; arrays are views, so a snapshot tuple would go stale. This view reads the
    current bytes on every access, and ``deepcopy`` (the vector env's default ``copy=True``)
    gives a plain tuple of lists.
    """

    def __init__(self, space: ChatMessages, shared_memory: Any, n: int) -> None:
        self._buffer = np.frombuffer(shared_memory.get_obj(), dtype=np.uint8)
        self._size, self._n = space.shared_bytes, n

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(self._n)))
        if not -self._n <= index < self._n:
            raise IndexError(index)
        start = (index % self._n) * self._size
        length = int.from_bytes(self._buffer[start:start + _LENGTH].tobytes(), "little")
        raw = self._buffer[start + _LENGTH:start + _LENGTH + length].tobytes()
        return json.loads(raw) if length else []

    def __deepcopy__(self, memo: dict) -> tuple[list, ...]:
        return tuple(self)

    def __repr__(self) -> str:
        return f"SharedMessagesView({list(self)!r})"


@read_from_shared_memory.register(ChatMessages)
def _read(space: ChatMessages, shared_memory: Any, n: int = 1) -> SharedMessagesView:
    return SharedMessagesView(space, shared_memory, n)
