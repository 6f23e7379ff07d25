"""The chat back-end contract shared by every LLM agent: messages in, one completion out;
and the batch form, many chats in, one completion (or error) each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class Completion:
    """One generated reply and what it cost.

    ``token_logprobs`` holds the log-probability of each generated token under the model
    (local back-ends only; servers are asked for none), else None. ``seconds`` is the wall
    time of the call; for a reply generated in a batch it is the batch's wall time, and
    ``batch_size`` says how many replies shared it.
    """

    text: str
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    token_logprobs: tuple[float, ...] | None = None
    batch_size: int = 1


@dataclass(frozen=True)
class ChatRequest:
    """One chat to complete, with the settings of ``ChatBackend.generate``.

    ``constrained``: decode under the env's action grammar (local back-ends that offer
    it); None leaves it to the back-end's own setting, False asks for free text (a
    baseline's JSON steps).
    """

    messages: list[dict[str, Any]]
    max_new_tokens: int = 256
    temperature: float = 0.0
    seed: int | None = None
    constrained: bool | None = None


@runtime_checkable
class ChatBackend(Protocol):
    """Turns an OpenAI-style chat (``[{"role": ..., "content": ...}, ...]``) into a reply.

    ``generate`` is greedy when ``temperature`` is 0; ``seed`` makes sampling repeatable
    where the back-end supports it. Failures the caller should record (server error,
    timeout, malformed reply, no replies left) raise ``BackendError``.

    A back-end may also offer ``generate_batch(requests) -> list[Completion |
    BackendError]``: one entry per request, in order, a failed request's error in its
    place (the others still count). ``generate_many`` uses it when present.
    """

    name: str

    def generate(
        self,
        messages: list[dict[str, str]],
        *,
        max_new_tokens: int = 256,
        temperature: float = 0.0,
        seed: int | None = None,
    ) -> Completion:
        """The completion for this chat."""
        ...


class BackendError(RuntimeError):
    """A back-end failed to produce a completion; the message says which and why."""


def generate_many(
    backend: ChatBackend, requests: Sequence[ChatRequest]
) -> list[Completion | BackendError]:
    """Each request's completion, or the BackendError it failed with, in request order.

    Through ``backend.generate_batch`` when the back-end has one (batched decoding,
    concurrent requests), else one ``generate`` call after another.

    >>> from agents.llm.scripted import ScriptedBackend
    >>> chat = [{"role": "user", "content": "hi"}]
    >>> [type(r).__name__ for r in generate_many(ScriptedBackend(["a"]), [ChatRequest(chat)] * 2)]
    ['Completion', 'BackendError']
    """
    batch = getattr(backend, "generate_batch", None)
    if batch is not None and requests:
        results = list(batch(list(requests)))
        if len(results) != len(requests):
            raise BackendError(f"{backend.name}: generate_batch gave {len(results)} results "
                               f"for {len(requests)} requests")
        return results
    out: list[Completion | BackendError] = []
    for request in requests:
        try:
            out.append(backend.generate(
                request.messages, max_new_tokens=request.max_new_tokens,
                temperature=request.temperature, seed=request.seed))
        except BackendError as error:
            out.append(error)
    return out


def generate_one(backend: ChatBackend, request: ChatRequest) -> Completion:
    """One request through ``generate_many`` (so through ``generate_batch`` where the
    back-end has one: the path that honours a request's own ``constrained``).

    Raises:
        BackendError: the back-end failed on this request.
    """
    result = generate_many(backend, [request])[0]
    if isinstance(result, BackendError):
        raise result
    return result
