"""What the environment tallies during an episode, and the reward terms computed from it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from agemem_env.rewards import terms
from agemem_env.rewards.config import RewardConfig
from agemem_env.scoring.judges import Judge, JudgeResult
from agemem_env.scoring.memory_quality import MemoryQuality
from agemem_env.scoring.registry import MemoryScorer
from agemem_env.scoring.text import content_tokens, key_terms
from agemem_env.tasks import Task


@dataclass
class EpisodeStats:
    """Counters the reward needs; the environment updates them after every step."""

    tool_calls: Counter[str] = field(default_factory=Counter)
    agent_steps: int = 0
    write_steps: int = 0
    """Agent steps in which at least one long-term memory write succeeded."""
    tool_ok: int = 0
    tool_errors: int = 0
    parse_errors: int = 0
    first_reduction_step: int | None = None
    first_overflow_step: int | None = None
    added_ids: list[str] = field(default_factory=list)
    n_updates: int = 0
    n_deletes: int = 0
    retrieval_support: list[float] = field(default_factory=list)
    answer: str | None = None
    tokens_at_answer: int | None = None
    rounds_exceeded: bool = False
    distractor_tokens: int = 0


@dataclass(frozen=True)
class EpisodeSnapshot:
    """The state the terms are evaluated on: memory and context as they are now."""

    memories: Sequence[str]
    """Contents of every long-term memory record."""
    own_memories: Sequence[str]
    """Contents of the records this episode added that still exist."""
    context_text: str
    """All non-system context messages, joined."""
    context_tokens: int
    distractor_tokens_left: int


@dataclass(frozen=True)
class Evaluation:
    """Reward terms (stable names, see ``TERM_NAMES``) with the judge and memory scores."""

    terms: dict[str, float]
    judge: JudgeResult | None
    quality: MemoryQuality


TERM_NAMES = (
    "task", "context", "context/compression", "context/preventive", "context/preservation",
    "memory", "memory/storage", "memory/maintenance", "memory/relevance", "tool",
    "penalty", "penalty/rounds", "penalty/overflow", "penalty/format", "penalty/updates",
    "total",
)  # fmt: skip


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
    facts = task.supporting_facts
    quality = scorer(snap.memories, facts)
    verdict = None
    if level == 3:
        if stats.answer is not None:
            verdict = judge(
                stats.answer,
                task.answers,
                task.question,
                category=task.metadata.get("category"),
                abstention=bool(task.metadata.get("abstention", False)),
            )
        judged = None if verdict is None else getattr(verdict, config.task_metric)
        task_score = terms.task_term(judged, config.no_answer)
    elif level == 1:
        task_score = quality.f1
    else:
        removed = 1.0 - snap.distractor_tokens_left / max(1, stats.distractor_tokens)
        task_score = (quality.f1 + removed) / 2
    used = stats.tokens_at_answer if stats.tokens_at_answer is not None else snap.context_tokens
    ctx = (
        terms.compression(used, budget),
        terms.preventive(stats.first_reduction_step, stats.first_overflow_step),
        terms.preservation(key_terms(task.question), content_tokens(snap.context_text)),
    )
    own = scorer(snap.own_memories, facts)
    mem = (
        terms.storage(sum(own.supporting), len(snap.own_memories)),
        terms.maintenance(stats.n_updates, stats.n_deletes),
        terms.relevance(stats.retrieval_support),
    )
    n_calls = sum(stats.tool_calls.values())
    penalties = (
        config.rounds_penalty * stats.rounds_exceeded,
        config.overflow_penalty * (stats.first_overflow_step is not None),
        terms.format_penalty(
            stats.parse_errors + stats.tool_errors,
            config.format_penalty,
            config.format_penalty_cap,
        ),
        config.update_turn_penalty * stats.write_steps / max(1, stats.agent_steps),
    )
    values = {
        "task": task_score,
        "context": terms.weighted_mean(ctx, config.context_weights),
        "context/compression": ctx[0],
        "context/preventive": ctx[1],
        "context/preservation": ctx[2],
        "memory": terms.weighted_mean(mem, config.memory_weights),
        "memory/storage": mem[0],
        "memory/maintenance": mem[1],
        "memory/relevance": mem[2],
        "tool": terms.tool_validity(stats.tool_ok, n_calls),
        "penalty": float(sum(penalties)),
        "penalty/rounds": float(penalties[0]),
        "penalty/overflow": float(penalties[1]),
        "penalty/format": float(penalties[2]),
        "penalty/updates": float(penalties[3]),
    }
    values["total"] = (
        config.task * values["task"]
        + config.context * values["context"]
        + config.memory * values["memory"]
        + config.tool * values["tool"]
        + values["penalty"]
    )
    return Evaluation({k: float(v) for k, v in values.items()}, verdict, quality)
