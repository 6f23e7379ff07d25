"""ALFWorld (TextWorld household games) from game files the user already has.

ALFWorld's data (a few GB) is not downloaded here: pass ``game_path``, a ``game.tw-pddl``
file or a folder searched for them (``$ALFWORLD_DATA/json_2.1.1/train`` for instance).
The seed picks a game file; the earlier successful run is the game's walkthrough (or the
hand-coded expert's plan). Not exercised by our tests: the data is not shipped.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from agemem_env.embodied.backend import Instance, Outcome, require


class ALFWorldBackend:
    """One ALFWorld game per seed, from a local path.

    Args:
        game_path: A ``game.tw-pddl`` file or a folder that holds some (searched recursively).
        max_episode_steps: TextWorld's own step limit.
    """

    name = "alfworld"
    commands_help = (
        "Commands (Act tool) are ALFWorld actions: 'look', 'inventory', 'go to X', 'open X', "
        "'close X', 'take X from Y', 'move X to Y', 'heat X with Y', 'cool X with Y', "
        "'clean X with Y', 'use X', 'examine X'."
    )

    def __init__(self, game_path: str | os.PathLike | None = None,
                 max_episode_steps: int = 50) -> None:
        if game_path is None:
            raise ValueError("AgeMem-ALFWorld-v0 needs ALFWorld game files on disk: pass "
                             "game_path='/path/to/json_2.1.1/train' (from 'alfworld-download')")
        path = Path(game_path).expanduser()
        files = [path] if path.is_file() else sorted(path.rglob("*.tw-pddl"))
        if not files:
            raise FileNotFoundError(f"no ALFWorld game (*.tw-pddl) found at {path}")
        self.games, self.max_episode_steps = tuple(files), max_episode_steps
        self._env: Any = None
        self._game: Path | None = None

    def load(self, seed: int) -> Instance:
        """Pick the game for ``seed`` and read its walkthrough."""
        self._game = self.games[seed % len(self.games)]
        return self._describe(self._game)

    def sibling(self, seed: int) -> Instance:
        """Another game's instance."""
        return self._describe(self.games[seed % len(self.games)])

    def start(self) -> str:
        """Open the chosen game; its first observation."""
        if self._game is None:
            raise RuntimeError("ALFWorldBackend.start() before load()")
        observation, _ = self._open(self._game)
        return observation

    def act(self, command: str) -> Outcome:
        """One command; ALFWorld scores success only."""
        observation, _, done, infos = self._env.step(command)
        won = bool(infos.get("won", False))
        return Outcome(observation, float(won), bool(done or won), won)

    def close(self) -> None:
        """Close the TextWorld env."""
        if self._env is not None:
            self._env.close()
            self._env = None

    def _open(self, game: Path) -> tuple[str, dict[str, Any]]:
        textworld = require("textworld", "The ALFWorld backend")
        tw_gym = require("textworld.gym", "The ALFWorld backend")
        alfred = require("alfworld.agents.environment.alfred_tw_env", "The ALFWorld backend")
        self.close()
        infos = textworld.EnvInfos(won=True, admissible_commands=True,
                                   extras=["gamefile", "walkthrough", "expert_plan"])
        env_id = tw_gym.register_game(str(game), infos, max_episode_steps=self.max_episode_steps,
                                      wrappers=[alfred.AlfredDemangler()])
        self._env = tw_gym.make(env_id)
        return self._env.reset()

    def _describe(self, game: Path) -> Instance:
        observation, infos = self._open(game)
        plan = tuple(infos.get("extra.walkthrough") or infos.get("extra.expert_plan") or ())
        mission = observation.split("Your task is to:")[-1].strip() or observation[-200:]
        name = f"alfworld/{game.parent.parent.name}/{game.parent.name}"
        facts = (f"ALFWorld game {name}: the task was '{mission}'.",
                 f"Successful route for '{mission}' ({len(plan)} commands): {' | '.join(plan)}")
        return Instance(name, mission, observation[:600], plan, facts)
