"""Many processes on one memory file: each in its own namespace, nothing lost or crossed.

Real child processes (not threads) open one SQLite ``ltm_path``, as two envs, two
leaderboard workers or a vector env's slots do. Children wait on stdin so that they open
or write at the same moment; each prints a line once a call has returned, so a printed
``ok`` is an acknowledged, committed write.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from agemem_env.embed import HashingEmbedder
from agemem_env.memory import LongTermMemory

REPO_ROOT = Path(__file__).resolve().parents[2]
PRELUDE = """
import sys
from agemem_env.embed import HashingEmbedder
from agemem_env.memory import LongTermMemory

def say(*words):
    print(*(str(w).replace("\\n", " ") for w in words), flush=True)
"""
WRITER = """
path, tag, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
say("ready")
sys.stdin.readline()
ltm = LongTermMemory(HashingEmbedder(), path=path)
say("namespace", ltm.namespace)
sys.stdin.readline()  # both writers hold their namespaces before either writes
ltm.clear(restart_ids=True)  # what the env does at every reset
for i in range(count):
    try:
        record = ltm.add(f"{tag} fact {i}", metadata={"writer": tag, "i": i}, step=i)
    except Exception as exc:
        say("error", i, type(exc).__name__, exc)
    else:
        say("ok", record.id, i)
say("written")
sys.stdin.readline()  # and keep them until both are done
ltm.close()
"""
OPENER = """
tag = sys.argv[1]
say("ready")
for line in sys.stdin:
    try:
        with LongTermMemory(HashingEmbedder(), path=line.strip()) as ltm:
            say("ok", ltm.namespace, ltm.add(f"{tag} was here").id)
    except Exception as exc:
        say("error", type(exc).__name__, exc)
"""
EDITOR = """
path, namespace = sys.argv[1], (sys.argv[2] if sys.argv[2] != "-" else None)
try:
    ltm = LongTermMemory(HashingEmbedder(), path=path, namespace=namespace)
except ValueError as exc:
    say("refused", exc)
    raise SystemExit(0)
say("namespace", ltm.namespace)
say("added", ltm.add("the other env's first memory").id)
say("deleted", ltm.delete("mem_1").id)
ltm.clear(restart_ids=True)
ltm.add("the other env's memory after its reset")
say("updated", ltm.update("mem_1", "the other env's memory, updated").id)
ltm.close()
"""


def spawn(script: str, *args: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", PRELUDE + script, *map(str, args)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
    )


def expect_line(proc: subprocess.Popen[str], first_word: str) -> list[str]:
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith(first_word):
        stderr = proc.stderr.read() if proc.stderr and proc.poll() is not None else ""
        pytest.fail(f"expected {first_word!r}, child said {line!r} {stderr}")
    return line.split(maxsplit=1)[1].split() if " " in line.strip() else []


def go(procs: list[subprocess.Popen[str]], line: str) -> None:
    """Send every child the same line at once (each is blocked reading stdin)."""
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write(line + "\n")
    for proc in procs:
        proc.stdin.flush()


def rows_per_namespace(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        query = "SELECT namespace, COUNT(*) FROM records GROUP BY namespace"
        return dict(conn.execute(query).fetchall())
    finally:
        conn.close()


def test_two_writers_500_adds_each_lose_nothing_and_never_cross(tmp_path) -> None:
    path, count = tmp_path / "ltm.sqlite", 500
    writers = {tag: spawn(WRITER, path, tag, count) for tag in ("alpha", "beta")}
    for proc in writers.values():
        expect_line(proc, "ready")
    go(list(writers.values()), "go")  # open at the same moment
    namespaces = {tag: expect_line(proc, "namespace")[0] for tag, proc in writers.items()}
    go(list(writers.values()), "write")  # write at the same moment
    acked: dict[str, dict[str, int]] = {}
    for tag, proc in writers.items():
        lines = []
        while (line := proc.stdout.readline().split()) and line[0] != "written":
            lines.append(line)
        assert not [line for line in lines if line[0] == "error"], lines[:5]
        acked[tag] = {line[1]: int(line[2]) for line in lines if line[0] == "ok"}
    go(list(writers.values()), "close")
    for proc in writers.values():
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err

    assert sum(map(len, acked.values())) == 2 * count  # 1,000 acknowledged, 0 errors
    assert sorted(namespaces.values()) == ["default", "default-2"]
    assert rows_per_namespace(path) == {"default": count, "default-2": count}
    for tag, namespace in namespaces.items():
        with LongTermMemory(HashingEmbedder(), path=path, namespace=namespace) as ltm:
            # Each writer's own ids from mem_1, all there, none of the other writer's.
            assert acked[tag] == {f"mem_{i + 1}": i for i in range(count)}
            assert [r.content for r in ltm.records()] == [f"{tag} fact {i}" for i in range(count)]
            assert {r.metadata["writer"] for r in ltm.records()} == {tag}
            assert ltm.consistency_errors() == []


def test_twenty_simultaneous_creations_of_a_new_file_all_succeed(tmp_path) -> None:
    openers = [spawn(OPENER, f"p{n}") for n in range(3)]
    try:
        for proc in openers:
            expect_line(proc, "ready")
        for round_ in range(20):
            path = tmp_path / f"new-{round_}" / "ltm.sqlite"  # neither file nor folder exists
            go(openers, str(path))
            said = [expect_line(proc, "ok") for proc in openers]
            # Each opener held a namespace alone; one that came after another's close may
            # reuse its namespace (and continue its ids), never share it while open.
            assert sum(rows_per_namespace(path).values()) == len(openers), said
            assert len({tuple(words) for words in said}) == len(openers), said
    finally:
        for proc in openers:
            proc.communicate(timeout=60)
    assert all(proc.returncode == 0 for proc in openers)


def test_simultaneous_openers_of_a_schema_1_file_migrate_it_once(tmp_path) -> None:
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE records (id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE,
            content TEXT NOT NULL, memory_type TEXT NOT NULL, metadata TEXT NOT NULL,
            created_step INTEGER NOT NULL, updated_step INTEGER NOT NULL,
            vector BLOB NOT NULL, embedder TEXT NOT NULL);
        INSERT INTO meta VALUES ('format', 'agemem-ltm'), ('schema_version', '1'),
            ('next_seq', '3');
        INSERT INTO records VALUES ('mem_2', 2, 'kept', 'fact', '{}', 0, 0, x'00', 'old');
        """
    )
    conn.close()
    openers = [spawn(OPENER, f"p{n}") for n in range(3)]
    for proc in openers:
        expect_line(proc, "ready")
    go(openers, str(path))
    said = sorted(" ".join(expect_line(proc, "ok")) for proc in openers)
    for proc in openers:
        proc.communicate(timeout=60)
    # Whoever held "default" continued the old ids (mem_3, then mem_4 if it was reopened).
    assert sum(words.startswith("default mem_") for words in said) >= 1, said
    assert rows_per_namespace(path)["default"] >= 2
    with LongTermMemory(HashingEmbedder(), path=path) as ltm:
        assert ltm.get("mem_2").content == "kept" and ltm.consistency_errors() == []


def test_second_opener_of_a_held_namespace_is_refused_with_what_to_do(tmp_path) -> None:
    path = tmp_path / "ltm.sqlite"
    held = LongTermMemory(HashingEmbedder(), path=path, namespace="alice")
    held.add("Alice's memory")
    out, _ = spawn(EDITOR, path, "alice").communicate(timeout=60)
    message = out.removeprefix("refused ").strip()
    assert out.startswith("refused ") and "\n" not in message
    assert str(path) in message and "'alice'" in message
    assert "already open by process" in message and "namespace=None" in message

    held.close()  # the namespace is free again
    out, _ = spawn(EDITOR, path, "alice").communicate(timeout=60)
    assert "namespace alice" in out and "updated mem_1" in out


def test_delete_and_reset_in_one_namespace_never_touch_another(tmp_path) -> None:
    path = tmp_path / "ltm.sqlite"
    mine = LongTermMemory(HashingEmbedder(), path=path)
    assert mine.namespace == "default"
    mine.add("this env's first memory", metadata={"v": 1})
    before = mine.records()

    # The other env (another process) gets the next free namespace, its own mem_1, and
    # deletes, clears with restart_ids, adds and updates it.
    out, err = spawn(EDITOR, path, "-").communicate(timeout=60)
    assert out.split("\n")[:3] == ["namespace default-2", "added mem_1", "deleted mem_1"], err
    assert "updated mem_1" in out

    assert mine.records() == before and mine.consistency_errors() == []
    mine.close()
    with LongTermMemory(HashingEmbedder(), path=path) as reopened:  # default again
        assert reopened.namespace == "default" and reopened.records() == before
        assert reopened.add("second").id == "mem_2"
    with LongTermMemory(HashingEmbedder(), path=path, namespace="default-2") as other:
        assert [r.content for r in other.records()] == ["the other env's memory, updated"]
        assert other.consistency_errors() == []


def test_two_envs_on_one_file_keep_their_own_memories(tmp_path) -> None:
    import gymnasium as gym

    import agemem_env  # noqa: F401  (registers the ids)
    from agemem_env.actions import render_completion
    from agemem_env.core import ToolCall

    path = tmp_path / "shared.sqlite"
    envs = [gym.make("AgeMem-Stage3-v0", embedder="hashing", ltm_path=str(path))
            for _ in range(2)]
    try:
        for env, text in zip(envs, ("A's fact", "B's fact"), strict=True):
            env.reset(seed=0)
            *_, info = env.step(render_completion([ToolCall("Add_memory", {"content": text})]))
            assert info["step_results"][0]["added"] == ["mem_1"]
        assert {env.unwrapped.ltm.namespace for env in envs} == {"default", "default-2"}
        delete = ToolCall("Delete_memory", {"memory_id": "mem_1", "confirmation": True})
        envs[0].step(render_completion([delete]))
        envs[0].reset(seed=1)  # a reset clears only its own namespace
        assert [r.content for r in envs[1].unwrapped.ltm.records()] == ["B's fact"]
    finally:
        for env in envs:
            env.close()
