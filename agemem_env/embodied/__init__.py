"""Interactive text benchmarks (BabyAI, ScienceWorld, ALFWorld) inside the AgeMem episode.

Ids: ``AgeMem-BabyAI-v0``, ``AgeMem-SciWorld-v0``, ``AgeMem-ALFWorld-v0`` (see
``EmbodiedEnv`` and docs/embodied.md). The benchmarks are the optional extra
``embodied``; nothing of them is imported until an env is reset.
"""

from agemem_env.embodied.backend import Backend, Instance, Outcome
from agemem_env.embodied.env import BACKENDS, EmbodiedEnv

__all__ = ["BACKENDS", "Backend", "EmbodiedEnv", "Instance", "Outcome"]
