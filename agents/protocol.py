"""The agent contract every agent, baseline and trained policy follows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from agemem_env.tasks import Task


@dataclass(frozen=True)
class TaskInfo:
    """What an agent is told at the start of an episode.

    ``task`` is the gold task: only privileged agents (the oracle) may read it; honest
    agents must use ``action_mode`` and their observations alone.
    """

    env_id: str
    action_mode: str
    seed: int | None
    task: Task | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class Agent(Protocol):
    """``reset`` once per episode, then ``act`` once per step.

    ``act`` returns an action of the env's action mode: a completion string in text mode,
    a structured action (dict, ToolCall or list of them) in structured mode.
    """

    name: str

    def reset(self, task_info: TaskInfo) -> None:
        """Forget the previous episode."""
        ...

    def act(self, observation: dict[str, Any], info: dict[str, Any]) -> Any:
        """The action for this observation."""
        ...


def act_batch(
    agents: Sequence[Agent],
    observations: Sequence[dict[str, Any]],
    infos: Sequence[dict[str, Any]],
) -> list[Any]:
    """One action per (agent, observation); agents with a batched ``act_batch`` (an LLM
    serving several envs) may be given all observations at once by the runner instead."""
    triples = zip(agents, observations, infos, strict=True)
    return [agent.act(obs, info) for agent, obs, info in triples]
