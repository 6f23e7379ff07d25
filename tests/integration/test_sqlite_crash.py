"""A durable long-term memory survives SIGKILL: nothing reported as stored is lost.

A child process adds records in a loop and prints each id once ``add`` has returned (so the
row is committed). The test kills it with SIGKILL mid-stream, reopens the file, and checks
that every reported record is there, byte for byte, that records, index and SQLite agree,
and that new ids keep growing. Two children writing one file at once, each in its own
namespace, are killed at random moments too; the kernel then frees their namespaces.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import pytest

from agemem_env.embed import HashingEmbedder
from agemem_env.memory import LongTermMemory

REPO_ROOT = Path(__file__).resolve().parents[2]
CHILD = """
import sys
from agemem_env.embed import HashingEmbedder
from agemem_env.memory import LongTermMemory

ltm = LongTermMemory(HashingEmbedder(), path=sys.argv[1])
print(ltm.namespace, flush=True)
i = int(sys.argv[2])
while True:
    record = ltm.add(f"fact {i}: " + "é" * (i % 37), metadata={"i": i}, step=i)
    print(record.id, i, flush=True)
    i += 1
"""


def content(i: int) -> str:
    return f"fact {i}: " + "é" * (i % 37)


def start_child(path: Path, start: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), str(start)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
    )


def read_line(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        pytest.fail(f"child exited early: {proc.stderr.read() if proc.stderr else ''}")
    return line


def read_reports(proc: subprocess.Popen[str], reports: int) -> dict[str, int]:
    """Read ``reports`` acknowledged ids from a running child: id -> i."""
    reported: dict[str, int] = {}
    deadline = time.monotonic() + 120
    while len(reported) < reports:
        memory_id, i = read_line(proc).split()
        reported[memory_id] = int(i)
        assert time.monotonic() < deadline, "child too slow"
    return reported


def kill(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def run_and_kill(path: Path, start: int, reports: int) -> dict[str, int]:
    """Run the child until it has reported ``reports`` ids, SIGKILL it, return id -> i."""
    proc = start_child(path, start)
    try:
        assert read_line(proc).strip() == "default"
        return read_reports(proc, reports)
    finally:
        kill(proc)


def check_reopened(
    path: Path, reported: dict[str, int], namespace: str | None = None
) -> LongTermMemory:
    ltm = LongTermMemory(HashingEmbedder(), path=path, namespace=namespace)
    for memory_id, i in reported.items():
        record = ltm.get(memory_id)
        assert record is not None, f"{memory_id} was reported committed but is missing"
        assert (record.content, record.metadata, record.created_step) == (content(i), {"i": i}, i)
    assert ltm.consistency_errors() == []
    return ltm


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_records_survive_sigkill(tmp_path) -> None:
    path = tmp_path / "ltm.sqlite"
    first = run_and_kill(path, start=0, reports=150)
    ltm = check_reopened(path, first)
    highest = max(int(r.id.removeprefix("mem_")) for r in ltm.records())
    ltm.close()

    # Crash a second time on the same file: ids continue past everything ever stored.
    second = run_and_kill(path, start=1000, reports=50)
    assert min(int(m.removeprefix("mem_")) for m in second) > highest
    ltm = check_reopened(path, first | second)
    newest = ltm.add("after two crashes")
    assert int(newest.id.removeprefix("mem_")) > max(
        int(r.id.removeprefix("mem_")) for r in ltm.records()[:-1]
    )
    assert ltm.consistency_errors() == []
    ltm.close()


def numbers(ids: Iterable[str]) -> list[int]:
    return [int(m.removeprefix("mem_")) for m in ids]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_two_concurrent_writers_killed_at_random_moments_lose_nothing(tmp_path) -> None:
    path, rng = tmp_path / "ltm.sqlite", random.Random(18)
    acked: dict[str, dict[str, int]] = {"default": {}, "default-2": {}}
    for round_ in range(3):
        children = [start_child(path, start=10_000 * (2 * round_ + k)) for k in range(2)]
        try:
            namespaces = [read_line(child).strip() for child in children]
            assert sorted(namespaces) == ["default", "default-2"]  # the dead freed theirs
            for child, namespace in zip(children, namespaces, strict=True):
                new = read_reports(child, rng.randint(10, 80))
                # Ids continue past everything the namespace ever stored, crashes included.
                assert min(numbers(new)) > max(numbers(acked[namespace]), default=0)
                acked[namespace] |= new
                kill(child)  # the other child keeps writing meanwhile
        finally:
            for child in children:
                if child.poll() is None:
                    kill(child)
        for namespace, reported in acked.items():
            check_reopened(path, reported, namespace).close()
    with LongTermMemory(HashingEmbedder(), path=path) as ltm:
        assert ltm.namespace == "default" and len(ltm) >= len(acked["default"])
