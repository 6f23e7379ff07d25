"""Trajectory export: recorded steps replay to the same episode, filters keep the good
ones, and the JSON lines round-trip and reject broken files with the line number."""

import json

import gymnasium as gym
import pytest

import agemem_env  # noqa: F401
from agemem_env.actions.text import parse_completion
from agents.registry import make_agent
from agents.warm_start.trajectories import (
    read_jsonl,
    record_trajectories,
    select,
    to_dataset,
    write_jsonl,
)

ENV = "AgeMem-Stage3-v0"
KWARGS = {"embedder": "hashing"}


@pytest.fixture(scope="module")
def oracle_and_random():
    oracle = record_trajectories(ENV, lambda: make_agent("oracle"), episodes=4,
                                 env_kwargs=KWARGS, progress=False)
    rand = record_trajectories(ENV, lambda: make_agent("random", seed=3), episodes=4,
                               env_kwargs=KWARGS, progress=False)
    return oracle, rand


def test_replaying_the_recorded_completions_reproduces_the_episode(oracle_and_random):
    oracle, _ = oracle_and_random
    env = gym.make(ENV, **KWARGS)
    for traj in oracle:
        obs, _ = env.reset(seed=traj.seed)
        total = 0.0
        for step in traj.steps:
            assert [m["content"] for m in obs["messages"]] == [
                m["content"] for m in step["messages"]]
            obs, reward, terminated, truncated, info = env.step(step["completion"])
            total += reward
        assert terminated or truncated
        assert total == pytest.approx(traj.record.episode_return, abs=1e-12)
        assert info["parse_errors"] == 0


def test_every_example_ends_with_a_parseable_assistant_turn(oracle_and_random):
    oracle, _ = oracle_and_random
    examples = [e for t in oracle for e in t.examples()]
    assert len(examples) == sum(len(t.steps) for t in oracle)
    for example in examples:
        assert example["messages"][0]["role"] == "system"
        assert example["messages"][-1]["role"] == "assistant"
        parsed = parse_completion(example["messages"][-1]["content"])
        assert not parsed.errors
        assert example["metadata"]["agent"] == "oracle"


def test_select_keeps_only_episodes_above_the_floors(oracle_and_random):
    oracle, rand = oracle_and_random
    both = oracle + rand
    good = select(both, min_answer_f1=1.0)
    assert good and all(t.record.agent == "oracle" for t in good)
    floor = max(t.record.episode_return for t in rand)
    assert all(t.record.episode_return >= floor for t in select(both, min_return=floor))
    assert len(select(both)) == len(both)


def test_jsonl_round_trip_and_dataset(oracle_and_random, tmp_path):
    oracle, _ = oracle_and_random
    path = tmp_path / "expert.jsonl"
    count = write_jsonl(oracle, path)
    examples = read_jsonl(path)
    assert len(examples) == count
    assert examples == [e for t in oracle for e in t.examples()]
    pytest.importorskip("datasets")
    dataset = to_dataset(examples)
    assert dataset.num_rows == count and "messages" in dataset.column_names


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("{not json", "not JSON"),
        (json.dumps({"messages": []}), "non-empty list"),
        (json.dumps({"messages": [{"role": "user", "content": "hi"}]}), "assistant"),
    ],
)
def test_a_broken_line_is_named(tmp_path, line, problem):
    path = tmp_path / "broken.jsonl"
    good = json.dumps({"messages": [{"role": "assistant", "content": "<answer>x</answer>"}]})
    path.write_text(good + "\n" + line + "\n")
    with pytest.raises(ValueError, match=f"broken.jsonl:2: .*{problem}"):
        read_jsonl(path)
