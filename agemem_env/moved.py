"""Old import paths of modules that moved into rooms, kept working for one release.

``import agemem_env.judges`` still works and warns (DeprecationWarning) with the new path;
the module it gives forwards every attribute to the modules that now hold them. The table
of moves is also in docs/architecture.md.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

# Old module -> the modules that now hold its names (searched in order).
AGEMEM_ENV_MOVES: dict[str, tuple[str, ...]] = {
    "agemem_env.env": ("agemem_env.envs.agemem",),
    "agemem_env.registration": ("agemem_env.envs.registration",),
    "agemem_env.stages": ("agemem_env.envs.stages",),
    "agemem_env.prompts": ("agemem_env.envs.prompts",),
    "agemem_env.render": ("agemem_env.envs.render",),
    "agemem_env.protocol": ("agemem_env.actions.text", "agemem_env.tools.registry"),
    "agemem_env.lenient_json": ("agemem_env.actions.lenient_json",),
    "agemem_env.spaces": ("agemem_env.actions.spaces", "agemem_env.envs.observation"),
    "agemem_env.judges": ("agemem_env.scoring.judges", "agemem_env.scoring.text",
                          "agemem_env.scoring.registry"),
    "agemem_env.judges_extra": ("agemem_env.scoring.llm_judges", "agemem_env.scoring.locomo",
                                "agemem_env.scoring.memory_quality",
                                "agemem_env.scoring.abstention"),
    "agemem_env.memory_quality": ("agemem_env.scoring.memory_quality",
                                  "agemem_env.scoring.text"),
    "agemem_env.memory_scoring": ("agemem_env.scoring.registry",),
    "agemem_env.abstention": ("agemem_env.scoring.abstention",),
    "agemem_env.summarise": ("agemem_env.memory.summarise",),
    "agemem_env.tasks_cli": ("agemem_env.cli.tasks",),
}


class _MovedModule(types.ModuleType):
    """Stands at an old path; looks each attribute up in the new modules."""

    def __init__(self, name: str, targets: Sequence[str]) -> None:
        super().__init__(name, f"Moved to {', '.join(targets)}.")
        self._targets = tuple(targets)

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        for target in self._targets:
            module = importlib.import_module(target)
            if hasattr(module, attr):
                return getattr(module, attr)
        raise AttributeError(f"{self.__name__} moved to {', '.join(self._targets)}, "
                             f"which hold no {attr!r}")


class MovedModuleFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports an old module path as a ``_MovedModule``, with a DeprecationWarning."""

    def __init__(self, moves: Mapping[str, Sequence[str]]) -> None:
        self.moves = dict(moves)

    def find_spec(self, fullname: str, path: Any = None, target: Any = None
                  ) -> importlib.machinery.ModuleSpec | None:
        """A spec for an old path, None for everything else."""
        if fullname not in self.moves:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        """The forwarding module, after the warning."""
        targets = self.moves[spec.name]
        warnings.warn(f"{spec.name} moved to {' / '.join(targets)}; the old path goes in the "
                      "next release", DeprecationWarning, stacklevel=3)
        return _MovedModule(spec.name, targets)

    def exec_module(self, module: types.ModuleType) -> None:
        """Nothing to run: attributes resolve on access."""


def install(moves: Mapping[str, Sequence[str]]) -> None:
    """Serve ``moves`` from now on (idempotent per table)."""
    if not any(isinstance(f, MovedModuleFinder) and f.moves == dict(moves)
               for f in sys.meta_path):
        sys.meta_path.append(MovedModuleFinder(moves))
