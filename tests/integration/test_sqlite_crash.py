"""A durable long-term memory survives SIGKILL: nothing reported as stored is lost.

A child process adds records in a loop and prints each id once ``add`` has returned (so the
row is committed). The test kills it with SIGKILL mid-stream, reopens the file, and checks
that every reported record is there, byte for byte, that records, index and SQLite agree,
and that new ids keep growing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
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
i = int(sys.argv[2])
while True:
    record = ltm.add(f"fact {i}: " + "é" * (i % 37), metadata={"i": i}, step=i)
    print(record.id, i, flush=True)
    i += 1
"""


def content(i: int) -> str:
    return f"fact {i}: " + "é" * (i % 37)


def run_and_kill(path: Path, start: int, reports: int) -> dict[str, int]:
    """Run the child until it has reported ``reports`` ids, SIGKILL it, return id -> i."""
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), str(start)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
    )
    reported: dict[str, int] = {}
    deadline = time.monotonic() + 120
    try:
        assert proc.stdout is not None
        while len(reported) < reports:
            line = proc.stdout.readline()
            if not line:
                pytest.fail(f"child exited early: {proc.stderr.read() if proc.stderr else ''}")
            memory_id, i = line.split()
            reported[memory_id] = int(i)
            assert time.monotonic() < deadline, "child too slow"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    return reported


def check_reopened(path: Path, reported: dict[str, int]) -> LongTermMemory:
    ltm = LongTermMemory(HashingEmbedder(), path=path)
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
