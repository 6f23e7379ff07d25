"""The OpenAI-compatible back-end keeps credentials to their origin and out of messages.

Two real HTTP servers on 127.0.0.1: the configured one answers with a redirect to the
other, which would take the key and answer with a completion of its own choosing.
"""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from chat_stub import chat_server, completion_body, serve

from agents.llm import BackendError, OpenAICompatibleBackend, make_backend
from agents.llm_agent import LLMAgent
from agents.runner import run_episodes

KEY = "sk-test-0123456789abcdef"
CHAT = [{"role": "user", "content": "Where?"}]


def _redirecting(location: str, status: int) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            self.send_response(status)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_to_another_host_is_refused_and_the_key_stays_home(status):
    with chat_server() as evil:
        evil.reply("<answer>attacker's answer</answer>")
        with serve(_redirecting(f"{evil.url}/chat/completions", status)) as home:
            backend = OpenAICompatibleBackend(f"{home}/v1", "m", api_key=KEY)
            with pytest.raises(BackendError) as caught:
                backend.generate(CHAT)
    message = str(caught.value)
    assert f"HTTP {status}" in message and "redirects are not followed" in message
    assert evil.url in message and KEY not in message
    assert evil.requests == [] and evil.headers == []  # nothing reached the other host


def test_a_same_host_redirect_is_refused_too():
    with serve(_redirecting("/v2/chat/completions", 302)) as home:
        with pytest.raises(BackendError, match=r"redirecting to http://127.0.0.1:\d+/v2/chat/completions"):
            OpenAICompatibleBackend(f"{home}/v1", "m", api_key=KEY).generate(CHAT)


def test_a_key_echoed_by_the_server_is_redacted():
    with chat_server() as server:
        server.answers.append(
            (401, {"error": {"message": f"Incorrect API key provided: {KEY}."}}))
        server.answers.append((503, f"overloaded, key={KEY}".encode()))
        backend = OpenAICompatibleBackend(server.url, "m", api_key=KEY)
        with pytest.raises(BackendError) as caught:
            backend.generate(CHAT)
        assert "HTTP 401: Incorrect API key provided: ***." in str(caught.value)
        with pytest.raises(BackendError) as caught:
            backend.generate(CHAT)
        assert "HTTP 503: overloaded, key=***" in str(caught.value)
        assert server.headers[0]["Authorization"] == f"Bearer {KEY}"
    assert KEY not in repr(backend) and KEY not in backend.name


def test_url_userinfo_is_sent_as_basic_auth_and_never_shown():
    with chat_server() as server:
        server.answers.append((500, {"error": {"message": "boom for s3cret-pw"}}))
        url = server.url.replace("http://", "http://ann:s3cret-pw@")
        backend = make_backend(f"openai:{url}#m")
        assert backend.base_url == server.url
        with pytest.raises(BackendError) as caught:
            backend.generate(CHAT)
        assert server.headers[0]["Authorization"].startswith("Basic ")
        assert "s3cret-pw" not in str(caught.value) and "boom for ***" in str(caught.value)
    with pytest.raises(ValueError) as bad:
        make_backend("openai:http://ann:s3cret-pw@127.0.0.1:1/v1")  # no model
    assert "s3cret-pw" not in str(bad.value) and "***@127.0.0.1" in str(bad.value)
    with pytest.raises(ValueError, match="credentials once"):
        OpenAICompatibleBackend("http://ann:pw@127.0.0.1:1/v1", "m", api_key=KEY)


def test_episode_records_carry_no_key():
    with chat_server() as server:
        server.reply_fn = lambda request: (500, {"error": {"message": f"bad key {KEY}"}})
        backend = OpenAICompatibleBackend(server.url, "m", api_key=KEY)
        records = run_episodes("AgeMem-Stage3-v0", lambda: LLMAgent(backend), episodes=2,
                               env_kwargs={"embedder": "hashing"}, progress=False)
    assert all(r.error.startswith("BackendError: ") and "bad key ***" in r.error
               for r in records)
    assert all(KEY not in r.to_json() for r in records)


def test_a_redirect_reply_is_not_taken_as_a_completion():
    with chat_server() as evil:
        evil.reply_fn = lambda request: (200, completion_body("<answer>evil</answer>"))
        with serve(_redirecting(f"{evil.url}/chat/completions", 302)) as home:
            agent = LLMAgent(OpenAICompatibleBackend(f"{home}/v1", "m"))
            records = run_episodes("AgeMem-Stage3-v0", lambda: agent, episodes=1,
                                   env_kwargs={"embedder": "hashing"}, progress=False)
    assert records[0].answer is None and "redirect" in records[0].error
    assert evil.requests == []
