"""NoMemoryAgent: the lower bound of an honest agent that never uses a memory tool."""

from __future__ import annotations

from typing import Any

from agemem_env.actions.text import render_completion
from agents.llm import ChatBackend
from agents.protocol import TaskInfo
from agents.reader import answer_question
from baselines.llm_steps import LLMSteps


class NoMemoryAgent:
    """Ends Stages 1 and 2 at once; in Stage 3 reads only what is left in its context.

    The context is reset before Stage 2, so in Stage 3 it holds the question and whatever
    Stage-2 messages arrived, never the Stage-1 information: the extractive reader mostly
    finds nothing (or a look-alike distractor) there.

    Args:
        backend: None answers with the extractive reader; a back-end spec or ChatBackend
            answers with that LLM (the reader when its reply is unusable).
        seed: Kept for the agent protocol; the agent is deterministic.
        answer_tokens: Longest LLM answer.

    >>> NoMemoryAgent().name
    'no-memory'
    """

    name = "no-memory"

    def __init__(self, backend: ChatBackend | str | None = None, seed: int = 0,
                 answer_tokens: int = 16) -> None:
        self.seed = seed
        self.llm = None if backend is None else LLMSteps(backend, answer_tokens=answer_tokens)
        self._question: str | None = None

    def reset(self, task_info: TaskInfo) -> None:
        """Forget the previous question; raises ValueError outside text mode."""
        if task_info.action_mode != "text":
            raise ValueError(f"NoMemoryAgent acts in text mode, not {task_info.action_mode!r}")
        self._question = None

    def act(self, observation: dict[str, Any], info: dict[str, Any]) -> str:
        """An immediate answer in every stage."""
        if observation["stage"] < 3:
            return render_completion(answer="OK.", think="Nothing to do.")
        messages = [m for m in observation["messages"] if m["role"] != "system"]
        if self._question is None:
            # Stage 3 opens with the question as its newest user message.
            users = [m["content"] for m in messages if m["role"] == "user"]
            self._question = users[-1] if users else ""
        passages = [
            m["content"]
            for m in messages
            if m["role"] in ("user", "tool") and m["content"] != self._question
        ]
        if self.llm is not None:
            answer = self.llm.answer(self._question, passages)
        else:
            answer = answer_question(self._question, passages)
        return render_completion(answer=answer, think="Answer from the context alone.")
