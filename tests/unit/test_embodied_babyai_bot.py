"""The cheaper BabyAI bot: the same visibility and the same runs as minigrid's own bot."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest

pytest.importorskip("minigrid")

import gymnasium as gym  # noqa: E402
from minigrid.utils.baby_ai_bot import BabyAIBot  # noqa: E402

from agemem_env.embodied.babyai import COMMANDS  # noqa: E402
from agemem_env.embodied.babyai_bot import bot_run, visible_cells  # noqa: E402

# Mazes, doors (locked ones too), carrying, putting next to, and the full instruction language.
LEVELS = ("BabyAI-GoToObjMaze-v0", "BabyAI-PutNextLocal-v0", "BabyAI-OpenDoor-v0",
          "BabyAI-UnlockPickup-v0", "BabyAI-Synth-v0", "BabyAI-BossLevel-v0")


def _reset(env: gym.Env, seed: int) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        env.reset(seed=seed)


def _minigrid_run(env: gym.Env, limit: int = 1000) -> list[str]:
    """The run as the backend made it before: minigrid's bot through the wrapped env."""
    bot, run = BabyAIBot(env), []
    for _ in range(limit):
        action = int(bot.replan())
        run.append(COMMANDS[action])
        _, _, terminated, truncated, _ = env.step(action)
        if terminated or truncated:
            break
    return run


@pytest.mark.parametrize("level", LEVELS)
def test_visible_cells_are_gen_obs_grids_mask(level: str) -> None:
    env = gym.make(level)
    unwrapped, rng = env.unwrapped, np.random.default_rng(0)
    for seed in range(4):
        _reset(env, seed)
        for _ in range(80):  # random moves, toggles and pick-ups
            _, mask = unwrapped.gen_obs_grid()
            expected = np.zeros((unwrapped.width, unwrapped.height), dtype=bool)
            # The bot's own mapping from the view to the grid (BabyAIBot._process_obs).
            size, f_vec, r_vec = unwrapped.agent_view_size, unwrapped.dir_vec, unwrapped.right_vec
            top_left = unwrapped.agent_pos + f_vec * (size - 1) - r_vec * (size // 2)
            for vi, vj in zip(*np.nonzero(mask), strict=True):
                x, y = top_left - f_vec * vj + r_vec * vi
                if 0 <= x < unwrapped.width and 0 <= y < unwrapped.height:
                    expected[x, y] = True
            got = np.zeros_like(expected)
            for x, y in visible_cells(unwrapped):
                got[x, y] = True
            assert np.array_equal(got, expected)
            _, _, terminated, truncated, _ = env.step(int(rng.integers(6)))
            if terminated or truncated:
                break
    env.close()


@pytest.mark.parametrize("level", LEVELS)
def test_runs_match_minigrids_bot(level: str) -> None:
    env = gym.make(level)
    for seed in range(6):
        _reset(env, seed)
        expected = _minigrid_run(env)
        _reset(env, seed)
        assert bot_run(env.unwrapped, COMMANDS) == expected, seed
        assert "gen_obs" not in vars(env.unwrapped)  # the observation shortcut is undone
    env.close()
