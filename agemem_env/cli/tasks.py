"""``agemem tasks``: look at a task source. ``show`` prints a few tasks, ``stats`` summarises
a source in a table.

A source that cannot be loaded (missing file, bad format, unknown source, loader not built)
ends the command with one ``error: ...`` line on stderr and exit code 2, without a traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from agemem_env.cli.errors import fail, one_line
from agemem_env.cli.quiet import VerboseOpt, quiet_libraries
from agemem_env.tasks.loading import DataFormatError

tasks_app = typer.Typer(
    help="Inspect task sources: print tasks, or summarise a source.",
    no_args_is_help=True,
    add_completion=False,
)

# What loading a source raises for a user's mistake (DataFormatError is a ValueError; named
# for the reader). Anything else is a bug and keeps its traceback.
_LOAD_ERRORS = (OSError, DataFormatError, ValueError, NotImplementedError, ImportError)

SourceArg = Annotated[str, typer.Argument(help="synthetic, hotpotqa, locomo or longmemeval.")]
PathOpt = Annotated[Path | None, typer.Option(help="Local dataset file or folder.")]
SplitOpt = Annotated[str | None, typer.Option(help="Dataset split.")]


@tasks_app.command()
def show(
    source: SourceArg,
    path: PathOpt = None,
    split: SplitOpt = None,
    n: Annotated[int, typer.Option("--n", min=1, help="How many tasks to print.")] = 3,
    seed: Annotated[int | None, typer.Option(help="Generator seed (synthetic; default 0).")] = None,
    max_chars: Annotated[int, typer.Option(min=10, help="Longest text shown per line.")] = 400,
    verbose: VerboseOpt = False,
) -> None:
    """Print the first N tasks of a source, with their Stage-2 reminders if any."""
    from agemem_env.tasks.stats import format_task

    quiet_libraries(verbose)
    tasks = load_or_fail(source, path=path, split=split, limit=n, seed=seed)
    for number, task in enumerate(tasks[:n]):
        if number:
            typer.echo("")
        typer.echo(format_task(task, max_chars=max_chars))
        if task.reminders:
            typer.echo(f"reminders ({len(task.reminders)}):")
            for line in task.reminders:
                typer.echo(f"  - {_clip(line, max_chars)}")


@tasks_app.command()
def stats(
    source: SourceArg,
    path: PathOpt = None,
    split: SplitOpt = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Load at most this many.")] = None,
    verbose: VerboseOpt = False,
) -> None:
    """Summarise a source: task counts, type mix and per-task lengths."""
    from rich.console import Console
    from rich.table import Table

    from agemem_env.tasks.stats import PER_TASK, task_stats

    quiet_libraries(verbose)
    summary = task_stats(load_or_fail(source, path=path, split=split, limit=limit))
    counts = Table(title=f"Tasks: {source}")
    counts.add_column("what")
    counts.add_column("value")
    counts.add_column("tasks", justify="right")
    counts.add_row("all", "", str(summary["count"]))
    for name, number in summary["sources"].items():
        counts.add_row("source", name, str(number))
    for key, tally in summary["mix"].items():
        for value, number in tally.items():
            counts.add_row(key, value, str(number))
    lengths = Table(title="Per task")
    lengths.add_column("quantity")
    for column in ("min", "median", "mean", "max"):
        lengths.add_column(column, justify="right")
    for name, meaning in PER_TASK.items():
        row = summary[name]
        lengths.add_row(meaning, *(_number(row[c]) for c in ("min", "median", "mean", "max")))
    console = Console()
    console.print(counts)
    console.print(lengths)


def _clip(text: str, max_chars: int) -> str:
    """``text`` cut to ``max_chars`` with "..." (as ``format_task`` cuts its lines)."""
    return text if len(text) <= max_chars else text[: max(0, max_chars - 3)].rstrip() + "..."


def _number(value: float) -> str:
    """1234 -> '1,234'; 2.5 -> '2.5'; 1234.567 -> '1,234.6'."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def load_or_fail(source: str, **options: Any) -> list[Any]:
    """``load_tasks`` with user mistakes turned into one clean line and exit code 2."""
    from agemem_env.tasks import load_tasks

    try:
        return load_tasks(source, **options)
    except FileNotFoundError as err:
        fail(f"{one_line(err)}; `agemem data list` shows where to get each data set")
    except _LOAD_ERRORS as err:
        fail(one_line(err))
