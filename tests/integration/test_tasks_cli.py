"""``agemem tasks`` as a person would use it, on the synthetic source."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from agemem_env.cli.tasks import tasks_app


def _invoke(*args: str):
    return CliRunner().invoke(tasks_app, list(args), terminal_width=160)


def test_show_prints_n_tasks():
    result = _invoke("show", "synthetic", "--n", "2", "--seed", "4")
    assert result.exit_code == 0, result.output
    assert result.output.count("id: synthetic-") == 2
    assert result.output.count("question: ") == 2
    assert "Traceback" not in result.output
    assert _invoke("show", "synthetic", "--n", "2", "--seed", "4").output == result.output
    assert _invoke("show", "synthetic", "--n", "2", "--seed", "5").output != result.output


def test_stats_prints_counts():
    result = _invoke("stats", "synthetic", "--limit", "12")
    assert result.exit_code == 0, result.output
    for word in (
        "Tasks: synthetic",
        "synthetic",
        "12",
        "kind",
        "Per task",
        "median",
        "Stage-1 information turns",
        "tokens in the Stage-1 turns",
    ):
        assert word in result.output, word


@pytest.mark.parametrize(
    "args",
    [
        ("show", "no-such-source"),
        ("stats", "no-such-source"),
        ("show", "synthetic", "--split", "train"),  # split does not apply to synthetic
        ("stats", "hotpotqa", "--path", "/no/such/file.json"),
    ],
)
def test_bad_source_is_one_clean_line_and_exit_2(args):
    result = _invoke(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output


def test_mounts_as_a_sub_app():
    app = typer.Typer()
    app.add_typer(tasks_app, name="tasks")

    @app.command()
    def other() -> None:  # a second command, as the real agemem app has
        """Do nothing."""

    result = CliRunner().invoke(app, ["tasks", "show", "synthetic", "--n", "1"])
    assert result.exit_code == 0, result.output
    assert result.output.count("id: synthetic-") == 1
