"""Reward presets and validation of custom weights."""

from __future__ import annotations

import pytest

from agemem_env.rewards import PRESETS, make_reward_config


def test_presets_match_the_paper_variants():
    assert (PRESETS["paper"].task, PRESETS["paper"].context, PRESETS["paper"].memory) == (1, 1, 1)
    code = PRESETS["paper_code"]
    assert (code.task, code.context, code.memory, code.tool) == (0.5, 0.15, 0.15, 0.2)
    only = PRESETS["answer_only"]
    assert (only.context, only.memory, only.tool, only.rounds_penalty) == (0, 0, 0, 0)


def test_overrides_replace_single_fields():
    config = make_reward_config("paper", {"task": 2.0, "overflow_penalty": -1.0})
    assert config.task == 2.0 and config.overflow_penalty == -1.0 and config.memory == 1.0


@pytest.mark.parametrize(
    ("weights", "fragment"),
    [
        ({"context_weights": (0.5, 0.5, 0.5)}, "summing to 1"),
        ({"overflow_penalty": 0.5}, "must be <= 0"),
        ({"bogus": 1}, "bogus"),
    ],
)
def test_bad_weights_name_the_field(weights, fragment):
    with pytest.raises(ValueError, match=fragment):
        make_reward_config("paper", weights)


def test_atommem_preset_is_exact_match_minus_update_cost():
    atommem = PRESETS["atommem"]
    assert (atommem.task_metric, atommem.update_turn_penalty) == ("exact_match", -0.1)
    assert (atommem.context, atommem.memory, atommem.no_answer) == (0, 0, 0)
    with pytest.raises(ValueError, match="task_metric"):
        make_reward_config("paper", {"task_metric": "bleu"})
