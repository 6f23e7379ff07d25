"""Exclusive claims on the namespaces of a shared memory file, released even by SIGKILL.

One namespace of a store file is held by one open store at a time. A claim is an ``flock``
on ``<store file>.locks/<namespace>.lock``: the kernel drops it when the holder closes the
file or dies, however it dies, so a crashed run never leaves a namespace stuck. The locks
live in files of their own beside the database, never on it: SQLite owns the POSIX locks of
its file, and closing any descriptor of a file drops all of a process's POSIX locks on it.
Lock files are never deleted (deleting one while another process opens it would let two
holders lock two different files of the same name); they are empty but for the holder's pid.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

if sys.platform == "win32":  # no flock there; msvcrt byte locks die with the process too
    import msvcrt
else:
    import fcntl

__all__ = [
    "DEFAULT_NAMESPACE",
    "NamespaceLock",
    "check_namespace",
    "claim_namespace",
    "lock_dir",
]

DEFAULT_NAMESPACE = "default"
MAX_AUTO_NAMESPACES = 10_000
# Namespaces name lock files, so they are plain file-name characters: no separators, no "..".
_NAMESPACE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass
class NamespaceLock:
    """A held namespace: its name and the open lock file that holds it."""

    namespace: str
    path: Path
    _fd: int | None

    def release(self) -> None:
        """Drop the claim; safe to call twice."""
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the lock
            self._fd = None

    def __del__(self) -> None:
        # A store dropped without close frees its namespace, as its connection closes too.
        self.release()


def lock_dir(store_path: str | os.PathLike[str]) -> Path:
    """The folder of a store file's lock files (the real path, so aliases share locks)."""
    real = Path(os.path.realpath(store_path))
    return real.with_name(real.name + ".locks")


def check_namespace(namespace: object) -> str:
    """A valid namespace name, or ValueError saying what one looks like."""
    if not isinstance(namespace, str) or not _NAMESPACE_RE.fullmatch(namespace):
        raise ValueError(
            f"namespace must be 1 to 64 letters, digits, '.', '_' or '-', starting with a "
            f"letter or digit; got {namespace!r:.80}"
        )
    return namespace


def claim_namespace(store_path: str | os.PathLike[str], namespace: str | None) -> NamespaceLock:
    """Claim ``namespace`` of a store file, or with ``None`` the first free of
    ``default``, ``default-2``, ``default-3``, ...

    Raises:
        ValueError: The namespace is invalid, or already held by another open store
            (in this process or another); the message names the file and what to do.
    """
    folder = lock_dir(store_path)
    folder.mkdir(exist_ok=True)
    if namespace is not None:
        namespace = check_namespace(namespace)
        lock = _try_lock(folder, namespace)
        if lock is None:
            raise ValueError(
                f"memory namespace {namespace!r} of {store_path} is already open"
                f"{_holder(folder / f'{namespace}.lock')}; close that memory first, pass "
                f"another namespace=..., or namespace=None to take the first free one"
            )
        return lock
    for n in range(1, MAX_AUTO_NAMESPACES + 1):
        name = DEFAULT_NAMESPACE if n == 1 else f"{DEFAULT_NAMESPACE}-{n}"
        if (lock := _try_lock(folder, name)) is not None:
            return lock
    raise ValueError(
        f"all {MAX_AUTO_NAMESPACES} default namespaces of {store_path} are open; "
        f"close some memories or pass namespace=..."
    )


def _try_lock(folder: Path, namespace: str) -> NamespaceLock | None:
    """Lock the namespace's file without waiting; ``None`` if someone holds it."""
    path = folder / f"{namespace}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if sys.platform == "win32":
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            # flock, not lockf: its locks belong to this open file, so two stores of one
            # process conflict too, and closing another descriptor does not drop them.
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # BlockingIOError (POSIX) or PermissionError (Windows): held
        os.close(fd)
        return None
    except BaseException:
        os.close(fd)
        raise
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())  # for the refusal message only
    return NamespaceLock(namespace, path, fd)


def _holder(path: Path) -> str:
    """Who holds a lock file, as the refusal message says it; empty if the file does not say."""
    try:
        pid = int(path.read_text().strip())
    except (OSError, ValueError):
        return ""
    return " in this process" if pid == os.getpid() else f" by process {pid}"
