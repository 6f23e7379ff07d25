"""Durable long-term memory records in SQLite (WAL, synchronous=FULL, one transaction each).

A store file holds two tables: ``records`` (one row per memory, with its float32 vector and
the name of the embedder that made it) and ``meta`` (format marker and the next id sequence
number, which only grows, so ids are never reused). A file that is not such a store is
refused with ValueError: we never write into a file we did not create.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from agemem_env.memory.records import MemoryRecord

__all__ = ["SQLiteRecordStore", "StoredRecord"]

FORMAT_NAME = "agemem-ltm"
SCHEMA_VERSION = "1"
_SQLITE_MAGIC = b"SQLite format 3\x00"
_RECORD_COLUMNS = (
    "id",
    "seq",
    "content",
    "memory_type",
    "metadata",
    "created_step",
    "updated_step",
    "vector",
    "embedder",
)
_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE records (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL UNIQUE,
    content TEXT NOT NULL,
    memory_type TEXT NOT NULL,
    metadata TEXT NOT NULL,
    created_step INTEGER NOT NULL,
    updated_step INTEGER NOT NULL,
    vector BLOB NOT NULL,
    embedder TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class StoredRecord:
    """One row of the store: the record, its sequence number and its vector."""

    record: MemoryRecord
    seq: int
    vector: np.ndarray
    embedder: str


class SQLiteRecordStore:
    """Memory records persisted in one SQLite file.

    Every mutating method is a single transaction, committed (and fsynced) before it
    returns, so a crash loses nothing that a caller was told had been stored.

    Args:
        path: Database file; created (with its folder) if missing.

    Raises:
        ValueError: ``path`` exists but is not a store of this format.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._check_file()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, one transaction per mutation.
        self._conn: sqlite3.Connection | None = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False
        )
        try:
            self._open_schema()
        except sqlite3.DatabaseError as exc:
            self.close()
            raise ValueError(f"{self.path} is not a readable SQLite database: {exc}") from exc
        except ValueError:
            self.close()
            raise

    def _check_file(self) -> None:
        """Refuse a non-empty file without SQLite's header before SQLite touches it."""
        if self.path.is_dir():
            raise ValueError(f"{self.path} is a directory, not a memory store file")
        if self.path.exists() and self.path.stat().st_size > 0:
            with open(self.path, "rb") as handle:
                if handle.read(len(_SQLITE_MAGIC)) != _SQLITE_MAGIC:
                    raise ValueError(
                        f"{self.path} is not a SQLite database (refusing to overwrite it); "
                        f"pass a new path for the memory store"
                    )

    def _open_schema(self) -> None:
        conn = self._connection()
        tables = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        if not tables:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("BEGIN IMMEDIATE")
            for statement in _SCHEMA.strip().split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?)",
                [("format", FORMAT_NAME), ("schema_version", SCHEMA_VERSION), ("next_seq", "1")],
            )
            conn.execute("COMMIT")
            return
        self._validate_schema(tables)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")

    def _validate_schema(self, tables: set[str]) -> None:
        conn = self._connection()
        problem = f"{self.path} is a SQLite database but not an AgeMem memory store"
        if tables != {"meta", "records"}:
            raise ValueError(f"{problem} (tables: {sorted(tables)}); pass a new path")
        columns = tuple(row[1] for row in conn.execute("PRAGMA table_info(records)"))
        if columns != _RECORD_COLUMNS:
            raise ValueError(f"{problem} (records columns: {list(columns)})")
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        if meta.get("format") != FORMAT_NAME or "next_seq" not in meta:
            raise ValueError(f"{problem} (meta: {meta})")
        if meta.get("schema_version") != SCHEMA_VERSION:
            raise ValueError(
                f"{self.path} has store schema version {meta.get('schema_version')!r}; "
                f"this version of agemem reads {SCHEMA_VERSION!r}"
            )

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError(f"memory store {self.path} is closed")
        return self._conn

    def _transaction(self, statements: list[tuple[str, tuple[object, ...]]]) -> list[int]:
        """Run statements in one committed transaction (rolled back on any error).

        Returns:
            The number of rows each statement changed.
        """
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            counts = [conn.execute(sql, params).rowcount for sql, params in statements]
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return counts

    def insert(self, record: MemoryRecord, seq: int, vector: np.ndarray, embedder: str) -> None:
        """Store a new record and advance the id counter past ``seq``, atomically."""
        self._transaction(
            [
                (
                    "INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        record.id,
                        seq,
                        record.content,
                        record.memory_type,
                        json.dumps(record.metadata, sort_keys=True),
                        record.created_step,
                        record.updated_step,
                        _vector_blob(vector),
                        embedder,
                    ),
                ),
                (
                    "UPDATE meta SET value = CAST(MAX(CAST(value AS INTEGER), ?) AS TEXT) "
                    "WHERE key = 'next_seq'",
                    (seq + 1,),
                ),
            ]
        )

    def update(self, record: MemoryRecord, vector: np.ndarray, embedder: str) -> None:
        """Overwrite an existing record (content, metadata, step, vector)."""
        counts = self._transaction(
            [
                (
                    "UPDATE records SET content = ?, memory_type = ?, metadata = ?, "
                    "updated_step = ?, vector = ?, embedder = ? WHERE id = ?",
                    (
                        record.content,
                        record.memory_type,
                        json.dumps(record.metadata, sort_keys=True),
                        record.updated_step,
                        _vector_blob(vector),
                        embedder,
                        record.id,
                    ),
                )
            ]
        )
        if counts[0] != 1:  # nothing changed, so nothing to undo
            raise KeyError(f"record {record.id!r} is not in store {self.path}")

    def set_vectors(self, items: list[tuple[str, np.ndarray]], embedder: str) -> None:
        """Replace the vectors of many records (after re-embedding) in one transaction."""
        self._transaction(
            [
                (
                    "UPDATE records SET vector = ?, embedder = ? WHERE id = ?",
                    (_vector_blob(v), embedder, rid),
                )
                for rid, v in items
            ]
        )

    def delete(self, memory_id: str) -> None:
        """Delete one record (KeyError if absent); the id counter is unchanged."""
        if self._transaction([("DELETE FROM records WHERE id = ?", (memory_id,))])[0] != 1:
            raise KeyError(f"record {memory_id!r} is not in store {self.path}")

    def clear(self, restart_ids: bool = False) -> None:
        """Delete every record; the id counter is kept (ids stay unique) unless
        ``restart_ids``, which starts numbering at 1 again."""
        statements: list[tuple[str, tuple[object, ...]]] = [("DELETE FROM records", ())]
        if restart_ids:
            statements.append(("UPDATE meta SET value = '1' WHERE key = 'next_seq'", ()))
        self._transaction(statements)

    def next_seq(self) -> int:
        """The sequence number the next new record gets (greater than any ever used)."""
        conn = self._connection()
        stored = int(conn.execute("SELECT value FROM meta WHERE key = 'next_seq'").fetchone()[0])
        highest = conn.execute("SELECT MAX(seq) FROM records").fetchone()[0]
        return max(stored, (highest or 0) + 1)

    def load_all(self) -> list[StoredRecord]:
        """Every record, in sequence (creation) order."""
        rows = self._connection().execute(
            f"SELECT {', '.join(_RECORD_COLUMNS)} FROM records ORDER BY seq"
        )
        out = []
        for rid, seq, content, mtype, metadata, created, updated, blob, embedder in rows:
            record = MemoryRecord(rid, content, mtype, json.loads(metadata), created, updated)
            vector = np.frombuffer(blob, dtype=np.float32).copy()
            out.append(StoredRecord(record, int(seq), vector, embedder))
        return out

    def __len__(self) -> int:
        return int(self._connection().execute("SELECT COUNT(*) FROM records").fetchone()[0])

    def close(self) -> None:
        """Close the connection; safe to call twice."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _vector_blob(vector: np.ndarray) -> bytes:
    return np.ascontiguousarray(vector, dtype=np.float32).tobytes()
