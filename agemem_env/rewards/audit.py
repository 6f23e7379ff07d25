"""The reward red team: play the scripted policies of ``red_team`` on many seeds under a
preset (or custom weights) and check that no way of answering wrong beats answering right.

A violation is a seed on which a red-team policy's total is not below "correct answer, no
tools", or on which any policy with a wrong or missing answer (judge score 0) is not below
a policy with a right one (score 1). ``agemem reward audit`` prints the table and exits 1
on any violation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
import numpy as np

from agemem_env.rewards.red_team import POLICIES, RED_TEAM, CorrectNoTools, Script

SHOWN_TERMS = ("total", "task", "context", "memory", "penalty")


@dataclass
class PolicyRun:
    """One policy's episodes: per-seed totals, judge scores and reward terms."""

    name: str
    red_team: bool
    totals: list[float] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    terms: list[dict[str, float]] = field(default_factory=list)

    def mean(self, term: str) -> float:
        """Mean of a term over the episodes."""
        return float(np.mean([t[term] for t in self.terms])) if self.terms else 0.0


@dataclass
class AuditReport:
    """Every policy's run, and the violations found (each a sentence naming seed and
    policies)."""

    runs: dict[str, PolicyRun]
    seeds: list[int]
    violations: list[str]

    @property
    def ok(self) -> bool:
        """No violation."""
        return not self.violations


def play(env: gym.Env, policy: type[Script], seed: int, options: dict[str, Any] | None = None,
         **kwargs: Any) -> tuple[float, dict[str, Any]]:
    """One episode of ``policy`` (built from the task, the round cap and ``kwargs``): its
    return and last info."""
    obs, info = env.reset(seed=seed, options=options)
    script = policy(env.unwrapped.task, rounds=env.unwrapped.rounds_per_stage, **kwargs)
    total, done = 0.0, False
    while not done:
        obs, reward, terminated, truncated, info = env.step(script.act(obs, info))
        total += reward
        done = terminated or truncated
    return total, info


def run_audit(
    make_env: Callable[[], gym.Env],
    seeds: Sequence[int],
    *,
    policies: Sequence[str] | None = None,
    task_indices: bool = False,
    progress: Callable[[str], None] | None = None,
) -> AuditReport:
    """Play every policy on every seed (``task_indices``: seed i plays dataset task i).

    Args:
        make_env: Builds the env under audit (preset, weights, tasks already set).
        seeds: Episode seeds.
        policies: Names in ``red_team.POLICIES`` (default: all).
        task_indices: Reset with ``options={"task_index": seed}`` (dataset sources).
        progress: Called with each policy's name before it plays.
    """
    names = list(policies or POLICIES)
    unknown = sorted(set(names) - set(POLICIES))
    if unknown:
        raise ValueError(f"unknown audit policies {unknown}; choose from {sorted(POLICIES)}")
    if CorrectNoTools.name not in names:
        names.insert(0, CorrectNoTools.name)  # the bar every red-team policy is held to
    env = make_env()
    runs: dict[str, PolicyRun] = {}
    try:
        for name in names:
            if progress is not None:
                progress(name)
            run = runs[name] = PolicyRun(name, POLICIES[name] in RED_TEAM)
            for seed in seeds:
                options = {"task_index": int(seed)} if task_indices else None
                total, info = play(env, POLICIES[name], int(seed), options)
                run.totals.append(total)
                run.scores.append(float((info.get("judge") or {}).get("score", 0.0)))
                run.terms.append(dict(info["reward_terms"]))
    finally:
        env.close()
    return AuditReport(runs, list(seeds), _violations(runs, list(seeds)))


def _violations(runs: Mapping[str, PolicyRun], seeds: list[int]) -> list[str]:
    out: list[str] = []
    bar = runs[CorrectNoTools.name]
    for k, seed in enumerate(seeds):
        for run in runs.values():
            if run.red_team and run.totals[k] >= bar.totals[k]:
                out.append(f"seed {seed}: {run.name} ({run.totals[k]:+.3f}) >= "
                           f"{bar.name} ({bar.totals[k]:+.3f})")
        right = [r for r in runs.values() if r.scores[k] >= 1.0]
        wrong = [r for r in runs.values() if r.scores[k] <= 0.0]
        for w in wrong:
            for r in right:
                if w.totals[k] >= r.totals[k]:
                    out.append(f"seed {seed}: {w.name} answered wrong ({w.totals[k]:+.3f}) "
                               f"but scored >= {r.name}, which answered right "
                               f"({r.totals[k]:+.3f})")
    return out


def audit_rows(report: AuditReport, terms: Sequence[str] = SHOWN_TERMS) -> list[list[str]]:
    """One row per policy: name, red team?, mean of each term, answer score, and on how
    many seeds its total reached "correct answer, no tools"."""
    bar = report.runs[CorrectNoTools.name].totals
    rows = []
    for run in report.runs.values():
        reached = sum(t >= b for t, b in zip(run.totals, bar, strict=True))
        rows.append([run.name, "red team" if run.red_team else "reference",
                     *(f"{run.mean(t):+.3f}" for t in terms),
                     f"{np.mean(run.scores):.3f}", f"{reached}/{len(bar)}"])
    return rows
