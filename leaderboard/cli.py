"""``agemem leaderboard``: ``run`` plays every agent on every suite and writes the results
and reports; ``show`` prints the tables; ``submit`` checks a result file and files it;
``report`` rewrites the reports from the result files. ``leaderboard_app`` is added to the
root app by leaderboard/main.py.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Annotated

import typer

from agemem_env.cli.errors import fail

leaderboard_app = typer.Typer(help="Run, show and submit leaderboard results.",
                              no_args_is_help=True, add_completion=False)

DEFAULT_OUT = Path("runs/leaderboard")
OutOpt = Annotated[Path, typer.Option(help="Run folder: results/, reports and plots.")]
SuitesOpt = Annotated[list[Path] | None, typer.Option(
    "--suites", help="Extra folder of suite *.toml files (repeatable).")]


@leaderboard_app.command()
def run(
    out: OutOpt = DEFAULT_OUT,
    suites: SuitesOpt = None,
    suites_only: Annotated[list[str] | None, typer.Option(
        help="Run only these suites (comma-separated or repeated).")] = None,
    agents: Annotated[list[str] | None, typer.Option(
        help="Run only these agents (comma-separated or repeated; default: agents.toml).")
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Parallel processes (or Ray CPUs).")] = 2,
    backend: Annotated[str, typer.Option(help="process or ray.")] = "process",
    llm: Annotated[str | None, typer.Option(
        help="LLM back-end given as backend= to every agent that takes one.")] = None,
    grpo_checkpoint: Annotated[Path | None, typer.Option(
        help="Trained structured GRPO policy; without it the run trains one.")] = None,
    resume: Annotated[bool, typer.Option(help="Skip pairs with a valid result.")] = True,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
) -> None:
    """Play every agent on every suite, then write LEADERBOARD.md, index.html and plots."""
    from leaderboard.agents import agent_specs, load_agent_config
    from leaderboard.report import write_report
    from leaderboard.runner import BACKENDS, run_leaderboard

    if backend not in BACKENDS:
        fail(f"--backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    chosen = _pick_suites(suites, suites_only)
    config = load_agent_config()
    names = _split(agents) or list(config.agents)
    start = time.perf_counter()
    if "grpo" in names and grpo_checkpoint is None:
        typer.echo(f"GRPO policy: training into {out / 'grpo-structured'} (or reusing what "
                   "is there); pass --grpo-checkpoint DIR to skip this")
    specs, notes = agent_specs(names, config, llm=llm, grpo_checkpoint=grpo_checkpoint,
                               grpo_dir=out / "grpo-structured")
    outcomes = run_leaderboard(specs, chosen, out / "results", workers=workers,
                               backend=backend, resume=resume, progress=progress)
    notes += _outcome_notes(outcomes)
    report = write_report(out, notes=notes, agents=[s.name for s in specs],
                          suites=[s.name for s in chosen])
    counts = {k: sum(o.status == k for o in outcomes)
              for k in ("ok", "cached", "failed", "skipped")}
    typer.echo(f"{len(outcomes)} pairs in {time.perf_counter() - start:.0f}s: "
               + ", ".join(f"{v} {k}" for k, v in counts.items()))
    typer.echo(f"report: {report.markdown}, {report.html}, {len(report.plots)} plots")


@leaderboard_app.command()
def show(
    out: OutOpt = DEFAULT_OUT,
    results: Annotated[Path | None, typer.Option(
        help="Results folder (default: OUT/results).")] = None,
) -> None:
    """Print the leaderboard tables of a run folder."""
    from rich.console import Console
    from rich.table import Table as RichTable

    from leaderboard.tables import all_tables, load_board

    board = load_board(results or out / "results")
    console = Console()
    if not board.results:
        fail(f"no valid results in {results or out / 'results'}; run "
              "`agemem leaderboard run` first")
    for table in all_tables(board):
        shown = RichTable(title=table.title, caption=table.caption or None)
        for k, column in enumerate(table.header):
            shown.add_column(column, justify="left" if k == 0 else "right")
        for row in table.rows:
            shown.add_row(*row)
        console.print(shown)
    for note in board.notes:
        console.print(f"note: {note}")


@leaderboard_app.command()
def submit(
    file: Annotated[Path, typer.Argument(help="A result JSON file.")],
    out: OutOpt = DEFAULT_OUT,
    suites: SuitesOpt = None,
) -> None:
    """Check a result file (schema and consistency) and copy it into OUT/results."""
    from leaderboard.results import AgentSpec, ResultError, check_result, read_result
    from leaderboard.runner import result_path
    from leaderboard.suites import Suite, SuiteError, load_suites

    try:
        result = read_result(file)
        known = load_suites(suites)
    except (ResultError, SuiteError) as err:
        fail(f"rejected: {err}")
    problems = check_result(result, known)
    if problems:
        typer.echo(f"rejected: {file}:", err=True)
        for problem in problems:
            typer.echo(f"  - {problem}", err=True)
        raise typer.Exit(1)
    suite = Suite.from_dict(result["suite"]["definition"])
    target = result_path(out / "results", AgentSpec(**result["agent"]), suite)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.resolve() != file.resolve():
        shutil.copyfile(file, target)
    typer.echo(f"accepted: {result['agent']['name']} on {suite.name} -> {target}")


@leaderboard_app.command()
def report(out: OutOpt = DEFAULT_OUT) -> None:
    """Rewrite LEADERBOARD.md, index.html and the plots from OUT/results."""
    from leaderboard.report import write_report

    written = write_report(out)
    typer.echo(f"report: {written.markdown}, {written.html}, {len(written.plots)} plots")


def _pick_suites(dirs: list[Path] | None, only: list[str] | None) -> list:
    from leaderboard.suites import SuiteError, load_suites

    try:
        suites = load_suites(dirs)
    except SuiteError as err:
        fail(str(err))
    names = _split(only)
    unknown = [n for n in names if n not in suites]
    if unknown:
        fail(f"unknown suite(s) {unknown}; known: {', '.join(suites)}")
    return [suites[n] for n in names] if names else list(suites.values())


def _outcome_notes(outcomes: list) -> list[str]:
    """One note per skipped suite (failed pairs are noted from their result files)."""
    skipped = dict.fromkeys(o.suite for o in outcomes if o.status == "skipped")
    notes = {o.suite: o.note for o in outcomes if o.status == "skipped"}
    return [f"suite {suite}: skipped ({notes[suite]})" for suite in skipped]


def _split(values: list[str] | None) -> list[str]:
    """``["a,b", "c"]`` -> ``["a", "b", "c"]``."""
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]
