"""LLMAgent: a chat model acting in text mode through any ChatBackend."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agents.llm import ChatBackend, make_backend
from agents.llm.base import ChatRequest, Completion, generate_many, generate_one
from agents.llm.usage import LLMCall, LLMUsage
from agents.protocol import TaskInfo

__all__ = ["LLMAgent", "LLMUsage"]


class LLMAgent:
    """Sends each observation's chat to a back-end and returns the completion as the action.

    The env renders the system prompt (with the tool schemas) and keeps the whole
    conversation, the agent's own earlier completions included, so the agent holds no
    history of its own: ``observation["messages"]`` is the prompt. Text mode only.

    A ``BackendError`` propagates unchanged for the runner to record; the env is never
    touched by the agent, so it is exactly as it was before the failed ``act``.

    ``act_batch`` acts for many LLMAgents at once (one per vector slot, each with its own
    episode): their chats go to each shared back-end as one ``generate_many`` call.

    Args:
        backend: A ChatBackend or a spec for ``agents.llm.make_backend`` (``"smollm2"``,
            ``"hf:<id>"``, ``"openai:<base_url>#<model>"``).
        max_new_tokens: Longest completion per step.
        temperature: 0 for greedy decoding.
        name: The agent's name on the leaderboard.
        constrained: Decode under the env's action grammar (a local back-end:
            ``agents.llm.constraint``), so no step has a format error; None keeps the
            back-end's own setting (``smollm2?constrained=1``).

    Raises:
        ValueError: a bad setting, or ``constrained=True`` with a back-end that cannot
            constrain (a server or a script).
    """

    def __init__(
        self,
        backend: ChatBackend | str = "smollm2",
        max_new_tokens: int = 256,
        temperature: float = 0.0,
        name: str = "llm",
        constrained: bool | None = None,
    ):
        if max_new_tokens < 1:
            raise ValueError(f"max_new_tokens must be >= 1, got {max_new_tokens}")
        if temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {temperature}")
        self.backend = make_backend(backend)
        if constrained and not hasattr(self.backend, "constrained"):
            raise ValueError(f"constrained decoding needs a local transformers back-end "
                             f"('smollm2', 'hf:<id>'), not {self.backend.name!r}")
        self.constrained = constrained
        self.max_new_tokens, self.temperature = max_new_tokens, temperature
        self.name = name
        self.usage = LLMUsage()
        # This episode's completions, in order: a trainer reads their token log-probs.
        self.completions: list[Completion] = []
        # This episode's LLM calls (agents.llm.usage): one per completion.
        self.llm_usage: list[LLMCall] = []
        self._seed: int | None = None

    def reset(self, task_info: TaskInfo) -> None:
        """Keep the episode seed and forget the previous episode's completions and calls.

        Raises:
            ValueError: the env is not in text mode.
        """
        if task_info.action_mode != "text":
            raise ValueError(f"LLMAgent writes text completions; the env's action_mode is "
                             f"{task_info.action_mode!r}: make it with action_mode='text'")
        self._seed = task_info.seed
        self.completions = []
        self.llm_usage = []

    def act(self, observation: dict[str, Any], info: dict[str, Any]) -> str:
        """The back-end's completion for the observation's messages.

        Step k of an episode with seed s samples with seed s + k: repeatable, yet not the
        same random stream at every step.

        Raises:
            BackendError: the back-end failed; nothing was recorded.
            KeyError: the observation has no ``messages``.
        """
        request = self._request(observation)
        if request.constrained is None:
            completion = self.backend.generate(
                request.messages, max_new_tokens=request.max_new_tokens,
                temperature=request.temperature, seed=request.seed,
            )
        else:
            completion = generate_one(self.backend, request)
        return self._take(completion)

    @staticmethod
    def act_batch(agents: Sequence[LLMAgent], observations: Sequence[dict[str, Any]],
                  infos: Sequence[dict[str, Any]]) -> list[str | Exception]:
        """``act`` for each (agent, observation), the chats of agents that share a
        back-end sent together; a failed agent gets its exception in its place (and
        records nothing), the others their completion text."""
        results: list[str | Exception] = [""] * len(agents)
        groups: dict[int, list[tuple[int, ChatRequest]]] = {}
        for i, agent in enumerate(agents):
            try:
                request = agent._request(observations[i])
            except Exception as error:  # a bad observation fails its own agent only
                results[i] = error
                continue
            groups.setdefault(id(agent.backend), []).append((i, request))
        for group in groups.values():
            backend = agents[group[0][0]].backend
            try:
                replies: list[Any] = generate_many(backend, [r for _, r in group])
            except Exception as error:  # e.g. a ValueError: every agent of the group failed
                replies = [error] * len(group)
            for (i, _), reply in zip(group, replies, strict=True):
                results[i] = reply if isinstance(reply, Exception) else agents[i]._take(reply)
        return results

    def _request(self, observation: dict[str, Any]) -> ChatRequest:
        seed = None if self._seed is None else self._seed + len(self.completions)
        return ChatRequest(observation["messages"], self.max_new_tokens, self.temperature, seed,
                           self.constrained)

    def _take(self, completion: Completion) -> str:
        self.usage.record(completion)
        self.completions.append(completion)
        self.llm_usage.append(LLMCall.of("act", completion))
        return completion.text
