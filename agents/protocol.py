"""The agent contract every agent, baseline and trained policy follows."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from agemem_env.tasks import Task


@dataclass(frozen=True)
class TaskInfo:
    """What an agent is told at the start of an episode.

    ``task`` is the gold task (answers, supporting facts). The runner fills it in only for
    agents that declare ``privileged = True`` (``is_privileged``: the oracle, teachers);
    every other agent gets None and must use ``action_mode`` and its observations alone.
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

    Optional class attributes: ``privileged = True`` for an agent that reads the gold task
    (it is then a reference on the leaderboard, never an entry); ``action_mode =
    "structured"`` for an agent that plays structured actions.
    """

    name: str

    def reset(self, task_info: TaskInfo) -> None:
        """Forget the previous episode."""
        ...

    def act(self, observation: dict[str, Any], info: dict[str, Any]) -> Any:
        """The action for this observation."""
        ...


def is_privileged(agent: Any) -> bool:
    """Whether ``agent`` may be handed the gold task: it declares ``privileged = True``.

    A wrapper that keeps the agent it wraps as ``inner`` (and sets no ``privileged`` of
    its own) is as privileged as that agent, so a recorder around the oracle still works.

    >>> class Teacher:
    ...     privileged = True
    >>> class Recorder:
    ...     def __init__(self, inner):
    ...         self.inner = inner
    >>> is_privileged(Teacher()), is_privileged(Recorder(Teacher())), is_privileged(object())
    (True, True, False)
    """
    for _ in range(8):  # wrappers rarely nest deeper; a cycle must not loop forever
        flag = getattr(agent, "privileged", None)
        if flag is not None:
            return flag is True
        agent = getattr(agent, "inner", None)
        if agent is None:
            return False
    return False


# The optional batch form of ``act``: a static method ``act_batch(agents, observations,
# infos)`` on an agent class, given agents of that class (one per vector slot, each with
# its own episode state), one observation and info each; it returns one entry per agent,
# in order: its action, or the exception its act raised (that agent's episode fails,
# the others go on). It must give each agent the action its own ``act`` would.
BatchAct = Callable[[Sequence[Any], Sequence[dict[str, Any]], Sequence[dict[str, Any]]],
                    list[Any]]


def act_batch(
    agents: Sequence[Agent],
    observations: Sequence[dict[str, Any]],
    infos: Sequence[dict[str, Any]],
) -> list[Any]:
    """One action per (agent, observation), or the exception that agent raised.

    Agents are grouped by their batch form (``batch_act_of``), and each group goes to it in
    one call; agents without one act one after another, in order.
    """
    if not len(agents) == len(observations) == len(infos):
        raise ValueError(f"act_batch needs one observation and info per agent, got "
                         f"{len(agents)}, {len(observations)}, {len(infos)}")
    results: list[Any] = [None] * len(agents)
    groups: dict[BatchAct | None, list[int]] = {}
    for i, agent in enumerate(agents):
        groups.setdefault(batch_act_of(agent), []).append(i)
    for batch, slots in groups.items():
        if batch is None:
            for i in slots:
                results[i] = _act_or_error(agents[i], observations[i], infos[i])
            continue
        try:
            actions = list(batch([agents[i] for i in slots], [observations[i] for i in slots],
                                 [infos[i] for i in slots]))
            if len(actions) != len(slots):
                raise TypeError(f"{getattr(batch, '__qualname__', batch)} returned "
                                f"{len(actions)} actions for {len(slots)} agents")
        except Exception as error:  # a broken batch call fails its own group only
            actions = [error] * len(slots)
        for i, action in zip(slots, actions, strict=True):
            results[i] = action
    return results


def batch_act_of(agent: Agent) -> BatchAct | None:
    """The agent's batch form of ``act``, or None when it acts alone.

    That is its class's ``act_batch``; or, for an agent whose LLM calls happen inside
    ``act`` through an ``llm`` helper that says so (``thread_batching``, as the
    baselines' LLMSteps do), ``threaded_act_batch``.
    """
    batch = getattr(type(agent), "act_batch", None)
    if callable(batch):
        return batch
    if getattr(getattr(agent, "llm", None), "thread_batching", False):
        return threaded_act_batch
    return None


def threaded_act_batch(agents: Sequence[Agent], observations: Sequence[dict[str, Any]],
                       infos: Sequence[dict[str, Any]]) -> list[Any]:
    """``act`` of each agent in its own thread, the LLM calls they make through
    ``agents.llm.batching.generate`` sent in batches (see that module).

    Returns each agent's action, or the exception its ``act`` raised, in order.
    """
    from agents.llm.batching import BatchScope, member

    if len(agents) == 1:  # nothing to batch with
        return [_act_or_error(agents[0], observations[0], infos[0])]
    scope = BatchScope(len(agents))
    results: list[Any] = [None] * len(agents)

    def work(slot: int) -> None:
        with member(scope, slot):
            results[slot] = _act_or_error(agents[slot], observations[slot], infos[slot])

    threads = [threading.Thread(target=work, args=(i,), name=f"act-{i}", daemon=True)
               for i in range(len(agents))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _act_or_error(agent: Agent, observation: dict[str, Any], info: dict[str, Any]) -> Any:
    try:
        return agent.act(observation, info)
    except Exception as error:  # the caller records it for this agent's episode only
        return error
