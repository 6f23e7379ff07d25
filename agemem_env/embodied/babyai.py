"""BabyAI levels (minigrid) as text: egocentric descriptions in, command words out.

The earlier successful run that Stage 1 replays comes from minigrid's BabyAI bot, which
explores until it finds the target. Its hindsight shortcut (the shortest route from the
start to where the target turned out to be, found by search on the level's grid) is what
makes a tight Stage-3 budget solvable for an agent that remembers it.

An instance depends only on the level and the seed, so each is described once per process
and remembered (``MEMO_INSTANCES`` of them, least recently used dropped first): a GRPO group
replaying one seed, or a sibling seen before, costs a dictionary look-up. Describing runs the
bot (its run length is in the notes) in the cheaper form of ``babyai_bot``, which makes the
same moves as minigrid's.
"""

from __future__ import annotations

import contextlib
import heapq
import io
import threading
from collections import OrderedDict
from typing import Any

from agemem_env.embodied.babyai_bot import bot_run
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
MEMO_INSTANCES = 1024
# (env name, seed) -> Instance, shared by every backend in the process.
_INSTANCES: OrderedDict[tuple[str, int], Instance] = OrderedDict()
_INSTANCES_LOCK = threading.Lock()


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
        self._started = False

    # ----------------------------------------------------------------- Backend API
    def load(self, seed: int) -> Instance:
        """The instance ``seed`` names, with the bot's run and its hindsight shortcut."""
        self._seed, self._started = seed, False
        return self._instance(seed)

    def sibling(self, seed: int) -> Instance:
        """The instance of another seed (the loaded one is restarted by ``start``)."""
        return self._instance(seed)

    def start(self) -> str:
        """Reset the loaded seed; the first observation."""
        if self._seed is None:
            raise RuntimeError("BabyAIBackend.start() before load()")
        _quiet_reset(self._gym(), self._seed)
        self._started = True
        return self._observe()

    def act(self, command: str) -> Outcome:
        """One command; an unknown word costs a step and changes nothing."""
        if not self._started:
            # Describing instances moves the level around; only start() puts it in place.
            raise RuntimeError("BabyAIBackend.act() before start()")
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

    def _instance(self, seed: int) -> Instance:
        """The remembered description of ``seed``, made on first use."""
        key = (self.env_name, seed)
        with _INSTANCES_LOCK:
            instance = _INSTANCES.get(key)
            if instance is not None:
                _INSTANCES.move_to_end(key)
                return instance
        instance = self._describe(seed)  # outside the lock: describing takes milliseconds
        with _INSTANCES_LOCK:
            _INSTANCES[key] = instance
            while len(_INSTANCES) > MEMO_INSTANCES:
                _INSTANCES.popitem(last=False)
        return instance

    def _describe(self, seed: int) -> Instance:
        """Reset to ``seed``, read the start, then let the bot solve it (``start`` resets)."""
        self._started = False
        env = self._gym()
        _quiet_reset(env, seed)
        level = env.unwrapped
        start = _pose(level)
        route = shortest_route(level)
        mission = level.mission
        targets = _targets(level)
        run = bot_run(level, COMMANDS)  # moves the agent: the start is read above
        solution = tuple(route if route is not None else run)
        facts = [f"BabyAI {self.env_name} seed {seed}: the mission '{mission}' starts {start}."]
        facts += [f"In that level the target of '{mission}' ({t}) is at {p}." for t, p in targets]
        facts.append(f"Successful route for '{mission}' from the start {start} "
                     f"({len(solution)} commands): {' | '.join(solution)}")
        notes = (f"An earlier try at '{mission}' explored for {len(run)} commands "
                 "before it reached the target.",)
        return Instance(f"{self.env_name}/seed-{seed}", mission, start, solution, tuple(facts),
                        notes)

    def _observe(self) -> str:
        level = self._gym().unwrapped
        seen = describe_view(level.gen_obs()["image"])
        front = level.grid.get(*level.front_pos)
        ahead = "nothing" if front is None else _name(front)
        carrying = f" You carry a {_name(level.carrying)}." if level.carrying else ""
        return f"You are {_pose(level)}; directly ahead: {ahead}.{carrying} You see: {seen}."


def _pose(level: Any) -> str:
    x, y = (int(v) for v in level.agent_pos)
    return f"at ({x}, {y}) facing {DIRECTIONS[int(level.agent_dir)]}"


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
