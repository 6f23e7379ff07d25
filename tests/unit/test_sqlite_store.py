"""SQLite record store: round trips, ids allocated in the file, namespaces and their locks,
durability settings, store errors, schema migration, refusing foreign files."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from agemem_env.core import ToolError
from agemem_env.memory import sqlite_store
from agemem_env.memory.records import MemoryRecord
from agemem_env.memory.sqlite_store import SQLiteRecordStore, StoreError

# The schema-1 layout, as agemem wrote it before namespaces.
V1_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE records (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, content TEXT NOT NULL,
    memory_type TEXT NOT NULL, metadata TEXT NOT NULL, created_step INTEGER NOT NULL,
    updated_step INTEGER NOT NULL, vector BLOB NOT NULL, embedder TEXT NOT NULL
);
"""


def vec(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=8).astype(np.float32)


def add(store: SQLiteRecordStore, content: str = "text", **metadata: object) -> str:
    return store.insert(content, "fact", dict(metadata), 1, vec(len(content)), "e").record.id


@pytest.fixture
def path(tmp_path):
    return tmp_path / "ltm.sqlite"


def test_round_trip_in_seq_order_after_reopen(path) -> None:
    store = SQLiteRecordStore(path)
    stored = [store.insert(f"c{i}", "fact", {"k": [i, "x"]}, i, vec(i), "emb-a") for i in (1, 2, 3)]
    assert [(s.seq, s.record.id) for s in stored] == [(1, "mem_1"), (2, "mem_2"), (3, "mem_3")]
    store.close()
    rows = SQLiteRecordStore(path).load_all()
    assert [r.seq for r in rows] == [1, 2, 3]
    assert rows[2].record == MemoryRecord("mem_3", "c3", "fact", {"k": [3, "x"]}, 3, 3)
    assert np.array_equal(rows[0].vector, vec(1)) and rows[0].vector.dtype == np.float32
    assert rows[0].embedder == "emb-a"


def test_next_seq_never_goes_back_unless_restarted(path) -> None:
    store = SQLiteRecordStore(path)
    assert store.next_seq() == 1
    add(store), add(store)
    store.delete("mem_2")
    assert store.next_seq() == 3
    store.clear()
    assert len(store) == 0 and store.next_seq() == 3
    store.close()
    store = SQLiteRecordStore(path)
    assert store.next_seq() == 3
    store.clear(restart_ids=True)
    assert add(store) == "mem_1"


def test_ids_come_from_the_file_not_from_a_counter(path) -> None:
    store = SQLiteRecordStore(path)
    add(store)
    conn = sqlite3.connect(path)  # a row written behind the store's back
    conn.execute(
        "INSERT INTO records SELECT namespace, 7, 'mem_7', content, memory_type, metadata, "
        "created_step, updated_step, vector, embedder FROM records"
    )
    conn.commit()
    conn.close()
    assert add(store) == "mem_8"  # no IntegrityError: the id was allocated in the transaction


def test_update_delete_and_missing_ids(path) -> None:
    store = SQLiteRecordStore(path)
    add(store, "old")
    new = MemoryRecord("mem_1", "new", "fact", {"a": 1}, 1, 7)
    store.update(new, vec(9), "e2")
    row = store.load_all()[0]
    assert row.record == new and np.array_equal(row.vector, vec(9)) and row.embedder == "e2"
    missing = MemoryRecord("mem_5", "x", "fact", {}, 1, 1)
    with pytest.raises(StoreError, match="'mem_5' is not in namespace 'default'"):
        store.update(missing, vec(5), "e")
    with pytest.raises(StoreError, match="mem_5"):
        store.delete("mem_5")
    store.delete("mem_1")
    assert store.load_all() == []


def test_namespaces_never_see_or_change_each_other(path) -> None:
    a = SQLiteRecordStore(path, namespace="a")
    b = SQLiteRecordStore(path, namespace="b")
    assert (add(a, "a1"), add(b, "b1"), add(a, "a2"), add(b, "b2")) == (
        "mem_1",
        "mem_1",
        "mem_2",
        "mem_2",
    )
    a.delete("mem_1")
    b.clear(restart_ids=True)
    assert [r.record.content for r in a.load_all()] == ["a2"] and len(b) == 0
    assert (a.next_seq(), b.next_seq()) == (3, 1)
    assert len(SQLiteRecordStore(path, namespace="c")) == 0  # a new namespace starts empty


def test_a_held_namespace_is_refused_and_none_takes_the_next_free(path) -> None:
    first = SQLiteRecordStore(path)
    second = SQLiteRecordStore(path)
    assert (first.namespace, second.namespace) == ("default", "default-2")
    with pytest.raises(ValueError) as info:
        SQLiteRecordStore(path, namespace="default")
    message = str(info.value)
    assert f"memory namespace 'default' of {path} is already open in this process" in message
    assert "namespace=None" in message and "\n" not in message
    first.close()
    assert SQLiteRecordStore(path, namespace="default").namespace == "default"
    assert sorted(p.name for p in (path.parent / "ltm.sqlite.locks").iterdir()) == [
        "default-2.lock",
        "default.lock",
    ]


@pytest.mark.parametrize("name", ["", "../up", "a/b", ".hidden", "x" * 65, "sp ace", 3])
def test_invalid_namespace_names_are_refused(path, name) -> None:
    with pytest.raises(ValueError, match="namespace must be 1 to 64 letters"):
        SQLiteRecordStore(path, namespace=name)  # type: ignore[arg-type]


def test_wal_and_full_sync(path) -> None:
    store = SQLiteRecordStore(path)
    conn = store._connection()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_locked_file_is_a_store_error_and_changes_nothing(path) -> None:
    store = SQLiteRecordStore(path)
    add(store)
    store._connection().execute("PRAGMA busy_timeout = 50")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process mid-write, for longer than we wait
    with pytest.raises(StoreError, match="could not add a record: database is locked") as info:
        add(store)
    assert isinstance(info.value, ToolError)  # the executor reports it as a failed call
    with pytest.raises(StoreError, match="could not clear"):
        store.clear()
    other.execute("ROLLBACK")
    assert len(store) == 1 and add(store) == "mem_2"


def test_locked_file_at_open_is_a_store_error(path, monkeypatch) -> None:
    SQLiteRecordStore(path).close()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    monkeypatch.setattr(sqlite_store, "BUSY_TIMEOUT_S", 0.05)
    with pytest.raises(StoreError, match="could not open memory store .*database is locked"):
        SQLiteRecordStore(path)
    other.execute("ROLLBACK")
    assert SQLiteRecordStore(path).namespace == "default"  # the failed open freed its lock


def test_full_disk_is_a_store_error_and_changes_nothing(path) -> None:
    store = SQLiteRecordStore(path)
    add(store)
    conn = store._connection()
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(StoreError, match="database or disk is full"):
        add(store, "x" * 100_000)
    assert [r.record.id for r in store.load_all()] == ["mem_1"] and store.next_seq() == 2


def write_v1(path, rows: int, next_seq: int) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(V1_SCHEMA)
    conn.executemany(
        "INSERT INTO meta VALUES (?, ?)",
        [("format", "agemem-ltm"), ("schema_version", "1"), ("next_seq", str(next_seq))],
    )
    for seq in range(1, rows + 1):
        conn.execute(
            "INSERT INTO records VALUES (?, ?, ?, 'fact', '{}', 0, 0, ?, 'e')",
            (f"mem_{seq}", seq, f"old {seq}", vec(seq).tobytes()),
        )
    conn.commit()
    conn.close()


def test_schema_1_is_migrated_into_namespace_default(path) -> None:
    write_v1(path, rows=2, next_seq=5)  # mem_3 and mem_4 were deleted: never reuse them
    other = SQLiteRecordStore(path, namespace="other")
    assert len(other) == 0 and other.next_seq() == 1
    store = SQLiteRecordStore(path)
    assert [r.record.content for r in store.load_all()] == ["old 1", "old 2"]
    assert add(store) == "mem_5"
    conn = sqlite3.connect(path)
    meta = dict(conn.execute("SELECT key, value FROM meta"))
    assert meta == {"format": "agemem-ltm", "schema_version": "2"}
    assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'records_v1'").fetchall() == []


def test_newer_schema_is_refused(path) -> None:
    SQLiteRecordStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(ValueError, match="schema version '3'.*a newer agemem"):
        SQLiteRecordStore(path)


def test_garbage_file_is_refused_and_left_untouched(tmp_path) -> None:
    path = tmp_path / "notes.db"
    data = b"my precious notes, not a database\n" * 20
    path.write_bytes(data)
    with pytest.raises(ValueError, match="notes.db"):
        SQLiteRecordStore(path)
    assert path.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.db"]


def test_foreign_sqlite_database_is_refused_and_left_untouched(tmp_path) -> None:
    path = tmp_path / "app.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE users (name TEXT)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(ValueError, match="not an AgeMem memory store"):
        SQLiteRecordStore(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.sqlite"]  # no lock folder


def test_wrong_columns_are_refused(tmp_path) -> None:
    path = tmp_path / "odd.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
    conn.execute("INSERT INTO meta VALUES ('format', 'agemem-ltm'), ('schema_version', '2')")
    conn.execute("CREATE TABLE namespaces (name TEXT PRIMARY KEY, next_seq INTEGER)")
    conn.execute("CREATE TABLE records (id TEXT PRIMARY KEY, content TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(ValueError, match="records columns"):
        SQLiteRecordStore(path)


def test_empty_file_becomes_a_store_and_directory_is_refused(tmp_path) -> None:
    path = tmp_path / "empty.sqlite"
    path.touch()
    add(SQLiteRecordStore(path, "a"))
    assert len(SQLiteRecordStore(path, "a")) == 1
    with pytest.raises(ValueError, match="directory"):
        SQLiteRecordStore(tmp_path)


def test_closed_store_says_so(path) -> None:
    store = SQLiteRecordStore(path)
    store.close()
    store.close()  # twice is fine
    with pytest.raises(RuntimeError, match="closed"):
        add(store)
