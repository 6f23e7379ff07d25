"""The options every command that makes an env shares (``--env``, ``--tasks``,
``--tasks-path``, ``--env-kwarg``), checked before any work starts: a mistake ends with
one ``error: ...`` line that names it and the valid choices (``fail``, exit code 2).
"""

from __future__ import annotations

import difflib
import inspect
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from agemem_env.cli.errors import fail, one_line
from agemem_env.envs.registration import EMBODIED_IDS, ENV_IDS
from agemem_env.tasks import SOURCES

ALL_ENV_IDS: tuple[str, ...] = (*ENV_IDS, *EMBODIED_IDS)
"""Every id ``import agemem_env`` registers: the three stage levels, then the embodied ones."""
SYNTHETIC_EPISODES = 20
# gym.make's own keywords, which reach no env constructor.
_MAKE_KEYWORDS = frozenset({"max_episode_steps", "disable_env_checker"})
# How gymnasium wraps an env constructor's error; the user needs only what comes before.
_GYM_SUFFIX = " was raised from the environment creator"

EnvOpt = Annotated[str, typer.Option(
    "--env", help=f"Environment id: {', '.join(ALL_ENV_IDS)}.")]
TasksOpt = Annotated[str | None, typer.Option(
    help=f"Task source: {', '.join(SOURCES)} (default synthetic; the embodied ids bring "
         "their own tasks).")]
TasksPathOpt = Annotated[Path | None, typer.Option(
    help="Dataset file or folder for --tasks hotpotqa, locomo or longmemeval "
         "(`agemem data fetch` gets them).")]
EnvKwargOpt = Annotated[list[str] | None, typer.Option(
    "--env-kwarg", help="key=value passed to gym.make (value read as JSON if it parses, "
                        "e.g. token_budget=4096); repeatable.")]


def is_embodied(env_id: str) -> bool:
    """True for the ids that put an interactive benchmark inside the episode."""
    return env_id in EMBODIED_IDS


def check_env_id(env_id: str, choices: tuple[str, ...] = ALL_ENV_IDS) -> str:
    """``env_id`` if it is one of ``choices`` (``agemem_env:`` prefix allowed), else
    ``fail`` naming them."""
    bare = env_id.removeprefix("agemem_env:")
    if bare not in choices:
        known = "unknown environment" if bare not in ALL_ENV_IDS else "this command cannot use"
        fail(f"{known} {env_id!r}; choose one of {', '.join(choices)}")
    return bare


def parse_env_kwargs(items: list[str] | None) -> dict[str, Any]:
    """``["token_budget=4096", "reward_preset=paper_code"]`` to a dict; values that parse
    as JSON (numbers, booleans, objects) are taken as such, others as strings."""
    kwargs: dict[str, Any] = {}
    for item in items or []:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            fail(f"--env-kwarg expects key=value, got {item!r}")
        try:
            kwargs[key.strip()] = json.loads(text)
        except json.JSONDecodeError:
            kwargs[key.strip()] = text
    return kwargs


def env_option_names(env_id: str) -> frozenset[str]:
    """The keyword arguments ``gym.make(env_id, ...)`` accepts, read from the signatures of
    the env class and its bases (a class taking ``**kwargs`` passes them on)."""
    import gymnasium as gym
    from gymnasium.envs.registration import load_env_creator

    spec = gym.spec(env_id)
    names: set[str] = set(_MAKE_KEYWORDS)
    for cls in inspect.getmro(load_env_creator(spec.entry_point)):
        if "__init__" not in vars(cls):
            continue
        params = list(inspect.signature(cls.__init__).parameters.values())[1:]
        names |= {p.name for p in params if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}
        if not any(p.kind is p.VAR_KEYWORD for p in params):
            break
    return frozenset(names - set(spec.kwargs))


def check_env(env_id: str, env_kwargs: dict[str, Any], probe_seed: int | None = None) -> None:
    """Make (and close) one env, so a bad option fails before the run, in one line.

    With ``probe_seed`` the env is also reset once: the embodied ids load their benchmark
    (a missing package or Java) only then.
    """
    import gymnasium as gym

    names = env_option_names(env_id)
    unknown = sorted(set(env_kwargs) - names)
    if unknown:
        close = difflib.get_close_matches(unknown[0], names, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        fail(f"{env_id} has no option {', '.join(map(repr, unknown))}{hint}; its options: "
             f"{', '.join(sorted(names))}")
    try:
        env = gym.make(env_id, **env_kwargs)
    except (TypeError, ValueError, OSError, ImportError, gym.error.Error) as err:
        fail(f"cannot make {env_id}: {one_line(err).split(_GYM_SUFFIX)[0]}")
    try:
        if probe_seed is not None:
            env.reset(seed=probe_seed)
    except (ImportError, OSError, RuntimeError, ValueError) as err:
        fail(f"cannot start {env_id}: {one_line(err)}")
    finally:
        env.close()


def plan_tasks(env_id: str, source: str | None, path: Path | None, episodes: int | None,
               env_kwargs: dict[str, Any]) -> tuple[int, bool]:
    """Put the task source into ``env_kwargs``; return the episode count and whether
    episodes index tasks. A dataset is loaded here, once: a missing or broken file fails
    before any env starts, and vector slots share the parsed tasks."""
    # `agemem tasks`' loader: a user's mistake becomes one error line and exit code 2.
    from agemem_env.cli.tasks import load_or_fail

    if is_embodied(env_id):
        if source is not None or path is not None:
            fail(f"--tasks and --tasks-path do not apply to {env_id}: its benchmark gives "
                 "the tasks (the seed picks the instance)")
        return episodes or SYNTHETIC_EPISODES, False
    source = source or "synthetic"
    if source not in SOURCES:
        fail(f"unknown task source {source!r}; choose one of {', '.join(SOURCES)}")
    if source == "synthetic":
        if path is not None:
            fail("--tasks-path does not apply to --tasks synthetic")
        env_kwargs["tasks"] = "synthetic"
        return episodes or SYNTHETIC_EPISODES, False
    loaded = load_or_fail(source, path=path)
    if episodes is not None and episodes > len(loaded):
        fail(f"--episodes {episodes} but {source} at {path} has only {len(loaded)} tasks")
    env_kwargs["tasks"] = loaded
    return episodes or len(loaded), True
