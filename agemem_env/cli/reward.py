"""``agemem reward audit``: the reward red team on any preset or custom weights.

Exit codes: 0 no violation, 1 a policy that answered wrong outscored a right answer, 2 a
usage mistake.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from agemem_env.cli.errors import fail, one_line

reward_app = typer.Typer(help="Check a reward preset against the red team of scripted "
                         "policies.", no_args_is_help=True, add_completion=False)


@reward_app.command()
def audit(
    preset: Annotated[str, typer.Option(help="Reward preset (agemem_env.rewards.PRESETS).")
                      ] = "grounded",
    weights: Annotated[str | None, typer.Option(
        help='RewardConfig fields to override, as JSON, e.g. \'{"memory": 0.5}\'.')] = None,
    seeds: Annotated[int, typer.Option(min=1, help="Episodes per policy (seeds 0..N-1, or "
                                                   "the first N tasks of a dataset).")] = 50,
    env_id: Annotated[str, typer.Option("--env", help="Env id.")] = "AgeMem-Stage3-v0",
    tasks: Annotated[str, typer.Option(help="Task source.")] = "synthetic",
    tasks_path: Annotated[Path | None, typer.Option(help="Dataset file or folder.")] = None,
    embedder: Annotated[str, typer.Option(help="The env's embedder.")] = "hashing",
    policies: Annotated[str | None, typer.Option(
        help="Comma-separated policy names (default: all).")] = None,
    show_violations: Annotated[int, typer.Option(min=0, help="Violations to list.")] = 20,
) -> None:
    """Play honest and adversarial scripted policies on N seeds and print each term's mean;
    exit 1 when a wrong answer outscored a right one on some seed."""
    import gymnasium as gym
    from rich.console import Console
    from rich.table import Table

    import agemem_env  # noqa: F401  (registers the ids)
    from agemem_env.rewards.audit import SHOWN_TERMS, audit_rows, run_audit
    from agemem_env.rewards.red_team import OracleMemory

    try:
        overrides = json.loads(weights) if weights else {}
    except json.JSONDecodeError as err:
        fail(f"--weights is not JSON: {err}")
    kwargs = {"embedder": embedder, "reward_preset": preset, "reward_weights": overrides,
              "tasks": tasks}
    if tasks_path is not None:
        kwargs["tasks_path"] = str(tasks_path)
    try:
        gym.make(env_id, **kwargs).close()
    except (TypeError, ValueError, gym.error.Error) as err:
        fail(f"cannot make {env_id}: {one_line(err)}")
    names = [p.strip() for p in policies.split(",") if p.strip()] if policies else None
    console = Console(stderr=True)
    try:
        report = run_audit(lambda: gym.make(env_id, **kwargs), range(seeds), policies=names,
                           task_indices=tasks != "synthetic",
                           progress=lambda name: console.print(f"playing {name} ...",
                                                               style="dim"))
    except (ValueError, OSError) as err:
        fail(one_line(err))
    table = Table(title=f"reward audit: {preset}, {seeds} seeds, {env_id} ({tasks})")
    for column in ("policy", "role", *SHOWN_TERMS, "answer", "total >= correct"):
        table.add_column(column, justify="left" if column in ("policy", "role") else "right")
    for row in audit_rows(report):
        table.add_row(*row)
    out = Console()
    if not out.is_terminal:
        out = Console(width=150)  # a pipe or file gets the whole table
    out.print(table)
    if OracleMemory.name in report.runs:
        bar = report.runs["correct-no-tools"].totals
        above = sum(o > b for o, b in zip(report.runs[OracleMemory.name].totals, bar,
                                          strict=True))
        typer.echo(f"oracle-memory above correct-no-tools on {above}/{len(bar)} seeds")
    if report.ok:
        typer.echo("no violation: every red-team policy stayed below a right answer")
        return
    typer.echo(f"{len(report.violations)} violations:", err=True)
    for line in report.violations[:show_violations]:
        typer.echo(f"  {line}", err=True)
    raise typer.Exit(1)
