"""``agemem leaderboard``: ``run`` plays every agent on every suite and writes the results
and reports; ``show`` prints the tables (of the committed leaderboard by default);
``verify`` replays result files; ``submit`` verifies a result and files it; ``report``
rewrites the reports from the result files. ``leaderboard_app`` is added to the root app
by leaderboard/main.py.

A mistake in the command or its files (suites, agents.toml, an agent that does not
import) is one ``error: ...`` line and exit code 2, before any work starts; failed work
(a pair that failed, a result that does not verify) exits with code 1.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from agemem_env.cli.errors import fail
from agemem_env.cli.quiet import VerboseOpt, quiet_libraries

leaderboard_app = typer.Typer(help="Run, show, verify and submit leaderboard results.",
                              no_args_is_help=True, add_completion=False)

DEFAULT_OUT = Path("runs/leaderboard")
COMMITTED = Path(__file__).resolve().parent  # the committed board: leaderboard/
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
        help="Run only these agents (comma-separated or repeated; default: the agent list): "
             "names, module:Object import paths, or NAME=REF.")] = None,
    agents_file: Annotated[Path | None, typer.Option(
        help="An agents.toml of your own (default: the packaged one).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Parallel processes (or Ray CPUs).")] = 2,
    backend: Annotated[str, typer.Option(help="process or ray.")] = "process",
    llm: Annotated[str | None, typer.Option(
        help="LLM back-end given as backend= to every agent that takes one.")] = None,
    grpo_checkpoint: Annotated[Path | None, typer.Option(
        help="Trained structured GRPO policy; without it the run trains one.")] = None,
    resume: Annotated[bool, typer.Option(help="Skip pairs with a valid result.")] = True,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
    verbose: VerboseOpt = False,
) -> None:
    """Play every agent on every suite, then write LEADERBOARD.md, index.html and plots."""
    quiet_libraries(verbose)
    from leaderboard.preflight import check_agents, check_suites, choose_agents
    from leaderboard.report import write_report
    from leaderboard.runner import BACKENDS, run_leaderboard

    if backend not in BACKENDS:
        fail(f"--backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    chosen = _pick_suites(suites, suites_only)
    config, names = choose_agents(agents_file, _split(agents))
    check_agents(names, config)
    check_suites(chosen)
    start = time.perf_counter()
    if "grpo" in names and grpo_checkpoint is None:
        typer.echo(f"GRPO policy: training into {out / 'grpo-structured'} (or reusing what "
                   "is there); pass --grpo-checkpoint DIR to skip this")
    from leaderboard.agents import agent_specs

    specs, notes = agent_specs(names, config, llm=llm, grpo_checkpoint=grpo_checkpoint,
                               grpo_dir=out / "grpo-structured")
    outcomes = run_leaderboard(specs, chosen, out / "results", workers=workers,
                               backend=backend, resume=resume, progress=progress)
    notes += _outcome_notes(outcomes)
    report = write_report(out, notes=notes, agents=[s.name for s in specs],
                          suites=[s.name for s in chosen], agent_config=config)
    counts = {k: sum(o.status == k for o in outcomes)
              for k in ("ok", "cached", "failed", "skipped")}
    typer.echo(f"{len(outcomes)} pairs in {time.perf_counter() - start:.0f}s: "
               + ", ".join(f"{v} {k}" for k, v in counts.items()))
    for note in dict.fromkeys(o.note for o in outcomes if o.status == "skipped"):
        typer.echo(f"skipped: {note}")
    typer.echo(f"report: {report.markdown}, {report.html}, {len(report.plots)} plots")
    if counts["failed"]:
        typer.echo(f"{counts['failed']} pairs failed; their reasons are in the report's "
                   "notes", err=True)
        raise typer.Exit(1)


@leaderboard_app.command()
def show(
    out: Annotated[Path, typer.Option(
        help="Run folder (default: the committed leaderboard).")] = COMMITTED,
    results: Annotated[Path | None, typer.Option(
        help="Results folder (default: OUT/results).")] = None,
) -> None:
    """Print the leaderboard tables (of the committed leaderboard by default)."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table as RichTable

    from leaderboard.names import one_line
    from leaderboard.tables import all_tables, load_board

    folder = results or out / "results"
    board = load_board(folder)
    if not board.results:
        fail(f"no valid results in {folder}; run `agemem leaderboard run` first")
    console = Console()
    for table in all_tables(board):
        shown = RichTable(title=escape(table.title), caption=escape(table.caption) or None)
        for k, column in enumerate(table.header):
            shown.add_column(escape(column), justify="left" if k == 0 else "right")
        for row in table.rows:
            shown.add_row(*(escape(one_line(cell)) for cell in row))
        console.print(shown)
    for note in board.notes:
        console.print(f"note: {escape(one_line(note))}")


@leaderboard_app.command()
def verify(
    files: Annotated[list[Path], typer.Argument(help="Result files or results folders.")],
    suites: SuitesOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Replay result files: rebuild each episode's env from its suite and seed, play its
    recorded actions, and compare every number. Exit code 1 if any file fails."""
    quiet_libraries(verbose)
    from leaderboard.results import ResultError, read_result
    from leaderboard.verify import verify_result

    known = _known_suites(suites)
    paths = _result_files(files)
    start, failed = time.perf_counter(), 0
    for path in paths:
        try:
            verdict = verify_result(read_result(path), known)
            problems = verdict.problems
        except ResultError as err:
            problems, verdict = [str(err)], None
        if problems:
            failed += 1
            _print_rejection(path, problems)
        else:
            typer.echo(f"verified: {path} ({verdict.episodes} episodes replayed in "
                       f"{verdict.seconds:.1f}s)")
    typer.echo(f"{len(paths) - failed} of {len(paths)} files verified in "
               f"{time.perf_counter() - start:.1f}s")
    if failed:
        raise typer.Exit(1)


@leaderboard_app.command()
def submit(
    file: Annotated[Path, typer.Argument(help="A result JSON file.")],
    out: OutOpt = DEFAULT_OUT,
    suites: SuitesOpt = None,
    replace: Annotated[str | None, typer.Option(
        help="Digest (12+ characters) of the result this one replaces.")] = None,
    verbose: VerboseOpt = False,
) -> None:
    """Verify a result file by replay and copy it into OUT/results (never over another
    result unless --replace names its digest)."""
    quiet_libraries(verbose)
    from leaderboard.submit import Rejected, file_result

    try:
        filed = file_result(file, out / "results", _known_suites(suites), replace)
    except Rejected as err:
        _print_rejection(file, err.problems)
        raise typer.Exit(1) from None
    replaced = f" (replaced {filed.replaced[:12]})" if filed.replaced else ""
    typer.echo(f"accepted: {file} -> {filed.target}{replaced}: {filed.verdict.episodes} "
               f"episodes replayed in {filed.verdict.seconds:.1f}s")


@leaderboard_app.command()
def report(out: OutOpt = DEFAULT_OUT) -> None:
    """Rewrite LEADERBOARD.md, index.html and the plots from OUT/results."""
    from leaderboard.agents import load_agent_config
    from leaderboard.report import write_report

    # The packaged agent list's order, as `run` uses it: both write the same report.
    config = load_agent_config()
    order = [config.grpo_name if name == "grpo" else name for name in config.agents]
    written = write_report(out, agents=order, agent_config=config)
    typer.echo(f"report: {written.markdown}, {written.html}, {len(written.plots)} plots")


def _print_rejection(path: Path, problems: list[str]) -> None:
    from leaderboard.names import one_line

    typer.echo(f"rejected: {path}:", err=True)
    for problem in problems:
        typer.echo(f"  - {one_line(problem)}", err=True)


def _result_files(items: list[Path]) -> list[Path]:
    paths = []
    for item in items:
        if item.is_dir():
            paths += sorted(item.glob("*.json"))
        elif item.is_file():
            paths.append(item)
        else:
            fail(f"{item}: no such file or folder")
    if not paths:
        fail(f"no result files in {', '.join(map(str, items))}")
    return paths


def _known_suites(dirs: list[Path] | None) -> dict:
    from leaderboard.suites import SuiteError, load_suites

    try:
        return load_suites(dirs)
    except SuiteError as err:
        fail(str(err))


def _pick_suites(dirs: list[Path] | None, only: list[str] | None) -> list:
    suites = _known_suites(dirs)
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
