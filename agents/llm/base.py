"""The chat back-end contract shared by every LLM agent: messages in, one completion out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class Completion:
    """One generated reply and what it cost.

    ``token_logprobs`` holds the log-probability of each generated token under the model
    (local back-ends only; servers are asked for none), else None.
    """

    text: str
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    token_logprobs: tuple[float, ...] | None = None


@runtime_checkable
class ChatBackend(Protocol):
    """Turns an OpenAI-style chat (``[{"role": ..., "content": ...}, ...]``) into a reply.

    ``generate`` is greedy when ``temperature`` is 0; ``seed`` makes sampling repeatable
    where the back-end supports it. Failures the caller should record (server error,
    timeout, malformed reply, no replies left) raise ``BackendError``.
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
