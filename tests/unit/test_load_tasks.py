"""load_tasks over every source: dispatch, distractors, options, offline errors."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import pytest

from agemem_env.tasks import SOURCES, load_tasks

FIXTURES = Path(__file__).parents[1] / "fixtures"
DATASETS = {
    "hotpotqa": FIXTURES / "hotpotqa_official.json",
    "locomo": FIXTURES / "locomo.json",
    "longmemeval": FIXTURES / "longmemeval.json",
}


@pytest.mark.parametrize("source", sorted(DATASETS))
def test_dataset_tasks_get_distractors_from_other_tasks(source):
    tasks = load_tasks(source, path=DATASETS[source])
    assert tasks and all(t.source == source for t in tasks)
    for task in tasks:
        assert task.distractors
        assert not set(task.distractors) & set(task.information)
        for fact in task.supporting_facts:
            assert not any(fact in d for d in task.distractors)


@pytest.mark.parametrize("source", sorted(DATASETS))
def test_distractors_can_be_switched_off_and_sized(source):
    bare = load_tasks(source, path=DATASETS[source], distractors=False)
    assert all(t.distractors == () for t in bare)
    chat_only = load_tasks(source, path=DATASETS[source], n_related=0, n_chitchat=3)
    assert all(len(t.distractors) == 3 for t in chat_only)


def test_dataset_loading_is_deterministic():
    first = load_tasks("hotpotqa", path=DATASETS["hotpotqa"], seed=4)
    assert first == load_tasks("hotpotqa", path=DATASETS["hotpotqa"], seed=4)


@pytest.mark.parametrize("source", sorted(DATASETS))
def test_no_path_offline_says_where_to_put_the_file(source, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(FileNotFoundError, match="path="):
        load_tasks(source)


def test_options_are_checked_per_source():
    with pytest.raises(TypeError, match="categories"):
        load_tasks("hotpotqa", path=DATASETS["hotpotqa"], categories=(1,))
    tasks = load_tasks("locomo", path=DATASETS["locomo"], categories=(5,))
    assert tasks and all(t.metadata["category"] == 5 for t in tasks)
    assert set(SOURCES) == {"synthetic", *DATASETS}


def test_env_runs_dataset_tasks_and_judges_abstention():
    from agemem_env.actions.text import render_completion

    env = gym.make(
        "AgeMem-Stage3-v0",
        embedder="hashing",
        tasks="locomo",
        tasks_path=str(DATASETS["locomo"]),
        start_stage=3,
        prefill="oracle",
    )
    tasks = env.unwrapped._load_tasks()
    index = next(i for i, t in enumerate(tasks) if t.metadata.get("abstention"))
    env.reset(seed=0, options={"task_index": index})
    *_, info = env.step(render_completion(answer="That is not mentioned anywhere."))
    assert info["reward_terms"]["task"] == 1.0
    env.close()


def test_stage_three_shows_the_question_date_when_the_task_has_one():
    env = gym.make("AgeMem-Stage3-v0", embedder="hashing", tasks="longmemeval",
                   tasks_path=str(DATASETS["longmemeval"]), start_stage=3, prefill="oracle")
    obs, _ = env.reset(seed=0, options={"task_index": 0})
    task = env.unwrapped.task
    assert obs["messages"][-1]["content"] == f"[{task.metadata['question_date']}] {task.question}"
    env.close()
