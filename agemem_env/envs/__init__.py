"""The environments: AgeMemEnv (the three-stage episode), its registration, stages, system
prompt and text rendering. ``AgeMemEnv`` loads on first use (it pulls in memory and
tokenizers)."""

from typing import Any

from agemem_env.envs.registration import EMBODIED_IDS, ENV_IDS, ENV_LEVELS, register_envs

__all__ = ["EMBODIED_IDS", "ENV_IDS", "ENV_LEVELS", "AgeMemEnv", "register_envs"]


def __getattr__(name: str) -> Any:
    if name == "AgeMemEnv":
        from agemem_env.envs.agemem import AgeMemEnv

        return AgeMemEnv
    raise AttributeError(f"module 'agemem_env.envs' has no attribute {name!r}")
