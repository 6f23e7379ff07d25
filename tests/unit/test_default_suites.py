"""The default suites hold what their descriptions claim (leaderboard/suites/*.toml)."""

from __future__ import annotations

from pathlib import Path

import pytest

from leaderboard.suites import DataMissing, load_suites, suite_tasks

SUITES = load_suites()
SYNTHETIC = [s for s in SUITES.values() if s.tasks.source == "synthetic"]
HARD = ("long-horizon", "knowledge-updates", "multi-hop", "paraphrase", "distractors")


def _first(name: str, n: int = 5):
    return suite_tasks(SUITES[name], 0)[:n]


def test_the_default_run_has_the_hard_suites_and_no_reminder_shortcut():
    assert set(HARD) <= set(SUITES)
    for suite in SYNTHETIC:
        # Stage-2 reminders would put the answer in the context for every agent alike.
        assert all(not t.reminders for t in _first(suite.name)), suite.name


@pytest.mark.parametrize("name", sorted(SUITES))
def test_every_suite_says_what_it_tests(name):
    description = SUITES[name].description
    if name == "longmemeval":
        assert description.startswith("Smoke test, not a ranking")
    else:
        assert description.startswith("What it tests: ")


def test_long_horizon_information_is_several_context_budgets():
    suite = SUITES["long-horizon"]
    budget = suite.env["token_budget"]
    for task in _first("long-horizon", 3):
        words = sum(len(turn.split()) for turn in task.information)
        assert words * 6 / 5 >= 3 * budget  # the generator's own estimate of tokens
    assert suite.env["rounds_per_stage"] >= 10


def test_knowledge_updates_change_the_questions_own_fact_and_withdraw_others():
    for task in _first("knowledge-updates"):
        chain = [task.metadata["facts"][i] for i in task.metadata["chain"]]
        assert any(f["history"] for f in chain)
        assert any(f["role"] == "retracted" for f in task.metadata["facts"])


def test_multi_hop_questions_need_three_facts():
    assert all(t.metadata["hops"] == 3 for t in _first("multi-hop"))


def test_distractor_suite_floods_stage_2_with_look_alikes():
    for task in _first("distractors"):
        roles = task.metadata["distractor_roles"]
        assert len(task.distractors) == 40 and roles.count("related") >= 30


def test_paraphrase_suite_retrieves_by_meaning():
    assert SUITES["paraphrase"].embedder == "minilm"
    assert SUITES["paraphrase"].tasks.config["paraphrase"] == 1.0


def test_locomo_samples_the_scored_categories_one_session_a_round():
    suite = SUITES["locomo"]
    try:
        tasks = suite_tasks(suite, 0)
    except DataMissing:
        pytest.skip("the LoCoMo sample is not on this machine")
    assert len(tasks) == suite.tasks.sample
    assert {t.metadata["category"] for t in tasks} <= {1, 2, 4}
    assert max(len(t.information) for t in tasks) <= suite.env["rounds_per_stage"]


def test_extra_folder_keeps_the_first_synthetic_suites():
    extra = load_suites([Path(__file__).parents[2] / "leaderboard" / "suites" / "extra"])
    assert {"synthetic-static", "synthetic-changing"} <= set(extra)
