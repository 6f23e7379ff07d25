"""Reports: LEADERBOARD.md, index.html and PNG plots from a results folder, and `show`:
ranked rows, references apart, n and t intervals in every cell, the averaging rule,
custom suites labelled, provenance, best entries marked, names escaped, timing apart."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leaderboard import cli
from leaderboard.board import MIN_RANKED_EPISODES
from leaderboard.main import app
from leaderboard.report import inline_markdown, write_report
from leaderboard.results import AgentSpec
from leaderboard.runner import run_pair
from leaderboard.suites import Suite
from leaderboard.tables import COUNT, load_board, stat

BIG = MIN_RANKED_EPISODES  # enough episodes to enter the average
SUITES = [Suite.from_dict({"name": name, "episodes": episodes, "embedder": "hashing",
                           "tasks": {"source": "synthetic", "config": config}})
          for name, episodes, config in (("static", BIG, {"num_updates": 0}),
                                         ("changing", 2, {"num_updates": 2}))]
AGENTS = [AgentSpec("heuristic", "heuristic"), AgentSpec("no-memory", "no-memory"),
          AgentSpec("oracle", "oracle"), AgentSpec("rag", "rag"),
          AgentSpec("broken", "no-such-agent")]
REFERENCES = {"no-memory": "floor: stores nothing"}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("board")
    for suite in SUITES:
        for agent in AGENTS:
            run_pair(agent, suite, out / "results")
    return out


@pytest.fixture(scope="module")
def report(run_dir):
    class Config:
        references = REFERENCES

    return write_report(run_dir, notes=["suite locomo: skipped (data absent)"],
                        agent_config=Config())


def test_board_ranks_entries_and_sets_references_apart(run_dir):
    board = load_board(run_dir / "results", references=REFERENCES)
    assert set(board.suites) == {"static", "changing"}
    assert board.ranked_suites == ["static"]  # "changing" has 2 episodes per cell
    assert board.references.keys() == {"oracle", "no-memory"}
    assert "privileged" in board.references["oracle"]
    entries = board.entries()
    assert set(entries) == {"heuristic", "rag"}
    averages = [board.average(a) for a in entries]
    assert averages == sorted(averages, reverse=True)
    assert board.agents[len(entries):] == [a for a in board.agents if a in board.references]
    assert board.custom == {"static", "changing"}  # not packaged suites
    assert any("broken" in note and "failed" in note for note in board.notes)


def test_markdown_states_rules_provenance_and_marks(report, run_dir):
    text = report.markdown.read_text()
    for title in ("Answer score per benchmark", "Memory quality", "Prompt tokens",
                  "Tool usage", "Agents", "own LLM calls"):
        assert title in text
    assert "Student-t" in text and f"at least {MIN_RANKED_EPISODES} episodes" in text
    assert re.search(r"commit `[0-9a-f]{12}` \(\d{4}-\d\d-\d\d\)", text)
    assert "static (custom)" in text and "suite locomo: skipped" in text
    score = text.split("## Answer score per benchmark")[1].split("##")[0]
    rows = [line for line in score.splitlines() if line.startswith("| ")][1:]
    assert rows[0].startswith("| 1 |") and rows[1].startswith("| 2 |")
    assert all(row.startswith("| ref |") for row in rows[2:]) and len(rows) == 4
    assert f"n={BIG}" in rows[0] and "n=2" in rows[0]
    assert "**" in rows[0] and "**" not in rows[-1]  # best entry bold, references never
    assert "Latency" not in text  # wall-clock: in timing/, not in the committed report
    assert "Latency" in (run_dir / "timing" / "latency.md").read_text()


def test_html_has_the_same_content_with_markdown_rendered(report):
    page = report.html.read_text()
    assert "<table>" in page and "plots/scores.png" in page
    assert "<code>results/</code>" in page and "`" not in page.split("<body>")[1]
    assert "<tr class='reference'>" in page and "class='best'" in page
    assert len(report.plots) == 3
    for png in report.plots:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_rewritten_report_of_the_same_results_is_byte_identical(report, run_dir, tmp_path):
    first = {p: p.read_bytes() for p in [report.markdown, report.html, *report.plots]}

    class Config:
        references = REFERENCES

    again = write_report(run_dir, notes=["suite locomo: skipped (data absent)"],
                         agent_config=Config())
    assert {p: p.read_bytes() for p in [again.markdown, again.html, *again.plots]} == first


def test_show_prints_the_tables(run_dir):
    done = CliRunner().invoke(app, ["leaderboard", "show", "--out", str(run_dir)])
    assert done.exit_code == 0, done.output
    assert "Answer score per benchmark" in done.output and "heuristic" in done.output


def test_show_reads_the_committed_leaderboard_by_default(run_dir, monkeypatch):
    assert cli.COMMITTED == Path(cli.__file__).resolve().parent  # leaderboard/
    monkeypatch.setattr(cli, "COMMITTED", run_dir)
    monkeypatch.setattr(cli.show, "__defaults__", (run_dir, None))
    done = CliRunner().invoke(app, ["leaderboard", "show"])
    assert done.exit_code == 0 and "heuristic" in done.output


def test_show_without_results_is_a_clear_error(tmp_path):
    done = CliRunner().invoke(app, ["leaderboard", "show", "--out", str(tmp_path)])
    assert done.exit_code == 2 and "no valid results" in done.output


def test_stat_shows_the_interval_and_n():
    assert stat({"mean": 12.0, "ci95": 1.5, "n": 3}, digits=0, bounds=COUNT) == "12 [10, 14] n=3"
    assert stat({"mean": 0.9, "ci95": 0.5, "n": 3}) == "0.900 [0.400, 1.000] n=3"
    assert stat({"mean": 0.5, "ci95": None, "n": 1}) == "0.500 n=1"


def test_inline_markdown_escapes_everything_else():
    assert inline_markdown("<script>`x`") == "&lt;script&gt;<code>x</code>"
