"""SQLite record store: round trips, monotonic ids, durability settings, refusing foreign files."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from agemem_env.memory.records import MemoryRecord
from agemem_env.memory.sqlite_store import SQLiteRecordStore


def record(seq: int, content: str = "text", **metadata: object) -> MemoryRecord:
    return MemoryRecord(f"mem_{seq}", content, "fact", dict(metadata), seq, seq)


def vec(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=8).astype(np.float32)


def test_round_trip_in_seq_order_after_reopen(tmp_path) -> None:
    path = tmp_path / "ltm.sqlite"
    store = SQLiteRecordStore(path)
    for seq in (3, 1, 2):
        store.insert(record(seq, f"c{seq}", k=[seq, "x"]), seq, vec(seq), "emb-a")
    store.close()
    rows = SQLiteRecordStore(path).load_all()
    assert [r.seq for r in rows] == [1, 2, 3]
    assert rows[2].record == record(3, "c3", k=[3, "x"])
    assert np.array_equal(rows[0].vector, vec(1)) and rows[0].vector.dtype == np.float32
    assert rows[0].embedder == "emb-a"


def test_next_seq_never_goes_back(tmp_path) -> None:
    store = SQLiteRecordStore(tmp_path / "ltm.sqlite")
    assert store.next_seq() == 1
    store.insert(record(1), 1, vec(1), "e")
    store.insert(record(2), 2, vec(2), "e")
    store.delete("mem_2")
    assert store.next_seq() == 3
    store.clear()
    assert len(store) == 0 and store.next_seq() == 3
    store.close()
    assert SQLiteRecordStore(tmp_path / "ltm.sqlite").next_seq() == 3


def test_update_delete_and_missing_ids(tmp_path) -> None:
    store = SQLiteRecordStore(tmp_path / "ltm.sqlite")
    store.insert(record(1, "old"), 1, vec(1), "e")
    new = MemoryRecord("mem_1", "new", "fact", {"a": 1}, 1, 7)
    store.update(new, vec(9), "e2")
    row = store.load_all()[0]
    assert row.record == new and np.array_equal(row.vector, vec(9)) and row.embedder == "e2"
    with pytest.raises(KeyError, match="mem_5"):
        store.update(record(5), vec(5), "e")
    with pytest.raises(KeyError, match="mem_5"):
        store.delete("mem_5")
    store.delete("mem_1")
    assert store.load_all() == []


def test_failed_insert_rolls_back_whole_transaction(tmp_path) -> None:
    store = SQLiteRecordStore(tmp_path / "ltm.sqlite")
    store.insert(record(1), 1, vec(1), "e")
    with pytest.raises(sqlite3.IntegrityError):
        store.insert(record(1), 7, vec(1), "e")  # duplicate id: the counter must not move
    assert store.next_seq() == 2 and len(store) == 1


def test_wal_and_full_sync(tmp_path) -> None:
    store = SQLiteRecordStore(tmp_path / "ltm.sqlite")
    conn = store._connection()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


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


def test_wrong_columns_are_refused(tmp_path) -> None:
    path = tmp_path / "odd.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
    conn.execute("CREATE TABLE records (id TEXT PRIMARY KEY, content TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(ValueError, match="records columns"):
        SQLiteRecordStore(path)


def test_empty_file_becomes_a_store_and_directory_is_refused(tmp_path) -> None:
    path = tmp_path / "empty.sqlite"
    path.touch()
    SQLiteRecordStore(path).insert(record(1), 1, vec(1), "e")
    assert len(SQLiteRecordStore(path)) == 1
    with pytest.raises(ValueError, match="directory"):
        SQLiteRecordStore(tmp_path)


def test_closed_store_says_so(tmp_path) -> None:
    store = SQLiteRecordStore(tmp_path / "ltm.sqlite")
    store.close()
    store.close()  # twice is fine
    with pytest.raises(RuntimeError, match="closed"):
        store.insert(record(1), 1, vec(1), "e")
