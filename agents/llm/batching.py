"""Batching the LLM calls that agents make deep inside ``act``, one thread per agent.

A baseline's ``act`` interleaves rules and LLM calls (extract, then decide, then answer),
so its calls cannot be gathered before ``act`` runs. ``agents.protocol.threaded_act_batch``
runs each agent's ``act`` in its own thread, a ``member`` of one ``BatchScope``; every
call made through ``generate`` waits until each agent still acting is waiting on a call
too, and then all waiting calls go to the back-end as one ``generate_many``. Which calls
share a batch depends only on the agents' own logic, never on thread timing, and a batch
is ordered by slot: the same requests in the same batches on every run.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from agents.llm.base import ChatBackend, ChatRequest, Completion, generate_many, generate_one

_local = threading.local()


@dataclass
class _Waiting:
    slot: int
    backend: ChatBackend
    request: ChatRequest
    done: threading.Event = field(default_factory=threading.Event)
    result: Completion | BaseException | None = None


class BatchScope:
    """``participants`` threads whose ``generate`` calls meet in batches (see module)."""

    def __init__(self, participants: int):
        self._live = participants
        self._waiting: list[_Waiting] = []
        self._lock = threading.Lock()

    def submit(self, slot: int, backend: ChatBackend, request: ChatRequest) -> Completion:
        """Wait for this request's completion; raises the BackendError it failed with."""
        item = _Waiting(slot, backend, request)
        with self._lock:
            self._waiting.append(item)
            batch = self._take_if_full()
        if batch:
            _run(batch)
        item.done.wait()
        if isinstance(item.result, BaseException):
            raise item.result
        assert item.result is not None
        return item.result

    def leave(self) -> None:
        """A participant finished acting: the others no longer wait for it."""
        with self._lock:
            self._live -= 1
            batch = self._take_if_full()
        if batch:
            _run(batch)

    def _take_if_full(self) -> list[_Waiting]:
        if not self._waiting or len(self._waiting) < self._live:
            return []
        batch, self._waiting = sorted(self._waiting, key=lambda w: w.slot), []
        return batch


def _run(batch: list[_Waiting]) -> None:
    """Complete a batch, one generate_many per back-end; every waiter is released."""
    groups: dict[int, list[_Waiting]] = {}
    for item in batch:
        groups.setdefault(id(item.backend), []).append(item)
    for items in groups.values():
        try:
            results: Sequence[Any] = generate_many(items[0].backend, [i.request for i in items])
        except Exception as error:  # a broken back-end fails its requests, not the scope
            results = [error] * len(items)
        for item, result in zip(items, results, strict=True):
            item.result = result
            item.done.set()


def generate(backend: ChatBackend, messages: list[dict[str, Any]], *,
             max_new_tokens: int = 256, temperature: float = 0.0,
             seed: int | None = None, constrained: bool | None = None) -> Completion:
    """``backend.generate``, batched with the other agents' calls inside a BatchScope.

    ``constrained=False`` asks for free text even from a back-end that constrains
    actions by default (a baseline's JSON steps); see ``ChatRequest``.

    Raises:
        BackendError: the back-end failed on this request.
    """
    request = ChatRequest(messages, max_new_tokens, temperature, seed, constrained)
    scope: BatchScope | None = getattr(_local, "scope", None)
    if scope is not None:
        return scope.submit(_local.slot, backend, request)
    if constrained is None or constrained == getattr(backend, "constrained", False):
        return backend.generate(messages, max_new_tokens=max_new_tokens,
                                temperature=temperature, seed=seed)
    return generate_one(backend, request)  # a setting other than the back-end's own


@contextmanager
def member(scope: BatchScope, slot: int) -> Iterator[None]:
    """Within the block, this thread's ``generate`` calls go through ``scope`` as
    ``slot``; leaving the block leaves the scope."""
    _local.scope, _local.slot = scope, slot
    try:
        yield
    finally:
        _local.scope = None
        scope.leave()
