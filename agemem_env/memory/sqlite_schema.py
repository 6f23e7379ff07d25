"""The layout of a memory store file: create it, check it, migrate older versions.

Schema 2 has three tables: ``meta`` (format marker, schema version), ``namespaces`` (per
namespace, the next id sequence number: it only grows, unless a clear restarts it) and
``records`` (one row per memory, keyed by namespace and sequence number, with its float32
vector and the name of the embedder that made it). Schema 1 had one unnamed namespace; it is
migrated in place, its records becoming namespace ``"default"``. A file of a newer version,
or any file that is not a store, is refused with ValueError and left as it was.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

__all__ = ["RECORD_COLUMNS", "SCHEMA_VERSION", "check_file", "prepare_schema", "use_wal"]

FORMAT_NAME = "agemem-ltm"
SCHEMA_VERSION = "2"
_SQLITE_MAGIC = b"SQLite format 3\x00"
RECORD_COLUMNS = (
    "namespace",
    "seq",
    "id",
    "content",
    "memory_type",
    "metadata",
    "created_step",
    "updated_step",
    "vector",
    "embedder",
)
_V1_RECORD_COLUMNS = ("id", "seq", *RECORD_COLUMNS[3:])  # no namespace, id before seq
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS namespaces (name TEXT PRIMARY KEY, next_seq INTEGER NOT NULL)",
    """CREATE TABLE IF NOT EXISTS records (
        namespace TEXT NOT NULL,
        seq INTEGER NOT NULL,
        id TEXT NOT NULL,
        content TEXT NOT NULL,
        memory_type TEXT NOT NULL,
        metadata TEXT NOT NULL,
        created_step INTEGER NOT NULL,
        updated_step INTEGER NOT NULL,
        vector BLOB NOT NULL,
        embedder TEXT NOT NULL,
        PRIMARY KEY (namespace, seq),
        UNIQUE (namespace, id)
    )""",
)


def check_file(path: Path) -> None:
    """Refuse a directory, or a non-empty file without SQLite's header, before SQLite
    touches it."""
    if path.is_dir():
        raise ValueError(f"{path} is a directory, not a memory store file")
    if path.exists() and path.stat().st_size > 0:
        with open(path, "rb") as handle:
            if handle.read(len(_SQLITE_MAGIC)) != _SQLITE_MAGIC:
                raise ValueError(
                    f"{path} is not a SQLite database (refusing to overwrite it); "
                    f"pass a new path for the memory store"
                )


def prepare_schema(conn: sqlite3.Connection, path: Path) -> None:
    """Create the schema in an empty file, migrate schema 1, or check schema 2.

    Call inside ``BEGIN IMMEDIATE``: holding the write lock from the first look at the
    tables to the last ``CREATE`` is what makes simultaneous creation safe.
    """
    tables = {
        row[0]
        for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if not row[0].startswith("sqlite_")
    }
    if not tables:
        for statement in _SCHEMA:
            conn.execute(statement)
        conn.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?)",
            [("format", FORMAT_NAME), ("schema_version", SCHEMA_VERSION)],
        )
        return
    problem = f"{path} is a SQLite database but not an AgeMem memory store"
    if "meta" not in tables or "records" not in tables:
        raise ValueError(f"{problem} (tables: {sorted(tables)}); pass a new path")
    meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    version = meta.get("schema_version")
    if meta.get("format") != FORMAT_NAME or (version == "1" and "next_seq" not in meta):
        raise ValueError(f"{problem} (meta: {meta})")
    if version == "1":
        _check_layout(conn, problem, tables, {"meta", "records"}, _V1_RECORD_COLUMNS)
        _migrate_v1(conn)
    elif version == SCHEMA_VERSION:
        _check_layout(conn, problem, tables, {"meta", "namespaces", "records"}, RECORD_COLUMNS)
    else:
        raise ValueError(
            f"{path} has store schema version {version!r}; this version of agemem reads "
            f"{SCHEMA_VERSION!r} and migrates '1' (a newer agemem wrote it?)"
        )


def use_wal(conn: sqlite3.Connection, timeout_s: float) -> None:
    """Switch the file to WAL (a no-op once it is), retrying while others hold it.

    The switch needs the file to itself and, unlike a write, fails at once with
    SQLITE_BUSY instead of waiting, e.g. while another process that opened a new file at
    the same moment checks the schema; so we wait here, up to ``timeout_s``.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            busy = exc.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY  # or an extended BUSY_*
            if not busy or time.monotonic() > deadline:
                raise
            time.sleep(0.005)


def _check_layout(
    conn: sqlite3.Connection,
    problem: str,
    tables: set[str],
    expected: set[str],
    columns: tuple[str, ...],
) -> None:
    if tables != expected:
        raise ValueError(f"{problem} (tables: {sorted(tables)}); pass a new path")
    found = tuple(row[1] for row in conn.execute("PRAGMA table_info(records)"))
    if found != columns:
        raise ValueError(f"{problem} (records columns: {list(found)})")


def _migrate_v1(conn: sqlite3.Connection) -> None:
    """Schema 1 -> 2 inside the caller's transaction: the one set of records becomes
    namespace "default", keeping its ids and its id counter."""
    (next_seq,) = conn.execute(
        "SELECT MAX(CAST(value AS INTEGER), COALESCE((SELECT MAX(seq) FROM records), 0) + 1) "
        "FROM meta WHERE key = 'next_seq'"
    ).fetchone()
    conn.execute("ALTER TABLE records RENAME TO records_v1")
    for statement in _SCHEMA:
        conn.execute(statement)
    conn.execute(
        f"INSERT INTO records ({', '.join(RECORD_COLUMNS)}) "
        f"SELECT 'default', {', '.join(RECORD_COLUMNS[1:])} FROM records_v1"
    )
    conn.execute("INSERT INTO namespaces (name, next_seq) VALUES ('default', ?)", (next_seq,))
    conn.execute("DROP TABLE records_v1")
    conn.execute("DELETE FROM meta WHERE key = 'next_seq'")
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (SCHEMA_VERSION,))
