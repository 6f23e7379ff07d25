"""OracleAgent: the upper bound. It reads the gold task, so it is never a leaderboard entry."""

from __future__ import annotations

from typing import Any

from agemem_env.actions.text import render_completion
from agemem_env.core import ToolCall
from agemem_env.tasks import Task
from agents.protocol import TaskInfo


class OracleAgent:
    """Stores the gold supporting facts, filters distractors, retrieves, answers the gold.

    Stage 1: one step that adds every supporting fact (each once) and answers, which ends
    the stage early; the facts are all it needs. Stage 2: filters every visible message and
    ends the stage. Stage 3: one retrieval (so the memory-relevance reward sees its store
    used), then ``task.answers[0]``.

    >>> OracleAgent().name
    'oracle'
    """

    name = "oracle"
    privileged = True

    def __init__(self) -> None:
        self._task: Task | None = None
        self._retrieved = False

    def reset(self, task_info: TaskInfo) -> None:
        """Take the gold task; raises ValueError without one or outside text mode."""
        if task_info.task is None:
            raise ValueError("OracleAgent needs the gold task: pass TaskInfo(task=...)")
        if task_info.action_mode != "text":
            raise ValueError(f"OracleAgent acts in text mode, not {task_info.action_mode!r}")
        self._task = task_info.task
        self._retrieved = False

    def act(self, observation: dict[str, Any], info: dict[str, Any]) -> str:
        """The completion for this observation."""
        if self._task is None:
            raise RuntimeError("OracleAgent.act() called before reset()")
        stage = observation["stage"]
        if stage == 1:
            facts = dict.fromkeys(self._task.supporting_facts)  # once each, in order
            calls = [ToolCall("Add_memory", {"content": f, "memory_type": "fact"}) for f in facts]
            return render_completion(calls, answer="Noted.", think="Store the gold facts.")
        if stage == 2:
            visible = [m["content"] for m in observation["messages"] if m["role"] == "user"]
            calls = [ToolCall("Filter_context", {"criteria": text}) for text in visible[:16]]
            return render_completion(calls, answer="Done.", think="Drop the distractors.")
        if not self._retrieved:
            self._retrieved = True
            call = ToolCall("Retrieve_memory", {"query": self._task.question})
            return render_completion([call], think="Look up what I stored.")
        return render_completion(answer=self._task.answers[0], think="Answer from memory.")
