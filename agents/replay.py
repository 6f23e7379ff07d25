"""An agent that plays back recorded actions: the replay half of a verifiable result.

``ReplayAgent`` is given every episode's actions by reset seed (within one run seed the
reset seed names the episode) and hands them to the env in order; it never looks at the
observation. An episode whose recorded actions run out before it ends fails with
``ReplayExhausted``; actions left over when it ends are counted in ``leftover``.

>>> agent = ReplayAgent("x", {3: ["<answer>a</answer>"]}, "text")
>>> from agents.protocol import TaskInfo
>>> agent.reset(TaskInfo("AgeMem-Stage3-v0", "text", 3))
>>> agent.act({}, {})
'<answer>a</answer>'
"""

from __future__ import annotations

from collections import deque
from typing import Any

from agents.protocol import TaskInfo


class ReplayExhausted(RuntimeError):
    """The recorded actions ran out before the episode ended."""


class ReplayAgent:
    """Plays ``actions[seed]`` in the episode reset with ``seed``.

    Args:
        name: The recorded agent's name (records carry it).
        actions: Reset seed -> the JSON actions of that episode (``agents.action_log``).
        action_mode: The mode they were played in.
        leftover: Shared tally, reset seed -> actions not played when the episode ended
            (filled as episodes start again or at ``finish``).
    """

    def __init__(self, name: str, actions: dict[int, list[Any]], action_mode: str,
                 leftover: dict[int, int] | None = None):
        self.name, self.action_mode = name, action_mode
        self._actions = actions
        self._queue: deque[Any] = deque()
        self._seed: int | None = None
        self.leftover = {} if leftover is None else leftover

    def reset(self, task_info: TaskInfo) -> None:
        """Start the episode of ``task_info.seed``."""
        self.finish()
        self._seed = task_info.seed
        self._queue = deque(self._actions.get(task_info.seed, []))

    def act(self, observation: dict[str, Any], info: dict[str, Any]) -> Any:
        """The next recorded action."""
        if not self._queue:
            raise ReplayExhausted(f"the recorded actions of the episode reset with seed "
                                  f"{self._seed} ran out before it ended")
        return self._queue.popleft()

    def finish(self) -> None:
        """Tally what the last episode left unplayed."""
        if self._seed is not None and self._queue:
            self.leftover[self._seed] = len(self._queue)
        self._queue = deque()
