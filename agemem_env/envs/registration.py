"""Register the environment ids (string entry points, variants as kwargs)."""

from gymnasium.envs.registration import register, registry

_ENTRY = "agemem_env.envs.agemem:AgeMemEnv"

# ----------------------------------------------------------------------------
# AgeMem: progressive levels; level K runs stages 1..K in one episode
# ----------------------------------------------------------------------------
ENV_IDS = ("AgeMem-Stage1-v0", "AgeMem-Stage2-v0", "AgeMem-Stage3-v0")
ENV_LEVELS = {env_id: level for level, env_id in enumerate(ENV_IDS, start=1)}


def register_envs() -> None:
    """Idempotent, so importing twice (or via gym.make('agemem_env:...')) is harmless."""
    for level, env_id in enumerate(ENV_IDS, start=1):
        if env_id not in registry:
            register(id=env_id, entry_point=_ENTRY, kwargs={"level": level})
    register_embodied_envs()


# ----------------------------------------------------------------------------
# Embodied: the three stages around interactive text benchmarks (extra "embodied";
# ALFWorld also needs local game files: benchmark_kwargs={"game_path": ...})
# ----------------------------------------------------------------------------
_EMBODIED_ENTRY = "agemem_env.embodied.env:EmbodiedEnv"
EMBODIED_IDS = {
    "AgeMem-BabyAI-v0": "babyai",
    "AgeMem-SciWorld-v0": "scienceworld",
    "AgeMem-ALFWorld-v0": "alfworld",
}


def register_embodied_envs() -> None:
    """Idempotent; string entry points, so nothing of the benchmarks is imported here."""
    for env_id, benchmark in EMBODIED_IDS.items():
        if env_id not in registry:
            register(id=env_id, entry_point=_EMBODIED_ENTRY, kwargs={"benchmark": benchmark})
