"""OracleAgent: the upper bound. It reads the gold task, so it is never a leaderboard entry."""

from __future__ import annotations

from typing import Any

from agemem_env.rewards.red_team import OracleMemory
from agents.protocol import TaskInfo


class OracleAgent:
    """Stores the gold supporting facts, filters what supports none, retrieves, answers gold.

    Stage 1: one step that adds every supporting fact (each once) and answers, which ends
    the stage early; the facts are all it needs. Stage 2: filters every visible message that
    supports no gold fact (distractors, reminders of a stale value) and ends the stage.
    Stage 3: one retrieval (so the memory-relevance reward sees its store used), then
    ``task.answers[0]``. The moves are the reward audit's ``oracle-memory`` reference.

    >>> OracleAgent().name
    'oracle'
    """

    name = "oracle"
    privileged = True

    def __init__(self) -> None:
        self._script: OracleMemory | None = None

    def reset(self, task_info: TaskInfo) -> None:
        """Take the gold task; raises ValueError without one or outside text mode."""
        if task_info.task is None:
            raise ValueError("OracleAgent needs the gold task: pass TaskInfo(task=...)")
        if task_info.action_mode != "text":
            raise ValueError(f"OracleAgent acts in text mode, not {task_info.action_mode!r}")
        self._script = OracleMemory(task_info.task)

    def act(self, observation: dict[str, Any], info: dict[str, Any]) -> str:
        """The completion for this observation."""
        if self._script is None:
            raise RuntimeError("OracleAgent.act() called before reset()")
        return self._script.act(observation, info)
