"""Gymnasium wrappers that turn the chat env into arrays for standard RL libraries.

Stack the action wrapper innermost and the observation wrappers outside it::

    env = gym.make("AgeMem-Stage3-v0", embedder="hashing", action_mode="structured")
    env = FeatureObservation(FlatToolAction(SeedCycle(env, range(10**6))))

``FlatToolAction`` (numbers -> a valid tool call), ``FeatureObservation`` (a float
vector), ``TokenizedObservation`` (token ids and a mask), ``SeedCycle`` (fixed training
seeds), ``NumericInfo`` (an info vector envs can merge) and ``play_seeds`` (held-out
scores). docs/rl-libraries.md is the guide.
"""

from __future__ import annotations

from agemem_env.wrappers.evaluation import EpisodeScore, held_out_results, play_seeds
from agemem_env.wrappers.features import FeatureObservation
from agemem_env.wrappers.flat_action import FlatToolAction
from agemem_env.wrappers.numeric_info import NumericInfo
from agemem_env.wrappers.seed_cycle import SeedCycle
from agemem_env.wrappers.span_answer import best_span
from agemem_env.wrappers.tokenized import TokenizedObservation

__all__ = [
    "EpisodeScore",
    "FeatureObservation",
    "FlatToolAction",
    "NumericInfo",
    "SeedCycle",
    "TokenizedObservation",
    "held_out_results",
    "best_span",
    "play_seeds",
]
