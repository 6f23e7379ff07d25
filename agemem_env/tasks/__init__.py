"""Tasks: the Task model, the seeded synthetic generator and the task-source loader.

>>> tasks = load_tasks("synthetic", limit=2, seed=7, hops=3)
>>> [t.metadata["hops"] for t in tasks if t.metadata["kind"] == "multihop"] in ([], [3], [3, 3])
True
"""

from __future__ import annotations

from dataclasses import fields
from os import PathLike
from typing import Any

from agemem_env.tasks.synthetic import SyntheticConfig, generate_task, generate_tasks
from agemem_env.tasks.synthetic_vocab import CHITCHAT, chitchat_lines
from agemem_env.tasks.task import Task

__all__ = [
    "CHITCHAT",
    "SOURCES",
    "SyntheticConfig",
    "Task",
    "chitchat_lines",
    "generate_task",
    "generate_tasks",
    "load_tasks",
]

# Every task source name load_tasks accepts; the dataset loaders are not built yet.
SOURCES: tuple[str, ...] = ("synthetic", "hotpotqa", "locomo", "longmemeval")


def load_tasks(
    source: str = "synthetic",
    path: str | PathLike[str] | None = None,
    split: str | None = None,
    limit: int | None = None,
    seed: int | None = None,
    **config: Any,
) -> list[Task]:
    """Load tasks from a named source.

    Args:
        source: One of `SOURCES`.
        path: Local dataset file or folder (dataset sources only).
        split: Dataset split (dataset sources only).
        limit: How many tasks; for "synthetic", default 100.
        seed: Generator seed for "synthetic", default 0.
        **config: `SyntheticConfig` fields for "synthetic" (``hops=3``, ...).

    Returns:
        The tasks, in a deterministic order.

    Raises:
        ValueError: Unknown source, or an option that does not apply to it.
        TypeError: A config keyword that `SyntheticConfig` does not have.
        NotImplementedError: A dataset source whose loader is not built yet.
    """
    if source == "synthetic":
        if path is not None or split is not None:
            raise ValueError("load_tasks: 'path' and 'split' do not apply to source 'synthetic'")
        known = {f.name for f in fields(SyntheticConfig)}
        unknown = sorted(set(config) - known)
        if unknown:
            raise TypeError(
                f"load_tasks: unknown synthetic option(s) {unknown}; valid: {sorted(known)}"
            )
        return generate_tasks(
            100 if limit is None else limit, 0 if seed is None else seed, SyntheticConfig(**config)
        )
    if source in SOURCES:
        raise NotImplementedError(
            f"load_tasks: the {source!r} loader arrives with the task-sources issue; "
            "pass tasks=[Task(...)] meanwhile"
        )
    raise ValueError(f"load_tasks: unknown source {source!r}; choose one of {list(SOURCES)}")
