"""Result files: one versioned JSON per (agent, suite), and the checks a submission passes.

A result holds the agent, the suite (its canonical definition and hash), the dataset hash,
the judge id, the seeds, every episode record, the aggregates (means with 95% CIs) and a
``digest``: sha256 over the deterministic content. Timing (per-episode seconds, latency
p50/p95, wall time, date) lives apart in ``timing``, outside the digest, because it differs
between two otherwise identical runs.

``check_result`` validates a file against ``schema.json`` and then for consistency: the
aggregates recomputed from the episodes, the digest, the suite hash (against the suite's
own definition and any known suite of that name) and the declared episode count.
"""

from __future__ import annotations

import json
import math
import platform
import time
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from agemem_env.tools import TOOL_NAMES
from agents.runner import EpisodeRecord, mean_ci
from leaderboard.suites import Suite, sha256_json

SCHEMA_VERSION = 1
SCHEMA_FILE = Path(__file__).parent / "schema.json"
TIMING_KEY, DIGEST_KEY = "timing", "digest"
# Aggregate name -> episode field it averages (over episodes without an error).
MEAN_METRICS = {
    "answer_score": "judge_score", "answer_em": "judge_em", "answer_f1": "judge_f1",
    "memory_precision": "memory_precision", "memory_recall": "memory_recall",
    "memory_f1": "memory_f1", "prompt_tokens": "prompt_tokens_total",
    "return": "episode_return", "steps": "steps", "overflow_rate": "overflow",
}
MEMORY_TOOLS = tuple(t for t in TOOL_NAMES if t != "Answer")
_TOLERANCE = 1e-9


class ResultError(ValueError):
    """A result file that is not a valid, self-consistent leaderboard result."""


@dataclass(frozen=True)
class AgentSpec:
    """An agent of the leaderboard: its display name, registry name and arguments."""

    name: str
    """Shown in reports and used in file names (e.g. "grpo-structured")."""
    registry: str
    """What ``agents.registry.make_agent`` is given (e.g. "grpo:runs/grpo")."""
    kwargs: dict[str, Any]
    """Keyword arguments of ``make_agent`` (e.g. ``{"backend": "smollm2"}``)."""


def package_version() -> str:
    """The installed agemem-gym version, or "unknown" for a bare checkout."""
    try:
        return metadata.version("agemem-gym")
    except metadata.PackageNotFoundError:
        return "unknown"


def episode_data(record: EpisodeRecord) -> dict[str, Any]:
    """A record as stored in a result: every field but the (non-deterministic) wall time."""
    data = asdict(record)
    data.pop("wall_seconds")
    return data


def aggregate(episodes: list[dict[str, Any]]) -> dict[str, Any]:
    """Means with 95% CIs over the episodes that did not fail; tool calls per tool per
    episode; ``errors`` counts failed episodes (left out of every mean).

    >>> aggregate([])["answer_score"]
    {'mean': None, 'ci95': None, 'n': 0}
    """
    ok = [e for e in episodes if e.get("error") is None]
    result: dict[str, Any] = {"episodes": len(episodes), "errors": len(episodes) - len(ok)}
    for name, key in MEAN_METRICS.items():
        result[name] = mean_ci([float(e[key]) for e in ok if e[key] is not None])
    names = list(MEMORY_TOOLS) + sorted({t for e in ok for t in e["tool_calls"]}
                                        - set(MEMORY_TOOLS))
    result["tool_calls"] = {t: mean_ci([float(e["tool_calls"].get(t, 0)) for e in ok])
                            for t in names}
    steps = sum(e["steps"] for e in ok)
    result["parse_error_rate"] = sum(e["parse_errors"] for e in ok) / steps if steps else 0.0
    return result


def timing(records: list[EpisodeRecord], wall_seconds: float) -> dict[str, Any]:
    """Latency per episode (p50, p95) and the pair's wall time: kept out of the digest."""
    seconds = [r.wall_seconds for r in records]
    return {
        "episode_seconds": seconds,
        "latency_p50_s": _percentile(seconds, 50),
        "latency_p95_s": _percentile(seconds, 95),
        "wall_seconds": wall_seconds,
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "host": platform.node(),
    }


def build_result(
    agent: AgentSpec, suite: Suite, *, records: list[EpisodeRecord] | None = None,
    dataset_hash: str | None, judge_id: str | None, declared: int,
    wall_seconds: float = 0.0, error: str | None = None,
) -> dict[str, Any]:
    """The result document of one (agent, suite) pair, digest included.

    ``error`` (or every episode failing) makes it a "failed" result: kept for the record
    and re-run on resume, never accepted by ``submit``.
    """
    records = records or []
    episodes = [episode_data(r) for r in records]
    if error is None and records and all(r.error is not None for r in records):
        error = f"every episode failed; first: {records[0].error}"
    result: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "package_version": package_version(),
        "status": "ok" if error is None else "failed",
        "error": error,
        "agent": asdict(agent),
        "suite": {"name": suite.name, "hash": suite.hash(), "definition": suite.canonical()},
        "dataset_hash": dataset_hash,
        "judge_id": judge_id,
        "seeds": list(suite.seeds),
        "episodes_declared": declared,
        "episodes": episodes,
        "aggregates": aggregate(episodes),
        TIMING_KEY: timing(records, wall_seconds),
    }
    # A JSON round trip first: the digest must be of what a reader of the file will see.
    result = json.loads(json.dumps(result))
    result[DIGEST_KEY] = digest(result)
    return result


def digest(result: dict[str, Any]) -> str:
    """sha256 of the deterministic content: everything but timing and the digest itself."""
    return sha256_json({k: v for k, v in result.items() if k not in (TIMING_KEY, DIGEST_KEY)})


def write_result(result: dict[str, Any], path: Path) -> None:
    """Write atomically (a temp file, then rename): an interrupted run leaves no half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


def read_result(path: Path) -> dict[str, Any]:
    """Parse a result file; ResultError names the file and what is wrong with it."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as err:
        raise ResultError(f"{path}: cannot read ({err.strerror or err})") from err
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ResultError(f"{path}: not valid JSON ({err})") from err
    if not isinstance(data, dict):
        raise ResultError(f"{path}: expected a JSON object, got {type(data).__name__}")
    return data


def check_result(result: dict[str, Any], known: dict[str, Suite] | None = None) -> list[str]:
    """Every reason ``result`` is not a valid, consistent, successful result ([] if none).

    Schema errors stop the checks (the rest would read missing fields).
    """
    problems = _schema_problems(result)
    if problems:
        return problems
    if result["schema_version"] != SCHEMA_VERSION:
        return [f"schema_version {result['schema_version']} is not {SCHEMA_VERSION}"]
    if result["status"] != "ok":
        reason = (result["error"] or "no reason given").splitlines()[0]
        problems.append(f"status is {result['status']!r} ({reason}): a failed run has no "
                        "scores")
    episodes, definition = result["episodes"], result["suite"]["definition"]
    if result["seeds"] != definition["seeds"]:
        problems.append(f"seeds {result['seeds']} are not the suite's {definition['seeds']}")
    per_seed = definition["episodes"]
    if result["status"] == "ok" and per_seed is not None \
            and result["episodes_declared"] != per_seed * len(definition["seeds"]):
        problems.append(f"episodes_declared is {result['episodes_declared']}, the suite plays "
                        f"{per_seed} x {len(definition['seeds'])} seeds")
    if len(episodes) != result["episodes_declared"]:
        problems.append(f"{len(episodes)} episodes but episodes_declared is "
                        f"{result['episodes_declared']}")
    mismatch = _first_difference(aggregate(episodes), result["aggregates"], "aggregates")
    if mismatch:
        problems.append(f"aggregates do not match the episodes: {mismatch}")
    if digest(result) != result[DIGEST_KEY]:
        problems.append("digest does not match the content (edited after the run?)")
    suite = result["suite"]
    if sha256_json(suite["definition"]) != suite["hash"]:
        problems.append("suite hash does not match the suite definition in the file")
    if known and suite["name"] in known and known[suite["name"]].hash() != suite["hash"]:
        problems.append(f"suite {suite['name']!r} differs from the known suite of that name "
                        f"(hash {suite['hash'][:12]} vs {known[suite['name']].hash()[:12]})")
    bad_seeds = {e["seed"] for e in episodes} - _reset_seeds(result)
    if bad_seeds:
        problems.append(f"episode seeds {sorted(bad_seeds)[:5]} do not follow from the "
                        f"declared seeds {result['seeds']}")
    return problems


def _schema_problems(result: dict[str, Any]) -> list[str]:
    import jsonschema  # imported here: only submit and resume need it

    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(result), key=lambda e: list(e.absolute_path))
    return [f"schema: at {'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
            for e in errors[:5]]


def _reset_seeds(result: dict[str, Any]) -> set[int]:
    """Reset seeds the declared run seeds allow: seed s plays episodes s, s+1, ..."""
    per_seed = result["episodes_declared"] // max(len(result["seeds"]), 1)
    return {s + i for s in result["seeds"] for i in range(per_seed)}


def _first_difference(expected: Any, actual: Any, where: str) -> str | None:
    """The first place two JSON values differ (floats within a tolerance), or None."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        if set(expected) != set(actual):
            return f"{where}: keys {sorted(set(expected) ^ set(actual))} differ"
        for key in expected:
            found = _first_difference(expected[key], actual[key], f"{where}.{key}")
            if found:
                return found
        return None
    if isinstance(expected, int | float) and isinstance(actual, int | float) \
            and not isinstance(expected, bool) and not isinstance(actual, bool):
        close = math.isclose(expected, actual, rel_tol=_TOLERANCE, abs_tol=_TOLERANCE)
        return None if close else f"{where}: recomputed {expected!r}, file has {actual!r}"
    return None if expected == actual else f"{where}: recomputed {expected!r}, file has " \
                                           f"{actual!r}"


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
