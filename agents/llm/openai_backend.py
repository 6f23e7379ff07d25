"""A back-end for any OpenAI-compatible chat server: vLLM, llama.cpp server, Ollama, OpenAI.

Standard library only (``urllib.request``), so it adds no dependency. Requests are valid
OpenAI chat requests in either tool format (``agents.llm.chat_format``); up to
``max_concurrency`` are in flight at once; credentials never leave for another origin
and never appear in an error (``agents.llm.http``).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from agents.llm import http
from agents.llm.base import BackendError, ChatRequest, Completion
from agents.llm.chat_format import (
    TOOL_FORMATS,
    completion_from_reply,
    native_chat,
    tags_chat,
    tool_schemas,
)

logger = logging.getLogger(__name__)

_MAX_BACKOFF_S = 8.0


class OpenAICompatibleBackend:
    """POSTs the chat to ``{base_url}/chat/completions`` and returns the first choice.

    Args:
        base_url: The API root, e.g. ``http://127.0.0.1:8000/v1`` (vLLM, llama.cpp) or
            ``http://127.0.0.1:11434/v1`` (Ollama). Userinfo (``http://user:pw@host``) is
            taken out of the URL and sent as HTTP Basic auth.
        model: The served model name, sent as ``"model"``.
        api_key: Sent as a Bearer token; ``"env"`` reads ``OPENAI_API_KEY``; None sends
            none (local servers need none).
        timeout: Seconds to wait for the whole reply, per request and try.
        max_retries: Extra tries after a timeout, a connection error or a 408/429/5xx,
            with exponential back-off, per request; 0 fails at once.
        tool_format: ``"tags"`` (the paper's ``<tool_call>`` text; tool results sent as
            ``[tool result]`` user messages) or ``"native"`` (OpenAI ``tools`` and
            ``tool_calls``; the reply's calls come back as the env's tag text).
        max_concurrency: Requests in flight at once, over ``generate_batch`` and any
            threads calling ``generate``.
        merge_roles: In the tag format, merge consecutive messages of one role (for chat
            templates that insist on user/assistant alternation).

    Raises:
        ValueError: an empty ``base_url``/``model``, a bad setting, ``api_key`` given
            beside URL userinfo, or ``api_key="env"`` with ``OPENAI_API_KEY`` unset.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 0,
        *,
        tool_format: str = "tags",
        max_concurrency: int = 8,
        merge_roles: bool = True,
    ):
        if not base_url or not model:
            raise ValueError(f"base_url and model must be non-empty, got "
                             f"{http.hide_userinfo(str(base_url))!r}, {model!r}")
        if timeout <= 0:
            raise ValueError(f"timeout must be positive seconds, got {timeout!r}")
        if max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {max_retries!r}")
        if tool_format not in TOOL_FORMATS:
            raise ValueError(f"tool_format must be one of {TOOL_FORMATS}, got {tool_format!r}")
        if max_concurrency < 1:
            raise ValueError(f"max_concurrency must be >= 1, got {max_concurrency!r}")
        if api_key == "env":
            api_key = os.environ.get("OPENAI_API_KEY")
            if not api_key:
                raise ValueError("api_key='env' but OPENAI_API_KEY is not set")
        base_url, user, password = http.split_userinfo(base_url)
        if user is not None and api_key:
            raise ValueError("give credentials once: api_key, or userinfo in base_url")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.name = f"openai:{model}"
        self.timeout, self.max_retries = timeout, max_retries
        self.tool_format, self.max_concurrency = tool_format, max_concurrency
        self.merge_roles = merge_roles
        self._headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"
        elif user is not None:
            self._headers["Authorization"] = http.basic_auth(user, password)
        self._redact = http.Redactor([api_key, password, user if password is None else None])
        self._slots = threading.BoundedSemaphore(max_concurrency)

    def __repr__(self) -> str:
        return (f"OpenAICompatibleBackend({self.base_url!r}, {self.model!r}, "
                f"tool_format={self.tool_format!r})")

    def generate(
        self,
        messages: list[dict[str, Any]],
        *,
        max_new_tokens: int = 256,
        temperature: float = 0.0,
        seed: int | None = None,
    ) -> Completion:
        """One chat completion; ``seed`` is sent only when given.

        Without a ``usage`` object in the reply, tokens are estimated by whitespace.

        Raises:
            BackendError: an HTTP error (status and the server's message), a refused
                redirect, a timeout, an unreachable server, or a reply without a usable
                ``choices[0].message``; credentials are redacted from the message.
        """
        payload = self._payload(messages, max_new_tokens, temperature, seed)
        start = time.perf_counter()
        body = self._post_with_retries(json.dumps(payload).encode("utf-8"))
        seconds = time.perf_counter() - start
        try:
            message, usage = _parse_reply(body)
            text = self._text(message)
        except BackendError as error:
            raise BackendError(self._redact(str(error))) from None
        prompt_tokens = usage.get("prompt_tokens")
        completion_tokens = usage.get("completion_tokens")
        if not isinstance(prompt_tokens, int):
            prompt_tokens = sum(len(str(m.get("content") or "").split()) for m in messages)
        if not isinstance(completion_tokens, int):
            completion_tokens = len(text.split())
        return Completion(text, prompt_tokens, completion_tokens, seconds)

    def generate_batch(self, requests: Sequence[ChatRequest]) -> list[Completion | BackendError]:
        """Every request's completion (or its error), up to ``max_concurrency`` at once;
        each request keeps its own timeout and retries."""
        if len(requests) == 1:
            return [self._generate_or_error(requests[0])]
        with ThreadPoolExecutor(min(self.max_concurrency, len(requests)),
                                thread_name_prefix="chat") as pool:
            return list(pool.map(self._generate_or_error, requests))

    def _generate_or_error(self, request: ChatRequest) -> Completion | BackendError:
        try:
            return self.generate(request.messages, max_new_tokens=request.max_new_tokens,
                                 temperature=request.temperature, seed=request.seed)
        except BackendError as error:
            return error

    def _payload(self, messages: list[dict[str, Any]], max_new_tokens: int,
                 temperature: float, seed: int | None) -> dict[str, Any]:
        payload: dict[str, Any] = {"model": self.model}
        if self.tool_format == "native":
            payload["messages"] = native_chat(messages)
            payload["tools"] = tool_schemas()
            payload["tool_choice"] = "auto"
        else:
            payload["messages"] = tags_chat(messages, merge=self.merge_roles)
        payload.update(max_tokens=max_new_tokens, temperature=temperature, logprobs=False)
        if seed is not None:
            payload["seed"] = seed
        return payload

    def _text(self, message: dict[str, Any]) -> str:
        if self.tool_format == "native":
            return completion_from_reply(message)
        content = message.get("content")
        if not isinstance(content, str):
            got = "missing" if content is None else type(content).__name__
            raise BackendError(f"reply 'choices[0].message.content' is {got}, expected a string")
        return content

    def _post_with_retries(self, data: bytes) -> bytes:
        url = f"{self.base_url}/chat/completions"
        for attempt in range(self.max_retries + 1):
            try:
                with self._slots:  # not held while backing off
                    return http.post(url, data, self._headers, self.timeout)
            except http.Failed as error:
                raise BackendError(self._redact(str(error))) from None
            except http.Transient as error:
                message = self._redact(str(error))
                if attempt == self.max_retries:
                    raise BackendError(message) from None
                delay = min(_MAX_BACKOFF_S, 0.5 * 2**attempt)
                logger.warning("%s; retry %d of %d in %.1fs", message, attempt + 1,
                               self.max_retries, delay)
                time.sleep(delay)
        raise AssertionError("unreachable")  # the loop returns or raises


def _parse_reply(raw: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    """``choices[0].message`` and the ``usage`` object (empty when absent)."""
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        snippet = raw[:200].decode("utf-8", errors="replace")
        raise BackendError(f"reply is not JSON ({error}): {snippet!r}") from None
    if not isinstance(body, dict):
        raise BackendError(f"reply is JSON {type(body).__name__}, expected an object")
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices:
        raise BackendError(f"reply has no 'choices' list (keys: {sorted(body)})")
    message = choices[0].get("message") if isinstance(choices[0], dict) else None
    if not isinstance(message, dict):
        raise BackendError("reply has no 'choices[0].message' object")
    usage = body.get("usage")
    return message, usage if isinstance(usage, dict) else {}
