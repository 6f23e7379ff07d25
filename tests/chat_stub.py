"""A real OpenAI-style chat server on 127.0.0.1 for tests and benchmarks.

``ThreadingHTTPServer`` on port 0 answering ``POST .../chat/completions`` from a script
or a reply function, recording every request and its headers, with an optional fixed
latency, a count of requests in flight, and an optional check of the request against
OpenAI's chat schema (as llama.cpp's server and vLLM check it): a ``tool`` message must
answer a ``tool_call_id`` of the assistant message before it.

Importable from any test module: pytest puts this folder on ``sys.path`` for conftest.py.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# A scripted answer: (status, body) or a callable computing it from the request.
Answer = tuple[int, Any] | Callable[[dict[str, Any]], tuple[int, Any]]


def completion_body(text: str | None, prompt_tokens: int = 11, completion_tokens: int = 3,
                    tool_calls: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A chat-completions reply with one choice."""
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return {"choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens}}


def schema_errors(request: dict[str, Any]) -> list[str]:
    """What OpenAI's chat schema rejects in a request's messages (empty when valid)."""
    errors, open_ids = [], set()
    for n, message in enumerate(request.get("messages", [])):
        role = message.get("role")
        if role == "tool":
            call_id = message.get("tool_call_id")
            if call_id not in open_ids:
                errors.append(f"messages[{n}]: tool message answers no tool_call ({call_id!r})")
            open_ids.discard(call_id)
            continue
        if open_ids:
            errors.append(f"messages[{n}]: tool_calls {sorted(open_ids)} left unanswered")
            open_ids = set()
        if role == "assistant" and message.get("tool_calls"):
            open_ids = {call.get("id") for call in message["tool_calls"]}
        elif role not in ("system", "user", "assistant"):
            errors.append(f"messages[{n}]: unknown role {role!r}")
        elif not isinstance(message.get("content"), str):
            errors.append(f"messages[{n}]: content must be a string")
    return errors


@dataclass
class ChatServer:
    """The script, the record and the settings of a running stub server."""

    answers: list[Answer] = field(default_factory=list)
    reply_fn: Callable[[dict[str, Any]], tuple[int, Any]] | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    delay: float = 0.0
    strict: bool = False
    url: str = ""
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reply(self, text: str, prompt_tokens: int = 11, completion_tokens: int = 3) -> None:
        """Queue a successful completion."""
        self.answers.append((200, completion_body(text, prompt_tokens, completion_tokens)))

    def answer(self, request: dict[str, Any]) -> tuple[int, Any]:
        if self.strict and (errors := schema_errors(request)):
            return 500, {"error": {"message": "; ".join(errors)}}
        if self.reply_fn is not None:
            return self.reply_fn(request)
        with self.lock:
            answer = self.answers.pop(0) if self.answers else None
        if answer is None:
            return 500, {"error": {"message": "test server: no scripted answer left"}}
        return answer(request) if callable(answer) else answer


def _handler(server: ChatServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            self._answer()

        def do_GET(self) -> None:  # noqa: N802 (a followed 302 turns a POST into a GET)
            self._answer()

        def _answer(self) -> None:
            with server.lock:
                server.in_flight += 1
                server.max_in_flight = max(server.max_in_flight, server.in_flight)
            try:
                length = int(self.headers.get("Content-Length", 0))
                request = json.loads(self.rfile.read(length)) if length else {}
                request.update(_path=self.path, _method=self.command)
                with server.lock:
                    server.requests.append(request)
                    server.headers.append(dict(self.headers))
                time.sleep(server.delay)
                status, body = server.answer(request)
            finally:
                with server.lock:
                    server.in_flight -= 1
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass  # keep test output clean

    return Handler


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # the default 5 resets a burst of 16 concurrent connects


@contextmanager
def serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Run an http.server handler on 127.0.0.1 in a thread; yields ``http://host:port``."""
    httpd = _Server(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    httpd.block_on_close = False  # a handler still sleeping must not hold up teardown
    httpd.handle_error = lambda request, address: None  # a timed-out client hung up
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextmanager
def chat_server(**settings: Any) -> Iterator[ChatServer]:
    """A running ChatServer; its ``url`` is the API root (``.../v1``)."""
    script = ChatServer(**settings)
    with serve(_handler(script)) as root:
        script.url = f"{root}/v1"
        yield script


def toy_policy(messages: list[dict[str, Any]]) -> str:
    """A deterministic text policy read from the chat alone: store each new user turn,
    answer a question with its last word, else end the stage; valid in both formats."""
    last = messages[-1]
    text = str(last.get("content") or "")
    if last["role"] == "user" and text.rstrip().endswith("?"):
        return f"<answer>{text.split()[-1].strip('?')}</answer>"
    if last["role"] == "user" and not text.startswith("[tool result]"):
        call = {"name": "Add_memory", "arguments": {"content": text[:120]}}
        return f"<tool_call>[{json.dumps(call)}]</tool_call>"
    return "<answer>ok</answer>"


def toy_reply(request: dict[str, Any]) -> tuple[int, Any]:
    """``toy_policy`` as a server reply (tag format), tokens counted by whitespace."""
    text = toy_policy(request["messages"])
    prompt = sum(len(str(m.get("content") or "").split()) for m in request["messages"])
    return 200, completion_body(text, prompt, len(text.split()))
