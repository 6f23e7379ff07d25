"""Reports: LEADERBOARD.md, index.html and PNG plots from a results folder, and `show`."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from leaderboard.main import app
from leaderboard.report import write_report
from leaderboard.results import AgentSpec
from leaderboard.runner import run_pair
from leaderboard.suites import Suite
from leaderboard.tables import load_board, stat

SUITES = [Suite.from_dict({"name": name, "episodes": 2, "embedder": "hashing",
                           "tasks": {"source": "synthetic", "config": config}})
          for name, config in (("static", {"num_updates": 0}), ("changing", {"num_updates": 2}))]
AGENTS = [AgentSpec("heuristic", "heuristic", {}), AgentSpec("no-memory", "no-memory", {}),
          AgentSpec("broken", "no-such-agent", {})]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("board")
    for suite in SUITES:
        for agent in AGENTS:
            run_pair(agent, suite, out / "results")
    return out


def test_board_keeps_valid_results_and_notes_failures(run_dir):
    board = load_board(run_dir / "results")
    assert set(board.agents) == {"heuristic", "no-memory"}
    assert set(board.suites) == {"static", "changing"}
    assert any("broken" in note and "failed" in note for note in board.notes)


def test_report_writes_markdown_html_and_pngs(run_dir):
    report = write_report(run_dir, notes=["suite locomo: skipped (data absent)"])
    text = report.markdown.read_text()
    for title in ("Answer score per benchmark", "Memory quality", "Prompt tokens",
                  "Tool usage", "Latency"):
        assert title in text
    assert "| heuristic |" in text and "suite locomo: skipped" in text
    page = report.html.read_text()
    assert "<table>" in page and "Tool usage" in page and "plots/scores.png" in page
    assert len(report.plots) == 3
    for png in report.plots:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_show_prints_the_tables(run_dir):
    done = CliRunner().invoke(app, ["leaderboard", "show", "--out", str(run_dir)])
    assert done.exit_code == 0, done.output
    assert "Answer score per benchmark" in done.output and "heuristic" in done.output


def test_show_without_results_is_a_clear_error(tmp_path):
    done = CliRunner().invoke(app, ["leaderboard", "show", "--out", str(tmp_path)])
    assert done.exit_code == 2 and "no valid results" in done.output


def test_stat_formats_mean_and_ci():
    assert stat({"mean": 12.0, "ci95": 1.5, "n": 3}, digits=0) == "12 ± 2"
