"""The reward as a table: one row per term (its name, the function that scores it, its
weight), and ``evaluate``, which scores every row and adds them up.

Leaf terms belong to a group (``context``, ``memory``, ``penalty``) or stand at the top
(``task``, ``tool``); a group is the weighted sum of its leaves, and ``total`` the
weighted sum of the top-level terms and groups (Eq. 16). Every row, group and ``total``
lands in ``info["reward_terms"]`` under its name, every step. A row whose weight is 0 in a
preset is reported but does not pay.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from dataclasses import dataclass

from agemem_env.rewards import terms
from agemem_env.rewards.config import PRESETS, RewardConfig
from agemem_env.rewards.episode import EpisodeSnapshot, EpisodeStats, Evaluation
from agemem_env.scoring.judges import Judge, JudgeResult
from agemem_env.scoring.memory_quality import MemoryQuality
from agemem_env.scoring.registry import MemoryScorer
from agemem_env.scoring.text import content_tokens, key_terms
from agemem_env.tasks import Task


@dataclass(frozen=True)
class EpisodeFacts:
    """What the rows score, gathered once per evaluation."""

    stats: EpisodeStats
    snap: EpisodeSnapshot
    task: Task
    level: int
    budget: int
    verdict: JudgeResult | None
    quality: MemoryQuality
    """The whole store against the gold facts (``info["memory_quality"]``)."""
    own_quality: MemoryQuality
    """This episode's surviving memories against the gold facts."""


@dataclass(frozen=True)
class Term:
    """One row: a named term, where it is summed, how it scores and how it is weighted."""

    name: str
    group: str | None
    """The group it is summed into; None: a top-level term of ``total``."""
    score: Callable[[EpisodeFacts, RewardConfig], float] | None
    """None for a group row (its value is the weighted sum of its leaves)."""
    weight: Callable[[RewardConfig], float]
    """Its weight inside its group (or in ``total``), read from the config."""
    doc: str


def _task(f: EpisodeFacts, c: RewardConfig) -> float:
    if f.level == 3:
        judged = None if f.verdict is None else getattr(f.verdict, c.task_metric)
        return terms.task_term(judged, c.no_answer)
    if f.level == 1:
        return f.quality.f1
    removed = 1.0 - f.snap.distractor_tokens_left / max(1, f.stats.distractor_tokens)
    return (f.quality.f1 + removed) / 2


def _compression(f: EpisodeFacts, c: RewardConfig) -> float:
    used = f.stats.tokens_at_answer
    return terms.compression(used if used is not None else f.snap.context_tokens, f.budget)


def _format(f: EpisodeFacts, c: RewardConfig) -> float:
    errors = f.stats.parse_errors + f.stats.tool_errors
    return terms.format_penalty(errors, c.format_penalty, c.format_penalty_cap)


def _one(_: RewardConfig) -> float:
    return 1.0


TERMS: tuple[Term, ...] = (
    Term("task", None, _task, lambda c: c.task,
         "Eq. 17: the judge's score (-1 without an answer); levels 1-2: memory F1 (and "
         "distractor removal at level 2)"),
    Term("context", None, None, lambda c: c.context, "Eq. 18: weighted sum of context/*"),
    Term("context/compression", "context", _compression, lambda c: c.context_weights[0],
         "Eq. 19: share of the token budget unused at answer time"),
    Term("context/preventive", "context",
         lambda f, c: terms.preventive(f.stats.first_reduction_step, f.stats.first_overflow_step),
         lambda c: c.context_weights[1],
         "Eq. 20: a context reduction ran before the first overflow"),
    Term("context/preservation", "context",
         lambda f, c: terms.preservation(key_terms(f.task.question),
                                         content_tokens(f.snap.context_text)),
         lambda c: c.context_weights[2],
         "Eq. 21, graded: share of the question's key terms still in the context"),
    Term("memory", None, None, lambda c: c.memory, "Eq. 22: weighted sum of memory/*"),
    Term("memory/storage", "memory",
         lambda f, c: terms.storage(sum(f.own_quality.supporting), len(f.snap.own_memories)),
         lambda c: c.memory_weights[0],
         "Eq. 23: share of this episode's surviving memories that support a gold fact"),
    Term("memory/maintenance", "memory",
         lambda f, c: terms.maintenance(f.stats.n_updates, f.stats.n_deletes),
         lambda c: c.memory_weights[1], "Eq. 24: an update or delete succeeded"),
    Term("memory/relevance", "memory",
         lambda f, c: terms.relevance(f.stats.retrieval_support),
         lambda c: c.memory_weights[2],
         "Eq. 25, offline: mean share of retrieved memories that support a gold fact"),
    Term("tool", None,
         lambda f, c: terms.tool_validity(f.stats.tool_ok, sum(f.stats.tool_calls.values())),
         lambda c: c.tool, "share of tool calls that ran without error"),
    Term("penalty", None, None, _one, "Eq. 26: sum of penalty/* (each <= 0)"),
    Term("penalty/rounds", "penalty",
         lambda f, c: c.rounds_penalty * f.stats.rounds_exceeded, _one,
         "Stage 3 hit its round cap without an answer"),
    Term("penalty/overflow", "penalty",
         lambda f, c: c.overflow_penalty * (f.stats.first_overflow_step is not None), _one,
         "the context exceeded the token budget at some point"),
    Term("penalty/format", "penalty", _format, _one,
         "per malformed completion or invalid tool call, bounded below"),
    Term("penalty/updates", "penalty",
         lambda f, c: c.update_turn_penalty * f.stats.write_steps / max(1, f.stats.agent_steps),
         _one, "AtomMem: share of agent steps that wrote long-term memory"),
)
TERM_NAMES: tuple[str, ...] = (*(t.name for t in TERMS), "total")
"""Every name in ``info["reward_terms"]``, in the order they are reported."""


def evaluate(
    stats: EpisodeStats,
    snap: EpisodeSnapshot,
    task: Task,
    *,
    level: int,
    budget: int,
    judge: Judge,
    config: RewardConfig,
    scorer: MemoryScorer,
) -> Evaluation:
    """Every reward term for the episode as it stands (Eq. 16-26).

    Levels 1 and 2 ask no question, so their task term measures the stage's own goal:
    memory-quality F1 (level 1), and its mean with the share of distractor tokens removed
    from the context (level 2).
    """
    verdict = None
    if level == 3 and stats.answer is not None:
        verdict = judge(stats.answer, task.answers, task.question,
                        category=task.metadata.get("category"),
                        abstention=bool(task.metadata.get("abstention", False)))
    facts = EpisodeFacts(stats, snap, task, level, budget, verdict,
                         quality=scorer(snap.memories, task.supporting_facts),
                         own_quality=scorer(snap.own_memories, task.supporting_facts))
    values: dict[str, float] = {}
    for term in TERMS:
        if term.score is not None:
            values[term.name] = float(term.score(facts, config))
    for group in (t for t in TERMS if t.score is None):
        members = [t for t in TERMS if t.group == group.name]
        values[group.name] = float(sum(values[t.name] * t.weight(config) for t in members))
    # Summed left to right, in row order, as Eq. 16 reads.
    top = [values[t.name] * t.weight(config) for t in TERMS if t.group is None]
    ordered = {name: values[name] for name in TERM_NAMES[:-1]}
    ordered["total"] = float(functools.reduce(operator.add, top))
    return Evaluation(ordered, verdict, facts.quality)


def weights_by_preset() -> dict[str, dict[str, float]]:
    """Each term's weight in each preset: ``{term: {preset: weight}}`` (for docs and
    ``agemem info``)."""
    return {t.name: {name: t.weight(cfg) for name, cfg in PRESETS.items()} for t in TERMS}
