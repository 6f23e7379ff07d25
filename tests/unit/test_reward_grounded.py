"""The grounded reward's terms and the paper's, on episodes built to show each rule: what
pays (effects that served the task, with a right answer) and what does not."""

from __future__ import annotations

import dataclasses

import pytest

from agemem_env.actions import render_completion
from agemem_env.core import ToolCall
from agemem_env.tasks import Task

STALE_TASK = Task(
    id="fixture-stale",
    information=(
        "My favourite sport is surfing.",
        "Actually I switched: my favourite sport is climbing now, not surfing.",
    ),
    question="What is my favourite sport now?",
    answers=("climbing",),
    supporting_facts=("The user's favourite sport is climbing.",),
    supporting_values=("climbing",),
    stale_facts=("The user's favourite sport is surfing.",),
    stale_values=("surfing",),
    distractors=("My neighbour Omar loves chess.", "It rained all day."),
)


def _step(env, calls=(), answer=None):
    return env.step(render_completion(list(calls), answer=answer))


def _add(text):
    return ToolCall("Add_memory", {"content": text})


def test_a_wrong_answer_earns_no_memory_or_context_pay(make_env, small_task) -> None:
    env = make_env(tasks=[small_task], rounds_per_stage=2)
    env.reset(seed=0)
    _step(env, [_add(f) for f in small_task.supporting_facts], answer="ok")
    _step(env, answer="ok")
    _step(env, [ToolCall("Retrieve_memory", {"query": small_task.question})])
    *_, info = _step(env, answer="Braga")
    terms = info["reward_terms"]
    assert terms["memory"] > 0.5 and terms["task"] == 0.0
    assert terms["total"] == pytest.approx(terms["penalty"])  # nothing but penalties


def test_right_answer_with_memory_work_beats_right_answer_without(make_env, small_task) -> None:
    def play(calls_first):
        env = make_env(tasks=[small_task], rounds_per_stage=2)
        env.reset(seed=0)
        _step(env, calls_first, answer="ok")
        _step(env, answer="ok")
        if calls_first:
            _step(env, [ToolCall("Retrieve_memory", {"query": small_task.question})])
        return _step(env, answer="Porto")[-1]["reward_terms"]["total"]

    assert play([_add(f) for f in small_task.supporting_facts]) > play([]) >= 1.0


def test_add_then_delete_of_junk_lowers_precision(make_env, small_task) -> None:
    env = make_env(tasks=[small_task], rounds_per_stage=3)
    env.reset(seed=0)
    *_, info = _step(env, [_add(small_task.supporting_facts[0]), _add("junk note")])
    assert info["reward_terms"]["memory/precision"] == pytest.approx(0.5)
    delete = ToolCall("Delete_memory", {"memory_id": "mem_2", "confirmation": True})
    *_, info = _step(env, [delete])
    # The deleted junk still counts as written; deleting it fixed nothing stale.
    assert info["reward_terms"]["memory/precision"] == pytest.approx(0.5)
    assert info["reward_terms"]["memory/fixes"] == 0.0
    assert info["reward_terms"]["memory/maintenance"] == 1.0  # the paper pays any delete


def test_an_update_that_replaces_a_stale_value_is_a_fix(make_env) -> None:
    env = make_env(tasks=[STALE_TASK], rounds_per_stage=2)
    env.reset(seed=0)
    *_, info = _step(env, [_add("My favourite sport is surfing.")])
    assert info["memory_quality"]["stale"] == 1 and info["reward_terms"]["memory/stale"] == 1.0
    update = ToolCall("Update_memory", {"memory_id": "mem_1",
                                        "content": "My favourite sport is climbing."})
    *_, info = _step(env, [update], answer="ok")
    assert info["reward_terms"]["memory/fixes"] == 1.0
    assert info["memory_quality"]["stale"] == 0 and info["memory_quality"]["recall"] == 1.0


def test_one_dump_is_not_precise_storage(make_env, small_task) -> None:
    env = make_env(tasks=[small_task], rounds_per_stage=1)
    env.reset(seed=0)
    dump = " ".join(small_task.information) + " " + " ".join(small_task.distractors) * 3
    *_, info = _step(env, [_add(dump)], answer="ok")
    assert info["memory_quality"]["recall"] == 1.0
    assert info["reward_terms"]["memory/precision"] < 0.4
    assert info["reward_terms"]["memory/storage"] == 1.0  # the paper's storage is fooled


def test_a_filter_that_removes_nothing_earns_nothing(make_env, small_task) -> None:
    env = make_env(tasks=[small_task], rounds_per_stage=2)
    env.reset(seed=0)
    _step(env, answer="ok")
    noop = ToolCall("Filter_context", {"criteria": "zzqx qqvz"})
    *_, info = _step(env, [noop])
    assert info["reward_terms"]["context/noise_removed"] == 0.0
    assert info["reward_terms"]["context/preventive"] == 1.0  # the paper pays any reduction
    drop = ToolCall("Filter_context", {"criteria": small_task.distractors[1]})
    *_, info = _step(env, [drop])
    assert 0.0 < info["reward_terms"]["context/noise_removed"] < 1.0


def test_preservation_is_of_the_gold_facts_not_the_question(make_env, small_task) -> None:
    env = make_env(tasks=[small_task], rounds_per_stage=1)
    env.reset(seed=0)
    _step(env, answer="ok")
    *_, info = _step(env, answer="ok")
    assert info["stage"] == 3
    terms = info["reward_terms"]
    assert terms["context/preservation"] == 1.0  # the question is in the context
    assert terms["context/facts_in_context"] == 0.0  # no gold fact is


def _long_task(n_turns: int, words: int) -> Task:
    """Turns of one-word sentences: long, and a summary keeps only a few of them."""
    turns = tuple(" ".join(f"W{t}x{i}." for i in range(words)) for t in range(n_turns))
    return dataclasses.replace(STALE_TASK, id="fixture-long", information=turns)


def test_a_reduction_before_the_reveal_that_overflows_counts_as_preventive(make_env) -> None:
    probe = make_env(tasks=[_long_task(2, 150)], rounds_per_stage=2)
    obs, _ = probe.reset(seed=0)
    # The first turn fits; the second overflows even after the first was summarised.
    budget = obs["context_tokens"] + 100
    env = make_env(tasks=[_long_task(2, 150)], rounds_per_stage=2, token_budget=budget)
    env.reset(seed=0)
    *_, info = _step(env, [ToolCall("Summary_context", {"span": "all"})])
    assert env.unwrapped.stats.first_agent_overflow == (1, 2)  # at the reveal after step 1
    assert info["overflow"] and info["reward_terms"]["context/preventive"] == 1.0


def test_an_overflow_at_reset_leaves_preventive_earnable(make_env) -> None:
    probe = make_env(tasks=[_long_task(1, 400)], rounds_per_stage=1)
    obs, _ = probe.reset(seed=0)
    system = probe.unwrapped.stm.messages[0].tokens
    env = make_env(tasks=[_long_task(1, 400)], rounds_per_stage=2, token_budget=system + 300)
    _, info = env.reset(seed=0)
    assert info["overflow"]  # the task's first turn alone is over the budget
    *_, info = _step(env, [ToolCall("Summary_context", {"span": "all"})])
    assert info["reward_terms"]["context/preventive"] == 1.0
    assert info["reward_terms"]["penalty/overflow"] == 0.0  # grounded: not the agent's doing


def test_truncation_keeps_the_question_and_says_what_it_dropped(make_env, small_task) -> None:
    probe = make_env(tasks=[small_task], rounds_per_stage=1)
    obs, _ = probe.reset(seed=0)
    env = make_env(tasks=[small_task], rounds_per_stage=2, token_budget=obs["context_tokens"] + 60)
    env.reset(seed=0)
    _step(env, answer="ok")
    _step(env, answer="ok")
    noise = ToolCall("Retrieve_memory", {"query": "anything at all, " * 30})
    *_, info = _step(env, [noise])
    user = [m.content for m in env.unwrapped.stm.messages if m.role == "user"]
    assert small_task.question in user and info["context_dropped"]
