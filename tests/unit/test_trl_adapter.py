"""The TRL environment adapter without the trainer: seeds, tools, errors, rewards."""

from __future__ import annotations

import inspect

import pytest

from agemem_env.integrations.session import EPISODE_OVER
from agemem_env.integrations.trl import (
    AgeMemToolEnv,
    reward_term_funcs,
    seed_dataset,
    seed_prompt,
)

TOOLS = {"Add_memory", "Update_memory", "Delete_memory", "Retrieve_memory",
         "Summary_context", "Filter_context", "Answer"}


def _env(**kwargs) -> AgeMemToolEnv:
    return AgeMemToolEnv(embedder="hashing", **kwargs)


def _ltm(env: AgeMemToolEnv) -> dict[str, str]:
    return {r.id: r.content for r in env.session.unwrapped.ltm.records()}


def test_public_methods_are_exactly_the_tools_trl_will_expose():
    # TRL exposes every public function except reset/get_reward as a tool.
    public = {n for n, _ in inspect.getmembers(AgeMemToolEnv, predicate=inspect.isfunction)
              if not n.startswith("_")}
    assert public - {"reset", "get_reward", "factory"} == TOOLS


def test_tool_schemas_build_from_docstrings():
    from transformers.utils import get_json_schema

    env = _env()
    schema = get_json_schema(env.Retrieve_memory)["function"]
    assert schema["name"] == "Retrieve_memory"
    assert schema["parameters"]["required"] == ["query"]
    assert schema["parameters"]["properties"]["top_k"]["type"] == "integer"
    for name in TOOLS:
        assert get_json_schema(getattr(env, name))["function"]["description"]


def test_same_seed_same_episode():
    a, b, c = _env(), _env(), _env()
    first = a.reset(seed=5, prompt=seed_prompt())
    assert first == b.reset(seed=5) != c.reset(seed=6)
    assert a.Add_memory(content="I live in Oslo") == b.Add_memory(content="I live in Oslo")
    assert a.reward_terms == b.reward_terms


def test_tools_change_memory():
    env = _env()
    env.reset(seed=0)
    assert "stored as mem_1" in env.Add_memory(content="Dana likes tea", memory_type="fact")
    assert _ltm(env) == {"mem_1": "Dana likes tea"}
    assert "mem_1 updated" in env.Update_memory(memory_id="mem_1", content="Dana likes coffee")
    assert _ltm(env) == {"mem_1": "Dana likes coffee"}
    assert "mem_1 (" in env.Retrieve_memory(query="what does Dana drink", top_k=2)
    assert "mem_1 deleted" in env.Delete_memory(memory_id="mem_1", confirmation=True)
    assert _ltm(env) == {}


def test_bad_arguments_give_a_tool_error_and_change_nothing():
    env = _env()
    env.reset(seed=0)
    env.Add_memory(content="Dana likes tea")
    before = _ltm(env)
    missing = env.Update_memory(memory_id="mem_9", content="x")
    assert missing.startswith("[Update_memory] (error)") and "mem_9" in missing
    wrong_type = env.Retrieve_memory(query="tea", top_k="many")
    assert "(error)" in wrong_type and "top_k" in wrong_type and "integer" in wrong_type
    unconfirmed = env.Delete_memory(memory_id="mem_1", confirmation=False)
    assert "(error)" in unconfirmed and "confirmation" in unconfirmed
    assert _ltm(env) == before
    assert env.reward_terms["penalty/format"] < 0  # the env's format penalty applied


def test_reset_without_seed_fails_clearly():
    with pytest.raises(ValueError, match="seed"):
        _env().reset(prompt=seed_prompt())


def test_tools_before_reset_fail_clearly():
    env = _env()
    with pytest.raises(RuntimeError, match="reset"):
        env.Add_memory(content="x")
    with pytest.raises(RuntimeError, match="reset"):
        env.get_reward()


def test_reward_after_answer_is_the_env_terminal_reward():
    env = _env(start_stage=3, prefill="oracle")
    env.reset(seed=3)
    gold = env.session.unwrapped.task.answers[0]
    env.Retrieve_memory(query="favourite sport")
    unfinished = env.get_reward()
    assert unfinished == pytest.approx(env.reward_terms["total"])
    assert env.reward_terms["task"] == -1.0
    feedback = env.Answer(text=gold)
    assert feedback.endswith(EPISODE_OVER) and env.session.done
    assert env.reward_terms["task"] == 1.0
    assert env.get_reward() == pytest.approx(env.session.total_reward)
    assert env.get_reward() > unfinished
    assert env.Add_memory(content="late") == EPISODE_OVER  # no step after the end


def test_reset_starts_over():
    env = _env()
    env.reset(seed=1)
    env.Add_memory(content="x")
    env.reset(seed=1)
    assert _ltm(env) == {}


def test_reward_term_funcs_report_terms():
    envs = [_env(start_stage=3, prefill="oracle") for _ in range(2)]
    for env in envs:
        env.reset(seed=3)
    envs[0].Answer(text=envs[0].session.unwrapped.task.answers[0])
    funcs = reward_term_funcs(("task", "total"))
    assert [f.__name__ for f in funcs] == ["agemem_task", "agemem_total"]
    assert funcs[0](prompts=None, completions=None, environments=envs) == [1.0, -1.0]
    assert funcs[1](environments=envs + [object()])[2] is None
    with pytest.raises(ValueError, match="environment_factory"):
        funcs[0](prompts=[], completions=[])


def test_structured_mode_only():
    with pytest.raises(ValueError, match="action_mode"):
        AgeMemToolEnv(action_mode="text")


def test_seed_dataset_columns():
    pytest.importorskip("datasets")
    data = seed_dataset(3, start=7)
    assert data.column_names == ["prompt", "seed"]
    assert data["seed"] == [7, 8, 9]
    assert data[0]["prompt"][0]["role"] == "system" and data[0]["prompt"][-1]["role"] == "user"
    with pytest.raises(ValueError):
        seed_dataset(0)
