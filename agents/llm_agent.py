"""LLMAgent: a chat model acting in text mode through any ChatBackend."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agents.llm import ChatBackend, Completion, make_backend
from agents.protocol import TaskInfo


@dataclass
class LLMUsage:
    """What the back-end was asked for, summed over every ``act`` since construction."""

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


class LLMAgent:
    """Sends each observation's chat to a back-end and returns the completion as the action.

    The env renders the system prompt (with the tool schemas) and keeps the whole
    conversation, the agent's own earlier completions included, so the agent holds no
    history of its own: ``observation["messages"]`` is the prompt. Text mode only.

    A ``BackendError`` propagates unchanged for the runner to record; the env is never
    touched by the agent, so it is exactly as it was before the failed ``act``.

    Args:
        backend: A ChatBackend or a spec for ``agents.llm.make_backend`` (``"smollm2"``,
            ``"hf:<id>"``, ``"openai:<base_url>#<model>"``).
        max_new_tokens: Longest completion per step.
        temperature: 0 for greedy decoding.
        name: The agent's name on the leaderboard.
    """

    def __init__(
        self,
        backend: ChatBackend | str = "smollm2",
        max_new_tokens: int = 256,
        temperature: float = 0.0,
        name: str = "llm",
    ):
        if max_new_tokens < 1:
            raise ValueError(f"max_new_tokens must be >= 1, got {max_new_tokens}")
        if temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {temperature}")
        self.backend = make_backend(backend)
        self.max_new_tokens, self.temperature = max_new_tokens, temperature
        self.name = name
        self.usage = LLMUsage()
        # This episode's completions, in order: a trainer reads their token log-probs.
        self.completions: list[Completion] = []
        self._seed: int | None = None

    def reset(self, task_info: TaskInfo) -> None:
        """Keep the episode seed and forget the previous episode's completions.

        Raises:
            ValueError: the env is not in text mode.
        """
        if task_info.action_mode != "text":
            raise ValueError(f"LLMAgent writes text completions; the env's action_mode is "
                             f"{task_info.action_mode!r}: make it with action_mode='text'")
        self._seed = task_info.seed
        self.completions = []

    def act(self, observation: dict[str, Any], info: dict[str, Any]) -> str:
        """The back-end's completion for the observation's messages.

        Step k of an episode with seed s samples with seed s + k: repeatable, yet not the
        same random stream at every step.

        Raises:
            BackendError: the back-end failed; nothing was recorded.
            KeyError: the observation has no ``messages``.
        """
        messages = observation["messages"]
        seed = None if self._seed is None else self._seed + len(self.completions)
        completion = self.backend.generate(
            messages,
            max_new_tokens=self.max_new_tokens,
            temperature=self.temperature,
            seed=seed,
        )
        self.usage.record(completion)
        self.completions.append(completion)
        return completion.text
