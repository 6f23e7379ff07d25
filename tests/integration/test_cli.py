"""The agemem command line, as a person would use it: info, help texts, play."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from agemem_env.actions.text import parse_completion
from agemem_env.cli import info_tables, to_completion
from agemem_env.envs.registration import EMBODIED_IDS, ENV_IDS
from agemem_env.rewards import PRESETS
from agemem_env.scoring.registry import make_judge, make_memory_scorer
from agents.registry import AGENTS
from leaderboard.main import app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _commands(command, path=()):
    """(path, command) for every leaf command of the root app."""
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            yield from _commands(sub, (*path, name))
    else:
        yield path, command


def test_info_lists_envs_agents_presets_judges_embedders_and_suites():
    result = CliRunner().invoke(app, ["info"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    for word in (*ENV_IDS, *EMBODIED_IDS, *AGENTS, *PRESETS, "grpo:DIR", "Filter_context",
                 "confirmation*", "context/compression", *info_tables.JUDGES,
                 *info_tables.MEMORY_SCORERS, "minilm", "hashing", "long-horizon",
                 "hotpotqa", "locomo"):
        assert word in result.output, word
    # The weights table: paper_code's task weight is 0.5, answer_only's context weight 0.
    task_row = next(line for line in result.output.splitlines() if line.startswith("│ task "))
    assert "0.50" in task_row


def test_info_names_are_the_ones_the_env_accepts():
    for name in info_tables.JUDGES:
        make_judge(name)
    for name in info_tables.MEMORY_SCORERS:
        make_memory_scorer(name, embedder=None)
    assert {suite.stem for suite in info_tables.suite_files()} >= {"knowledge-updates",
                                                                   "hotpotqa"}


def test_every_option_of_every_command_has_help():
    missing = [(" ".join(path), param.opts) for path, command in
               _commands(typer.main.get_command(app)) for param in command.params
               if param.param_type_name == "option" and not param.help]
    assert missing == []


def test_eval_help_lists_the_agents():
    result = CliRunner().invoke(app, ["eval", "--help"], env={"COLUMNS": "250"})
    assert result.exit_code == 0
    flat = " ".join(result.output.replace("│", " ").split())
    for name in AGENTS:
        assert name in flat, name


def test_shortcuts_become_parseable_completions():
    parsed = parse_completion(to_completion("/update mem_2 User now likes blues"))
    assert parsed.calls[0].name == "Update_memory"
    assert parsed.calls[0].arguments == {"memory_id": "mem_2", "content": "User now likes blues"}
    assert parse_completion(to_completion("/answer Porto")).answer == "Porto"
    assert parse_completion(to_completion("/act go forward")).calls[0].arguments == {
        "command": "go forward"}
    assert to_completion("<answer>raw</answer>") == "<answer>raw</answer>"


def _play(*args: str, lines: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "agemem_env.cli", "play", "--embedder", "hashing", *args],
        input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=120,
    )


def test_play_a_whole_episode_by_typing():
    proc = _play("--seed", "1", lines=[
        "/add Dana works at Veltrix Labs",
        "/bogus",
        "/answer ok",            # ends stage 1
        "/filter football",
        "/answer done",          # ends stage 2
        "/retrieve Dana",
        "/answer Porto",
    ])
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "stored as mem_1" in out
    assert "unknown shortcut" in out
    assert "episode over: answer 'Porto'" in out and "REWARD TERMS" in out
    # The status line and the prompt count the round being played alike, from 1.
    assert "Stage 1 (memory construction), round 1 of 5" in out
    assert "round 0" not in out
    for number in (1, 2):
        assert f"round {number} of 5" in out and f"stage 1 round {number}>" in out
    # Turns that arrive together are shown one by one, a blank line between them.
    block = out.split("new turns (")[1].split("stage 1 round 2>")[0]
    assert block.count("  [information] ") == int(block.split(")")[0]) >= 2
    assert "\n\n  [information] " in block


def test_play_explains_the_total():
    proc = _play("--seed", "1", lines=["/answer a", "/answer b", "/answer Porto"])
    assert proc.returncode == 0, proc.stderr
    why = proc.stdout.split("why (reward preset paper")[1].splitlines()
    rows = {line.split()[0]: line.split() for line in why[2:] if line.strip()}
    assert set(rows) >= {"task", "context", "memory", "tool", "penalty", "total"}
    adds = sum(float(rows[t][3]) for t in ("task", "context", "memory", "tool", "penalty"))
    assert adds == pytest.approx(float(rows["total"][1]), abs=0.003)
    assert "compression" in " ".join(rows["context"])


def test_play_takes_tasks_and_env_kwargs_as_eval_does():
    proc = _play("--tasks", "hotpotqa", "--tasks-path", str(FIXTURES / "hotpotqa_official.json"),
                 "--env-kwarg", "rounds_per_stage=2", "--token-budget", "4096",
                 lines=["/answer a", "/answer b", "/answer c"])
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"round 1 of 2 \| context \d+/4096 tokens", proc.stdout)
    assert "episode over" in proc.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["--env", "AgeMem-Foo-v0"], "choose one of AgeMem-Stage1-v0"),
    (["--env-kwarg", "foo=1"], "has no option 'foo'"),
    (["--embedder", "minilm2"], "unknown embedder 'minilm2'"),
    (["--tasks", "trivia"], "unknown task source"),
    (["--env", "AgeMem-BabyAI-v0", "--tasks", "hotpotqa"], "do not apply"),
])
def test_play_mistakes_are_one_line(args, message):
    proc = _play(*args, lines=[])
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1, proc.stderr
    assert message in proc.stderr
