"""One AgeMem episode seen as a chat: what a trainer's rollout loop shows the model.

Trainer adapters (TRL, verl) run the model's turns; this module turns each turn into an
environment step and the step's effects into the text the model reads next: the tool
results, the user turns the step revealed, and a note when a new stage begins or the
episode ends. It keeps no trainer state, so both adapters share it. No torch here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from agemem_env.core import ToolCall

# The env's own system prompt teaches its text protocol (<tool_call>[...]</tool_call>);
# with native function calling the chat template renders the schemas, so the model
# only needs the rules of the game.
FUNCTION_CALLING_PROMPT = """You are an assistant that manages your own memory with tools.
The conversation has up to three phases. Your long-term memory persists through all of
them; your context is cleared after phase 1.
1. The user shares information. Store what may matter later with Add_memory; fix stored
   facts with Update_memory or Delete_memory when the user changes them.
2. Unrelated or misleading messages arrive. Keep the context clean with Filter_context
   or Summary_context.
3. The user asks a question. Use Retrieve_memory, then call Answer with your reply.
Each tool call is one step; every step may reveal new messages. In phases 1 and 2,
Answer ends the phase at once. Memory ids (like mem_3) appear in tool results."""

_STAGE_NOTES = {
    2: "[Phase 2 begins: your context was cleared; long-term memory is kept.]",
    3: "[Phase 3 begins: answer the question below.]",
}
EPISODE_OVER = "[The episode is over. Do not call more tools.]"


class EpisodeSession:
    """Drive one ``AgeMemEnv`` episode turn by turn and render its feedback as text.

    Args:
        env: An ``AgeMemEnv`` (unwrapped or wrapped); it is reset by ``start``.

    The same seed gives the same episode (the env's determinism contract), which is
    what puts every member of a GRPO group on one task.
    """

    def __init__(self, env: Any) -> None:
        self.env = env
        self.done = False
        self.steps = 0
        self.info: dict[str, Any] = {}
        self.observation: dict[str, Any] = {}
        self.total_reward = 0.0

    @property
    def unwrapped(self) -> Any:
        """The ``AgeMemEnv`` under any wrappers."""
        return self.env.unwrapped

    def start(self, seed: int | None = None, options: Mapping[str, Any] | None = None) -> str:
        """Reset the env and return its opening messages as text."""
        obs, self.info = self.env.reset(seed=seed, options=dict(options) if options else None)
        self.observation = obs
        self.done, self.steps, self.total_reward = False, 0, 0.0
        return render_messages(obs["messages"][1:])

    def step(self, action: Any) -> str:
        """Run one env step (a text completion or structured calls) and return its feedback.

        After the episode ended, no step runs and the feedback says so, so a model that
        keeps calling tools gets a clear message instead of an exception.
        """
        if self.done:
            return EPISODE_OVER
        stage_before = self.info.get("stage")
        obs, reward, terminated, truncated, self.info = self.env.step(action)
        self.observation = obs
        self.steps += 1
        self.total_reward += reward
        self.done = terminated or truncated
        # Results come from info: a stage change clears the context that held them.
        parts = [render_results(self.info)]
        if self.info["stage"] != stage_before:
            parts.append(_STAGE_NOTES.get(self.info["stage"], ""))
        parts.append(render_messages(_revealed(obs["messages"], self.info)))
        if self.done:
            parts.append(EPISODE_OVER)
        return "\n".join(p for p in parts if p)

    def call(self, name: str, arguments: Mapping[str, Any]) -> str:
        """One structured tool call as one env step (the env must use action_mode="structured")."""
        # None means "not given": drop it so the env's defaults and required checks apply.
        clean = {k: v for k, v in arguments.items() if v is not None}
        return self.step([ToolCall(name, clean)])

    @property
    def reward_terms(self) -> dict[str, float]:
        """The reward terms as they stand now (final once ``done``)."""
        return dict(self.info.get("reward_terms", {}))

    def reward(self) -> float:
        """The episode's return: the env's terminal reward, or the total it would pay now.

        The second case is a model that stopped before the episode ended: R_task = -1
        without an answer.
        """
        if self.done:
            return float(self.total_reward)
        return float(self.reward_terms.get("total", 0.0))


def render_messages(messages: Sequence[Mapping[str, str]]) -> str:
    """Chat messages as plain lines: ``User: ...`` for user turns, tool text as is."""
    lines = []
    for message in messages:
        role, content = message["role"], message["content"]
        if role == "user":
            lines.append(f"User: {content}")
        elif role == "tool":
            lines.append(content)
    return "\n".join(lines)


def render_results(info: Mapping[str, Any]) -> str:
    """The step's tool results and format errors, one line each, as the env words them."""
    lines = [
        f"[{r['name']}] ({'ok' if r['ok'] else 'error'}) {r['content']}"
        for r in info.get("step_results", ())
    ]
    lines += [f"[format error] {error}" for error in info.get("step_errors", ())]
    return "\n".join(lines)


def _revealed(messages: Sequence[Mapping[str, str]], info: Mapping[str, Any]) -> list:
    """Messages the step revealed: those after the agent's turn and its result messages.

    A stage change clears the context, so then every non-system message is new.
    """
    for index in range(len(messages) - 1, -1, -1):
        if messages[index]["role"] == "assistant":
            skip = len(info.get("step_results", ())) + len(info.get("step_errors", ()))
            return list(messages[index + 1 + skip :])
    return [m for m in messages if m["role"] != "system"]
