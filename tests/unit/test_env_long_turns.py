"""Stage-1 turns longer than the memory query limit (LoCoMo sessions) must not break the
env's own per-turn retrieval."""

import gymnasium as gym

import agemem_env  # noqa: F401
from agemem_env.core import ToolCall
from agemem_env.tasks import Task


def test_a_turn_over_the_query_limit_still_gets_related_memories():
    long_turn = "Dana talked about her garden in Lyon. " * 150  # ~5,700 characters
    task = Task(
        id="long", information=("Dana lives in Lyon.", long_turn), question="Where does Dana live?",
        answers=("Lyon",), supporting_facts=("Dana lives in Lyon.",),
    )
    env = gym.make("AgeMem-Stage3-v0", tasks=[task], embedder="hashing", rounds_per_stage=2,
                   action_mode="structured")
    env.reset(seed=0)
    obs, *_ = env.step(ToolCall("Add_memory", {"content": "Dana lives in Lyon."}))
    assert obs["stage"] == 1
    related = [m["content"] for m in obs["messages"] if m["role"] == "tool"]
    assert any("Related memories:" in text and "Dana lives in Lyon." in text for text in related)
