"""Stage-2 reminders: the env mixes a task's reminders among its distractors at seeded
positions, as information rather than distractors; tasks without reminders play as before."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from agemem_env.core import ToolCall
from agemem_env.envs.stages import mix_reminders
from agemem_env.tasks import Task

REMINDERS = (
    "As I said before, Veltrix Labs is headquartered in Porto.",
    "That reminds me of the days when Dana Ortiz was still working at Norvane Systems.",
)
DISTRACTORS = (
    "My cousin Dina Ortega works at Vertex Labs, which is based in Braga.",
    "Did you watch the football match yesterday?",
    "I burnt the toast again this morning.",
    "The lift in our building is broken again.",
    "Traffic this morning was a nightmare.",
    "I really need a haircut.",
)


@pytest.fixture
def reminded(small_task: Task) -> Task:
    return dataclasses.replace(small_task, distractors=DISTRACTORS, reminders=REMINDERS)


def _stage2(env, seed: int) -> list[tuple[str, str]]:
    """(text, kind) of the user messages Stage 2 shows (one round: all of them)."""
    env.reset(seed=seed)
    obs, *_ = env.step(ToolCall("Answer", {"text": "done"}))  # ends Stage 1
    assert obs["stage"] == 2
    return [(m.content, m.kind) for m in env.unwrapped.stm.messages if m.role == "user"]


def _env(make_env, task: Task, env_id: str = "AgeMem-Stage3-v0"):
    return make_env(env_id, tasks=[task], rounds_per_stage=1, action_mode="structured")


def test_reminders_appear_in_stage2_as_information(make_env, reminded: Task) -> None:
    shown = _stage2(_env(make_env, reminded), seed=3)
    assert sorted(shown) == sorted(
        [(d, "distractor") for d in DISTRACTORS] + [(r, "information") for r in REMINDERS]
    )


def test_a_reminder_of_the_current_value_is_no_noise(make_env, reminded: Task) -> None:
    env = _env(make_env, reminded, "AgeMem-Stage2-v0")
    _stage2(env, seed=1)
    messages = env.unwrapped.stm.messages
    # Noise is what supports no gold fact: the distractors, and the reminder of Dana's old
    # employer; the reminder that restates a gold fact is not noise.
    noise = sum(m.tokens for m in messages
                if m.kind == "distractor" or m.content == REMINDERS[1])
    assert env.unwrapped.ledger.noise_shown == noise
    # Level 2 scores the share of noise removed: filtering it all, and keeping the current
    # reminder, removes all of it. (One round per stage: this step ends the episode.)
    calls = [ToolCall("Filter_context", {"criteria": d}) for d in (*DISTRACTORS, REMINDERS[1])]
    *_, terminated, _, info = env.step(calls)
    users = [m.content for m in env.unwrapped.stm.messages if m.role == "user"]
    assert terminated and users == [REMINDERS[0]]
    assert info["reward_terms"]["task"] == pytest.approx(0.5)  # (memory F1 0 + removed 1) / 2


def test_a_summary_that_keeps_the_distractors_removed_none(make_env, reminded: Task) -> None:
    env = _env(make_env, reminded, "AgeMem-Stage2-v0")
    _stage2(env, seed=1)
    env.unwrapped.summariser = lambda texts: "Summary: " + " ".join(texts)  # relabels only
    *_, info = env.step(ToolCall("Summary_context", {"span": "all"}))
    assert [m.kind for m in env.unwrapped.stm.messages if m.role == "user"] == ["summary"]
    assert info["reward_terms"]["context/noise_removed"] == 0.0
    assert info["reward_terms"]["task"] == pytest.approx(0.0)


def test_reminder_positions_are_seeded(make_env, reminded: Task) -> None:
    env_a, env_b = _env(make_env, reminded), _env(make_env, reminded)
    positions = set()
    for seed in range(12):
        shown = _stage2(env_a, seed)
        assert shown == _stage2(env_b, seed)
        positions.add(tuple(k for k, (_, kind) in enumerate(shown) if kind == "information"))
    assert len(positions) > 3  # the seed, not the task, places them


def test_tasks_without_reminders_play_as_before(make_env, small_task: Task) -> None:
    plain = dataclasses.replace(small_task, distractors=DISTRACTORS)
    with_reminders = dataclasses.replace(plain, reminders=REMINDERS)
    for seed in range(6):
        shown = _stage2(_env(make_env, plain), seed)
        assert [kind for _, kind in shown] == ["distractor"] * len(DISTRACTORS)
        # Reminders are drawn after the distractor order, so they never reorder it.
        others = [
            t for t, kind in _stage2(_env(make_env, with_reminders), seed) if kind == "distractor"
        ]
        assert [t for t, _ in shown] == others


def test_mix_reminders_draws_nothing_without_reminders() -> None:
    rng = np.random.default_rng(4)
    before = rng.bit_generator.state
    assert mix_reminders(["a", "b"], [], rng) == [("a", "distractor"), ("b", "distractor")]
    assert rng.bit_generator.state == before


def test_mix_reminders_keeps_order_and_inserts_every_reminder() -> None:
    stream = mix_reminders(list("abcdef"), ["r1", "r2"], np.random.default_rng(0))
    assert [t for t, kind in stream if kind == "distractor"] == list("abcdef")
    assert sorted(t for t, kind in stream if kind == "information") == ["r1", "r2"]
    assert stream == mix_reminders(list("abcdef"), ["r1", "r2"], np.random.default_rng(0))


def test_synthetic_tasks_bring_their_reminders_to_stage2(make_env) -> None:
    env = make_env(rounds_per_stage=1, action_mode="structured")
    seen = 0
    for seed in range(5):
        shown = _stage2(env, seed)
        task = env.unwrapped.task
        assert sorted(t for t, kind in shown if kind == "information") == sorted(task.reminders)
        assert sorted(t for t, kind in shown if kind == "distractor") == sorted(task.distractors)
        seen += len(task.reminders)
    assert seen


def test_task_rejects_a_string_as_reminders(small_task: Task) -> None:
    with pytest.raises(TypeError, match="reminders"):
        dataclasses.replace(small_task, reminders="one reminder")
    assert dataclasses.replace(small_task, reminders=["x"]).reminders == ("x",)


def test_tasks_show_lists_the_reminders() -> None:
    from typer.testing import CliRunner

    from agemem_env.cli.tasks import tasks_app
    from agemem_env.tasks import load_tasks

    result = CliRunner().invoke(tasks_app, ["show", "synthetic", "--n", "3", "--seed", "2"])
    assert result.exit_code == 0, result.output
    tasks = load_tasks("synthetic", limit=3, seed=2)
    shown = [line for line in result.output.splitlines() if line.startswith("reminders (")]
    assert shown == [f"reminders ({len(t.reminders)}):" for t in tasks if t.reminders]
    assert all(f"  - {r}" in result.output for t in tasks for r in t.reminders)
