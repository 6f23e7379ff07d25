"""Scripted reference policies that read the gold task: an oracle and a no-memory script.

They bound what a learner can reach and check the reward's ordering; they are not agents
to compare on a leaderboard (they see the gold answer).
"""

from __future__ import annotations

from typing import Any

from agemem_env.actions.text import render_completion
from agemem_env.core import ToolCall
from agemem_env.tasks import Task


class OracleScript:
    """Stores the gold facts, filters visible distractors, retrieves, answers correctly."""

    def __init__(self, task: Task):
        self.task = task
        self._retrieved = False

    def act(self, observation: dict[str, Any]) -> str:
        """The completion for this observation."""
        stage = observation["stage"]
        if stage == 1:
            calls = [
                ToolCall("Add_memory", {"content": fact, "memory_type": "fact"})
                for fact in self.task.supporting_facts
            ]
            return render_completion(calls, answer="Noted.", think="Store the key facts.")
        if stage == 2:
            visible = [m["content"] for m in observation["messages"] if m["role"] == "user"]
            calls = [ToolCall("Filter_context", {"criteria": text}) for text in visible]
            return render_completion(calls, answer="Done.", think="Drop the distractors.")
        if not self._retrieved:
            self._retrieved = True
            call = ToolCall("Retrieve_memory", {"query": self.task.question})
            return render_completion([call], think="Look up what I stored.")
        return render_completion(answer=self.task.answers[0], think="Answer from memory.")


class NoMemoryScript:
    """Never touches memory: ends each stage at once and answers without looking anything up."""

    def __init__(self, task: Task, guess: str = "I don't know"):
        self.task = task
        self.guess = guess

    def act(self, observation: dict[str, Any]) -> str:
        """An immediate answer in every stage."""
        if observation["stage"] < 3:
            return render_completion(answer="OK.", think="Nothing to do.")
        return render_completion(answer=self.guess, think="I have nothing stored.")


def play(
    env: Any, script_cls: type, seed: int, options: dict[str, Any] | None = None, **kwargs: Any
) -> tuple[float, dict[str, Any]]:
    """One episode of a scripted policy; returns the episode return and the last info."""
    obs, info = env.reset(seed=seed, options=options)
    script = script_cls(env.unwrapped.task, **kwargs)
    total, done = 0.0, False
    while not done:
        obs, reward, terminated, truncated, info = env.step(script.act(obs))
        total += reward
        done = terminated or truncated
    return total, info
