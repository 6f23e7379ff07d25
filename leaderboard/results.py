"""Result files: one versioned JSON per (agent, suite).

A result holds the agent (name, what ``make_agent`` is given, its arguments, whether it
was privileged, its action mode, how it was trained), the code's provenance, the suite
(its canonical definition and hash), the dataset hash, the judge id, the seeds, every
episode record, every step's action (``actions``: the episodes' action lists as JSON,
lzma-compressed, base64), the aggregates (means with 95% t intervals) and a ``digest``:
sha256 over all of it. Nothing that differs between two identical runs is in it: wall
times live in a timing file beside the results folder (``leaderboard.timing``), so a
re-run that changes nothing rewrites no byte.

``leaderboard.checks`` validates a file; ``leaderboard.verify`` replays it.
"""

from __future__ import annotations

import base64
import json
import lzma
import os
import tempfile
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from agemem_env.tools import TOOL_NAMES
from agents.runner import EpisodeRecord, mean_ci
from leaderboard.suites import Suite, sha256_json

SCHEMA_VERSION = 2
SCHEMA_FILE = Path(__file__).parent / "schema.json"
DIGEST_KEY = "digest"
MAX_RESULT_BYTES = 32 << 20
"""A result file's size cap: 50 LoCoMo episodes of a verbose agent pack into about 1 MB."""
MAX_DEPTH = 64
"""Deepest JSON nesting a result may have (its own data is 6 levels deep)."""
ACTIONS_ENCODING = "lzma+base64"
# Aggregate name -> episode field it averages (over episodes without an error).
MEAN_METRICS = {
    "answer_score": "judge_score", "answer_em": "judge_em", "answer_f1": "judge_f1",
    "memory_precision": "memory_precision", "memory_recall": "memory_recall",
    "memory_f1": "memory_f1", "prompt_tokens": "prompt_tokens_total",
    "return": "episode_return", "steps": "steps", "overflow_rate": "overflow",
    "llm_calls": "llm_calls", "llm_prompt_tokens": "llm_prompt_tokens",
    "llm_completion_tokens": "llm_completion_tokens",
}
MEMORY_TOOLS = tuple(t for t in TOOL_NAMES if t != "Answer")
# Record fields kept out of a result: wall-clock (the timing file) and the actions
# (stored packed beside the episodes).
UNTIMED_OUT = ("wall_seconds", "llm_seconds", "actions")


class ResultError(ValueError):
    """A result file that is not a valid, self-consistent leaderboard result."""


@dataclass(frozen=True)
class AgentSpec:
    """An agent of the leaderboard: its board name, what makes it, its arguments."""

    name: str
    """Shown in reports and used in file names (e.g. "grpo-structured")."""
    registry: str
    """What ``agents.registry.make_agent`` is given (a name, ``pkg.mod:Obj``, grpo:DIR)."""
    kwargs: dict[str, Any] = field(default_factory=dict)
    """Keyword arguments of ``make_agent`` (e.g. ``{"backend": "smollm2"}``)."""
    description: str = ""
    """What the agent is, for the reports."""
    training: str = ""
    """How a trained agent was trained (commands, seeds); empty for rule agents."""


def package_version() -> str:
    """The installed agemem-gym version, or "unknown" for a bare checkout."""
    try:
        return metadata.version("agemem-gym")
    except metadata.PackageNotFoundError:
        return "unknown"


def episode_data(record: EpisodeRecord) -> dict[str, Any]:
    """A record as stored in a result: every field but wall-clock times and actions."""
    data = asdict(record)
    for key in UNTIMED_OUT:
        data.pop(key)
    return data


def pack_actions(actions: list[list[Any]]) -> dict[str, str]:
    """Every episode's actions as one compressed string (JSON in the agents' key order, lzma,
    base64).

    >>> unpack_actions(pack_actions([["<answer>a</answer>"], []]))
    [['<answer>a</answer>'], []]
    """
    text = json.dumps(actions, separators=(",", ":"), ensure_ascii=False)
    packed = base64.b64encode(lzma.compress(text.encode("utf-8"), preset=9)).decode("ascii")
    return {"encoding": ACTIONS_ENCODING, "data": packed}


def unpack_actions(packed: dict[str, str]) -> list[list[Any]]:
    """The episodes' action lists of ``pack_actions``; ResultError when it is broken."""
    if not isinstance(packed, dict) or packed.get("encoding") != ACTIONS_ENCODING:
        raise ResultError(f"actions: expected encoding {ACTIONS_ENCODING!r}")
    limit = 8 * MAX_RESULT_BYTES  # a small bomb must not fill the memory
    try:
        decompressor = lzma.LZMADecompressor()
        raw = decompressor.decompress(base64.b64decode(packed["data"]), max_length=limit)
        if not decompressor.eof:
            raise ResultError(f"actions: unpack to more than {limit} bytes (or are cut short)")
        actions = json.loads(raw.decode("utf-8"))
    except ResultError:
        raise
    except (ValueError, TypeError, lzma.LZMAError, RecursionError) as err:
        raise ResultError(f"actions: cannot be unpacked ({type(err).__name__})") from err
    if not isinstance(actions, list) or not all(isinstance(a, list) for a in actions):
        raise ResultError("actions: expected one list of actions per episode")
    return actions


def aggregate(episodes: list[dict[str, Any]]) -> dict[str, Any]:
    """Means with 95% t intervals over the episodes that did not fail; tool calls per tool
    per episode; ``errors`` counts failed episodes (left out of every mean).

    >>> aggregate([])["answer_score"]
    {'mean': None, 'ci95': None, 'n': 0}
    """
    ok = [e for e in episodes if e.get("error") is None]
    result: dict[str, Any] = {"episodes": len(episodes), "errors": len(episodes) - len(ok)}
    for name, key in MEAN_METRICS.items():
        result[name] = mean_ci([float(e[key]) for e in ok if e.get(key) is not None])
    names = list(MEMORY_TOOLS) + sorted({t for e in ok for t in e["tool_calls"]}
                                        - set(MEMORY_TOOLS))
    result["tool_calls"] = {t: mean_ci([float(e["tool_calls"].get(t, 0)) for e in ok])
                            for t in names}
    steps = sum(e["steps"] for e in ok)
    result["parse_error_rate"] = sum(e["parse_errors"] for e in ok) / steps if steps else 0.0
    return result


@dataclass(frozen=True)
class PairRun:
    """What one pair's run produced, besides the records: who played, with what."""

    privileged: bool = False
    action_mode: str = "text"
    dataset_hash: str | None = None
    judge_id: str | None = None
    declared: int = 0


def build_result(agent: AgentSpec, suite: Suite, run: PairRun, *,
                 records: list[EpisodeRecord] | None = None, error: str | None = None,
                 provenance: dict[str, Any] | None = None) -> dict[str, Any]:
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
        "provenance": provenance or {"commit": None, "commit_date": None, "code_dirty": None},
        "status": "ok" if error is None else "failed",
        "error": error,
        "agent": {**asdict(agent), "privileged": run.privileged,
                  "action_mode": run.action_mode},
        "suite": {"name": suite.name, "hash": suite.hash(), "definition": suite.canonical()},
        "dataset_hash": run.dataset_hash,
        "judge_id": run.judge_id,
        "seeds": list(suite.seeds),
        "episodes_declared": run.declared,
        "episodes": episodes,
        "actions": pack_actions([r.actions for r in records]),
        "aggregates": aggregate(episodes),
    }
    # A JSON round trip first: the digest must be of what a reader of the file will see.
    result = json.loads(json.dumps(result))
    result[DIGEST_KEY] = digest(result)
    return result


def agent_spec(result: dict[str, Any]) -> AgentSpec:
    """The AgentSpec a result was made with."""
    data = result["agent"]
    return AgentSpec(data["name"], data["registry"], data["kwargs"], data["description"],
                     data["training"])


def digest(result: dict[str, Any]) -> str:
    """sha256 of the content: everything but the digest itself. Anyone can recompute it,
    so it catches accidents, not forgery; ``leaderboard.verify`` catches forgery."""
    return sha256_json({k: v for k, v in result.items() if k != DIGEST_KEY})


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_json(data: Any, path: Path) -> None:
    """Write atomically: a temp file in the same folder, then a rename, so a reader never
    sees half a file and two writers never share a temp file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp's 0600 would hide a result from others
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise



def read_result(path: Path) -> dict[str, Any]:
    """Parse a result file; ResultError names the file and what is wrong with it (too
    large, not UTF-8 JSON, nested too deeply, not an object)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_RESULT_BYTES:
            raise ResultError(f"{path}: {size / 2**20:.1f} MiB, over the "
                              f"{MAX_RESULT_BYTES >> 20} MiB cap of a result file")
        data = json.loads(path.read_bytes().decode("utf-8"))
    except OSError as err:
        raise ResultError(f"{path}: cannot read ({err.strerror or err})") from err
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ResultError(f"{path}: not valid JSON ({err})") from err
    except RecursionError as err:
        raise ResultError(f"{path}: JSON nested too deeply to read") from err
    if json_depth(data) > MAX_DEPTH:
        raise ResultError(f"{path}: JSON nested deeper than {MAX_DEPTH} levels")
    if not isinstance(data, dict):
        raise ResultError(f"{path}: expected a JSON object, got {type(data).__name__}")
    return data


def json_depth(data: Any) -> int:
    """The nesting depth of parsed JSON, without recursion (any depth is safe).

    >>> json_depth([1, {"a": [2]}]), json_depth(3)
    (3, 0)
    """
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value \
            if isinstance(value, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest
