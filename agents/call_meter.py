"""A second progress line for runs whose agents call an LLM: how many calls are done and
how long they take, refreshed every few seconds from a thread.

On a CPU one SmolLM2 episode can take many minutes, and the episode bar alone would sit at
0% all that time. The meter reads each agent's ``llm_usage`` log (``agents.llm.usage``).
``reset`` may empty that log, so the meter wraps each watched agent's ``reset`` to count
the calls of the ending episode first; nothing else of the agent or the run changes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from tqdm import tqdm

from agents.llm.usage import usage_log


class CallMeter:
    """Counts the LLM calls of the agents made through ``watch``, as a tqdm line."""

    def __init__(self, interval: float = 2.0, desc: str = "llm calls") -> None:
        self.agents: list[Any] = []
        self._counted: dict[int, int] = {}  # agent id -> calls of its current log counted
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._interval = interval
        self._bar = tqdm(desc=desc, unit="call", position=1)
        self._thread = threading.Thread(target=self._run, name="call-meter", daemon=True)

    def watch(self, factory: Callable[[], Any]) -> Callable[[], Any]:
        """``factory``, with each agent it makes watched."""

        def made() -> Any:
            agent = factory()
            reset = agent.reset

            def counted_reset(*args: Any, **kwargs: Any) -> Any:
                with self._lock:
                    self._count(agent)  # the ending episode's calls, before they go
                    result = reset(*args, **kwargs)
                    self._counted[id(agent)] = len(usage_log(agent) or ())
                return result

            agent.reset = counted_reset
            self.agents.append(agent)
            return agent

        return made

    def __enter__(self) -> CallMeter:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.poll()
        self._bar.close()

    def poll(self) -> int:
        """Count the calls made since the last poll, update the line, return the total."""
        with self._lock:
            for agent in list(self.agents):
                self._count(agent)
            self._bar.refresh()  # elapsed time moves even when no call finished
            return self._bar.n

    def _count(self, agent: Any) -> None:
        done = len(usage_log(agent) or ())
        self._bar.update(max(0, done - self._counted.get(id(agent), 0)))
        self._counted[id(agent)] = done

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.poll()
