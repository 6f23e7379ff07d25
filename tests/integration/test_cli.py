"""The agemem command line, as a person would use it."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from agemem_env.actions.text import parse_completion
from agemem_env.cli import to_completion
from leaderboard.main import app


def test_info_lists_ids_tools_and_presets():
    result = CliRunner().invoke(app, ["info"], terminal_width=200)
    assert result.exit_code == 0, result.output
    for word in ("AgeMem-Stage1-v0", "AgeMem-Stage3-v0", "Filter_context", "paper_code",
                 "answer_only", "confirmation*"):
        assert word in result.output


def test_shortcuts_become_parseable_completions():
    parsed = parse_completion(to_completion("/update mem_2 User now likes blues"))
    assert parsed.calls[0].name == "Update_memory"
    assert parsed.calls[0].arguments == {"memory_id": "mem_2", "content": "User now likes blues"}
    assert parse_completion(to_completion("/answer Porto")).answer == "Porto"
    assert to_completion("<answer>raw</answer>") == "<answer>raw</answer>"


def test_play_a_whole_episode_by_typing():
    lines = [
        "/add Dana works at Veltrix Labs",
        "/bogus",
        "/answer ok",            # ends stage 1
        "/filter football",
        "/answer done",          # ends stage 2
        "/retrieve Dana",
        "/answer Porto",
    ]
    proc = subprocess.run(
        [sys.executable, "-m", "agemem_env.cli", "play", "--seed", "1", "--embedder", "hashing"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "stored as mem_1" in proc.stdout
    assert "unknown shortcut" in proc.stdout
    assert "episode over" in proc.stdout and "'Porto'" in proc.stdout
    assert "REWARD TERMS" in proc.stdout
