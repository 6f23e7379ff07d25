"""Behaviour cloning of the structured policy: the teacher's picks follow the gold task,
cloning makes the policy agree with them, and the result warm-starts GRPO."""

from __future__ import annotations

import torch
from typer.testing import CliRunner

from agemem_env.core import ToolCall
from agemem_env.tasks import Task
from agents.grpo.behaviour_cloning import BCConfig, collect, fit, teacher_choice
from agents.grpo.candidates import Candidate
from agents.grpo.structured import StructuredPolicy
from agents.registry import make_agent
from leaderboard.main import app

TASK = Task(
    id="t", information=("Ana moved to Porto last year.", "The weather is nice."),
    question="Where does Ana live?", answers=("Porto",),
    supporting_facts=("Ana lives in Porto.",), distractors=("Ina lives in Braga.",),
)


def turn_options(turn: str, target_similarity: float = 0.0) -> list[Candidate]:
    update = ToolCall("Update_memory", {"memory_id": "mem_1", "content": turn})
    scalars = (0.0, target_similarity, 0, 0, 0, 0, 0)
    return [Candidate("skip", text=turn), Candidate("add", text=turn),
            Candidate("filter", text=turn), Candidate("update", (update,), text=turn,
                                                      scalars=scalars)]


def test_the_teacher_stores_gold_turns_and_skips_the_rest():
    assert teacher_choice(turn_options("Ana lives in Porto now."), TASK, {}, []) == 1
    assert teacher_choice(turn_options("The weather is nice."), TASK, {}, []) == 0


def test_the_teacher_updates_a_similar_stale_memory():
    options = turn_options("Ana lives in Porto now.", target_similarity=0.8)
    stale = {"mem_1": "Ana lives in Lyon."}
    assert teacher_choice(options, TASK, stale, []) == 3
    current = {"mem_1": "Ana lives in Porto."}
    assert teacher_choice(options, TASK, current, []) == 1


def test_the_teacher_filters_distractors_and_retrieves_before_answering():
    keep = [Candidate("keep", text="Ina lives in Braga."),
            Candidate("filter", text="Ina lives in Braga.")]
    assert teacher_choice(keep, TASK, {}, []) == 1
    stage3 = [Candidate("retrieve", text="Where does Ana live?"),
              Candidate("answer", answer="Porto", text="Porto")]
    assert teacher_choice(stage3, TASK, {}, []) == 0
    assert teacher_choice(stage3, TASK, {}, ["Where does Ana live?"]) == 1


def agreement(policy, data):
    with torch.no_grad():
        return sum(int(torch.argmax(policy.net(f).squeeze(-1))) == c for f, c in data) / len(data)


def test_cloning_lowers_the_loss_and_raises_agreement_with_the_teacher():
    torch.manual_seed(0)
    config = BCConfig(episodes=6, epochs=25, seed=200_000)
    policy = StructuredPolicy()
    data = collect(policy, config, progress=False)
    before = agreement(policy, data)
    losses = fit(policy, data, config, progress=False)
    assert losses[-1] < losses[0]
    after = agreement(policy, data)
    assert after > before and after > 0.8, (before, after)


def test_cli_clones_then_warm_starts_grpo(tmp_path):
    runner = CliRunner()
    bc = tmp_path / "bc"
    result = runner.invoke(app, ["train", "bc", "--episodes", "3", "--epochs", "2", "--out",
                                 str(bc), "--no-progress"])
    assert result.exit_code == 0, result.output
    cloned = StructuredPolicy.load(bc)
    # The reference is the clone: GRPO's KL term anchors to the warm start.
    for a, b in zip(cloned.net.parameters(), cloned.reference.parameters(), strict=True):
        assert torch.equal(a, b)
    assert make_agent(f"grpo:{bc}").action_mode == "structured"
    result = runner.invoke(app, ["train", "grpo", "--init", str(bc), "--steps", "1",
                                 "--tasks-per-update", "1", "--group-size", "2", "--out",
                                 str(tmp_path / "grpo"), "--no-progress"])
    assert result.exit_code == 0, result.output
    png = tmp_path / "curves.png"
    result = runner.invoke(app, ["train", "compare", "--run", f"warm={tmp_path / 'grpo'}",
                                 "--reward", "100", "--out", str(png)])
    assert result.exit_code == 0 and "reaches 100 at update - (never)" in result.output
    assert png.stat().st_size > 0
    result = runner.invoke(app, ["train", "compare", "--run", f"x={tmp_path}"])
    assert result.exit_code == 2 and "metrics.jsonl does not exist" in result.output
    result = runner.invoke(app, ["train", "grpo", "--init", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "not a folder" in result.output
