"""The three-stage story and the reward's ordering, played through gym.make."""

from __future__ import annotations

import pytest

from agemem_env.actions.text import render_completion
from agemem_env.core import ToolCall
from agents.scripted import NoMemoryScript, OracleScript, play


def call(name, **arguments):
    return render_completion([ToolCall(name, arguments)])


def answer(text):
    return render_completion(answer=text)


def test_oracle_scores_task_one_and_beats_no_memory(make_env, small_task):
    env = make_env(tasks=[small_task])
    oracle_return, oracle = play(env, OracleScript, seed=0)
    plain_return, plain = play(env, NoMemoryScript, seed=0)
    assert oracle["reward_terms"]["task"] == 1.0
    assert oracle["judge"]["exact_match"] == 1.0
    assert oracle["memory_quality"]["recall"] == 1.0
    assert oracle_return > plain_return
    assert plain["reward_terms"]["task"] == 0.0


@pytest.mark.slow
def test_oracle_beats_no_memory_on_synthetic_tasks_with_minilm():
    import gymnasium as gym

    env = gym.make("AgeMem-Stage3-v0")
    for seed in range(3):
        oracle_return, oracle = play(env, OracleScript, seed)
        plain_return, _ = play(env, NoMemoryScript, seed)
        assert oracle["reward_terms"]["task"] == 1.0
        assert oracle_return > plain_return
    env.close()


def test_no_answer_gets_minus_one_task_term_and_round_penalty(make_env, small_task):
    env = make_env(tasks=[small_task], rounds_per_stage=2)
    env.reset(seed=0)
    steps = [answer("ok"), answer("ok"), call("Retrieve_memory", query="Dana")]
    for action in steps:
        _, reward, terminated, truncated, info = env.step(action)
    assert not terminated and not truncated
    _, reward, terminated, truncated, info = env.step(call("Retrieve_memory", query="Porto"))
    assert truncated and not terminated
    assert info["reward_terms"]["task"] == -1.0
    assert info["reward_terms"]["penalty/rounds"] == -1.0
    assert reward == pytest.approx(info["reward_terms"]["total"])


def test_overflowing_the_budget_gets_the_overflow_penalty(make_env, small_task):
    probe = make_env(tasks=[small_task])
    obs, _ = probe.reset(seed=0)
    budget = obs["context_tokens"] + 80  # room for a short step, not for a long one
    env = make_env(tasks=[small_task], token_budget=budget)
    env.reset(seed=0)
    _, _, _, _, info = env.step(answer("ok"))
    assert info["overflow"] is False
    assert info["reward_terms"]["penalty/overflow"] == 0.0
    _, _, _, _, info = env.step(call("Add_memory", content="word " * 200))
    assert info["overflow"] is True
    assert info["reward_terms"]["penalty/overflow"] == -0.5
    assert info["context_tokens"] <= budget  # the oldest messages were dropped


def test_within_budget_has_no_overflow_penalty(make_env, small_task):
    env = make_env(tasks=[small_task])
    _, info = play(env, OracleScript, seed=0)
    assert info["overflow"] is False
    assert info["reward_terms"]["penalty/overflow"] == 0.0


def test_context_resets_before_stage_two_and_memory_persists(make_env, small_task):
    env = make_env(tasks=[small_task])
    obs, _ = env.reset(seed=0)
    assert any("Dana Ortiz" in m["content"] for m in obs["messages"])
    obs, *_ = env.step(call("Add_memory", content="Dana Ortiz works at Veltrix Labs."))
    obs, *_ = env.step(answer("thanks"))
    assert obs["stage"] == 2 and obs["ltm_size"] == 1
    contents = [m["content"] for m in obs["messages"][1:]]
    assert not any("Dana Ortiz works" in c for c in contents)
    assert any(d in contents for d in small_task.distractors)


def test_stage_one_streams_information_over_rounds(make_env, small_task):
    env = make_env(tasks=[small_task], rounds_per_stage=3, auto_retrieve=False)
    obs, _ = env.reset(seed=0)
    users = [m["content"] for m in obs["messages"] if m["role"] == "user"]
    assert users == [small_task.information[0]]
    obs, *_ = env.step(call("Retrieve_memory", query="anything"))
    users = [m["content"] for m in obs["messages"] if m["role"] == "user"]
    assert users == list(small_task.information[:2])


def test_stage_one_auto_retrieval_shows_related_memories(make_env, small_task):
    env = make_env(tasks=[small_task], rounds_per_stage=3)
    env.reset(seed=0)
    obs, *_ = env.step(call("Add_memory", content="Dana Ortiz works at Veltrix Labs."))
    obs, *_ = env.step(call("Retrieve_memory", query="x"))
    related = [m for m in obs["messages"] if m["content"].startswith("Related memories")]
    assert related and "mem_1" in related[-1]["content"]


def test_maintenance_term_needs_a_successful_update_or_delete(make_env, small_task):
    env = make_env(tasks=[small_task])
    env.reset(seed=0)
    _, _, _, _, info = env.step(call("Add_memory", content="Dana Ortiz works at Acme."))
    assert info["reward_terms"]["memory/maintenance"] == 0.0
    _, _, _, _, info = env.step(call("Update_memory", memory_id="mem_9", content="x"))
    assert info["reward_terms"]["memory/maintenance"] == 0.0
    assert info["tool_errors"] == 1 and info["reward_terms"]["penalty/format"] == -0.1
    _, _, _, _, info = env.step(
        call("Update_memory", memory_id="mem_1", content="Dana Ortiz works at Veltrix Labs.")
    )
    assert info["reward_terms"]["memory/maintenance"] == 1.0
    assert info["reward_terms"]["memory/storage"] == 1.0


def test_storage_counts_only_supporting_entries(make_env, small_task):
    env = make_env(tasks=[small_task])
    env.reset(seed=0)
    env.step(call("Add_memory", content="Dana Ortiz works at Veltrix Labs."))
    _, _, _, _, info = env.step(call("Add_memory", content="The weather was lovely."))
    assert info["reward_terms"]["memory/storage"] == 0.5


def test_preventive_and_compression_follow_reduction_tools(make_env, small_task):
    env = make_env(tasks=[small_task])
    env.reset(seed=0)
    _, _, _, _, info = env.step(answer("ok"))
    assert info["reward_terms"]["context/preventive"] == 0.0
    before = info["reward_terms"]["context/compression"]
    _, _, _, _, info = env.step(call("Summary_context", span="all"))
    assert info["reward_terms"]["context/preventive"] == 1.0
    assert 0.0 < before <= 1.0


def test_filter_removes_distractors_and_scores_level_two(make_env, small_task):
    env = make_env("AgeMem-Stage2-v0", tasks=[small_task], rounds_per_stage=1)
    env.reset(seed=0)
    obs, *_ = env.step(call("Add_memory", content="Dana Ortiz works at Veltrix Labs."))
    assert obs["stage"] == 2  # the round cap of 1 ended stage 1
    filters = [
        ToolCall("Filter_context", {"criteria": m["content"]})
        for m in obs["messages"]
        if m["role"] == "user"
    ]
    _, reward, terminated, _, info = env.step(render_completion(filters))
    assert terminated
    # half the facts stored (F1 2/3) and every distractor removed
    assert info["reward_terms"]["task"] == pytest.approx((2 / 3 + 1.0) / 2)


def test_preservation_drops_when_the_question_is_filtered(make_env, small_task):
    env = make_env(tasks=[small_task], start_stage=3, prefill="oracle")
    obs, info = env.reset(seed=0)
    assert info["reward_terms"]["context/preservation"] == 1.0
    _, _, _, _, info = env.step(call("Filter_context", criteria=small_task.question))
    assert info["reward_terms"]["context/preservation"] < 1.0


def test_start_stage_three_with_oracle_prefill(make_env, small_task):
    env = make_env(tasks=[small_task], start_stage=3, prefill="oracle")
    obs, _ = env.reset(seed=0)
    assert obs["stage"] == 3 and obs["ltm_size"] == len(small_task.supporting_facts)
    env.step(call("Retrieve_memory", query=small_task.question))
    _, reward, terminated, _, info = env.step(answer("Porto"))
    assert terminated and info["reward_terms"]["task"] == 1.0
    assert info["reward_terms"]["memory/relevance"] == 1.0


def test_answer_only_preset_reports_terms_but_pays_task_only(make_env, small_task):
    env = make_env(tasks=[small_task], reward_preset="answer_only")
    total, info = play(env, OracleScript, seed=0)
    assert total == pytest.approx(1.0)
    assert info["reward_terms"]["memory"] > 0.0


def test_dense_rewards_sum_to_the_terminal_reward(make_env, small_task):
    dense = make_env(tasks=[small_task], reward_mode="dense")
    terminal = make_env(tasks=[small_task])
    dense_total, _ = play(dense, OracleScript, seed=0)
    terminal_total, _ = play(terminal, OracleScript, seed=0)
    assert dense_total == pytest.approx(terminal_total)


def test_step_after_the_end_raises(make_env, small_task):
    env = make_env(tasks=[small_task], start_stage=3, prefill="oracle")
    env.reset(seed=0)
    env.step(answer("Porto"))
    with pytest.raises(RuntimeError, match="reset"):
        env.step(answer("again"))


def test_persistent_memory_is_shared_between_episodes(make_env, small_task, tmp_path):
    path = tmp_path / "ltm.sqlite"
    env = make_env(tasks=[small_task], ltm_path=str(path), ltm_reset=False, level=1)
    env.reset(seed=0)
    env.step(call("Add_memory", content="Dana Ortiz works at Veltrix Labs."))
    env.close()
    again = make_env(tasks=[small_task], ltm_path=str(path), ltm_reset=False, level=1)
    obs, _ = again.reset(seed=1)
    assert obs["ltm_size"] == 1


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"level": 4}, "level"),
        ({"action_mode": "json"}, "action_mode"),
        ({"token_budget": 10}, "token_budget"),
        ({"filter_threshold": 1.5}, "filter_threshold"),
        ({"reward_preset": "nope"}, "reward preset"),
        ({"reward_weights": {"tsk": 1}}, "tsk"),
        ({"start_stage": 3}, "prefill"),
        ({"tasks": [1, 2]}, "Task"),
    ],
)
def test_bad_configuration_names_the_problem(make_env, kwargs, fragment):
    with pytest.raises((ValueError, TypeError), match=fragment):
        make_env(**kwargs)


def test_compression_falls_as_the_context_grows(make_env, small_task):
    env = make_env(tasks=[small_task], token_budget=4096)
    _, info = env.reset(seed=0)
    start = info["reward_terms"]["context/compression"]
    assert start == pytest.approx(1 - info["context_tokens"] / 4096)
    _, _, _, _, info = env.step(call("Retrieve_memory", query="word " * 300))
    assert info["reward_terms"]["context/compression"] < start


def test_tool_term_is_the_share_of_valid_calls_and_paid_by_paper_code(make_env, small_task):
    env = make_env(tasks=[small_task], reward_preset="paper_code", start_stage=3,
                   prefill="oracle")
    env.reset(seed=0)
    _, _, _, _, info = env.step(render_completion([
        ToolCall("Retrieve_memory", {"query": "Dana"}),
        ToolCall("Delete_memory", {"memory_id": "mem_99", "confirmation": True}),
    ]))
    assert info["reward_terms"]["tool"] == 0.5
    _, reward, _, _, info = env.step(answer("Porto"))
    terms = info["reward_terms"]
    expected = (0.5 * terms["task"] + 0.15 * terms["context"] + 0.15 * terms["memory"]
                + 0.2 * terms["tool"] + terms["penalty"])
    assert reward == pytest.approx(expected)


def test_ansi_render_shows_context_memory_and_terms(make_env, small_task):
    env = make_env(tasks=[small_task], render_mode="ansi")
    env.reset(seed=0)
    env.step(call("Add_memory", content="Dana Ortiz works at Veltrix Labs."))
    text = env.render()
    assert "CONTEXT" in text and "Dana Ortiz works at Veltrix" in text
    assert "mem_1 [general]" in text
    assert "memory/storage=+1.000" in text


def test_memory_scorer_choices_change_what_counts_as_support(make_env, small_task):
    paraphrase = call("Add_memory", content="Dana Ortiz is employed by Veltrix Labs")
    strict = make_env(tasks=[small_task], support_threshold=1.0)
    strict.reset(seed=0)
    *_, info = strict.step(paraphrase)
    assert info["memory_quality"]["recall"] == 0.0
    loose = make_env(tasks=[small_task], memory_scorer="embedding", support_threshold=0.5)
    loose.reset(seed=0)
    *_, info = loose.step(paraphrase)
    assert info["memory_quality"]["recall"] == 0.5


def test_a_callable_memory_scorer_drives_quality_and_storage(make_env, small_task):
    from agemem_env.scoring.memory_quality import MemoryQuality

    seen = []

    def scorer(memories, facts):
        seen.append((tuple(memories), tuple(facts)))
        return MemoryQuality(1.0, 1.0, 1.0, tuple(True for _ in memories))

    env = make_env(tasks=[small_task], memory_scorer=scorer)
    env.reset(seed=0)
    *_, info = env.step(call("Add_memory", content="anything at all"))
    assert info["memory_quality"]["f1"] == 1.0 and info["reward_terms"]["memory/storage"] == 1.0
    assert seen[-1][1] == small_task.supporting_facts
    with pytest.raises(ValueError, match="support_threshold"):
        make_env(support_threshold=0.0)
