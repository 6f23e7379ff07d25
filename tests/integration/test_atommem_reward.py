"""The ``atommem`` reward preset: answer exact match minus 0.1 x the share of agent steps
that wrote long-term memory."""

from __future__ import annotations

import pytest

from agemem_env.actions.text import render_completion
from agemem_env.core import ToolCall

ADD = ToolCall("Add_memory", {"content": "Veltrix Labs is headquartered in Porto."})


def play(env, final_answer, writes_in_stage_two=False):
    env.reset(seed=0)
    env.step(render_completion([ADD], answer="noted"))  # stage 1: one write, then move on
    stage_two = [ADD] if writes_in_stage_two else []
    env.step(render_completion(stage_two, answer="ok"))
    retrieve = ToolCall("Retrieve_memory", {"query": "Veltrix Labs headquarters"})
    _, reward, terminated, _, info = env.step(render_completion([retrieve], answer=final_answer))
    assert terminated
    return reward, info


@pytest.mark.parametrize(("writes_in_stage_two", "share"), [(False, 1 / 3), (True, 2 / 3)])
def test_exact_answer_pays_one_minus_the_update_turn_cost(
        make_env, small_task, writes_in_stage_two, share):
    env = make_env(tasks=[small_task], reward_preset="atommem")
    reward, info = play(env, "Porto", writes_in_stage_two)
    terms = info["reward_terms"]
    assert terms["task"] == 1.0
    assert terms["penalty/updates"] == pytest.approx(-0.1 * share)
    assert reward == pytest.approx(1.0 - 0.1 * share)


def test_a_near_miss_scores_zero_under_exact_match_but_not_under_f1(make_env, small_task):
    atommem, _ = play(make_env(tasks=[small_task], reward_preset="atommem"), "Porto, Portugal")
    answer_only, info = play(make_env(tasks=[small_task], reward_preset="answer_only"),
                             "Porto, Portugal")
    assert atommem == pytest.approx(-0.1 / 3)
    assert 0.0 < info["reward_terms"]["task"] < 1.0 and answer_only > atommem


def test_other_presets_carry_no_update_cost(make_env, small_task):
    _, info = play(make_env(tasks=[small_task]), "Porto")
    assert info["reward_terms"]["penalty/updates"] == 0.0
