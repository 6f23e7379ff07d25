"""A back-end that replays fixed replies: LLM agents tested without a model."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence

from agents.llm.base import BackendError, Completion

ReplyFn = Callable[[list[dict[str, str]]], str]


class ScriptedBackend:
    """Returns the given replies in order, or the reply a function computes from the chat.

    Tokens are counted by whitespace; every chat it is sent is kept in ``calls`` (a deep
    copy, so later edits by the caller do not rewrite history).

    >>> backend = ScriptedBackend(["<answer>Porto</answer>"])
    >>> backend.generate([{"role": "user", "content": "Where?"}]).text
    '<answer>Porto</answer>'
    >>> len(backend.calls)
    1
    """

    def __init__(self, replies: Sequence[str] | ReplyFn, name: str = "scripted"):
        if isinstance(replies, str):
            # A bare string is a sequence of characters: almost surely a mistake.
            raise TypeError("replies must be a sequence of strings or a callable, got a str")
        self.name = name
        self._replies = replies if callable(replies) else list(replies)
        self._next = 0
        self.calls: list[list[dict[str, str]]] = []

    def generate(
        self,
        messages: list[dict[str, str]],
        *,
        max_new_tokens: int = 256,
        temperature: float = 0.0,
        seed: int | None = None,
    ) -> Completion:
        """The next scripted reply (``max_new_tokens``, ``temperature``, ``seed`` unused).

        Raises:
            BackendError: the replies ran out, or the reply function returned a non-str.
        """
        self.calls.append(copy.deepcopy(messages))
        text = self._reply(messages)
        prompt_tokens = sum(len(m.get("content", "").split()) for m in messages)
        return Completion(text, prompt_tokens, len(text.split()), 0.0)

    def _reply(self, messages: list[dict[str, str]]) -> str:
        if callable(self._replies):
            text = self._replies(messages)
        elif self._next < len(self._replies):
            text = self._replies[self._next]
            self._next += 1
        else:
            raise BackendError(f"ScriptedBackend {self.name!r}: all {len(self._replies)} "
                               "replies used; script more replies")
        if not isinstance(text, str):
            raise BackendError(f"ScriptedBackend {self.name!r}: reply function returned "
                               f"{type(text).__name__}, expected str")
        return text
