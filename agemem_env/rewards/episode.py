"""What the environment tallies during an episode and the state it is scored on."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from agemem_env.scoring.judges import JudgeResult
from agemem_env.scoring.memory_quality import MemoryQuality


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
    """Reward terms (stable names, see ``table.TERM_NAMES``) with the judge and memory
    scores."""

    terms: dict[str, float]
    judge: JudgeResult | None
    quality: MemoryQuality
