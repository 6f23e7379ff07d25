"""A back-end for any OpenAI-compatible chat server: vLLM, llama.cpp server, Ollama, OpenAI.

Standard library only (``urllib.request``), so it adds no dependency.
"""

from __future__ import annotations

import json
import logging
import os
import time
import urllib.error
import urllib.request
from typing import Any

from agents.llm.base import BackendError, Completion

logger = logging.getLogger(__name__)

# Statuses worth another try: rate limits and server-side trouble, never a bad request.
_RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
_MAX_BACKOFF_S = 8.0


class OpenAICompatibleBackend:
    """POSTs the chat to ``{base_url}/chat/completions`` and returns the first choice.

    Args:
        base_url: The API root, e.g. ``http://127.0.0.1:8000/v1`` (vLLM, llama.cpp) or
            ``http://127.0.0.1:11434/v1`` (Ollama).
        model: The served model name, sent as ``"model"``.
        api_key: Sent as a Bearer token; ``"env"`` reads ``OPENAI_API_KEY``; None sends
            none (local servers need none).
        timeout: Seconds to wait for the whole reply before failing.
        max_retries: Extra tries after a timeout, a connection error or a 408/429/5xx,
            with exponential back-off; 0 fails at once.

    Raises:
        ValueError: an empty ``base_url``/``model``, a bad ``timeout``/``max_retries``, or
            ``api_key="env"`` with ``OPENAI_API_KEY`` unset.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 0,
    ):
        if not base_url or not model:
            raise ValueError(f"base_url and model must be non-empty, got {base_url!r}, {model!r}")
        if timeout <= 0:
            raise ValueError(f"timeout must be positive seconds, got {timeout!r}")
        if max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {max_retries!r}")
        if api_key == "env":
            api_key = os.environ.get("OPENAI_API_KEY")
            if not api_key:
                raise ValueError("api_key='env' but OPENAI_API_KEY is not set")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.name = f"openai:{model}"
        self.timeout, self.max_retries = timeout, max_retries
        self._api_key = api_key

    def generate(
        self,
        messages: list[dict[str, str]],
        *,
        max_new_tokens: int = 256,
        temperature: float = 0.0,
        seed: int | None = None,
    ) -> Completion:
        """One chat completion; ``seed`` is sent only when given.

        Without a ``usage`` object in the reply, tokens are estimated by whitespace.

        Raises:
            BackendError: an HTTP error (status and the server's message), a timeout, an
                unreachable server, or a reply without ``choices[0].message.content``.
        """
        payload: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "max_tokens": max_new_tokens,
            "temperature": temperature,
            "logprobs": False,
        }
        if seed is not None:
            payload["seed"] = seed
        start = time.perf_counter()
        body = self._post_with_retries(json.dumps(payload).encode("utf-8"))
        seconds = time.perf_counter() - start
        text, usage = _parse_reply(body)
        prompt_tokens = usage.get("prompt_tokens")
        completion_tokens = usage.get("completion_tokens")
        if not isinstance(prompt_tokens, int):
            prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in messages)
        if not isinstance(completion_tokens, int):
            completion_tokens = len(text.split())
        return Completion(text, prompt_tokens, completion_tokens, seconds)

    def _post_with_retries(self, data: bytes) -> bytes:
        for attempt in range(self.max_retries + 1):
            try:
                return self._post(data)
            except _Retryable as error:
                if attempt == self.max_retries:
                    raise BackendError(str(error)) from error.__cause__
                delay = min(_MAX_BACKOFF_S, 0.5 * 2**attempt)
                logger.warning("%s; retry %d of %d in %.1fs", error, attempt + 1,
                               self.max_retries, delay)
                time.sleep(delay)
        raise AssertionError("unreachable")  # the loop returns or raises

    def _post(self, data: bytes) -> bytes:
        """One POST; raises _Retryable for transient failures, BackendError for the rest."""
        url = f"{self.base_url}/chat/completions"
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        request = urllib.request.Request(url, data=data, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as error:
            message = f"{url} answered HTTP {error.code}: {_error_message(error)}"
            if error.code in _RETRY_STATUSES:
                raise _Retryable(message) from error
            raise BackendError(message) from error
        except TimeoutError as error:
            raise _Retryable(f"{url} timed out after {self.timeout:g}s") from error
        except urllib.error.URLError as error:
            # Connect-time timeouts arrive wrapped in URLError.
            if isinstance(error.reason, TimeoutError):
                raise _Retryable(f"{url} timed out after {self.timeout:g}s") from error
            raise _Retryable(f"{url} unreachable: {error.reason}") from error
        except (ConnectionError, OSError) as error:
            raise _Retryable(f"{url} connection failed: {error}") from error


class _Retryable(Exception):
    """A failure another try might fix; becomes a BackendError once tries run out."""


def _error_message(error: urllib.error.HTTPError) -> str:
    """The server's own words from an error reply.

    OpenAI's ``{"error": {"message"}}``, vLLM's ``{"message"}``, FastAPI's ``{"detail"}``,
    or else the raw body.
    """
    try:
        raw = error.read().decode("utf-8", errors="replace")
    except OSError:
        return error.reason or "no body"
    try:
        body = json.loads(raw)
    except json.JSONDecodeError:
        return raw.strip()[:500] or str(error.reason)
    if isinstance(body, dict):
        inner = body.get("error")
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
        for key in ("error", "message", "detail"):
            if isinstance(body.get(key), str):
                return body[key]
    return raw.strip()[:500]


def _parse_reply(raw: bytes) -> tuple[str, dict[str, Any]]:
    """``choices[0].message.content`` and the ``usage`` object (empty when absent)."""
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        snippet = raw[:200].decode("utf-8", errors="replace")
        raise BackendError(f"reply is not JSON ({error}): {snippet!r}") from error
    if not isinstance(body, dict):
        raise BackendError(f"reply is JSON {type(body).__name__}, expected an object")
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices:
        raise BackendError(f"reply has no 'choices' list (keys: {sorted(body)})")
    message = choices[0].get("message") if isinstance(choices[0], dict) else None
    if not isinstance(message, dict):
        raise BackendError("reply has no 'choices[0].message' object")
    content = message.get("content")
    if not isinstance(content, str):
        got = "missing" if content is None else type(content).__name__
        raise BackendError(f"reply 'choices[0].message.content' is {got}, expected a string")
    usage = body.get("usage")
    return content, usage if isinstance(usage, dict) else {}
