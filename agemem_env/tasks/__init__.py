"""Tasks: the Task model, the seeded synthetic generator and the task-source loader.

>>> tasks = load_tasks("synthetic", limit=2, seed=7, hops=3)
>>> [t.metadata["hops"] for t in tasks if t.metadata["kind"] == "multihop"] in ([], [3], [3, 3])
True
"""

from __future__ import annotations

from dataclasses import fields
from os import PathLike
from typing import Any

from agemem_env.tasks.distractors import add_distractors
from agemem_env.tasks.hotpotqa import load_hotpotqa
from agemem_env.tasks.loading import DataFormatError
from agemem_env.tasks.locomo import load_locomo
from agemem_env.tasks.longmemeval import load_longmemeval
from agemem_env.tasks.synthetic import SyntheticConfig, generate_task, generate_tasks
from agemem_env.tasks.synthetic_vocab import CHITCHAT, chitchat_lines
from agemem_env.tasks.task import Task

__all__ = [
    "CHITCHAT",
    "DataFormatError",
    "SOURCES",
    "SyntheticConfig",
    "Task",
    "add_distractors",
    "chitchat_lines",
    "generate_task",
    "generate_tasks",
    "load_hotpotqa",
    "load_locomo",
    "load_longmemeval",
    "load_tasks",
]

# Every task source name load_tasks accepts.
SOURCES: tuple[str, ...] = ("synthetic", "hotpotqa", "locomo", "longmemeval")


_LOADERS = {"hotpotqa": load_hotpotqa, "locomo": load_locomo, "longmemeval": load_longmemeval}
# Options of dataset sources: how Stage-2 distractors are drawn, and LoCoMo's category filter.
_DATASET_OPTIONS = ("distractors", "n_related", "n_chitchat", "distractor_embedder")


def load_tasks(
    source: str = "synthetic",
    path: str | PathLike[str] | None = None,
    split: str | None = None,
    limit: int | None = None,
    seed: int | None = None,
    **config: Any,
) -> list[Task]:
    """Load tasks from a named source.

    Dataset tasks get Stage-2 distractors: passages of other tasks of the same source that
    are nearest to this task's question and facts without supporting them, plus chit-chat.

    Args:
        source: One of `SOURCES`.
        path: Local dataset file or folder (dataset sources only). Without one, the
            `datasets` library fetches HotpotQA when online; otherwise the error says
            where to put the file.
        split: Dataset split (dataset sources only).
        limit: How many tasks; for "synthetic", default 100.
        seed: Generator seed for "synthetic" (default 0); for datasets, the seed of the
            chit-chat distractors.
        **config: `SyntheticConfig` fields for "synthetic" (``hops=3``, ...). For datasets:
            ``distractors`` (bool, default True), ``n_related`` (4), ``n_chitchat`` (2),
            ``distractor_embedder`` ("hashing"), and for "locomo" ``categories``.

    Returns:
        The tasks, in a deterministic order.

    Raises:
        ValueError: Unknown source, or an option that does not apply to it.
        TypeError: An option the source does not have.
        FileNotFoundError: No data at ``path``, or no path while offline.
        DataFormatError: A broken data file (names the file, record and field).
    """
    if source == "synthetic":
        if path is not None or split is not None:
            raise ValueError("load_tasks: 'path' and 'split' do not apply to source 'synthetic'")
        _check_options(source, config, {f.name for f in fields(SyntheticConfig)})
        return generate_tasks(
            100 if limit is None else limit, 0 if seed is None else seed, SyntheticConfig(**config)
        )
    if source not in _LOADERS:
        raise ValueError(f"load_tasks: unknown source {source!r}; choose one of {list(SOURCES)}")
    extra = ("categories",) if source == "locomo" else ()
    _check_options(source, config, {*_DATASET_OPTIONS, *extra})
    loader_options = {k: config.pop(k) for k in extra if k in config}
    tasks = _LOADERS[source](path, split=split, limit=limit, **loader_options)
    if not config.get("distractors", True):
        return tasks
    return add_distractors(
        tasks,
        n_related=config.get("n_related", 4),
        n_chitchat=config.get("n_chitchat", 2),
        embedder=config.get("distractor_embedder", "hashing"),
        seed=0 if seed is None else seed,
    )


def _check_options(source: str, config: dict[str, Any], known: set[str]) -> None:
    unknown = sorted(set(config) - known)
    if unknown:
        raise TypeError(
            f"load_tasks: unknown {source} option(s) {unknown}; valid: {sorted(known)}"
        )
