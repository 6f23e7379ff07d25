"""What LLM calls cost: one ``LLMCall`` per call, and running totals.

Every agent that calls an LLM keeps an ``llm_usage`` list and appends one ``LLMCall`` per
call (``LLMAgent.llm_usage``; a baseline's through its ``LLMSteps``, ``agent.llm``). The
list may be emptied by ``reset``; a reader takes ``len`` right after ``reset`` and the
calls after that mark when the episode ends (``agents.runner`` does so per episode).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agents.llm.base import Completion


@dataclass(frozen=True)
class LLMCall:
    """One LLM call: which step of the agent made it and what it cost.

    ``seconds`` is the call's wall time; a call answered in a batch of ``batch_size``
    shares that time with the others (divide to apportion compute).
    """

    step: str
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    batch_size: int = 1

    @classmethod
    def of(cls, step: str, completion: Completion) -> LLMCall:
        """The record of one completion."""
        return cls(step, completion.prompt_tokens, completion.completion_tokens,
                   completion.seconds, completion.batch_size)


@dataclass
class LLMUsage:
    """What the back-end was asked for, summed over every call since construction."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0

    @property
    def tokens_per_second(self) -> float:
        """Completion tokens per back-end second, prompt encoding included; 0 before a call."""
        return self.completion_tokens / self.seconds if self.seconds > 0 else 0.0

    def record(self, completion: Completion) -> None:
        """Add one completion's counts."""
        self.calls += 1
        self.prompt_tokens += completion.prompt_tokens
        self.completion_tokens += completion.completion_tokens
        self.seconds += completion.seconds


def usage_log(agent: Any) -> list[LLMCall] | None:
    """The agent's ``llm_usage`` list (or its ``llm`` steps' list); None for an agent
    that calls no LLM (rule mode).

    >>> class Steps:
    ...     llm_usage = [LLMCall("answer", 10, 2, 0.1)]
    >>> class Baseline:
    ...     llm = Steps()
    >>> usage_log(Baseline())[0].step, usage_log(object())
    ('answer', None)
    """
    for owner in (agent, getattr(agent, "llm", None)):
        log = getattr(owner, "llm_usage", None)
        if isinstance(log, list):
            return log
    return None


def summed(calls: list[LLMCall]) -> dict[str, float]:
    """Calls, prompt and completion tokens and seconds of a list of calls.

    >>> summed([LLMCall("a", 10, 2, 0.5), LLMCall("b", 5, 1, 0.25)])
    {'calls': 2, 'prompt_tokens': 15, 'completion_tokens': 3, 'seconds': 0.75}
    """
    return {
        "calls": len(calls),
        "prompt_tokens": sum(c.prompt_tokens for c in calls),
        "completion_tokens": sum(c.completion_tokens for c in calls),
        "seconds": sum(c.seconds for c in calls),
    }
