"""``agemem play``: a person plays an episode in the terminal, typing tool calls."""

from __future__ import annotations

import shlex
from typing import Annotated, Any

import typer

from agemem_env.cli import play_view
from agemem_env.cli.embedder_choice import EmbedderOpt, check_embedder
from agemem_env.cli.env_options import (
    EnvKwargOpt,
    EnvOpt,
    TasksOpt,
    TasksPathOpt,
    check_env,
    check_env_id,
    parse_env_kwargs,
    plan_tasks,
)
from agemem_env.cli.quiet import VerboseOpt, quiet_libraries
from agemem_env.core import ToolCall

SHORTCUTS = """Type a raw completion (<tool_call>[...]</tool_call> or <answer>..</answer>),
or a shortcut:
  /add TEXT               Add_memory          /retrieve QUERY        Retrieve_memory
  /update ID TEXT         Update_memory       /summary [all|N]       Summary_context
  /delete ID              Delete_memory       /filter CRITERIA       Filter_context
  /answer TEXT            Answer              /act COMMAND           Act (embodied ids)
  /show (the whole context and memory)        /help   /quit"""
# Shortcut -> (tool, its text argument).
_ONE_ARGUMENT = {
    "/add": ("Add_memory", "content"), "/retrieve": ("Retrieve_memory", "query"),
    "/summary": ("Summary_context", "span"), "/filter": ("Filter_context", "criteria"),
    "/act": ("Act", "command"),
}


def play(
    env_id: EnvOpt = "AgeMem-Stage3-v0",
    seed: Annotated[int, typer.Option(help="Episode seed (picks the task).")] = 0,
    tasks: TasksOpt = None,
    tasks_path: TasksPathOpt = None,
    embedder: EmbedderOpt = "minilm",
    token_budget: Annotated[int, typer.Option(help="Context budget in tokens.")] = 8192,
    env_kwarg: EnvKwargOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Play one episode in the terminal, typing tool calls as the agent."""
    import gymnasium as gym

    quiet_libraries(verbose)
    env_id = check_env_id(env_id)
    kwargs = {"embedder": check_embedder(embedder), "token_budget": token_budget,
              **parse_env_kwargs(env_kwarg)}
    kwargs.pop("render_mode", None)  # play renders as text
    plan_tasks(env_id, tasks, tasks_path, None, kwargs)
    check_env(env_id, kwargs)
    env = gym.make(env_id, render_mode="ansi", **kwargs)
    try:
        _play(env, seed, preset=str(kwargs.get("reward_preset", "paper")))
    finally:
        env.close()


def _play(env: Any, seed: int, preset: str) -> None:
    """The loop: show, read a move, step, show what it did and what arrived."""
    obs, info = env.reset(seed=seed)
    typer.echo(SHORTCUTS)
    typer.echo(play_view.full_view(env, obs))
    reward, done = 0.0, False
    while not done:
        line = _read(f"stage {obs['stage']} round {int(obs['round']) + 1}> ")
        if line in ("", "/help", "/show"):
            typer.echo(play_view.full_view(env, obs) if line == "/show" else SHORTCUTS)
            continue
        try:
            action = to_completion(line)
        except ValueError as err:
            typer.echo(f"! {err}")
            continue
        before, stage = play_view.context_of(env), obs["stage"]
        obs, reward, terminated, truncated, info = env.step(action)
        for line in play_view.results(info):
            typer.echo(line)
        done = terminated or truncated
        if obs["stage"] != stage and not done:
            typer.echo(f"--- Stage {obs['stage']} begins: the context was reset; long-term "
                       "memory persists ---")
        if not done:
            typer.echo(play_view.status(env, obs))
            for line in play_view.arrivals(before, play_view.context_of(env), info):
                typer.echo(line)
    typer.echo(play_view.full_view(env, obs, over=True))
    typer.echo("\n".join(play_view.episode_end(env, info, reward, preset)))


def _read(prompt: str) -> str:
    """One line from the player; end of input or /quit ends the command."""
    try:
        line = input(prompt).strip()
    except EOFError:
        typer.echo("\n(end of input: episode abandoned)")
        raise typer.Exit(1) from None
    if line in ("/quit", "/exit"):
        raise typer.Exit(0)
    return line


def to_completion(line: str) -> str:
    """A shortcut line to a completion; raw completions pass through unchanged."""
    from agemem_env.actions.text import render_completion

    if not line.startswith("/"):
        return line
    command, _, rest = line.partition(" ")
    rest = rest.strip()
    if command == "/answer":
        return render_completion(answer=rest)
    if command == "/update":
        memory_id, _, content = rest.partition(" ")
        call = ToolCall("Update_memory", {"memory_id": memory_id, "content": content.strip()})
    elif command == "/delete":
        call = ToolCall("Delete_memory", {"memory_id": rest, "confirmation": True})
    elif command in _ONE_ARGUMENT:
        name, key = _ONE_ARGUMENT[command]
        call = ToolCall(name, {key: rest or ("all" if command == "/summary" else "")})
    else:
        raise ValueError(f"unknown shortcut {shlex.quote(command)}; type /help")
    return render_completion([call])
