"""The leaderboard's agent list: defaults, --llm back-ends, and the GRPO policy hook."""

from __future__ import annotations

from pathlib import Path

import pytest

from leaderboard import agents as lb_agents
from leaderboard.agents import AgentConfig, accepts_backend, agent_specs, load_agent_config

CONFIG = AgentConfig(("heuristic", "llm", "grpo"))


def test_default_list_has_every_baseline_and_the_trained_policy():
    names = load_agent_config().agents
    for name in ("oracle", "heuristic", "no-memory", "random", "rag", "mem0", "mem0g", "amem",
                 "langmem", "grpo"):
        assert name in names


def test_llm_backend_goes_only_to_agents_that_take_one(tmp_path):
    assert accepts_backend("llm") and not accepts_backend("heuristic")
    specs, _ = agent_specs(["heuristic", "llm"], CONFIG, llm="scripted")
    assert [s.kwargs for s in specs] == [{}, {"backend": "scripted"}]
    assert [s.name for s in specs] == ["heuristic", "llm@scripted"]


def test_grpo_checkpoint_given_is_used_as_is(tmp_path):
    specs, notes = agent_specs(["grpo"], CONFIG, grpo_checkpoint=tmp_path)
    assert notes == [] and specs[0].registry == f"grpo:{tmp_path}"
    assert specs[0].name == "grpo-structured"


def test_grpo_without_trainer_is_skipped_with_a_reason(tmp_path, monkeypatch):
    monkeypatch.setattr(lb_agents, "_trainer_available", lambda: False)
    specs, notes = agent_specs(["heuristic", "grpo"], CONFIG, grpo_dir=tmp_path / "grpo")
    assert [s.name for s in specs] == ["heuristic"]
    assert "grpo-structured: skipped" in notes[0] and "trainer" in notes[0]


def test_grpo_training_failure_is_a_note(tmp_path, monkeypatch):
    monkeypatch.setattr(lb_agents, "_trainer_available", lambda: True)

    class Done:
        returncode = 3

    def fake_run(command, stdout, **_):
        stdout.write("boom: no data\n")
        return Done()

    monkeypatch.setattr(lb_agents.subprocess, "run", fake_run)
    specs, notes = agent_specs(["grpo"], CONFIG, grpo_dir=Path(tmp_path / "grpo"))
    assert specs == [] and "training failed (exit 3" in notes[0] and "boom: no data" in notes[0]


@pytest.mark.slow  # one real (tiny) training run in a subprocess
def test_grpo_is_trained_once_then_reused(tmp_path):
    args = ("--policy", "structured", "--steps", "1", "--tasks-per-update", "1",
            "--group-size", "2", "--no-progress")
    config = AgentConfig(("grpo",), grpo_train_args=args)
    specs, notes = agent_specs(["grpo"], config, grpo_dir=tmp_path / "grpo")
    assert notes == [] and specs[0].registry == f"grpo:{tmp_path / 'grpo'}"
    stamp = (tmp_path / "grpo.log").stat().st_mtime_ns
    again, _ = agent_specs(["grpo"], config, grpo_dir=tmp_path / "grpo")
    assert again == specs and (tmp_path / "grpo.log").stat().st_mtime_ns == stamp


@pytest.mark.slow  # two real (tiny) training runs in subprocesses
def test_grpo_is_warm_started_by_behaviour_cloning_when_asked(tmp_path):
    import torch

    from agents.grpo.structured import StructuredPolicy

    args = ("--policy", "structured", "--steps", "1", "--tasks-per-update", "1",
            "--group-size", "2", "--no-progress")
    warm = ("--episodes", "2", "--epochs", "1", "--no-progress")
    config = AgentConfig(("grpo",), grpo_train_args=args, grpo_warm_start_args=warm)
    specs, notes = agent_specs(["grpo"], config, grpo_dir=tmp_path / "grpo")
    assert notes == [] and (tmp_path / "grpo-bc" / "bc.json").is_file()
    cloned = StructuredPolicy.load(tmp_path / "grpo-bc")
    trained = StructuredPolicy.load(tmp_path / "grpo" / "checkpoint" / "policy")
    # GRPO started from the clone: its frozen reference is the cloned network.
    for a, b in zip(cloned.net.parameters(), trained.reference.parameters(), strict=True):
        assert torch.equal(a, b)
