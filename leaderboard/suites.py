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
import importlib
import inspect
import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from agemem_env.rewards import DEFAULT_PRESET, PRESETS
from agemem_env.tasks import SOURCES, Task, load_tasks
from agemem_env.tasks.synthetic import SyntheticConfig
from leaderboard.config_check import (
    ConfigError,
    Key,
    check_table,
    int_at_least,
    is_int,
    is_seed_list,
    is_str,
    is_table,
    read_toml,
)
from leaderboard.names import check_name

SUITES_DIR = Path(__file__).parent / "suites"
AGENTS_FILE = "agents.toml"  # the agent list, not a suite
DATA_ENV = "AGEMEM_DATA"
# gym.make arguments a suite sets elsewhere: in [env] they would be ambiguous.
_RESERVED_ENV_KEYS = {"tasks", "tasks_path", "task_config", "action_mode", "embedder", "judge",
                      "reward_preset"}


class SuiteError(ConfigError):
    """A suite file or definition that cannot be used as written."""


_SUITE_KEYS = (
    Key("name", "a name (1-64 of A-Z a-z 0-9 . _ + @ -)", is_str),
    Key("description", "a string", is_str),
    Key("env_id", "a registered env id (a string)", is_str),
    Key("seeds", "a non-empty list of distinct integers >= 0", is_seed_list),
    Key("episodes", "an integer >= 1 (episodes per seed)", int_at_least(1)),
    Key("judge", "a judge name (a string: f1, em, locomo)", is_str),
    Key("reward_preset", f"a reward preset name (one of {', '.join(PRESETS)})", is_str),
    Key("embedder", "an embedder name (a string: minilm, hashing, a model name)", is_str),
    Key("env", "a table of gym.make arguments", is_table),
    Key("tasks", "a table ([tasks])", is_table),
)
_TASK_KEYS = (
    Key("source", f"a task source (one of {', '.join(SOURCES)})", is_str),
    Key("path", "a string (a file or folder; {data} is the data root)", is_str),
    Key("split", "a string", is_str),
    Key("limit", "an integer >= 1", int_at_least(1)),
    Key("sample", "an integer >= 1", int_at_least(1)),
    Key("sample_seed", "an integer >= 0", int_at_least(0)),
    Key("config", "a table of load_tasks options ([tasks.config])", is_table),
)


def _set_keys(table: Any) -> Any:
    """A table without its None values (a canonical definition's "not set")."""
    return {k: v for k, v in table.items() if v is not None} if isinstance(table, dict) \
        else table


def _check_suite_values(raw: dict[str, Any], spec: TaskSpec, where: str) -> None:
    """The checks past key names and types: the name's characters, known names of
    sources, env ids, judges and presets, and the [env] and [tasks.config] keys."""
    from agemem_env.scoring.registry import make_judge

    if "name" not in raw:
        raise ConfigError(f"{where}: key 'name' is missing (a name for the suite)")
    try:
        check_name(raw["name"], "suite")
    except ValueError as err:
        raise ConfigError(f"{where}: key 'name': {err}") from err
    if spec.source not in SOURCES:
        raise ConfigError(f"{where}: key 'tasks.source': unknown task source "
                          f"{spec.source!r}; choose one of {', '.join(SOURCES)}")
    env_id = raw.get("env_id", "AgeMem-Stage3-v0")
    if env_id not in gym.registry:
        ids = ", ".join(k for k in gym.registry if k.startswith("AgeMem"))
        raise ConfigError(f"{where}: key 'env_id': unknown env id {env_id!r}; one of {ids}")
    try:
        make_judge(raw.get("judge", "f1"))
    except ValueError as err:
        raise ConfigError(f"{where}: key 'judge': {err}") from err
    if raw.get("reward_preset", DEFAULT_PRESET) not in PRESETS:
        raise ConfigError(f"{where}: key 'reward_preset': unknown preset "
                          f"{raw['reward_preset']!r}; choose one of {', '.join(PRESETS)}")
    _check_env_keys(raw.get("env", {}), env_id, where)
    if spec.source == "synthetic":
        if "episodes" not in raw:
            raise ConfigError(f"{where}: key 'episodes' is missing: a synthetic suite needs "
                              "it (episodes per seed)")
        _check_synthetic_config(spec.config, where)


def _check_env_keys(env: dict[str, Any], env_id: str, where: str) -> None:
    reserved = sorted(set(env) & _RESERVED_ENV_KEYS)
    if reserved:
        raise ConfigError(f"{where}: [env] may not set {reserved}: tasks come from [tasks], "
                          "the action mode from the agent, and embedder, judge and "
                          "reward_preset are top-level keys")
    module, _, attr = str(gym.spec(env_id).entry_point).partition(":")
    accepted = set(inspect.signature(getattr(importlib.import_module(module), attr)).parameters)
    unknown = sorted(set(env) - accepted)
    if unknown:
        valid = ", ".join(sorted(accepted - _RESERVED_ENV_KEYS - {"level", "render_mode"}))
        raise ConfigError(f"{where}: unknown key 'env.{unknown[0]}' ({env_id} does not take "
                          f"it); valid keys of [env]: {valid}")


def _check_synthetic_config(config: dict[str, Any], where: str) -> None:
    known = [f.name for f in fields(SyntheticConfig)]
    unknown = [k for k in config if k not in known]
    if unknown:
        raise ConfigError(f"{where}: unknown key 'tasks.config.{unknown[0]}'; valid keys of "
                          f"[tasks.config] for synthetic tasks: {', '.join(known)}")
    try:
        SyntheticConfig(**config)
    except (TypeError, ValueError) as err:
        raise ConfigError(f"{where}: [tasks.config]: {err}") from err
    for key, value in config.items():  # dataclasses do not check types themselves
        default = getattr(SyntheticConfig(), key)
        if type(default) in (int, float) and not (is_int(value) or (
                isinstance(value, float) and type(default) is float)):
            raise ConfigError(f"{where}: key 'tasks.config.{key}': expected a number like "
                              f"{default!r}, got {type(value).__name__} {value!r}")


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
    reward_preset: str = DEFAULT_PRESET
    embedder: str = "minilm"
    env: dict[str, Any] = field(default_factory=dict)
    """Further ``gym.make`` keyword arguments (token_budget, rounds_per_stage, ...)."""
    description: str = ""
    """Free text for reports; not part of the hash."""
    origin: str = field(default="", compare=False)
    """The file it was read from (for messages); not part of the hash."""

    @classmethod
    def from_dict(cls, raw: dict[str, Any], where: str = "suite") -> Suite:
        """A suite from parsed TOML; every error names ``where``, the key and what it
        must be (``SuiteError``), before any work starts."""
        try:
            # None stands for "not set" in a canonical definition (TOML has no null).
            raw = dict(check_table(_set_keys(raw), _SUITE_KEYS, where))
            raw["tasks"] = check_table(_set_keys(raw.get("tasks", {})), _TASK_KEYS, where,
                                       "tasks.")
            spec = TaskSpec(**raw.pop("tasks", {}))
            _check_suite_values(raw, spec, where)
        except ConfigError as err:
            raise SuiteError(str(err)) from err
        seeds = tuple(raw.pop("seeds", [0]))
        return cls(tasks=spec, seeds=seeds, origin="" if where == "suite" else where, **raw)

    def canonical(self) -> dict[str, Any]:
        """Everything that decides the results, as plain JSON data (no description)."""
        data = asdict(self)
        data.pop("description")
        data.pop("origin")
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
    """One suite from a TOML file (SuiteError names the file, the key and the problem)."""
    try:
        raw = read_toml(path)
    except ConfigError as err:
        raise SuiteError(str(err)) from err
    return Suite.from_dict(raw, where=str(path))


def packaged_suites() -> dict[str, str]:
    """The packaged suites' names and hashes: the suites this leaderboard knows. A
    result on a suite not among them (another name, or the same name with another
    definition) is labelled custom in every report."""
    if not _PACKAGED:
        for path in sorted(SUITES_DIR.glob("*.toml")):
            if path.name != AGENTS_FILE:
                suite = load_suite_file(path)
                _PACKAGED[suite.name] = suite.hash()
    return dict(_PACKAGED)


_PACKAGED: dict[str, str] = {}


def is_packaged(name: str, suite_hash: str) -> bool:
    """Whether ``name`` with ``suite_hash`` is one of the packaged suites."""
    return packaged_suites().get(name) == suite_hash


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
