"""BabyAI levels (minigrid) as text: egocentric descriptions in, command words out.

The earlier successful run that Stage 1 replays comes from minigrid's BabyAI bot, which
explores until it finds the target. Its hindsight shortcut (the shortest route from the
start to where the target turned out to be, found by search on the level's grid) is what
makes a tight Stage-3 budget solvable for an agent that remembers it.
"""

from __future__ import annotations

import contextlib
import heapq
import io
from typing import Any

from agemem_env.embodied.backend import Instance, Outcome, require

# minigrid's Actions enum order, with the words the agent writes.
COMMANDS: tuple[str, ...] = (
    "turn left", "turn right", "go forward", "pick up", "drop", "toggle", "done",
)  # fmt: skip
_ALIASES = {
    "left": 0, "right": 1, "forward": 2, "move forward": 2, "pickup": 3, "pick": 3,
    "open": 5, "open door": 5,
}  # fmt: skip
DIRECTIONS = ("east", "south", "west", "north")  # minigrid's agent_dir 0..3
_STEP = ((1, 0), (0, 1), (-1, 0), (0, -1))
_VIEW_CENTRE = 3  # the 7x7 view: the agent stands at (3, 6) looking towards row 0
_DOOR_STATES = ("open", "closed", "locked")


def command_index(command: str) -> int | None:
    """The minigrid action a command word means, or None.

    >>> command_index("Go forward"), command_index("left"), command_index("fly")
    (2, 0, None)
    """
    key = " ".join(command.lower().replace("_", " ").split())
    if key in COMMANDS:
        return COMMANDS.index(key)
    return _ALIASES.get(key)


class BabyAIBackend:
    """One BabyAI level; the seed picks the layout, the mission and the start pose.

    Args:
        env_name: A registered BabyAI id, e.g. "BabyAI-GoToObjMaze-v0".
    """

    name = "babyai"
    commands_help = (
        "Commands (Act tool): " + ", ".join(f"'{c}'" for c in COMMANDS) + ". Positions are "
        "(x, y) with x growing east and y growing south; 'go forward' moves one cell."
    )

    def __init__(self, env_name: str = "BabyAI-GoToObjMaze-v0") -> None:
        self.env_name = env_name
        self._env: Any = None
        self._seed: int | None = None

    # ----------------------------------------------------------------- Backend API
    def load(self, seed: int) -> Instance:
        """Reset to ``seed``, let the bot solve it, and shortcut its route in hindsight."""
        self._seed = seed
        return self._describe(seed)

    def sibling(self, seed: int) -> Instance:
        """The instance of another seed (the loaded one is restarted by ``start``)."""
        return self._describe(seed)

    def start(self) -> str:
        """Reset the loaded seed; the first observation."""
        if self._seed is None:
            raise RuntimeError("BabyAIBackend.start() before load()")
        _quiet_reset(self._gym(), self._seed)
        return self._observe()

    def act(self, command: str) -> Outcome:
        """One command; an unknown word costs a step and changes nothing."""
        index = command_index(command)
        if index is None:
            known = ", ".join(COMMANDS)
            return Outcome(f"Unknown command {command!r}; use one of: {known}.", 0.0, False, False)
        _, reward, terminated, truncated, _ = self._gym().step(index)
        success = bool(terminated and reward > 0)
        observation = self._observe()
        if success:
            observation = "Mission accomplished. " + observation
        return Outcome(observation, float(success), bool(terminated or truncated), success)

    def close(self) -> None:
        """Close the minigrid env."""
        if self._env is not None:
            self._env.close()
            self._env = None

    # ----------------------------------------------------------------- internals
    def _gym(self) -> Any:
        if self._env is None:
            gym = require("gymnasium", "BabyAI")
            require("minigrid", "The BabyAI backend")  # registers the BabyAI ids
            self._env = gym.make(self.env_name)
        return self._env

    def _describe(self, seed: int) -> Instance:
        env = self._gym()
        _quiet_reset(env, seed)
        level = env.unwrapped
        start = self._pose()
        route = shortest_route(level)
        run = _bot_run(env)
        _quiet_reset(env, seed)  # leave the instance at its start
        mission = level.mission
        solution = tuple(route if route is not None else run)
        facts = [f"BabyAI {self.env_name} seed {seed}: the mission '{mission}' starts {start}."]
        facts += [f"In that level the target of '{mission}' ({t}) is at {p}."
                  for t, p in _targets(level)]
        facts.append(f"Successful route for '{mission}' from the start {start} "
                     f"({len(solution)} commands): {' | '.join(solution)}")
        notes = (f"An earlier try at '{mission}' explored for {len(run)} commands "
                 "before it reached the target.",)
        return Instance(f"{self.env_name}/seed-{seed}", mission, start, solution, tuple(facts),
                        notes)

    def _pose(self) -> str:
        level = self._gym().unwrapped
        x, y = (int(v) for v in level.agent_pos)
        return f"at ({x}, {y}) facing {DIRECTIONS[int(level.agent_dir)]}"

    def _observe(self) -> str:
        level = self._gym().unwrapped
        seen = describe_view(level.gen_obs()["image"])
        front = level.grid.get(*level.front_pos)
        ahead = "nothing" if front is None else _name(front)
        carrying = f" You carry a {_name(level.carrying)}." if level.carrying else ""
        return f"You are {self._pose()}; directly ahead: {ahead}.{carrying} You see: {seen}."


def _quiet_reset(env: Any, seed: int) -> None:
    """Reset to ``seed``; BabyAI's level generator prints its rejected samples."""
    with contextlib.redirect_stdout(io.StringIO()):
        env.reset(seed=seed)


def describe_view(image: Any) -> str:
    """The objects and doors in a 7x7 egocentric view, nearest first (walls left out)."""
    from minigrid.core.constants import IDX_TO_COLOR, IDX_TO_OBJECT

    items = []
    for i in range(image.shape[0]):
        for j in range(image.shape[1]):
            kind = IDX_TO_OBJECT[int(image[i, j, 0])]
            if kind in ("unseen", "empty", "wall", "floor", "agent"):
                continue
            color = IDX_TO_COLOR[int(image[i, j, 1])]
            name = f"{color} {kind}"
            if kind == "door":
                name = f"{_DOOR_STATES[int(image[i, j, 2])]} {name}"
            ahead, right = _VIEW_CENTRE * 2 - j, i - _VIEW_CENTRE
            items.append((ahead + abs(right), f"a {name} {_offset(ahead, right)}"))
    return "; ".join(text for _, text in sorted(items)) or "no objects"


def _offset(ahead: int, right: int) -> str:
    """'2 ahead and 1 left' style text for a cell offset."""
    parts = [f"{ahead} ahead"] if ahead else []
    if right:
        parts.append(f"{abs(right)} {'right' if right > 0 else 'left'}")
    return " and ".join(parts) or "here"


def _name(obj: Any) -> str:
    if obj.type == "door":
        state = "locked" if obj.is_locked else "open" if obj.is_open else "closed"
        return f"{state} {obj.color} door"
    return "wall" if obj.type == "wall" else f"{obj.color} {obj.type}"


def _targets(level: Any) -> list[tuple[str, tuple[int, int]]]:
    """(description, position) of the objects the mission's instruction points at."""
    desc = getattr(getattr(level, "instrs", None), "desc", None)
    if desc is None:
        return []
    return [(_name(level.grid.get(x, y)), (int(x), int(y))) for x, y in desc.obj_poss
            if level.grid.get(x, y) is not None]


def _bot_run(env: Any, limit: int = 1000) -> list[str]:
    """The BabyAI bot's command sequence from the current start to success."""
    from minigrid.utils.baby_ai_bot import BabyAIBot

    bot, run = BabyAIBot(env), []
    for _ in range(limit):
        action = int(bot.replan())
        run.append(COMMANDS[action])
        _, _, terminated, truncated, _ = env.step(action)
        if terminated or truncated:
            break
    return run


def shortest_route(level: Any) -> list[str] | None:
    """Fewest commands from the agent's pose to success, for go-to and pick-up missions.

    Dijkstra over (x, y, direction); a closed, unlocked door costs a 'toggle' then a step.
    None for other instructions (the bot's run is used then) or when no route exists.
    """
    kind = type(getattr(level, "instrs", None)).__name__
    if kind not in ("GoToInstr", "PickupInstr"):
        return None
    goals = {(int(x), int(y)) for x, y in level.instrs.desc.obj_poss}
    start = (int(level.agent_pos[0]), int(level.agent_pos[1]), int(level.agent_dir))
    final = ["pick up"] if kind == "PickupInstr" else []
    queue: list[tuple[int, tuple[int, int, int], tuple[str, ...]]] = [(0, start, ())]
    best: dict[tuple[int, int, int], int] = {}
    while queue:
        cost, (x, y, d), path = heapq.heappop(queue)
        if best.get((x, y, d), cost + 1) <= cost:
            continue
        best[(x, y, d)] = cost
        fx, fy = x + _STEP[d][0], y + _STEP[d][1]
        if (fx, fy) in goals:
            return [*path, *final]
        moves = [((x, y, (d - 1) % 4), ("turn left",)), ((x, y, (d + 1) % 4), ("turn right",))]
        cell = level.grid.get(fx, fy)
        if cell is None or cell.can_overlap():
            moves.append(((fx, fy, d), ("go forward",)))
        elif cell.type == "door" and not cell.is_locked:
            moves.append(((fx, fy, d), ("toggle", "go forward")))
        for state, words in moves:
            heapq.heappush(queue, (cost + len(words), state, path + words))
    return None
