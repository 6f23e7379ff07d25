"""What the environment tallies during an episode and the state it is scored on."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from agemem_env.scoring.judges import JudgeResult
from agemem_env.scoring.memory_quality import QualitySummary


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
    """Step of the first overflow (0: at reset, before the agent acted)."""
    first_agent_overflow: tuple[int, int] | None = None
    """(step, phase) of the first overflow after the agent's first action; phase 1: as the
    step's own messages were added, 2: at the reveal after them. A reduction in step t
    came before either (Eq. 20's "before")."""
    added_ids: list[str] = field(default_factory=list)
    n_updates: int = 0
    n_deletes: int = 0
    retrieval_support: list[float] = field(default_factory=list)
    answer: str | None = None
    tokens_at_answer: int | None = None
    rounds_exceeded: bool = False


@dataclass(frozen=True)
class EpisodeSnapshot:
    """The state the terms are evaluated on: memory and context as they are now."""

    context_text: str
    """All non-system context messages, joined."""
    context_texts: Sequence[str]
    """The user and tool messages of the context (what the env and the tools put there)."""
    context_tokens: int


@dataclass(frozen=True)
class Evaluation:
    """Reward terms (stable names, see ``table.TERM_NAMES``) with the judge and memory
    scores."""

    terms: dict[str, float]
    judge: JudgeResult | None
    quality: QualitySummary
