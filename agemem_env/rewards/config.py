"""Reward weights and penalties, and the named presets (the paper's variants, AtomMem's,
and ``grounded``, the default, in which memory work pays only for effects that served
the task and only alongside a right answer)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

TASK_METRICS = ("score", "exact_match")
GATES = ("none", "answer")
DEFAULT_PRESET = "grounded"
# Leaves of the context and memory groups, in table order; the first three of each are
# the paper's (Eq. 19-21, 23-25), the last three the grounded ones.
CONTEXT_LEAVES = ("compression", "preventive", "preservation",
                  "noise_removed", "overflow_prevented", "facts_in_context")
MEMORY_LEAVES = ("storage", "maintenance", "relevance",
                 "precision", "fixes", "retrieval_precision")


def _paper(leaves: tuple[str, ...]) -> dict[str, float]:
    return {name: (1 / 3 if i < 3 else 0.0) for i, name in enumerate(leaves)}


@dataclass(frozen=True)
class RewardConfig:
    """R = w_task R_task + gate * (w_context R_context + w_memory R_memory + w_tool R_tool) + P.

    ``gate`` is 1 (``"none"``, the paper) or the answer's judge score (``"answer"``), so that
    memory and context work pay only as far as the answer is right.
    """

    task: float = 1.0
    """Weight of the task term (Eq. 17)."""
    context: float = 1.0
    """Weight of the context-management term (Eq. 18)."""
    memory: float = 1.0
    """Weight of the memory-management term (Eq. 22)."""
    tool: float = 0.0
    """Weight of the tool-validity term (share of calls that ran); 0 = reported only."""
    context_weights: Mapping[str, float] = field(default_factory=lambda: _paper(CONTEXT_LEAVES))
    """Weights of the context leaves (names in CONTEXT_LEAVES; a 3-tuple sets the paper's
    alpha for compression, preventive, preservation); they sum to 1."""
    memory_weights: Mapping[str, float] = field(default_factory=lambda: _paper(MEMORY_LEAVES))
    """Weights of the memory leaves (names in MEMORY_LEAVES; a 3-tuple sets the paper's beta
    for storage, maintenance, relevance); they sum to 1."""
    gate: str = "none"
    """"answer": context, memory and tool terms are multiplied by the answer's score (0
    without an answer); "none": they are paid whatever the answer."""
    no_answer: float = -1.0
    """Task term when no answer was given (P_no-answer)."""
    rounds_penalty: float = -1.0
    """P_rounds: Stage 3 hit its round cap without an answer."""
    overflow_penalty: float = -0.5
    """P_overflow: the context exceeded the token budget at some point."""
    overflow_at_reset: bool = True
    """Whether an overflow before the agent's first step (the task's own first turns over
    the budget) counts for P_overflow."""
    format_penalty: float = -0.1
    """Per malformed completion or invalid tool call."""
    format_penalty_cap: float = -1.0
    """Lower bound of the summed format penalty."""
    update_turn_penalty: float = 0.0
    """Times the share of agent steps that wrote long-term memory (AtomMem's cost)."""
    task_metric: str = "score"
    """What the task term takes from the judge: its "score" or its "exact_match"."""

    def __post_init__(self) -> None:
        for name, leaves in (("context_weights", CONTEXT_LEAVES),
                             ("memory_weights", MEMORY_LEAVES)):
            object.__setattr__(self, name, _leaf_weights(name, getattr(self, name), leaves))
        if self.task_metric not in TASK_METRICS:
            raise ValueError(f"RewardConfig.task_metric must be one of {TASK_METRICS}, got "
                             f"{self.task_metric!r}")
        if self.gate not in GATES:
            raise ValueError(f"RewardConfig.gate must be one of {GATES}, got {self.gate!r}")
        for name in ("rounds_penalty", "overflow_penalty", "format_penalty", "format_penalty_cap",
                     "update_turn_penalty"):
            if getattr(self, name) > 0:
                raise ValueError(f"RewardConfig.{name} is a penalty and must be <= 0")


def _leaf_weights(name: str, given: Any, leaves: tuple[str, ...]) -> dict[str, float]:
    """A full {leaf: weight} mapping from a mapping or a 3-tuple (the paper's three)."""
    if isinstance(given, Mapping):
        unknown = sorted(set(given) - set(leaves))
        if unknown:
            raise ValueError(f"RewardConfig.{name} has unknown leaves {unknown}; valid: "
                             f"{list(leaves)}")
        weights = {leaf: float(given.get(leaf, 0.0)) for leaf in leaves}
    else:
        values = tuple(float(w) for w in given)
        if len(values) != 3:
            raise ValueError(f"RewardConfig.{name} as a tuple needs the paper's 3 weights, "
                             f"got {values}")
        weights = {leaf: (values[i] if i < 3 else 0.0) for i, leaf in enumerate(leaves)}
    if any(w < 0 for w in weights.values()) or abs(sum(weights.values()) - 1) > 1e-6:
        raise ValueError(f"RewardConfig.{name} must be non-negative numbers summing to 1, "
                         f"got {weights}")
    return weights


def _grounded(leaves: tuple[str, ...]) -> dict[str, float]:
    return {name: (0.0 if i < 3 else 1 / 3) for i, name in enumerate(leaves)}


PRESETS: dict[str, RewardConfig] = {
    # Every auxiliary term pays only for an effect that served the task, and only as far
    # as the answer is right; penalties sum to more than -1, so a right answer always beats
    # a wrong one. See docs/reward.md.
    "grounded": RewardConfig(
        context=0.25, memory=0.25, context_weights=_grounded(CONTEXT_LEAVES),
        memory_weights=_grounded(MEMORY_LEAVES), gate="answer", overflow_at_reset=False,
        format_penalty_cap=-0.4,
    ),
    # The paper's experiments: uniform weights of 1.0 (Section 4.1), Eq. 16-26 literally.
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
    "grounded": "default: answer score, plus 0.25 x (context, memory) work that served the "
                "task, paid in proportion to the answer's score; penalties",
    "paper": "the paper's Eq. 16-26: uniform weights 1/1/1 on task, context and memory, "
             "with all penalties",
    "paper_code": "0.5 task, 0.15 context, 0.15 memory, 0.2 tool validity, with penalties",
    "answer_only": "task term only, no penalties (the paper's Answer-Only ablation)",
    "atommem": "answer exact match minus 0.1 x the share of steps that wrote memory (AtomMem)",
}


def make_reward_config(
    preset: str = DEFAULT_PRESET, weights: Mapping[str, Any] | None = None
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
