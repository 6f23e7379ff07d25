"""The reward: its terms as a table (``table``), their pure functions (``terms``), weights
and presets (``config``), and what an episode tallies for them (``episode``)."""

from agemem_env.rewards.config import (
    DEFAULT_PRESET,
    PRESET_DOCS,
    PRESETS,
    RewardConfig,
    make_reward_config,
)
from agemem_env.rewards.episode import EpisodeSnapshot, EpisodeStats, Evaluation
from agemem_env.rewards.ledger import Ledger
from agemem_env.rewards.table import TERM_NAMES, TERMS, Term, evaluate, weights_by_preset

__all__ = [
    "DEFAULT_PRESET",
    "Ledger",
    "PRESETS",
    "PRESET_DOCS",
    "TERMS",
    "TERM_NAMES",
    "EpisodeSnapshot",
    "EpisodeStats",
    "Evaluation",
    "RewardConfig",
    "Term",
    "evaluate",
    "make_reward_config",
    "weights_by_preset",
]
