"""minigrid's BabyAI bot, made cheaper where it spends its time, with the same decisions.

The BabyAI backend runs the bot once per described instance (its run length is part of the
Stage-1 experience), and the bot's pure-Python hot spots dominated a reset: a breadth-first
search that pops its queue with ``queue[1:]`` (quadratic), the agent's view re-rendered as a
rotated ``Grid`` of objects twice per step only to read which cells are visible, and a 7x7
loop of small-array sums. The replacements below compute the same values (tests compare the
runs with minigrid's own bot, and the visibility with ``gen_obs_grid``, over many levels).
"""

from __future__ import annotations

from collections import deque
from typing import Any

__all__ = ["bot_run", "visible_cells"]


def bot_run(level: Any, commands: tuple[str, ...], limit: int = 1000) -> list[str]:
    """The bot's command words from the level's current state until the episode ends.

    The level is stepped bare (no wrappers), and the observation each step would render is
    skipped: the bot never reads it. ``commands`` names minigrid's actions in order.
    """
    bot, run = _fast_bot(level), []
    level.gen_obs = _no_observation  # shadows the method on this object only
    try:
        for _ in range(limit):
            action = int(bot.replan())
            run.append(commands[action])
            _, _, terminated, truncated, _ = level.step(action)
            if terminated or truncated:
                break
    finally:
        del level.gen_obs
    return run


def _no_observation() -> None:
    return None


def visible_cells(level: Any) -> list[tuple[int, int]]:
    """Grid cells the agent sees now: ``gen_obs_grid``'s visibility mask, in world coordinates.

    minigrid slices the view out of the grid (walls outside it), rotates it so the agent
    looks up, and runs ``Grid.process_vis`` on the copy. Here each view cell is read straight
    from the grid through the bot's own view-to-world mapping, and the same sweep runs on
    booleans ("blocks sight") instead of objects.
    """
    size = level.agent_view_size
    (fx, fy), (rx, ry) = (int(v) for v in level.dir_vec), (int(v) for v in level.right_vec)
    ax, ay = (int(v) for v in level.agent_pos)
    tx, ty = ax + fx * (size - 1) - rx * (size // 2), ay + fy * (size - 1) - ry * (size // 2)
    cells, width, height = level.grid.grid, level.grid.width, level.grid.height
    world = [[(tx - fx * j + rx * i, ty - fy * j + ry * i) for j in range(size)]
             for i in range(size)]
    if level.see_through_walls:
        seen = [[True] * size for _ in range(size)]
    else:
        opaque = [[_blocks_sight(cells, width, height, x, y) for x, y in column]
                  for column in world]
        seen = _sweep(opaque, size)
    return [(x, y) for i in range(size) for j in range(size) if seen[i][j]
            for x, y in (world[i][j],) if 0 <= x < width and 0 <= y < height]


def _blocks_sight(cells: list[Any], width: int, height: int, x: int, y: int) -> bool:
    if not (0 <= x < width and 0 <= y < height):
        return True  # slice() fills the view outside the grid with walls
    cell = cells[y * width + x]
    return cell is not None and not cell.see_behind()


def _sweep(opaque: list[list[bool]], size: int) -> list[list[bool]]:
    """``Grid.process_vis`` on a blocks-sight array (view coordinates, agent at the bottom)."""
    mask = [[False] * size for _ in range(size)]
    mask[size // 2][size - 1] = True
    for j in reversed(range(size)):
        for i in range(size - 1):
            if mask[i][j] and not opaque[i][j]:
                mask[i + 1][j] = True
                if j > 0:
                    mask[i + 1][j - 1] = mask[i][j - 1] = True
        for i in reversed(range(1, size)):
            if mask[i][j] and not opaque[i][j]:
                mask[i - 1][j] = True
                if j > 0:
                    mask[i - 1][j - 1] = mask[i][j - 1] = True
    return mask


def _fast_bot(level: Any) -> Any:
    """A ``BabyAIBot`` whose view processing and search are the cheaper equivalents."""
    from minigrid.utils.baby_ai_bot import BabyAIBot

    class FastBabyAIBot(BabyAIBot):
        def _process_obs(self) -> None:
            for x, y in visible_cells(self.mission.unwrapped):
                self.vis_mask[x, y] = True

        def _breadth_first_search(
            self, initial_states: Any, accept_fn: Any, ignore_blockers: bool
        ) -> Any:
            return _breadth_first_search(self, initial_states, accept_fn, ignore_blockers)

    return FastBabyAIBot(level)


def _breadth_first_search(
    bot: Any, initial_states: Any, accept_fn: Any, ignore_blockers: bool
) -> tuple[Any, Any, dict[tuple[int, int], Any]]:
    """``BabyAIBot._breadth_first_search`` with a deque: same pops, same paths, same order.

    A neighbour already visited is not queued; the bot would skip it when popped.
    """
    bot.bfs_counter += 1
    queue = deque((state, None) for state in initial_states)
    pop, push = queue.popleft, queue.append
    grid, seen = bot.mission.unwrapped.grid, bot.vis_mask.tolist()
    cells, width, height = grid.grid, grid.width, grid.height
    previous_pos: dict[tuple[int, int], Any] = {}
    steps = 0
    while queue:
        (i, j, di, dj), prev_pos = pop()
        pos = (i, j)
        if pos in previous_pos:
            continue
        if not (0 <= i < width and 0 <= j < height):
            raise IndexError(f"BFS left the {width}x{height} grid at {pos}")
        steps += 1
        cell = cells[j * width + i]  # grid.get(i, j) without the call
        previous_pos[pos] = prev_pos
        if accept_fn(pos, cell):
            bot.bfs_step_counter += steps
            path = []
            while pos:
                path.append(pos)
                pos = previous_pos[pos]
            return path, (i, j), previous_pos
        if not seen[i][j]:
            continue
        if cell:
            if cell.type == "wall":
                continue
            if cell.type == "door":
                if not cell.is_open:
                    continue
            elif not ignore_blockers:
                continue
        # Cells reachable without turning are queued first, as in the bot.
        for k, m in ((di, dj), (dj, di), (-dj, -di), (-di, -dj)):
            step = (i + k, j + m)
            if step not in previous_pos:
                push(((i + k, j + m, k, m), pos))
    bot.bfs_step_counter += steps
    return None, None, previous_pos
