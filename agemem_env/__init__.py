"""AgeMem-Gym: Gymnasium environments for learned agent memory.

Importing this package registers ``AgeMem-Stage1-v0``, ``AgeMem-Stage2-v0`` and
``AgeMem-Stage3-v0``. It is cheap: no torch and no model load happen here.
"""

from __future__ import annotations

from typing import Any

from agemem_env import moved
from agemem_env.core import ParsedAction, ToolCall, ToolResult
from agemem_env.envs.registration import ENV_IDS, register_envs
from agemem_env.tasks import Task
from agemem_env.tools import TOOL_NAMES

__version__ = "0.1.0"

register_envs()
moved.install(moved.AGEMEM_ENV_MOVES)

__all__ = [
    "ENV_IDS",
    "TOOL_NAMES",
    "AgeMemEnv",
    "ParsedAction",
    "Task",
    "ToolCall",
    "ToolResult",
    "__version__",
]


def __getattr__(name: str) -> Any:
    # The env class pulls in memory, tokenizers and usearch; load it on first use.
    if name == "AgeMemEnv":
        from agemem_env.envs.agemem import AgeMemEnv

        return AgeMemEnv
    raise AttributeError(f"module 'agemem_env' has no attribute {name!r}")
