"""Benchmark suites: what a leaderboard entry was measured on, declared in TOML.

A suite is an env id, a task source (with its path, split, limit and sampling), the run
seeds, the episodes per seed, the judge, the reward preset, the embedder and any other
env keyword arguments. The files live in ``leaderboard/suites/*.toml`` (one suite per
file); users add their own folders. ``{data}`` in a task path stands for the data root:
``$AGEMEM_DATA``, else the first ``../shared/data`` found above the working directory or
this package.

Seeds: for each run seed ``s`` the suite's tasks are loaded with ``seed=s`` (the synthetic
generator's seed; a dataset's chit-chat distractor seed) and episode ``i`` plays task ``i``
reset with seed ``s + i``, so a suite with seeds ``[0, 1]`` plays two different synthetic
task sets.

>>> suite = Suite.from_dict({"name": "tiny", "episodes": 2, "tasks": {"source": "synthetic"}})
>>> suite.env_id, suite.seeds, len(suite.hash())
('AgeMem-Stage3-v0', (0,), 64)
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from agemem_env.tasks import SOURCES, Task, load_tasks

SUITES_DIR = Path(__file__).parent / "suites"
AGENTS_FILE = "agents.toml"  # the agent list, not a suite
DATA_ENV = "AGEMEM_DATA"
# gym.make arguments a suite sets elsewhere: in [env] they would be ambiguous.
_RESERVED_ENV_KEYS = {"tasks", "tasks_path", "task_config", "action_mode", "embedder", "judge",
                      "reward_preset"}


class SuiteError(ValueError):
    """A suite file or definition that cannot be used as written."""


class DataMissing(FileNotFoundError):
    """A suite's data set is not on this machine; the suite is skipped, not failed."""


@dataclass(frozen=True)
class TaskSpec:
    """Where a suite's tasks come from and which of them it plays."""

    source: str = "synthetic"
    """A task source of ``agemem_env.tasks.SOURCES``."""
    path: str | None = None
    """Dataset file or folder; ``{data}`` is replaced by the data root."""
    split: str | None = None
    """Dataset split, where the source has several."""
    limit: int | None = None
    """Load only the first ``limit`` tasks (before sampling)."""
    sample: int | None = None
    """Keep a seeded random sample of this many tasks, in their original order."""
    sample_seed: int = 0
    """Seed of that sample (fixed, so every run seed plays the same tasks)."""
    config: dict[str, Any] = field(default_factory=dict)
    """Options of ``load_tasks``: SyntheticConfig fields, or dataset options."""


@dataclass(frozen=True)
class Suite:
    """One benchmark of the leaderboard; ``hash()`` identifies its canonical definition."""

    name: str
    tasks: TaskSpec = field(default_factory=TaskSpec)
    env_id: str = "AgeMem-Stage3-v0"
    seeds: tuple[int, ...] = (0,)
    episodes: int | None = None
    """Episodes per seed; None plays every task (datasets only)."""
    judge: str = "f1"
    reward_preset: str = "paper"
    embedder: str = "minilm"
    env: dict[str, Any] = field(default_factory=dict)
    """Further ``gym.make`` keyword arguments (token_budget, rounds_per_stage, ...)."""
    description: str = ""
    """Free text for reports; not part of the hash."""

    @classmethod
    def from_dict(cls, raw: dict[str, Any], where: str = "suite") -> Suite:
        """A suite from parsed TOML; errors name ``where`` and the bad key."""
        raw = dict(raw)
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise SuiteError(f"{where}: unknown key(s) {unknown}; valid: {sorted(known)}")
        if not isinstance(raw.get("name"), str) or not raw["name"].strip():
            raise SuiteError(f"{where}: 'name' must be a non-empty string")
        tasks = raw.pop("tasks", {})
        task_keys = {f.name for f in fields(TaskSpec)}
        if not isinstance(tasks, dict) or set(tasks) - task_keys:
            raise SuiteError(f"{where}: [tasks] takes keys {sorted(task_keys)}, got {tasks!r}")
        spec = TaskSpec(**tasks)
        if spec.source not in SOURCES:
            raise SuiteError(f"{where}: unknown task source {spec.source!r}; choose one of "
                             f"{list(SOURCES)}")
        seeds = raw.pop("seeds", [0])
        if (not isinstance(seeds, list | tuple) or not seeds
                or not all(isinstance(s, int) and s >= 0 for s in seeds)):
            raise SuiteError(f"{where}: 'seeds' must be a non-empty list of ints >= 0")
        env = raw.get("env", {})
        if not isinstance(env, dict):
            raise SuiteError(f"{where}: [env] must be a table of gym.make arguments")
        if set(env) & _RESERVED_ENV_KEYS:
            raise SuiteError(f"{where}: [env] may not set {sorted(set(env) & _RESERVED_ENV_KEYS)}"
                             ": tasks come from [tasks], the action mode from the agent, and "
                             "embedder, judge and reward_preset are top-level keys")
        suite = cls(tasks=spec, seeds=tuple(seeds), **raw)
        if suite.episodes is None and spec.source == "synthetic":
            raise SuiteError(f"{where}: a synthetic suite needs 'episodes'")
        if suite.episodes is not None and (not isinstance(suite.episodes, int)
                                           or suite.episodes < 1):
            raise SuiteError(f"{where}: 'episodes' must be an int >= 1")
        return suite

    def canonical(self) -> dict[str, Any]:
        """Everything that decides the results, as plain JSON data (no description)."""
        data = asdict(self)
        data.pop("description")
        data["seeds"] = list(self.seeds)
        return data

    def hash(self) -> str:
        """sha256 of the canonical definition (sorted-key JSON)."""
        return sha256_json(self.canonical())

    def env_kwargs(self) -> dict[str, Any]:
        """``gym.make`` keyword arguments, without the tasks."""
        return {"embedder": self.embedder, "judge": self.judge,
                "reward_preset": self.reward_preset, **self.env}


def sha256_json(data: Any) -> str:
    """sha256 hex digest of ``data`` as canonical JSON (sorted keys, no spaces).

    >>> sha256_json({"b": 1, "a": [1.5]}) == sha256_json({"a": [1.5], "b": 1})
    True
    """
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def data_root() -> Path | None:
    """``$AGEMEM_DATA``, else the first ``shared/data`` next to an ancestor of the working
    directory or of this package, else None."""
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV])
    for start in (Path.cwd(), Path(__file__).resolve().parent):
        for folder in (start, *start.parents):
            candidate = folder / "shared" / "data"
            if candidate.is_dir():
                return candidate
    return None


def load_suite_file(path: Path) -> Suite:
    """One suite from a TOML file."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise SuiteError(f"{path}: invalid TOML ({err})") from err
    return Suite.from_dict(raw, where=str(path))


def load_suites(dirs: list[Path] | None = None) -> dict[str, Suite]:
    """Every suite in the default folder and in ``dirs`` (later folders override a suite
    of the same name), by name, in file order."""
    suites: dict[str, Suite] = {}
    for folder in [SUITES_DIR, *(dirs or [])]:
        if not Path(folder).is_dir():
            raise SuiteError(f"suite folder {folder} does not exist")
        for path in sorted(Path(folder).glob("*.toml")):
            if path.name != AGENTS_FILE:
                suite = load_suite_file(path)
                suites[suite.name] = suite
    return suites


def resolve_path(template: str | None) -> Path | None:
    """A task path with ``{data}`` replaced; DataMissing when it names absent data."""
    if template is None:
        return None
    if "{data}" in template:
        root = data_root()
        if root is None:
            raise DataMissing(f"{template}: no data root (set ${DATA_ENV})")
        template = template.replace("{data}", str(root))
    path = Path(template).expanduser()
    if not path.exists():
        raise DataMissing(f"{path} does not exist")
    return path


def suite_tasks(suite: Suite, seed: int) -> list[Task]:
    """The tasks the suite plays under run seed ``seed``, in episode order.

    Raises:
        DataMissing: The data set is not on this machine.
        SuiteError: The suite asks for more episodes than its data has.
    """
    key = (suite.hash(), seed)
    if key not in _TASK_CACHE:  # a worker playing several agents parses the data once
        if len(_TASK_CACHE) > 8:
            _TASK_CACHE.clear()
        _TASK_CACHE[key] = _load_suite_tasks(suite.tasks, suite.episodes, seed)
    return list(_TASK_CACHE[key])


_TASK_CACHE: dict[tuple[str, int], tuple[Task, ...]] = {}


def _load_suite_tasks(spec: TaskSpec, episodes: int | None, seed: int) -> tuple[Task, ...]:
    if spec.source == "synthetic":
        return tuple(load_tasks("synthetic", limit=episodes, seed=seed, **spec.config))
    tasks = load_tasks(spec.source, path=resolve_path(spec.path), split=spec.split,
                       limit=spec.limit, seed=seed, **spec.config)
    if spec.sample is not None and spec.sample < len(tasks):
        keep = np.random.default_rng(spec.sample_seed).choice(len(tasks), spec.sample,
                                                              replace=False)
        tasks = [tasks[i] for i in sorted(int(i) for i in keep)]
    if episodes is not None:
        if episodes > len(tasks):
            raise SuiteError(f"suite asks for {episodes} episodes but {spec.source} has only "
                             f"{len(tasks)} tasks after limit/sample")
        tasks = tasks[:episodes]
    return tuple(tasks)


def dataset_hash(suite: Suite) -> str:
    """sha256 of the canonical task list over every seed (what was actually played)."""
    return sha256_json([[_task_data(t) for t in suite_tasks(suite, s)] for s in suite.seeds])


def _task_data(task: Task) -> dict[str, Any]:
    data = asdict(task)
    data["metadata"] = json.loads(json.dumps(dict(task.metadata), default=str))
    return data
