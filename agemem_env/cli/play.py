"""``agemem play``: a person plays an episode in the terminal, typing tool calls."""

from __future__ import annotations

import shlex
from typing import Annotated

import typer

from agemem_env.core import ToolCall

SHORTCUTS = """Type a raw completion (<tool_call>[...]</tool_call> or <answer>..</answer>),
or a shortcut:
  /add TEXT               Add_memory          /retrieve QUERY        Retrieve_memory
  /update ID TEXT         Update_memory       /summary [all|N]       Summary_context
  /delete ID              Delete_memory       /filter CRITERIA       Filter_context
  /answer TEXT            Answer              /help   /quit"""


def play(
    env_id: Annotated[str, typer.Option("--env", help="Environment id.")] = "AgeMem-Stage3-v0",
    seed: Annotated[int, typer.Option(help="Episode seed.")] = 0,
    embedder: Annotated[str, typer.Option(help="'minilm' or 'hashing'.")] = "minilm",
    token_budget: Annotated[int, typer.Option(help="Context budget in tokens.")] = 8192,
) -> None:
    """Play one episode in the terminal, typing tool calls as the agent."""
    import gymnasium as gym

    import agemem_env  # noqa: F401  (registers the ids)

    env = gym.make(env_id, embedder=embedder, token_budget=token_budget, render_mode="ansi")
    obs, info = env.reset(seed=seed)
    typer.echo(SHORTCUTS)
    done = False
    while not done:
        typer.echo(env.render())
        try:
            line = input(f"stage {obs['stage']} round {obs['round'] + 1}> ").strip()
        except EOFError:
            typer.echo("\n(end of input: episode abandoned)")
            raise typer.Exit(1) from None
        if line in ("/quit", "/exit"):
            raise typer.Exit(0)
        if line in ("", "/help"):
            typer.echo(SHORTCUTS)
            continue
        try:
            action = to_completion(line)
        except ValueError as err:
            typer.echo(f"! {err}")
            continue
        obs, reward, terminated, truncated, info = env.step(action)
        for result in info["step_results"]:
            typer.echo(f"  -> {result['name']}: {result['content']}")
        for error in info["step_errors"]:
            typer.echo(f"  ! {error}")
        done = terminated or truncated
    typer.echo(env.render())
    verdict = info["judge"] or {}
    typer.echo(f"episode over: reward {reward:+.3f}, answer {info['answer']!r}, "
               f"gold {env.unwrapped.task.answers[0]!r}, judge {verdict}")


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
    elif command in ("/add", "/retrieve", "/summary", "/filter"):
        key = {"/add": "content", "/retrieve": "query", "/summary": "span",
               "/filter": "criteria"}[command]
        name = {"/add": "Add_memory", "/retrieve": "Retrieve_memory",
                "/summary": "Summary_context", "/filter": "Filter_context"}[command]
        call = ToolCall(name, {key: rest or ("all" if command == "/summary" else "")})
    else:
        raise ValueError(f"unknown shortcut {shlex.quote(command)}; type /help")
    return render_completion([call])
