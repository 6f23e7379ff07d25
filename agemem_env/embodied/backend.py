"""The contract an interactive benchmark meets to run inside the memory environment.

A backend wraps one text game (BabyAI, ScienceWorld, ALFWorld). It loads the instance a
seed names, tells what an earlier, successful run of it looked like (the Stage-1
experience), restarts it for the evaluated Stage-3 episode, and runs text commands.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Protocol

EXTRA_HINT = "pip install 'agemem-gym[embodied]'"


@dataclass(frozen=True)
class Instance:
    """One seeded instance of a benchmark, as the experience builder needs it.

    Attributes:
        id: Stable name of the instance (level or task, and seed or variation).
        mission: The goal, in the benchmark's words.
        start: How the instance begins (first observation, or the start pose).
        solution: A command sequence that solves the instance from its start.
        facts: Self-contained sentences that make the solution findable again (where the
            target is, what the route is); memory quality is scored against them.
        notes: Other observations of the earlier run, worth less than the facts.
    """

    id: str
    mission: str
    start: str
    solution: tuple[str, ...]
    facts: tuple[str, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """What one command did: the observation, progress in [0, 1], and whether it ended."""

    observation: str
    score: float
    done: bool
    success: bool


class Backend(Protocol):
    """An interactive text benchmark (see the module docstring)."""

    name: str
    commands_help: str
    """One paragraph for the system prompt: what commands look like."""

    def load(self, seed: int) -> Instance:
        """Load the instance ``seed`` names and describe its earlier successful run."""
        ...

    def sibling(self, seed: int) -> Instance:
        """Another instance of the same family (for Stage-2 distractor trajectories);
        the loaded instance stays loaded."""
        ...

    def start(self) -> str:
        """Restart the loaded instance; the first observation."""
        ...

    def act(self, command: str) -> Outcome:
        """Run one text command in the started instance."""
        ...

    def close(self) -> None:
        """Release the simulator (a JVM for ScienceWorld)."""
        ...


def require(module: str, what: str) -> ModuleType:
    """Import an optional dependency, or fail with the command that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise ImportError(f"{what} needs the '{module}' package, which is not installed: "
                          f"{EXTRA_HINT}") from err
