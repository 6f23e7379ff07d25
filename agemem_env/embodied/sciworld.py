"""ScienceWorld tasks as a backend: the simulator's own text, its score as progress.

ScienceWorld runs in a JVM (Java 17+) that the ``scienceworld`` package starts on first
use. The earlier successful run of Stage 1 is the simulator's gold action sequence for the
same variation; the seed picks the variation among the task's training variations.
"""

from __future__ import annotations

import shutil
from typing import Any

from agemem_env.embodied.backend import Instance, Outcome, require


class ScienceWorldBackend:
    """One ScienceWorld task; the seed picks a training variation.

    Args:
        task_name: A ScienceWorld task, e.g. "find-plant" or "boil".
        simplifications: Comma-separated simplifications, e.g. "easy".
        env_step_limit: The simulator's own step limit.
    """

    name = "scienceworld"
    commands_help = (
        "Commands (Act tool) are ScienceWorld actions such as 'look around', 'open door to "
        "kitchen', 'go to kitchen', 'pick up thermometer', 'focus on red box', "
        "'move X to Y', 'use X on Y', 'inventory', 'wait'."
    )

    def __init__(self, task_name: str = "find-plant", simplifications: str = "easy",
                 env_step_limit: int = 100) -> None:
        self.task_name, self.simplifications = task_name, simplifications
        self.env_step_limit = env_step_limit
        self._env: Any = None
        self._variation: int | None = None
        self._variations: list[int] | None = None
        # ScienceWorld's gold-path planner may pick another of several equivalent routes
        # on a later load of the same variation; the first one is kept, so a seed gives
        # the same experience for the life of the backend.
        self._instances: dict[int, Instance] = {}

    # ----------------------------------------------------------------- Backend API
    def load(self, seed: int) -> Instance:
        """Pick the variation for ``seed`` and read its gold action sequence."""
        self._variation = self._pick(seed)
        return self._describe(self._variation)

    def sibling(self, seed: int) -> Instance:
        """Another variation's instance (``start`` reloads the chosen one)."""
        return self._describe(self._pick(seed))

    def start(self) -> str:
        """Reload the chosen variation and take the simulator's first 'look around'."""
        if self._variation is None:
            raise RuntimeError("ScienceWorldBackend.start() before load()")
        env = self._sim()
        env.load(self.task_name, self._variation, self.simplifications)
        observation, _ = env.reset()
        return f"{env.get_task_description()}\n{observation}"

    def act(self, command: str) -> Outcome:
        """One command; the score is ScienceWorld's 0-100 progress over 100."""
        observation, _, completed, info = self._sim().step(command)
        score = max(0.0, info["score"] / 100)
        success = bool(completed and info["score"] >= 100)
        return Outcome(observation, score, bool(completed), success)

    def close(self) -> None:
        """Shut the JVM down."""
        if self._env is not None:
            self._env.close()
            # scienceworld leaves the JVM's pipes open (a ResourceWarning at collection).
            process = getattr(getattr(self._env, "_gateway", None), "java_process", None)
            if process is not None:
                for pipe in (process.stdin, process.stdout, process.stderr):
                    if pipe is not None:
                        pipe.close()
                process.wait(timeout=10)
            self._env = None

    # ----------------------------------------------------------------- internals
    def _sim(self) -> Any:
        if self._env is None:
            module = require("scienceworld", "The ScienceWorld backend")
            if shutil.which("java") is None:
                raise RuntimeError("ScienceWorld needs a Java runtime (17 or later) on PATH; "
                                   "install one, e.g. 'apt-get install openjdk-17-jre-headless'")
            self._env = module.ScienceWorldEnv("", envStepLimit=self.env_step_limit)
        return self._env

    def _pick(self, seed: int) -> int:
        if self._variations is None:
            env = self._sim()
            env.load(self.task_name, 0, self.simplifications)
            self._variations = [int(v) for v in env.get_variations_train()]
        return self._variations[seed % len(self._variations)]

    def _describe(self, variation: int) -> Instance:
        if variation not in self._instances:
            self._instances[variation] = self._read(variation)
        return self._instances[variation]

    def _read(self, variation: int) -> Instance:
        env = self._sim()
        env.load(self.task_name, variation, self.simplifications, generateGoldPath=True)
        gold = tuple(a for a in env.get_gold_action_sequence() if a.strip())
        observation, _ = env.reset()
        mission = env.get_task_description().strip()
        facts = (
            f"ScienceWorld {self.task_name} variation {variation}: the task was '{mission}'.",
            f"Successful route for '{mission}' ({len(gold)} commands): {' | '.join(gold)}",
        )
        notes = (f"At the start of {self.task_name} variation {variation}: "
                 f"{' '.join(observation.split())[:600]}",)
        return Instance(f"scienceworld/{self.task_name}/var-{variation}", mission,
                        f"variation {variation}", gold, facts, notes)
