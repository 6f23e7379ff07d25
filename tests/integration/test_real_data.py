"""Scripted oracle and no-memory runs on the real benchmark samples in ../shared/data."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import pytest

from agents.scripted import NoMemoryScript, OracleScript, play

DATA = Path(__file__).parents[2].parent / "shared" / "data"
HOTPOTQA = DATA / "hotpotqa" / "dev_distractor_sample50.official.json"


@pytest.mark.data
@pytest.mark.skipif(not HOTPOTQA.exists(), reason="../shared/data is absent")
def test_oracle_is_perfect_on_50_hotpotqa_tasks_and_no_memory_is_not():
    env = gym.make("AgeMem-Stage3-v0", embedder="hashing", tasks="hotpotqa",
                   tasks_path=str(HOTPOTQA))
    n = len(env.unwrapped._load_tasks())
    assert n == 50
    oracle = [play(env, OracleScript, i, {"task_index": i})[1] for i in range(n)]
    plain = [play(env, NoMemoryScript, i, {"task_index": i})[1] for i in range(n)]
    assert all(info["judge"]["exact_match"] == 1.0 for info in oracle)
    assert all(info["memory_quality"]["recall"] == 1.0 for info in oracle)
    assert sum(info["judge"]["exact_match"] for info in plain) == 0
    assert all(o["reward_terms"]["total"] > p["reward_terms"]["total"]
               for o, p in zip(oracle, plain, strict=True))
    env.close()
