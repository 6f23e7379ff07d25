"""Reward weights and penalties, and the named presets of the paper's variants."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

TASK_METRICS = ("score", "exact_match")


@dataclass(frozen=True)
class RewardConfig:
    """R = w_task R_task + w_context R_context + w_memory R_memory + w_tool R_tool + P."""

    task: float = 1.0
    """Weight of the task term (Eq. 17)."""
    context: float = 1.0
    """Weight of the context-management term (Eq. 18)."""
    memory: float = 1.0
    """Weight of the memory-management term (Eq. 22)."""
    tool: float = 0.0
    """Weight of the tool-validity term (share of calls that ran); 0 = reported only."""
    context_weights: tuple[float, float, float] = (1 / 3, 1 / 3, 1 / 3)
    """alpha for (compression, preventive, preservation)."""
    memory_weights: tuple[float, float, float] = (1 / 3, 1 / 3, 1 / 3)
    """beta for (storage, maintenance, relevance)."""
    no_answer: float = -1.0
    """Task term when no answer was given (P_no-answer)."""
    rounds_penalty: float = -1.0
    """P_rounds: Stage 3 hit its round cap without an answer."""
    overflow_penalty: float = -0.5
    """P_overflow: the context exceeded the token budget at some point."""
    format_penalty: float = -0.1
    """Per malformed completion or invalid tool call."""
    format_penalty_cap: float = -1.0
    """Lower bound of the summed format penalty."""
    update_turn_penalty: float = 0.0
    """Times the share of agent steps that wrote long-term memory (AtomMem's cost)."""
    task_metric: str = "score"
    """What the task term takes from the judge: its "score" or its "exact_match"."""

    def __post_init__(self) -> None:
        for name in ("context_weights", "memory_weights"):
            weights = tuple(float(w) for w in getattr(self, name))
            if len(weights) != 3 or any(w < 0 for w in weights) or abs(sum(weights) - 1) > 1e-6:
                raise ValueError(f"RewardConfig.{name} must be 3 non-negative numbers summing "
                                 f"to 1, got {weights}")
            object.__setattr__(self, name, weights)
        if self.task_metric not in TASK_METRICS:
            raise ValueError(f"RewardConfig.task_metric must be one of {TASK_METRICS}, got "
                             f"{self.task_metric!r}")
        for name in ("rounds_penalty", "overflow_penalty", "format_penalty", "format_penalty_cap",
                     "update_turn_penalty"):
            if getattr(self, name) > 0:
                raise ValueError(f"RewardConfig.{name} is a penalty and must be <= 0")


PRESETS: dict[str, RewardConfig] = {
    # The paper's experiments: uniform weights of 1.0 (Section 4.1).
    "paper": RewardConfig(),
    # The released training code: task-heavy weights plus a tool-use term.
    "paper_code": RewardConfig(task=0.5, context=0.15, memory=0.15, tool=0.2),
    # The paper's Answer-Only ablation (Table 4): the task term alone, no penalties.
    "answer_only": RewardConfig(
        context=0.0, memory=0.0, rounds_penalty=0.0, overflow_penalty=0.0, format_penalty=0.0
    ),
    # AtomMem's RL reward: answer exact match minus 0.1 x the share of memory-update turns.
    "atommem": RewardConfig(
        context=0.0, memory=0.0, no_answer=0.0, rounds_penalty=0.0, overflow_penalty=0.0,
        format_penalty=0.0, update_turn_penalty=-0.1, task_metric="exact_match",
    ),
}
PRESET_DOCS: dict[str, str] = {
    "paper": "uniform weights 1/1/1 on task, context and memory, with all penalties",
    "paper_code": "0.5 task, 0.15 context, 0.15 memory, 0.2 tool validity, with penalties",
    "answer_only": "task term only, no penalties (the paper's Answer-Only ablation)",
    "atommem": "answer exact match minus 0.1 x the share of steps that wrote memory (AtomMem)",
}


def make_reward_config(
    preset: str = "paper", weights: Mapping[str, Any] | None = None
) -> RewardConfig:
    """A preset with any field overridden, e.g. ``weights={"task": 2.0, "tool": 0.1}``."""
    if preset not in PRESETS:
        raise ValueError(f"unknown reward preset {preset!r}; choose from {sorted(PRESETS)}")
    overrides = dict(weights or {})
    valid = {f.name for f in fields(RewardConfig)}
    unknown = sorted(set(overrides) - valid)
    if unknown:
        raise ValueError(f"unknown reward weight(s) {unknown}; valid names: {sorted(valid)}")
    return replace(PRESETS[preset], **overrides)
