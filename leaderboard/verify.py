"""Verification by replay: a result is believed only if its own actions, played again on
envs rebuilt from its suite definition and seeds, give its numbers.

``verify_result`` runs ``checks.check_result`` (schema, names, the suite's exact seeds and
episode plan, no duplicated episode, aggregates, digest), checks the dataset hash against
the data on this machine, then replays every episode with ``agents.replay.ReplayAgent``
and compares every field of every episode record (answers, judge scores, reward terms,
returns, memory quality, context tokens, tool calls, errors) and every aggregate. A
mismatch names the episode and the field.

Tolerance: discrete outcomes (answers, counts, tokens, flags) must match exactly; floats
within ``REPLAY_TOLERANCE`` (1e-5, relative and absolute). MiniLM embeddings computed with
another thread count, or batched instead of one by one, differ in their last bits: up to
1.5e-7 per component and 3e-7 in a cosine, measured (docs/leaderboard.md); reward terms
built from a few cosines move by about as much, well inside 1e-5, which is still far below
any difference a score shows (1e-3). A similarity within 3e-7 of a threshold (FILTER's
theta) could flip a discrete outcome: the replay then fails loudly, naming the field.
Not replayable: the agent's own LLM usage (``llm_*``: self-reported) and wall times.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from leaderboard.checks import check_result, data_problems, first_difference
from leaderboard.results import aggregate, episode_data, unpack_actions
from leaderboard.runner import episode_env_kwargs, judge_id
from leaderboard.suites import DataMissing, Suite, suite_tasks

REPLAY_TOLERANCE = 1e-5
# Episode fields a replay cannot recompute: the agent's own LLM usage (it made those
# calls; the replay makes none) and the error text (a replay stops with its own).
SELF_REPORTED = ("llm_calls", "llm_prompt_tokens", "llm_completion_tokens")


@dataclass
class Verdict:
    """What verifying one result found."""

    problems: list[str] = field(default_factory=list)
    episodes: int = 0
    """Episodes replayed."""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """No problem found."""
        return not self.problems


def verify_result(result: dict[str, Any], known: dict[str, Suite] | None = None) -> Verdict:
    """Check, then replay, ``result``; every problem found, one line each."""
    start = time.perf_counter()
    verdict = Verdict(check_result(result, known))
    if any(p.startswith("schema") for p in verdict.problems):
        return verdict  # the rest would read missing fields
    verdict.problems += data_problems(result)
    try:
        replayed = replay(result)
    except DataMissing as err:
        verdict.problems.append(f"cannot replay: data absent ({err})")
    except ValueError as err:  # a broken actions field or suite definition
        verdict.problems.append(f"cannot replay: {err}")
    else:
        verdict.problems += compare(result, replayed)
        verdict.episodes = len(replayed.records)
    verdict.seconds = time.perf_counter() - start
    return verdict


@dataclass
class Replay:
    """Replayed episodes by (run seed, episode index), and unplayed recorded actions."""

    records: dict[tuple[int, int], dict[str, Any]]
    leftover: dict[tuple[int, int], int]
    judge_id: str


def replay(result: dict[str, Any]) -> Replay:
    """Play the result's recorded actions on fresh envs of its suite and seeds."""
    from agemem_env.scoring.registry import make_judge
    from agents.replay import ReplayAgent
    from agents.runner import run_episodes

    suite = Suite.from_dict(result["suite"]["definition"])
    mode = result["agent"]["action_mode"]
    by_seed: dict[int, dict[int, list[Any]]] = defaultdict(dict)
    for episode, actions in zip(result["episodes"], unpack_actions(result["actions"]),
                                strict=False):
        by_seed[episode["seed"] - episode["episode"]][episode["seed"]] = actions
    # The records carry the agent object's own name (the board name may add "@llm").
    name = next((e["agent"] for e in result["episodes"]), result["agent"]["name"])
    records, leftover = {}, {}
    for seed in suite.seeds:
        tasks = suite_tasks(suite, seed)
        unplayed: dict[int, int] = {}
        agent = ReplayAgent(name, by_seed[seed], mode, unplayed)
        played = run_episodes(suite.env_id, lambda agent=agent: agent, episodes=len(tasks),
                              seed=seed, env_kwargs=episode_env_kwargs(suite, tasks, mode),
                              progress=False, task_indices=True)
        agent.finish()
        records.update({(seed, r.episode): episode_data(r) for r in played})
        leftover.update({(seed, s - seed): n for s, n in unplayed.items()})
    return Replay(records, leftover, judge_id(make_judge(suite.judge)))


def compare(result: dict[str, Any], replayed: Replay) -> list[str]:
    """Every difference between the file and its replay, one line each (the first field
    that differs per episode)."""
    problems = []
    if replayed.judge_id != result["judge_id"]:
        problems.append(f"judge_id {result['judge_id']!r} is not the suite's judge "
                        f"{replayed.judge_id!r}")
    merged = []
    for episode in result["episodes"]:
        key = (episode["seed"] - episode["episode"], episode["episode"])
        again = replayed.records.get(key)
        if again is None:
            continue  # not in the plan: check_result has said so
        label = f"episode {key[1]} (run seed {key[0]}, reset seed {episode['seed']})"
        problems += _episode_problems(episode, again, label)
        if replayed.leftover.get(key):
            problems.append(f"{label}: {replayed.leftover[key]} recorded actions were never "
                            "played (the episode ended before them)")
        merged.append({**again, **{k: episode[k] for k in SELF_REPORTED},
                       "error": episode["error"]})
    missing = sorted(set(replayed.records) - {(e["seed"] - e["episode"], e["episode"])
                                              for e in result["episodes"]})
    if missing:
        problems.append(f"episode {missing[0][1]} of run seed {missing[0][0]} is missing "
                        f"({len(missing)} of the plan's episodes are)")
    elif not problems:
        mismatch = first_difference(aggregate(merged), result["aggregates"], "aggregates",
                                    REPLAY_TOLERANCE)
        if mismatch:
            problems.append(f"replayed {mismatch}")
    return problems


def _episode_problems(episode: dict[str, Any], again: dict[str, Any], label: str) -> list[str]:
    """The fields of one episode that differ from its replay: all named, the most telling
    one (the answer, then the scores) shown."""
    if (episode["error"] is None) != (again["error"] is None):
        replayed = f"failed: {again['error']}" if again["error"] else "ran to its end"
        return [f"{label}: error: replay {replayed}, the file says it "
                f"{'failed' if episode['error'] else 'ran'}"]
    skip = {*SELF_REPORTED, "error"}
    found = {k: d for k in again if k not in skip and (d := first_difference(
        again[k], episode.get(k), k, REPLAY_TOLERANCE)) is not None}
    if not found:
        return []
    shown = next((k for k in _TELLING if k in found), next(iter(found)))
    detail = found[shown].replace(": recomputed", ": replay gives", 1)
    return [f"{label}: field {detail} ({len(found)} fields differ: {', '.join(found)})"]


_TELLING = ("answer", "judge_score", "judge_em", "judge_f1", "memory_f1", "episode_return")
