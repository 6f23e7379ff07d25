"""Scripted reference policies that read the gold task: an oracle and a no-memory script.

They bound what a learner can reach and check the reward's ordering; they are not agents
to compare on a leaderboard (they see the gold answer). Both are the reward audit's own
references (``agemem_env.rewards.red_team``), so the audit and the tests hold the reward
to the same bar.
"""

from __future__ import annotations

from typing import Any

from agemem_env.actions.text import render_completion
from agemem_env.rewards.audit import play as run_one
from agemem_env.rewards.red_team import OracleMemory, Script

OracleScript = OracleMemory
"""Stores the gold facts, filters what supports none of them, retrieves, answers gold."""


class NoMemoryScript(Script):
    """Never touches memory: ends each stage at once and answers without looking anything up."""

    name = "no-memory-script"

    def __init__(self, task: Any, guess: str = "I don't know", rounds: int = 5):
        super().__init__(task, rounds)
        self.guess = guess

    def step(self, observation: Any, info: Any, new: list[str]) -> str:
        """An immediate answer in every stage."""
        if observation["stage"] < 3:
            return render_completion(answer="OK.", think="Nothing to do.")
        return render_completion(answer=self.guess, think="I have nothing stored.")


def play(
    env: Any, script_cls: type, seed: int, options: dict[str, Any] | None = None, **kwargs: Any
) -> tuple[float, dict[str, Any]]:
    """One episode of a scripted policy; returns the episode return and the last info."""
    return run_one(env, script_cls, seed, options, **kwargs)
