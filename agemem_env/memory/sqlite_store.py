"""Durable long-term memory records in SQLite, safe to share between processes.

Sharing: every store object works in one namespace of the file, which it holds exclusively
(:mod:`agemem_env.memory.namespace_lock`), so stores on one file never see or change each
other's records. Ids are allocated inside the inserting transaction, never from a counter
kept in a process. The schema (:mod:`agemem_env.memory.sqlite_schema`) is checked, created
or migrated inside one ``BEGIN IMMEDIATE`` transaction, so any number of processes may
create a new file at once.

Durability: WAL, ``synchronous=FULL``, one committed transaction per mutation, so a crash
loses nothing a caller was told had been stored. SQLite failures while working (locked past
the timeout, disk I/O, disk full, read-only file) raise :class:`StoreError`, a ``ToolError``,
after the transaction was rolled back: the tool call fails and the memory is unchanged.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from agemem_env.core import ToolError
from agemem_env.memory.namespace_lock import NamespaceLock, claim_namespace
from agemem_env.memory.records import MemoryRecord, memory_id
from agemem_env.memory.sqlite_schema import RECORD_COLUMNS, check_file, prepare_schema, use_wal

__all__ = ["SQLiteRecordStore", "StoreError", "StoredRecord"]

BUSY_TIMEOUT_S = 30.0  # how long a write waits for another process's transaction


class StoreError(ToolError):
    """The memory file failed (locked, I/O error, full, read-only, changed by others);
    the operation was rolled back, so neither the file nor the memory changed."""


@dataclass(frozen=True)
class StoredRecord:
    """One row of the store: the record, its sequence number and its vector."""

    record: MemoryRecord
    seq: int
    vector: np.ndarray
    embedder: str


class SQLiteRecordStore:
    """Memory records of one namespace of a SQLite file.

    Every mutating method is a single transaction, committed (and fsynced) before it
    returns.

    Args:
        path: Database file; created (with its folder) if missing.
        namespace: The namespace to hold. ``None`` takes the first free one of
            ``"default"``, ``"default-2"``, ...; the chosen one is :attr:`namespace`.

    Raises:
        ValueError: ``path`` exists but is not a store of this format, or ``namespace`` is
            invalid or held by another open store.
        StoreError: SQLite could not open the file (locked, I/O error).
    """

    def __init__(self, path: str | os.PathLike[str], namespace: str | None = None) -> None:
        self.path = Path(path)
        self.namespace = ""  # set once held
        check_file(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock: NamespaceLock | None = None
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, one transaction per mutation.
        self._conn: sqlite3.Connection | None = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_S
        )
        try:
            self._open(namespace)
        except sqlite3.OperationalError as exc:  # locked, I/O: the file may be fine
            self.close()
            raise StoreError(f"could not open memory store {self.path}: {exc}") from exc
        except sqlite3.DatabaseError as exc:
            self.close()
            raise ValueError(f"{self.path} is not a readable SQLite database: {exc}") from exc
        except BaseException:
            self.close()
            raise

    def _open(self, namespace: str | None) -> None:
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")  # one creator or migrator at a time; others wait
        try:
            prepare_schema(conn, self.path)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        # Only now, the file being a store, may we change its journal mode.
        use_wal(conn, BUSY_TIMEOUT_S)
        conn.execute("PRAGMA synchronous=FULL")
        self._lock = claim_namespace(self.path, namespace)
        self.namespace = self._lock.namespace
        with self._writing("register its namespace") as cur:
            cur.execute(
                "INSERT OR IGNORE INTO namespaces (name, next_seq) VALUES (?, 1)",
                (self.namespace,),
            )

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError(f"memory store {self.path} is closed")
        return self._conn

    @contextmanager
    def _writing(self, action: str) -> Iterator[sqlite3.Cursor]:
        """One committed write transaction; on any error it is rolled back, and SQLite's
        errors become StoreError saying what could not be done."""
        conn = self._connection()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn.cursor()
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise self._error(action, exc) from exc

    @contextmanager
    def _reading(self, action: str) -> Iterator[sqlite3.Connection]:
        try:
            yield self._connection()
        except sqlite3.Error as exc:
            raise self._error(action, exc) from exc

    def _error(self, action: str, exc: sqlite3.Error) -> StoreError:
        return StoreError(
            f"memory store {self.path} (namespace {self.namespace!r}) could not {action}: "
            f"{exc}; nothing was changed"
        )

    def insert(
        self,
        content: str,
        memory_type: str,
        metadata: dict[str, Any],
        step: int,
        vector: np.ndarray,
        embedder: str,
    ) -> StoredRecord:
        """Store a new record under the next id of the namespace, allocated in the same
        transaction, and return it."""
        with self._writing("add a record") as cur:
            seq = _next_seq(cur, self.namespace)
            record = MemoryRecord(memory_id(seq), content, memory_type, metadata, step, step)
            cur.execute(
                "INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    self.namespace,
                    seq,
                    record.id,
                    content,
                    memory_type,
                    json.dumps(metadata, sort_keys=True),
                    step,
                    step,
                    _vector_blob(vector),
                    embedder,
                ),
            )
            cur.execute(
                "UPDATE namespaces SET next_seq = ? WHERE name = ?", (seq + 1, self.namespace)
            )
        return StoredRecord(record, seq, vector, embedder)

    def update(self, record: MemoryRecord, vector: np.ndarray, embedder: str) -> None:
        """Overwrite an existing record (content, metadata, step, vector)."""
        with self._writing(f"update {record.id}") as cur:
            cur.execute(
                "UPDATE records SET content = ?, memory_type = ?, metadata = ?, "
                "updated_step = ?, vector = ?, embedder = ? WHERE namespace = ? AND id = ?",
                (
                    record.content,
                    record.memory_type,
                    json.dumps(record.metadata, sort_keys=True),
                    record.updated_step,
                    _vector_blob(vector),
                    embedder,
                    self.namespace,
                    record.id,
                ),
            )
            self._check_found(cur, record.id)

    def set_vectors(self, items: list[tuple[str, np.ndarray]], embedder: str) -> None:
        """Replace the vectors of many records (after re-embedding) in one transaction."""
        with self._writing("save re-embedded vectors") as cur:
            cur.executemany(
                "UPDATE records SET vector = ?, embedder = ? WHERE namespace = ? AND id = ?",
                [(_vector_blob(v), embedder, self.namespace, rid) for rid, v in items],
            )

    def delete(self, memory_id: str) -> None:
        """Delete one record; the id counter is unchanged."""
        with self._writing(f"delete {memory_id}") as cur:
            cur.execute(
                "DELETE FROM records WHERE namespace = ? AND id = ?", (self.namespace, memory_id)
            )
            self._check_found(cur, memory_id)

    def _check_found(self, cur: sqlite3.Cursor, record_id: str) -> None:
        if cur.rowcount != 1:  # raising inside _writing rolls the transaction back
            raise StoreError(
                f"record {record_id!r} is not in namespace {self.namespace!r} of memory store "
                f"{self.path} (was the file changed outside this memory?); nothing was changed"
            )

    def clear(self, restart_ids: bool = False) -> None:
        """Delete every record of the namespace; the id counter is kept (ids stay unique)
        unless ``restart_ids``, which starts numbering at 1 again."""
        with self._writing("clear its namespace") as cur:
            cur.execute("DELETE FROM records WHERE namespace = ?", (self.namespace,))
            if restart_ids:
                cur.execute("UPDATE namespaces SET next_seq = 1 WHERE name = ?", (self.namespace,))

    def next_seq(self) -> int:
        """The sequence number the next new record gets (greater than any in use)."""
        with self._reading("read its id counter") as conn:
            return _next_seq(conn.cursor(), self.namespace)

    def load_all(self) -> list[StoredRecord]:
        """Every record of the namespace, in sequence (creation) order."""
        with self._reading("read its records") as conn:
            rows = conn.execute(
                f"SELECT {', '.join(RECORD_COLUMNS[1:])} FROM records "
                f"WHERE namespace = ? ORDER BY seq",
                (self.namespace,),
            ).fetchall()
        out = []
        for seq, rid, content, mtype, metadata, created, updated, blob, embedder in rows:
            record = MemoryRecord(rid, content, mtype, json.loads(metadata), created, updated)
            # A torn or foreign blob gets the wrong shape, so the memory re-embeds its content.
            vector = np.frombuffer(blob[: len(blob) // 4 * 4], dtype=np.float32).copy()
            out.append(StoredRecord(record, int(seq), vector, embedder))
        return out

    def __len__(self) -> int:
        with self._reading("count its records") as conn:
            sql = "SELECT COUNT(*) FROM records WHERE namespace = ?"
            return int(conn.execute(sql, (self.namespace,)).fetchone()[0])

    def close(self) -> None:
        """Close the connection and give the namespace up; safe to call twice."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None


def _next_seq(cur: sqlite3.Cursor, namespace: str) -> int:
    """The namespace's next sequence number, never below one past its highest row."""
    row = cur.execute(
        "SELECT MAX(COALESCE((SELECT next_seq FROM namespaces WHERE name = ?), 1), "
        "COALESCE((SELECT MAX(seq) FROM records WHERE namespace = ?), 0) + 1)",
        (namespace, namespace),
    ).fetchone()
    return int(row[0])


def _vector_blob(vector: np.ndarray) -> bytes:
    return np.ascontiguousarray(vector, dtype=np.float32).tobytes()
