"""The reward as a table: one row per term (its name, the function that scores it, its
weight), and ``evaluate``, which scores every row and adds them up.

Leaf terms belong to a group (``context``, ``memory``, ``penalty``) or stand at the top
(``task``, ``tool``); a group is the weighted sum of its leaves, and ``total`` the
weighted sum of the top-level terms and groups (Eq. 16), the context, memory and tool
terms times the answer gate of ``grounded``. The paper's rows (Eq. 19-25) and the grounded
rows are both computed every step; a preset's weights pick which pay. Every row, group and
``total`` lands in ``info["reward_terms"]`` under its name, every step. See docs/reward.md.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from dataclasses import dataclass

from agemem_env.rewards import terms
from agemem_env.rewards.config import PRESETS, RewardConfig
from agemem_env.rewards.episode import EpisodeSnapshot, EpisodeStats, Evaluation
from agemem_env.rewards.ledger import Ledger
from agemem_env.scoring.judges import Judge, JudgeResult
from agemem_env.scoring.memory_quality import QualitySummary
from agemem_env.scoring.text import content_tokens, key_terms
from agemem_env.tasks import Task


@dataclass(frozen=True)
class EpisodeFacts:
    """What the rows score, gathered once per evaluation."""

    stats: EpisodeStats
    snap: EpisodeSnapshot
    ledger: Ledger
    task: Task
    level: int
    budget: int
    verdict: JudgeResult | None
    quality: QualitySummary
    """The whole store against the gold facts (``info["memory_quality"]``)."""
    own_quality: QualitySummary
    """This episode's surviving memories against the gold facts."""

    @property
    def answer_score(self) -> float:
        """The judge's score of the answer; 0 without one (levels 1-2: their task score)."""
        return 0.0 if self.verdict is None else self.verdict.score


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
    return (f.quality.f1 + _noise_removed(f, c)) / 2


def _compression(f: EpisodeFacts, c: RewardConfig) -> float:
    used = f.stats.tokens_at_answer
    return terms.compression(used if used is not None else f.snap.context_tokens, f.budget)


def _preventive(f: EpisodeFacts, c: RewardConfig) -> float:
    reduced = f.stats.first_reduction_step
    return terms.preventive(None if reduced is None else (reduced, 0), f.stats.first_agent_overflow)


def _noise_removed(f: EpisodeFacts, c: RewardConfig) -> float:
    return terms.share(f.ledger.noise_removed, f.ledger.noise_shown)


def _overflow_prevented(f: EpisodeFacts, c: RewardConfig) -> float:
    led = f.ledger
    return float(led.pressure and not led.overflow_after_action and led.effective_reductions > 0)


def _facts_in_context(f: EpisodeFacts, c: RewardConfig) -> float:
    led = f.ledger
    held = led.facts_at_answer
    if held is None:
        held = led.facts_in(f.snap.context_texts)
    return terms.share(len(held), led.n_facts)


def _stale(f: EpisodeFacts, c: RewardConfig) -> float:
    return terms.share(f.quality.n_stale, f.quality.n)


def _overflow(f: EpisodeFacts, c: RewardConfig) -> float:
    counted = f.stats.first_overflow_step is not None if c.overflow_at_reset else (
        f.stats.first_agent_overflow is not None)
    return c.overflow_penalty * counted


def _format(f: EpisodeFacts, c: RewardConfig) -> float:
    errors = f.stats.parse_errors + f.stats.tool_errors
    return terms.format_penalty(errors, c.format_penalty, c.format_penalty_cap)


def _one(_: RewardConfig) -> float:
    return 1.0


def _none(_: RewardConfig) -> float:
    return 0.0


def _ctx(leaf: str) -> Callable[[RewardConfig], float]:
    return lambda c: c.context_weights[leaf]


def _mem(leaf: str) -> Callable[[RewardConfig], float]:
    return lambda c: c.memory_weights[leaf]


TERMS: tuple[Term, ...] = (
    Term("task", None, _task, lambda c: c.task,
         "Eq. 17: the judge's score (-1 without an answer); levels 1-2: memory F1 (and "
         "the share of noise removed at level 2)"),
    Term("context", None, None, lambda c: c.context, "Eq. 18: weighted sum of context/*"),
    # -- the paper's context terms (Eq. 19-21), literally
    Term("context/compression", "context", _compression, _ctx("compression"),
         "Eq. 19: share of the token budget unused at answer time"),
    Term("context/preventive", "context", _preventive, _ctx("preventive"),
         "Eq. 20: a context reduction ran before the first overflow after the agent's "
         "first action"),
    Term("context/preservation", "context",
         lambda f, c: terms.preservation(key_terms(f.task.question),
                                         content_tokens(f.snap.context_text)),
         _ctx("preservation"),
         "Eq. 21, graded: share of the question's key terms still in the context"),
    # -- grounded context terms: only effects that served the task
    Term("context/noise_removed", "context", _noise_removed, _ctx("noise_removed"),
         "share of the Stage 2-3 turns that support no gold fact which the agent's "
         "reductions took out (by content: a summary that keeps them has not), in steps "
         "that lost no gold fact from the context"),
    Term("context/overflow_prevented", "context", _overflow_prevented, _ctx("overflow_prevented"),
         "the env's own content passed the budget, yet the context never overflowed after "
         "the agent's first action, thanks to reductions that removed noise"),
    Term("context/facts_in_context", "context", _facts_in_context, _ctx("facts_in_context"),
         "share of the gold facts (current values) a user or tool message in the context "
         "supports at answer time"),
    Term("memory", None, None, lambda c: c.memory, "Eq. 22: weighted sum of memory/*"),
    # -- the paper's memory terms (Eq. 23-25)
    Term("memory/storage", "memory",
         lambda f, c: terms.storage(f.own_quality.n_supporting, f.own_quality.n),
         _mem("storage"),
         "Eq. 23: share of this episode's surviving memories that support a gold fact"),
    Term("memory/maintenance", "memory",
         lambda f, c: terms.maintenance(f.stats.n_updates, f.stats.n_deletes),
         _mem("maintenance"), "Eq. 24: an update or delete succeeded"),
    Term("memory/relevance", "memory",
         lambda f, c: terms.relevance(f.stats.retrieval_support), _mem("relevance"),
         "Eq. 25, offline: mean share of retrieved memories that support a gold fact"),
    # -- grounded memory terms
    Term("memory/precision", "memory", lambda f, c: f.ledger.written_precision(),
         _mem("precision"),
         "mean focus over every memory the episode wrote, deleted ones included: the share "
         "of its words that belong to gold facts it supports with current values"),
    Term("memory/fixes", "memory",
         lambda f, c: terms.share(f.ledger.fixes, f.ledger.edits), _mem("fixes"),
         "share of updates and deletes that replaced a stale value with the current one or "
         "deleted a superseded or retracted memory"),
    Term("memory/retrieval_precision", "memory",
         lambda f, c: terms.mean(f.ledger.retrieval_focus), _mem("retrieval_precision"),
         "mean over retrievals of the mean focus of what came back (0 for nothing)"),
    Term("memory/stale", "memory", _stale, _none,
         "reported: share of stored memories that hold a superseded value or a retracted "
         "claim"),
    Term("tool", None,
         lambda f, c: terms.tool_validity(f.stats.tool_ok, sum(f.stats.tool_calls.values())),
         lambda c: c.tool, "share of tool calls that ran without error"),
    Term("penalty", None, None, _one, "Eq. 26: sum of penalty/* (each <= 0), never gated"),
    Term("penalty/rounds", "penalty",
         lambda f, c: c.rounds_penalty * f.stats.rounds_exceeded, _one,
         "Stage 3 hit its round cap without an answer"),
    Term("penalty/overflow", "penalty", _overflow, _one,
         "the context exceeded the token budget (at reset too, if overflow_at_reset)"),
    Term("penalty/format", "penalty", _format, _one,
         "per malformed completion or invalid tool call, bounded below"),
    Term("penalty/updates", "penalty",
         lambda f, c: c.update_turn_penalty * f.stats.write_steps / max(1, f.stats.agent_steps),
         _one, "AtomMem: share of agent steps that wrote long-term memory"),
)
TERM_NAMES: tuple[str, ...] = (*(t.name for t in TERMS), "total")
"""Every name in ``info["reward_terms"]``, in the order they are reported."""
GATED = ("context", "memory", "tool")
"""Top-level terms the answer gate multiplies (``RewardConfig.gate="answer"``)."""


def evaluate(
    stats: EpisodeStats,
    snap: EpisodeSnapshot,
    ledger: Ledger,
    task: Task,
    *,
    level: int,
    budget: int,
    judge: Judge,
    config: RewardConfig,
    quality: QualitySummary,
    own_quality: QualitySummary,
) -> Evaluation:
    """Every reward term for the episode as it stands (Eq. 16-26 and the grounded rows).

    Levels 1 and 2 ask no question, so their task term measures the stage's own goal:
    memory-quality F1 (level 1), and its mean with the share of noise removed (level 2).
    ``quality`` and ``own_quality`` are the store's and the agent's surviving memories'
    standing against the gold (the env's running tally, or a scorer's verdict).
    """
    verdict = None
    if level == 3 and stats.answer is not None:
        verdict = judge(stats.answer, task.answers, task.question,
                        category=task.metadata.get("category"),
                        abstention=bool(task.metadata.get("abstention", False)))
    facts = EpisodeFacts(stats, snap, ledger, task, level, budget, verdict, quality,
                         own_quality)
    values: dict[str, float] = {}
    for term in TERMS:
        if term.score is not None:
            values[term.name] = float(term.score(facts, config))
    for group in (t for t in TERMS if t.score is None):
        members = [t for t in TERMS if t.group == group.name]
        values[group.name] = float(sum(values[t.name] * t.weight(config) for t in members))
    gate = 1.0
    if config.gate == "answer":
        gate = max(0.0, facts.answer_score if level == 3 else values["task"])
    # Summed left to right, in row order, as Eq. 16 reads.
    top = [values[t.name] * t.weight(config) * (gate if t.name in GATED else 1.0)
           for t in TERMS if t.group is None]
    ordered = {name: values[name] for name in TERM_NAMES[:-1]}
    ordered["total"] = float(functools.reduce(operator.add, top))
    return Evaluation(ordered, verdict, facts.quality)


def weights_by_preset() -> dict[str, dict[str, float]]:
    """Each term's weight in each preset: ``{term: {preset: weight}}`` (for docs and
    ``agemem info``)."""
    return {t.name: {name: t.weight(cfg) for name, cfg in PRESETS.items()} for t in TERMS}
