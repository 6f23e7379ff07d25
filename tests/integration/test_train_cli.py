"""``agemem train``: where outputs go by default, and how results are printed."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from leaderboard.main import app


def _grpo_run(folder, rewards):
    folder.mkdir(parents=True)
    with (folder / "metrics.jsonl").open("w") as stream:
        for update, reward in enumerate(rewards):
            stream.write(json.dumps({"update": update, "rollout/reward": reward,
                                     "loss/kl": 0.001 * update}) + "\n")


def test_compare_writes_under_runs_and_prints_rounded_numbers(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _grpo_run(tmp_path / "a", [0.1234567891, 0.98765432101, 1.6, 1.6, 1.6, 1.6])
    _grpo_run(tmp_path / "b", [0.3333333333333])
    result = CliRunner().invoke(app, ["train", "compare", "--run", "scratch=a", "--run",
                                      "warm=b", "--reward", "1.5"])
    assert result.exit_code == 0, result.output
    assert "scratch: 6 updates, last reward 1.600; reaches 1.5 at update" in result.output
    assert "warm: 1 updates, last reward 0.333; reaches 1.5 at update - (never)" \
        in result.output
    assert "0.3333333" not in result.output
    assert (tmp_path / "runs" / "curves.png").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "runs"]


def test_export_writes_under_runs_by_default(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["train", "export", "--episodes", "1", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "runs" / "expert.jsonl").is_file()
    assert "examples in runs/expert.jsonl" in result.output
