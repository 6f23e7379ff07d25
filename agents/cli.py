"""The agents' commands, as the sub-app ``agents_app`` (merged into ``agemem`` by
leaderboard/main.py): ``eval`` runs an agent over seeded episodes, appends one JSON line
per episode to ``--out`` and prints mean +- 95% CI of the headline metrics; ``train``
groups GRPO and its warm starts.

Bad input (an unknown agent, env id or task source, missing data, a malformed option) ends
with one ``error: ...`` line on stderr and exit code 2, without a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from agemem_env.cli.errors import fail, one_line
from agemem_env.tasks import SOURCES
from agents.grpo.cli import grpo_command
from agents.warm_start.cli import bc_command, compare_command, export_command, sft_command

SYNTHETIC_EPISODES = 20
# Rows of the summary table: summary key -> label.
_ROWS = {
    "answer_score": "answer score",
    "answer_em": "answer EM",
    "answer_f1": "answer F1",
    "memory_f1": "memory F1",
    "return": "return",
    "prompt_tokens": "prompt tokens / episode",
    "steps": "steps",
    "wall_seconds": "wall seconds",
}


def eval_command(
    agent: Annotated[str, typer.Option(help="An agent name (agents.registry) or grpo:DIR.")],
    env_id: Annotated[str, typer.Option("--env", help="Environment id.")] = "AgeMem-Stage3-v0",
    tasks: Annotated[str, typer.Option(help=f"Task source: {', '.join(SOURCES)}.")] = "synthetic",
    tasks_path: Annotated[Path | None, typer.Option(help="Dataset file or folder.")] = None,
    episodes: Annotated[int | None, typer.Option(
        min=1, help=f"Episodes (default: every task of a dataset, {SYNTHETIC_EPISODES} "
                    "synthetic).")] = None,
    seed: Annotated[int, typer.Option(help="Episode i is reset with seed + i.")] = 0,
    out: Annotated[Path | None, typer.Option(help="JSONL file to append records to.")] = None,
    num_envs: Annotated[int, typer.Option(min=1, help="Parallel envs.")] = 1,
    vector: Annotated[str | None, typer.Option(
        help="none, sync or async (default: none for one env, async for more).")] = None,
    embedder: Annotated[str, typer.Option(help="minilm or hashing.")] = "minilm",
    llm: Annotated[str | None, typer.Option(help="Back-end of the llm agent.")] = None,
    env_kwarg: Annotated[list[str] | None, typer.Option(
        "--env-kwarg", help="key=value passed to gym.make (value read as JSON if it parses); "
                            "repeatable.")] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Evaluate an agent on seeded episodes and print a summary table."""
    from agents.runner import VECTOR_MODES, run_episodes, summarise

    vector = vector or ("none" if num_envs == 1 else "async")
    if vector not in VECTOR_MODES:
        fail(f"--vector must be one of {', '.join(VECTOR_MODES)}, got {vector!r}")
    if vector == "none" and num_envs > 1:
        fail(f"--num-envs {num_envs} needs --vector sync or async")
    env_kwargs = {"embedder": embedder, **_parse_env_kwargs(env_kwarg or [])}
    episodes, dataset = _task_plan(tasks, tasks_path, episodes, env_kwargs)
    _check_env(env_id, env_kwargs)
    factory = _agent_factory(agent, llm)
    records = run_episodes(
        env_id, factory, episodes=episodes, seed=seed, env_kwargs=env_kwargs,
        num_envs=num_envs, vector=vector, progress=progress, out=out, task_indices=dataset,
    )
    _print_summary(summarise(records), f"{agent} on {env_id} ({tasks}, seed {seed})")
    if out is not None:
        typer.echo(f"{len(records)} records appended to {out}")


def _task_plan(
    source: str, path: Path | None, episodes: int | None, env_kwargs: dict[str, Any]
) -> tuple[int, bool]:
    """Put the task source into ``env_kwargs``; return the episode count and whether
    episodes index tasks. A dataset is loaded here, once: a missing or broken file fails
    before any env starts, and vector slots share the parsed tasks."""
    # `agemem tasks`' loader: a user's mistake becomes one error line and exit code 2.
    from agemem_env.cli.tasks import _load

    if source not in SOURCES:
        fail(f"unknown task source {source!r}; choose one of {', '.join(SOURCES)}")
    if source == "synthetic":
        if path is not None:
            fail("--tasks-path does not apply to --tasks synthetic")
        env_kwargs["tasks"] = "synthetic"
        return episodes or SYNTHETIC_EPISODES, False
    loaded = _load(source, path=path)
    if episodes is not None and episodes > len(loaded):
        fail(f"--episodes {episodes} but {source} at {path} has only {len(loaded)} tasks")
    env_kwargs["tasks"] = loaded
    return episodes or len(loaded), True


def _check_env(env_id: str, env_kwargs: dict[str, Any]) -> None:
    """Make (and close) one env, so an unknown id or a bad option fails before the run."""
    import gymnasium as gym

    import agemem_env  # noqa: F401  (registers the ids)

    try:
        gym.spec(env_id)
    except gym.error.Error as err:
        fail(f"unknown environment {env_id!r} ({one_line(err)}); see `agemem info`")
    try:
        gym.make(env_id, **env_kwargs).close()
    except (TypeError, ValueError, gym.error.Error) as err:
        fail(f"cannot make {env_id}: {one_line(err)}")


def _agent_factory(name: str, llm: str | None) -> Callable[[], Any]:
    """A factory of ``name`` agents. The first is made now, to fail early on a bad name,
    and handed out first, so a model-backed agent is not loaded twice."""
    try:
        from agents.registry import make_agent
    except ImportError as err:
        fail(f"agents.registry is not available ({one_line(err)})")
    kwargs = {"backend": llm} if llm else {}
    try:
        made = [make_agent(name, **kwargs)]
    except (KeyError, ValueError, TypeError, ImportError, OSError) as err:
        fail(f"cannot make agent {name!r}: {one_line(err)}")

    def factory() -> Any:
        return made.pop() if made else make_agent(name, **kwargs)

    return factory


def _parse_env_kwargs(items: list[str]) -> dict[str, Any]:
    """``["token_budget=4096", "reward_preset=paper_code"]`` to a dict; values that parse
    as JSON (numbers, booleans, objects) are taken as such, others as strings."""
    kwargs: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            fail(f"--env-kwarg expects key=value, got {item!r}")
        try:
            kwargs[key.strip()] = json.loads(text)
        except json.JSONDecodeError:
            kwargs[key.strip()] = text
    return kwargs


def _print_summary(summary: dict[str, Any], title: str) -> None:
    """Mean +- 95% CI of each metric, then the tool calls and the rates."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{title}: {summary['episodes']} episodes")
    table.add_column("metric")
    table.add_column("mean ± 95% CI", justify="right")
    table.add_column("n", justify="right")
    for key, label in _ROWS.items():
        stat = summary[key]
        shown = "-" if stat["mean"] is None else f"{stat['mean']:.3f} ± {stat['ci95']:.3f}"
        table.add_row(label, shown, str(stat["n"]))
    for tool, mean in summary["tool_calls"].items():
        table.add_row(f"calls: {tool}", f"{mean:.2f}", "")
    table.add_row("parse errors / step", f"{summary['parse_error_rate']:.3f}", "")
    table.add_row("overflow rate", f"{summary['overflow_rate']:.3f}", "")
    table.add_row("failed episodes", str(summary["errors"]), "")
    Console().print(table)


train_app = typer.Typer(help="Train a policy on the AgeMem environments.",
                        no_args_is_help=True, add_completion=False)
train_app.command("grpo")(grpo_command)
train_app.command("export")(export_command)
train_app.command("sft")(sft_command)
train_app.command("bc")(bc_command)
train_app.command("compare")(compare_command)

agents_app = typer.Typer(help="Evaluate and train agents.", no_args_is_help=True,
                         add_completion=False)
agents_app.command("eval")(eval_command)
agents_app.add_typer(train_app, name="train")
