"""Configuration of the step-wise GRPO trainer (the loop is in ``trainer.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agemem_env.envs.registration import ENV_IDS, ENV_LEVELS
from agemem_env.rewards import DEFAULT_PRESET, PRESETS
from agents.grpo.algorithms import ADVANTAGE_ESTIMATORS, AGGREGATIONS


@dataclass
class GRPOConfig:
    """Everything a GRPO run needs besides the policy."""

    env_id: str = "AgeMem-Stage3-v0"
    """The target env; with ``curriculum`` the run climbs Stage1 -> ... -> this level."""
    tasks: str = "synthetic"
    """Task source name (synthetic or a dataset loader name)."""
    tasks_path: str | None = None
    """Dataset file or folder for a non-synthetic source."""
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    """Extra ``gym.make`` keyword arguments (token_budget, rounds_per_stage, ...)."""
    embedder: str = "hashing"
    """The env's embedder; hashing keeps CPU rollouts fast."""
    reward_preset: str = DEFAULT_PRESET
    """Reward preset of the env: a name in ``agemem_env.rewards.PRESETS``."""
    curriculum: bool = False
    """Train on Stage1, then Stage2, then the target level (shares: ``curriculum_split``)."""
    curriculum_split: tuple[float, ...] = (0.25, 0.25)
    """Share of updates on Stage1 and on Stage2; the rest is on the target level."""
    steps: int = 50
    """Optimiser updates (GRPO iterations)."""
    tasks_per_update: int = 4
    """Groups (distinct seeded tasks) per update."""
    group_size: int = 8
    """K: rollouts of the same seeded episode per group."""
    epochs: int = 2
    """Passes over each update's rollouts. The first pass has ratio 1 (the weights that
    sampled are the weights scored), so the clip acts only from the second pass on."""
    micro_batch: int = 8
    """Episodes per backward pass; gradients accumulate over a whole update."""
    lr: float = 1e-2
    """AdamW learning rate (suits the structured policy; LoRA wants ~2e-5)."""
    weight_decay: float = 0.0
    """AdamW weight decay."""
    max_grad_norm: float = 1.0
    """Gradient clipping (0 turns it off)."""
    clip_eps: float = 0.2
    """Clip range of the importance ratio."""
    kl_coef: float = 0.001
    """Weight of the k3 KL to the frozen reference. Lower than the 0.1 we read in the
    paper: with the structured policy's few units per step, 0.1 pinned it to its start
    (docs/training.md)."""
    loss_agg: str = "token-mean"
    """"token-mean" (every scored unit weighs the same) or "step-mean"."""
    advantage: str = "grpo"
    """Advantage estimator name (see ``algorithms.ADVANTAGE_ESTIMATORS``)."""
    adv_eps: float = 1e-6
    """Added to the group's std."""
    seed: int = 0
    """Seeds torch, the sampling generators and the training task seeds."""
    task_seed_start: int = 100_000
    """First training episode seed; `agemem eval --seed 0` seeds stay held out."""
    checkpoint_every: int = 10
    """Updates between checkpoints (the last update always saves)."""
    progress: bool = True
    """Show a tqdm bar."""

    def __post_init__(self) -> None:
        if self.env_id not in ENV_LEVELS:
            raise ValueError(f"env_id must be one of {sorted(ENV_LEVELS)}, got {self.env_id!r}")
        if self.reward_preset not in PRESETS:
            raise ValueError(f"reward_preset must be one of {sorted(PRESETS)}, got "
                             f"{self.reward_preset!r}")
        if self.loss_agg not in AGGREGATIONS:
            raise ValueError(f"loss_agg must be one of {AGGREGATIONS}, got {self.loss_agg!r}")
        if self.advantage not in ADVANTAGE_ESTIMATORS:
            raise ValueError(f"advantage must be one of {sorted(ADVANTAGE_ESTIMATORS)}, "
                             f"got {self.advantage!r}")
        for name in ("steps", "tasks_per_update", "epochs", "micro_batch", "checkpoint_every"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.group_size < 2:
            raise ValueError(f"group_size must be >= 2 (GRPO normalises within a group), "
                             f"got {self.group_size}")
        if not 0 < self.clip_eps < 1 or self.kl_coef < 0 or self.lr <= 0:
            raise ValueError(f"need 0 < clip_eps < 1, kl_coef >= 0 and lr > 0; got "
                             f"{self.clip_eps}, {self.kl_coef}, {self.lr}")
        self.curriculum_split = tuple(float(x) for x in self.curriculum_split)
        if len(self.curriculum_split) != 2 or min(self.curriculum_split) < 0 \
                or sum(self.curriculum_split) > 1:
            raise ValueError("curriculum_split must be two shares >= 0 summing to <= 1, "
                             f"got {self.curriculum_split}")
        for key in ("tasks", "action_mode", "reward_preset", "embedder", "level"):
            if key in self.env_kwargs:
                raise ValueError(f"env_kwargs must not set {key!r}: it has its own field "
                                 "(or the policy sets it)")

    def env_for_update(self, update: int) -> str:
        """The env id of update ``update`` (0-based): the curriculum's stage, or the target.

        >>> cfg = GRPOConfig(steps=8, curriculum=True)
        >>> [cfg.env_for_update(u)[-4] for u in range(8)]
        ['1', '1', '2', '2', '3', '3', '3', '3']
        """
        level = ENV_LEVELS[self.env_id]
        if not self.curriculum or level == 1:
            return self.env_id
        first, second = self.curriculum_split
        share = update / self.steps
        if share < first:
            return ENV_IDS[0]
        if share < first + second and level == 3:
            return ENV_IDS[1]
        return self.env_id
