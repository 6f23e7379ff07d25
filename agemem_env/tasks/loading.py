"""Shared helpers for dataset loaders: reading files and checking fields with errors that
name the file, the record and the field."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class DataFormatError(ValueError):
    """A data file that cannot be read as its layout promises."""


def resolve_file(
    path: str | os.PathLike[str], source: str, patterns: tuple[str, ...]
) -> list[Path]:
    """The data files at ``path``: the file itself, or the matching files of a folder
    (sorted, so the task order is stable).

    Raises:
        FileNotFoundError: Nothing there, naming the path and what was looked for.
    """
    path = Path(path)
    if path.is_file():
        return [path]
    if path.is_dir():
        found = sorted({f for pattern in patterns for f in path.glob(pattern) if f.is_file()})
        if found:
            return found
        raise FileNotFoundError(
            f"{source}: no data file in folder {path} (looked for {', '.join(patterns)})"
        )
    raise FileNotFoundError(f"{source}: {path} does not exist")


def read_json(path: Path) -> Any:
    """Parse a JSON (or JSON-lines, for .jsonl) file; errors name the file and position."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # a UTF-8 BOM (Windows editors) is fine
    except UnicodeDecodeError as err:
        raise DataFormatError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from err
    if not text.strip():
        raise DataFormatError(f"{path}: the file is empty")
    if path.suffix == ".jsonl":
        return list(_json_lines(path, text))
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise DataFormatError(
            f"{path}: invalid JSON ({err.msg} at line {err.lineno}, column {err.colno}); "
            "is the file truncated?"
        ) from err
    except RecursionError as err:
        raise DataFormatError(f"{path}: JSON nested too deeply to read") from err


def _json_lines(path: Path, text: str) -> Iterator[Any]:
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                yield json.loads(line)
            except json.JSONDecodeError as err:
                raise DataFormatError(f"{path}: line {number}: invalid JSON ({err.msg})") from err


def field(record: Any, name: str, kind: type | tuple[type, ...], where: str) -> Any:
    """``record[name]``, checked to be of ``kind``; ``where`` names file and record.

    >>> field({"q": "Who?"}, "q", str, "f.json record 0")
    'Who?'
    >>> field({"q": 3}, "q", str, "f.json record 0")
    Traceback (most recent call last):
    ...
    agemem_env.tasks.loading.DataFormatError: f.json record 0: field 'q' must be str, got int
    """
    if not isinstance(record, dict):
        raise DataFormatError(f"{where}: expected an object, got {type(record).__name__}")
    if name not in record:
        raise DataFormatError(f"{where}: missing field '{name}'")
    value = record[name]
    # bool is an int; a True answer is not a count.
    if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _as_tuple(kind)):
        expected = " or ".join(k.__name__ for k in _as_tuple(kind))
        raise DataFormatError(
            f"{where}: field '{name}' must be {expected}, got {type(value).__name__}"
        )
    return value


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def no_data_error(source: str, expected: str) -> FileNotFoundError:
    """The error for a dataset source used without a path while offline."""
    return FileNotFoundError(
        f"{source}: no path given and the data cannot be fetched offline. Download {expected} "
        f"and pass its location: load_tasks('{source}', path=...) or "
        f"gym.make(..., tasks='{source}', tasks_path=...)"
    )
