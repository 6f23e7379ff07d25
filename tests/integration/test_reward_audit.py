"""The reward red team: under the default preset no wrong answer beats a right one; under
the paper's equations the ritual does (why the default exists)."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import pytest
from typer.testing import CliRunner

from agemem_env.rewards.audit import run_audit
from agemem_env.rewards.red_team import POLICIES, RED_TEAM, Script
from leaderboard.main import app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _audit(preset: str, seeds, **kwargs):
    def make():
        return gym.make("AgeMem-Stage3-v0", embedder="hashing", reward_preset=preset, **kwargs)
    return run_audit(make, seeds, task_indices="tasks" in kwargs)


def test_no_red_team_policy_reaches_a_right_answer_under_the_default() -> None:
    report = _audit("grounded", range(12))
    assert report.ok, report.violations[:5]
    bar = report.runs["correct-no-tools"].totals
    oracle = report.runs["oracle-memory"].totals
    assert all(o > b for o, b in zip(oracle, bar, strict=True))  # memory work pays, if right
    assert {run.name for run in report.runs.values() if run.red_team} == {
        p.name for p in RED_TEAM}


def test_the_default_holds_on_dataset_tasks_too() -> None:
    report = _audit("grounded", range(3), tasks="hotpotqa",
                    tasks_path=str(FIXTURES / "hotpotqa_official.json"))
    assert report.ok, report.violations[:5]


def test_under_the_paper_equations_the_ritual_beats_a_right_answer() -> None:
    report = _audit("paper", range(3))
    assert any(v.startswith("seed 0: ritual") for v in report.violations)


def test_every_policy_plays_without_format_errors(make_env) -> None:
    env = make_env()
    for name, policy in POLICIES.items():
        obs, info = env.reset(seed=5)
        script: Script = policy(env.unwrapped.task)
        done = False
        while not done:
            obs, _, terminated, truncated, info = env.step(script.act(obs, info))
            done = terminated or truncated
        assert info["parse_errors"] == 0, name


@pytest.mark.parametrize(("preset", "code"), [("grounded", 0), ("paper", 1)])
def test_the_cli_exits_non_zero_on_a_violation(preset: str, code: int) -> None:
    done = CliRunner().invoke(app, ["reward", "audit", "--preset", preset, "--seeds", "2"])
    assert done.exit_code == code, done.output
    assert "ritual" in done.output


def test_the_cli_names_a_bad_preset_in_one_line() -> None:
    done = CliRunner().invoke(app, ["reward", "audit", "--preset", "nope"])
    assert done.exit_code == 2 and "unknown reward preset 'nope'" in done.output
