"""The checks a result file passes before it is shown or filed, short of replaying it
(``leaderboard.verify`` does that): the schema, the names, the seeds and episode plan
of its suite, aggregates and digest consistent with its content, and (when the data is
on this machine) its dataset hash.

Every check returns reasons, one line each; an empty list means the file passed.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from typing import Any

from leaderboard.names import check_name
from leaderboard.results import (
    DIGEST_KEY,
    SCHEMA_FILE,
    SCHEMA_VERSION,
    aggregate,
    digest,
    unpack_actions,
)
from leaderboard.suites import DataMissing, Suite, SuiteError, dataset_hash, sha256_json

FLOAT_TOLERANCE = 1e-9  # aggregates recomputed from the file's own episodes: exact math


def check_result(result: dict[str, Any], known: dict[str, Suite] | None = None) -> list[str]:
    """Every reason ``result`` is not a valid, consistent, successful result ([] if none).

    ``known`` suites by name: a result on a suite of that name must have its exact
    definition (seeds included). Schema errors stop the checks (the rest would read
    missing fields).
    """
    problems = schema_problems(result)
    if problems:
        return problems
    if result["schema_version"] != SCHEMA_VERSION:
        return [f"schema_version {result['schema_version']} is not {SCHEMA_VERSION}"]
    if result["status"] != "ok":
        reason = (result["error"] or "no reason given").splitlines()[0]
        problems.append(f"status is {result['status']!r} ({reason}): a failed run has no "
                        "scores")
    problems += _name_problems(result)
    problems += suite_problems(result, known or {})
    problems += plan_problems(result)
    mismatch = first_difference(aggregate(result["episodes"]), result["aggregates"],
                                "aggregates", FLOAT_TOLERANCE)
    if mismatch:
        problems.append(f"aggregates do not match the episodes: {mismatch}")
    if digest(result) != result[DIGEST_KEY]:
        problems.append("digest does not match the content (edited after the run?)")
    return problems


def schema_problems(result: dict[str, Any]) -> list[str]:
    """Up to five violations of ``schema.json``."""
    import jsonschema  # imported here: only the checks need it

    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(result), key=lambda e: list(e.absolute_path))
    return [f"schema: at {'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
            for e in errors[:5]]


def _name_problems(result: dict[str, Any]) -> list[str]:
    """One name picks the file and labels the row: the definition's, in the character set."""
    suite = result["suite"]
    problems = []
    if suite["name"] != suite["definition"].get("name"):
        problems.append(f"suite name {suite['name']!r} is not its definition's name "
                        f"{suite['definition'].get('name')!r}")
    for what, name in (("agent", result["agent"]["name"]), ("suite", suite["name"])):
        try:
            check_name(name, what)
        except ValueError as err:
            problems.append(str(err))
    return problems


def suite_problems(result: dict[str, Any], known: dict[str, Suite]) -> list[str]:
    """The suite's hash against its definition, and against the known suite of its name
    (seeds first: they must be exactly the suite's)."""
    suite, problems = result["suite"], []
    if sha256_json(suite["definition"]) != suite["hash"]:
        problems.append("suite hash does not match the suite definition in the file")
    if result["seeds"] != suite["definition"]["seeds"]:
        problems.append(f"seeds {result['seeds']} are not the suite definition's "
                        f"{suite['definition']['seeds']}")
    ours = known.get(suite["name"])
    if ours is None:
        return problems
    if result["seeds"] != list(ours.seeds):
        problems.append(f"seeds {result['seeds']} are not suite {ours.name!r}'s seeds "
                        f"{list(ours.seeds)}")
    if ours.hash() != suite["hash"]:
        problems.append(f"suite {suite['name']!r} differs from the known suite of that name "
                        f"(hash {suite['hash'][:12]} vs {ours.hash()[:12]})")
    return problems


def plan_problems(result: dict[str, Any]) -> list[str]:
    """The episodes are exactly the suite's plan: for run seed s, episodes 0..n-1 reset
    with seeds s+i, each once, and one action list per episode."""
    definition, episodes = result["suite"]["definition"], result["episodes"]
    seeds, per_seed = result["seeds"], definition["episodes"]
    problems = []
    if result["status"] == "ok" and per_seed is not None \
            and result["episodes_declared"] != per_seed * len(seeds):
        problems.append(f"episodes_declared is {result['episodes_declared']}, the suite plays "
                        f"{per_seed} x {len(seeds)} seeds")
    if len(episodes) != result["episodes_declared"]:
        problems.append(f"{len(episodes)} episodes but episodes_declared is "
                        f"{result['episodes_declared']}")
    keys = Counter((e["seed"] - e["episode"], e["episode"]) for e in episodes)
    twice = sorted(k for k, n in keys.items() if n > 1)
    if twice:
        problems.append(f"episode {twice[0][1]} of run seed {twice[0][0]} appears "
                        f"{keys[twice[0]]} times (duplicated episodes)")
    per = result["episodes_declared"] // max(len(seeds), 1)
    planned = {(s, i) for s in seeds for i in range(per)}
    stray = sorted(set(keys) - planned)
    if stray:
        problems.append(f"episode {stray[0][1]} reset with seed {sum(stray[0])} is not in the "
                        f"plan of seeds {seeds} x {per} episodes")
    try:
        if len(unpack_actions(result["actions"])) != len(episodes):
            problems.append("actions: not one action list per episode")
    except ValueError as err:
        problems.append(str(err))
    return problems


def data_problems(result: dict[str, Any]) -> list[str]:
    """The dataset hash against the data on this machine, when it is here ([] when absent:
    ``data_present`` says which)."""
    try:
        suite = Suite.from_dict(result["suite"]["definition"])
        actual = dataset_hash(suite)
    except DataMissing:
        return []
    except SuiteError as err:
        return [f"suite definition: {err}"]
    if actual != result["dataset_hash"]:
        return [f"dataset_hash {str(result['dataset_hash'])[:12]} is not the hash of the "
                f"data on this machine ({actual[:12]})"]
    return []


def first_difference(expected: Any, actual: Any, where: str, tolerance: float) -> str | None:
    """The first place two JSON values differ (numbers within ``tolerance``, relative and
    absolute), or None. Iterative, so any nesting is safe.

    >>> first_difference({"a": [1, 2.0]}, {"a": [1, 2.5]}, "x", 1e-9)
    'x.a.1: recomputed 2.0, file has 2.5'
    """
    stack = [(expected, actual, where)]
    while stack:
        want, got, at = stack.pop()
        if isinstance(want, dict) and isinstance(got, dict):
            if set(want) != set(got):
                return f"{at}: keys {sorted(set(want) ^ set(got))} differ"
            stack.extend((want[k], got[k], f"{at}.{k}") for k in reversed(list(want)))
        elif isinstance(want, list) and isinstance(got, list) and len(want) == len(got):
            stack.extend((w, g, f"{at}.{i}") for i, (w, g) in reversed(list(
                enumerate(zip(want, got, strict=True)))))
        elif _numbers(want, got):
            if not math.isclose(want, got, rel_tol=tolerance, abs_tol=tolerance):
                return f"{at}: recomputed {want!r}, file has {got!r}"
        elif want != got or type(want) is not type(got):
            return f"{at}: recomputed {want!r}, file has {got!r}"
    return None


def _numbers(a: Any, b: Any) -> bool:
    return all(isinstance(x, int | float) and not isinstance(x, bool) for x in (a, b))
