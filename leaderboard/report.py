"""Reports of a leaderboard run: LEADERBOARD.md, the PNG plots and a static HTML page with
the same content, all from the result files of one folder."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from leaderboard.plots import write_plots
from leaderboard.tables import Board, Table, all_tables, load_board

MARKDOWN, HTML, PLOTS_DIR = "LEADERBOARD.md", "index.html", "plots"
_INTRO = ("Every (agent, suite) pair of this run: means over episodes with 95% confidence "
          "half-widths (normal approximation). Result files, with every episode and a digest, "
          "are in `results/`; check one with `agemem leaderboard submit FILE`.")


@dataclass(frozen=True)
class Report:
    """The files a report wrote."""

    markdown: Path
    html: Path
    plots: list[Path]


def write_report(out_dir: Path, results_dir: Path | None = None, notes: list[str] | None = None,
                 agents: list[str] | None = None, suites: list[str] | None = None) -> Report:
    """Write LEADERBOARD.md, index.html and plots/*.png into ``out_dir`` from the results
    in ``results_dir`` (default ``out_dir/results``); ``notes`` (skipped suites, failed
    pairs) are listed at the end."""
    out_dir = Path(out_dir)
    board = load_board(results_dir or out_dir / "results", agents, suites)
    board.notes = [*(notes or []), *board.notes]
    plots = write_plots(board, out_dir / PLOTS_DIR)
    tables = all_tables(board)
    md = out_dir / MARKDOWN
    md.write_text(markdown(board, tables, plots, out_dir), encoding="utf-8")
    page = out_dir / HTML
    page.write_text(html_page(board, tables, plots, out_dir), encoding="utf-8")
    return Report(md, page, plots)


def markdown(board: Board, tables: list[Table], plots: list[Path], base: Path) -> str:
    """The report as Markdown: tables, figures, notes."""
    parts = ["# AgeMem-Gym leaderboard", "", _INTRO, ""]
    if not board.results:
        parts += ["No valid results yet.", ""]
    for table in tables if board.results else []:
        parts += [f"## {table.title}", ""]
        parts.append("| " + " | ".join(table.header) + " |")
        parts.append("|" + "|".join(["---"] + ["---:"] * (len(table.header) - 1)) + "|")
        parts += ["| " + " | ".join(row) + " |" for row in table.rows]
        parts += ["", *([f"_{table.caption}_", ""] if table.caption else [])]
    if plots:
        parts += ["## Figures", ""]
        parts += [f"![{p.stem}]({p.relative_to(base).as_posix()})" for p in plots]
        parts.append("")
    if board.notes:
        parts += ["## Notes", "", *(f"- {_one_line(n)}" for n in board.notes), ""]
    return "\n".join(parts)


def html_page(board: Board, tables: list[Table], plots: list[Path], base: Path) -> str:
    """The same content as a standalone HTML page (figures linked relatively)."""
    esc = html.escape
    body = [f"<h1>AgeMem-Gym leaderboard</h1><p>{esc(_INTRO)}</p>"]
    if not board.results:
        body.append("<p>No valid results yet.</p>")
    for table in tables if board.results else []:
        head = "".join(f"<th>{esc(h)}</th>" for h in table.header)
        rows = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>"
                       for row in table.rows)
        caption = f"<p class='caption'>{esc(table.caption)}</p>" if table.caption else ""
        body.append(f"<h2>{esc(table.title)}</h2><table><thead><tr>{head}</tr></thead>"
                    f"<tbody>{rows}</tbody></table>{caption}")
    if plots:
        body.append("<h2>Figures</h2>" + "".join(
            f"<img src='{esc(p.relative_to(base).as_posix())}' alt='{esc(p.stem)}'>"
            for p in plots))
    if board.notes:
        body.append("<h2>Notes</h2><ul>" + "".join(
            f"<li>{esc(_one_line(n))}</li>" for n in board.notes) + "</ul>")
    style = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto}"
             "table{border-collapse:collapse;margin-bottom:.5em}"
             "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
             "td:first-child,th:first-child{text-align:left}"
             ".caption{font-style:italic;color:#555}img{max-width:100%;margin:1em 0}")
    return ("<!doctype html><html><head><meta charset='utf-8'>"
            f"<title>AgeMem-Gym leaderboard</title><style>{style}</style></head>"
            f"<body>{''.join(body)}</body></html>\n")


def _one_line(text: str) -> str:
    return " ".join(text.split("\n")[0].split())
