"""Reward terms, their configuration and presets, and the per-episode evaluation."""

from agemem_env.rewards.config import PRESET_DOCS, PRESETS, RewardConfig, make_reward_config
from agemem_env.rewards.episode import (
    TERM_NAMES,
    EpisodeSnapshot,
    EpisodeStats,
    Evaluation,
    evaluate,
)

__all__ = [
    "PRESETS",
    "PRESET_DOCS",
    "TERM_NAMES",
    "EpisodeSnapshot",
    "EpisodeStats",
    "Evaluation",
    "RewardConfig",
    "evaluate",
    "make_reward_config",
]
