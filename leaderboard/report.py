"""Reports of a leaderboard run: LEADERBOARD.md, the PNG plots and a static HTML page with
the same content, all from the result files of one folder; wall-clock latency goes to
``timing/latency.md`` beside them (not committed: it differs on every run).

Every page states the rules (intervals, the ranking and averaging rule, what references
are), the provenance of its results (code commit and date, package version) and, in the
agents table, how each trained agent was trained.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from leaderboard.board import MIN_RANKED_EPISODES, Board, load_board
from leaderboard.discrimination import discrimination_table
from leaderboard.names import html_text, markdown_text, one_line
from leaderboard.plots import write_plots
from leaderboard.tables import REFERENCE_MARK, Table, all_tables, rank_labels
from leaderboard.timing import TIMING_DIR, read_timing

MARKDOWN, HTML, PLOTS_DIR = "LEADERBOARD.md", "index.html", "plots"
_RULES = (
    "Every (agent, suite) pair: means over episodes with the 95% Student-t interval "
    "(clipped to the metric's range) and n, the episodes scored, in every cell. Rank "
    "(`#`): by the answer score averaged over the suites where every entry has at least "
    f"{MIN_RANKED_EPISODES} episodes; smaller suites are shown but not averaged. "
    f"`{REFERENCE_MARK}` rows are references, never ranked: privileged agents read the gold "
    "task (upper bounds); floors show what no memory or random tool calls score. **Bold**: "
    "the best entry of each column. Result files in `results/` hold every episode and "
    "action; `agemem leaderboard verify results/` replays them and recomputes every number."
)


@dataclass(frozen=True)
class Report:
    """The files a report wrote."""

    markdown: Path
    html: Path
    plots: list[Path]


def write_report(out_dir: Path, results_dir: Path | None = None, notes: list[str] | None = None,
                 agents: list[str] | None = None, suites: list[str] | None = None,
                 agent_config: object | None = None,
                 extra_tables: list[Callable[[Board], Table]] | None = None) -> Report:
    """Write LEADERBOARD.md, index.html and plots/*.png into ``out_dir`` from the results
    in ``results_dir`` (default ``out_dir/results``).

    Args:
        notes: Skipped suites and failed pairs, listed at the end.
        agents, suites: The run's order (ties in the ranking keep it).
        agent_config: The ``AgentConfig`` whose ``references`` name the floors (default:
            the packaged agent list).
        extra_tables: More table builders, shown after the score tables and the per-suite
            discrimination table.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    results_dir = Path(results_dir or out_dir / "results")
    board = load_board(results_dir, agents, suites, _references(agent_config))
    board.notes = [*(notes or []), *board.notes]
    plots = write_plots(board, out_dir / PLOTS_DIR)
    tables = all_tables(board, [discrimination_table, *(extra_tables or [])])
    md = out_dir / MARKDOWN
    md.write_text(markdown(board, tables, plots, out_dir), encoding="utf-8")
    page = out_dir / HTML
    page.write_text(html_page(board, tables, plots, out_dir), encoding="utf-8")
    write_latency(board, results_dir, out_dir / TIMING_DIR / "latency.md")
    return Report(md, page, plots)


def provenance(board: Board) -> str:
    """Where the results come from, one line of Markdown."""
    seen = sorted({(r["provenance"]["commit"] or "unknown", r["provenance"]["commit_date"]
                    or "unknown date", bool(r["provenance"]["code_dirty"]),
                    r["package_version"]) for r in board.results.values()})
    if not seen:
        return "No results."
    parts = [f"commit `{c[:12]}` ({d[:10]}){' with uncommitted code changes' if dirty else ''}"
             f", agemem-gym {v}" for c, d, dirty, v in seen]
    return "Results made by code at " + "; ".join(parts) + "."


def markdown(board: Board, tables: list[Table], plots: list[Path], base: Path) -> str:
    """The report as Markdown: rules, provenance, tables, figures, notes."""
    parts = ["# AgeMem-Gym leaderboard", "", _RULES, "", provenance(board), ""]
    if not board.results:
        parts += ["No valid results yet.", ""]
    for table in tables if board.results else []:
        parts += [f"## {table.title}", ""]
        parts.append("| " + " | ".join(markdown_text(h) for h in table.header) + " |")
        parts.append("|" + "|".join(["---"] * table.labels
                                    + ["---:"] * (len(table.header) - table.labels)) + "|")
        for i, row in enumerate(table.rows):
            cells = [markdown_text(c) for c in row]
            cells = [f"**{c}**" if (i, j) in table.best else c for j, c in enumerate(cells)]
            parts.append("| " + " | ".join(cells) + " |")
        parts += ["", *([f"_{table.caption}_", ""] if table.caption else [])]
    if plots:
        parts += ["## Figures", ""]
        parts += [f"![{p.stem}]({p.relative_to(base).as_posix()})" for p in plots]
        parts.append("")
    if board.notes:
        parts += ["## Notes", "", *(f"- {markdown_text(n)}" for n in board.notes), ""]
    return "\n".join(parts)


def html_page(board: Board, tables: list[Table], plots: list[Path], base: Path) -> str:
    """The same content as a standalone HTML page (figures linked relatively; a figure
    that does not load says so in place)."""
    body = [f"<h1>AgeMem-Gym leaderboard</h1><p>{inline_markdown(_RULES)}</p>"
            f"<p class='provenance'>{inline_markdown(provenance(board))}</p>"]
    if not board.results:
        body.append("<p>No valid results yet.</p>")
    for table in tables if board.results else []:
        body.append(_html_table(table))
    if plots:
        body.append("<h2>Figures</h2>" + "".join(
            f"<figure><img src='{html.escape(p.relative_to(base).as_posix())}' "
            f"alt='{html.escape(p.stem)}' onload=\"this.dataset.loaded='yes'\" "
            f"onerror=\"this.dataset.loaded='no';this.alt='missing figure: '+this.alt\">"
            f"<figcaption>{html.escape(p.stem)}</figcaption></figure>" for p in plots))
    if board.notes:
        body.append("<h2>Notes</h2><ul>" + "".join(
            f"<li>{html_text(n)}</li>" for n in board.notes) + "</ul>")
    style = ("body{font-family:sans-serif;max-width:1200px;margin:2em auto}"
             "table{border-collapse:collapse;margin-bottom:.5em}"
             "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
             "td.label,th.label{text-align:left}tr.reference td{color:#666;background:#f4f4f4}"
             "td.best{font-weight:bold;background:#eef6ee}code{background:#f2f2f2}"
             ".caption{font-style:italic;color:#555}img{max-width:100%;margin:1em 0}")
    return ("<!doctype html><html><head><meta charset='utf-8'>"
            f"<title>AgeMem-Gym leaderboard</title><style>{style}</style></head>"
            f"<body>{''.join(body)}</body></html>\n")


def _html_table(table: Table) -> str:
    head = "".join(f"<th{_label(j, table)}>{html_text(h)}</th>"
                   for j, h in enumerate(table.header))
    rows = []
    for i, row in enumerate(table.rows):
        cells = []
        for j, cell in enumerate(row):
            classes = (["label"] if j < table.labels else []) + (
                ["best"] if (i, j) in table.best else [])
            attr = f" class='{' '.join(classes)}'" if classes else ""
            cells.append(f"<td{attr}>{html_text(cell)}</td>")
        kind = "reference" if table.header[0] == "#" and row[0] == REFERENCE_MARK else "entry"
        rows.append(f"<tr class='{kind}'>{''.join(cells)}</tr>")
    caption = f"<p class='caption'>{inline_markdown(table.caption)}</p>" if table.caption \
        else ""
    return (f"<h2>{html_text(table.title)}</h2><table><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>{caption}")


def _label(column: int, table: Table) -> str:
    return " class='label'" if column < table.labels else ""


def inline_markdown(text: str) -> str:
    """The inline Markdown our own texts use (`code`, **bold**) as HTML, the rest escaped.

    >>> inline_markdown("run `agemem` **now** <x>")
    'run <code>agemem</code> <strong>now</strong> &lt;x&gt;'
    """
    escaped = html.escape(one_line(text), quote=False)
    escaped = re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)
    return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", escaped)


def write_latency(board: Board, results_dir: Path, path: Path) -> Path | None:
    """Per-episode latency p50/p95 per pair, from the timing files (wall-clock on the
    machine that ran it; kept out of the committed reports)."""
    from leaderboard.runner import result_path

    rows = []
    for labels, agent in zip(rank_labels(board), board.agents, strict=True):
        cells = []
        for suite in board.suites:
            timing = read_timing(result_path(results_dir, agent, suite))
            cells.append("-" if not timing or timing.get("latency_p50_s") is None else
                         f"{timing['latency_p50_s']:.2f} / {timing['latency_p95_s']:.2f}")
        rows.append([*labels, *cells])
    if not any(c != "-" for row in rows for c in row[2:]):
        return None
    lines = ["# Latency per episode, seconds (p50 / p95)", "",
             "| # | agent | " + " | ".join(markdown_text(s) for s in board.suites) + " |",
             "|---|---|" + "---:|" * len(board.suites)]
    lines += ["| " + " | ".join(markdown_text(c) for c in row) + " |" for row in rows]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _references(agent_config: object | None) -> dict[str, str]:
    if agent_config is None:
        from leaderboard.agents import load_agent_config

        agent_config = load_agent_config()
    return dict(getattr(agent_config, "references", {}))
