"""Whole env episodes of every baseline: rule mode, LLM mode (scripted), and each
algorithm's defining behaviour seen through the env's store and tool counts."""

from __future__ import annotations

import gymnasium as gym
import pytest

import agemem_env  # noqa: F401  (registers the ids)
from agemem_env.tasks import Task
from agents.llm import ScriptedBackend
from agents.protocol import TaskInfo
from agents.registry import make_agent

NAMES = ("no-memory", "rag", "mem0", "mem0g", "amem", "langmem")
MEMORY_NAMES = NAMES[1:]

CHANGING = Task(
    id="changing-1",
    information=(
        "My favourite food? Easy, sushi.",
        "Pablo Horvat lives in Chennai these days.",
        "I watched a documentary about octopuses, they're so clever.",
        "Mei Xu lives in Osaka.",
        "Update: I've gone off sushi, my favourite food is tacos now.",
        "Pablo Horvat lives in Lisbon now, they left Chennai.",
        "Mei Xu lives in Osaka.",
    ),
    question="In which city does Pablo Horvat live now?",
    answers=("Lisbon",),
    supporting_facts=("Pablo Horvat lives in Lisbon.",),
    distractors=("Did you see the rain last night?", "Pablo Ulrich lives in Guadalajara."),
)


def run(name: str, task: Task | None = None, seed: int = 0, **agent_kwargs):
    """One Stage-3 episode; returns (agent, env, last info, steps)."""
    env = gym.make("AgeMem-Stage3-v0", embedder="hashing")
    agent = make_agent(name, **agent_kwargs)
    obs, info = env.reset(seed=seed, options={"task": task} if task else None)
    agent.reset(TaskInfo("AgeMem-Stage3-v0", "text", seed))
    steps, done = 0, False
    while not done:
        obs, _, terminated, truncated, info = env.step(agent.act(obs, info))
        steps, done = steps + 1, terminated or truncated
    return agent, env.unwrapped, info, steps


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rule_mode_episode_is_clean(name, seed):
    _, env, info, _ = run(name, seed=seed)
    assert info["parse_errors"] == 0 and info["tool_errors"] == 0
    assert info["answer"]
    if name != "no-memory":
        assert info["ltm_size"] > 0


def test_rule_mode_baselines_answer_a_plain_synthetic_task():
    for name in MEMORY_NAMES:
        _, env, info, _ = run(name, seed=5)
        assert info["judge"]["score"] > 0, name


def test_rag_retrieves_on_every_user_turn():
    _, env, info, _ = run("rag", CHANGING)
    turns = len(CHANGING.information) + len(CHANGING.distractors)
    assert info["tool_calls"]["Retrieve_memory"] == turns + 1  # plus the question
    assert info["tool_calls"]["Add_memory"] == len(CHANGING.information)
    assert "Update_memory" not in info["tool_calls"] and "Filter_context" not in info["tool_calls"]


def test_mem0_rewrites_a_contradicted_memory():
    _, env, info, _ = run("mem0", CHANGING)
    calls = info["tool_calls"]
    assert calls.get("Update_memory", 0) + calls.get("Delete_memory", 0) >= 2
    contents = [r.content for r in env.ltm.records()]
    assert not any("Chennai these days" in c for c in contents)
    assert sum("Mei Xu lives in Osaka" in c for c in contents) == 1  # the repeat was NONE
    assert info["answer"] == "Lisbon"


def test_mem0g_keeps_the_superseded_relation_as_obsolete():
    agent, env, info, _ = run("mem0g", CHANGING)
    relations = [r for r in env.ltm.records() if r.metadata.get("kind") == "relation"]
    stale = [r for r in relations if r.metadata["object"] == "Chennai"]
    assert stale and stale[0].metadata["valid"] is False
    assert any(r.metadata["object"] == "Lisbon" and r.metadata["valid"] for r in relations)
    assert info["answer"] == "Lisbon"


def test_amem_links_notes_and_evolves_a_neighbour():
    agent, env, info, _ = run("amem", CHANGING)
    notes = env.ltm.records()
    assert any(r.metadata.get("links") for r in notes)
    assert info["tool_calls"].get("Update_memory", 0) >= 1
    outdated = [r for r in notes if "outdated" in r.metadata.get("tags", [])]
    assert any("Chennai these days" in r.content for r in outdated)


def test_amem_follows_links_at_question_time():
    agent, env, info, _ = run("amem", CHANGING, top_k=1)
    # One retrieval for the question, then the linked notes it did not bring back.
    assert info["tool_calls"]["Retrieve_memory"] >= 2


def test_langmem_writes_at_session_end_and_consolidates_duplicates():
    agent, env, info, steps = run("langmem", CHANGING)
    contents = [r.content for r in env.ltm.records()]
    assert sum("Mei Xu lives in Osaka" in c for c in contents) == 1
    assert sum("sushi" in c for c in contents) <= 1 and any("tacos" in c for c in contents)
    assert not any("Chennai these days" in c for c in contents)


def test_langmem_summarises_a_long_conversation():
    long_task = Task(id="long", information=tuple(
        f"My colleague Person{i} Lastname{i} works at Company{i} in City{i}, and we talked "
        f"for a while about their projects and plans for the coming year." for i in range(40)),
        question="Where does Person3 Lastname3 work?", answers=("Company3",),
        supporting_facts=("Person3 Lastname3 works at Company3.",))
    _, env, info, _ = run("langmem", long_task, summary_tokens=300)
    assert info["tool_calls"].get("Summary_context", 0) >= 1
    assert info["parse_errors"] == 0 and info["tool_errors"] == 0


def _good_reply(messages):
    system = messages[0]["content"]
    if "Personal Information Organizer" in system:
        return '{"facts": ["My favourite food is tacos."]}'
    if "manage a memory" in system:
        return '{"memory": [{"id": "new", "text": "My favourite food is tacos.", "event": "ADD"}]}'
    if "entity relations" in system:
        return ('{"relations": [{"source": "user", "relation": "favourite_food", '
                '"destination": "tacos"}]}')
    if "Describe the note" in system:
        return '{"keywords": ["food"], "context": "about food", "tags": ["preference"]}'
    if "should evolve" in system:
        return '{"should_evolve": false}'
    if "long-term memory" in system:
        return '{"memories": [{"id": null, "content": "My favourite food is tacos."}]}'
    return "tacos"


@pytest.mark.parametrize("name", NAMES)
def test_llm_mode_with_a_scripted_backend(name):
    agent, env, info, _ = run(name, CHANGING, backend=ScriptedBackend(_good_reply))
    assert info["parse_errors"] == 0 and info["tool_errors"] == 0
    assert agent.llm.usage.calls >= 1 and not agent.llm.fallbacks
    assert info["answer"] == "tacos"
    if name in ("mem0", "langmem"):
        assert {r.content for r in env.ltm.records()} == {"My favourite food is tacos."}


@pytest.mark.parametrize("name", MEMORY_NAMES)
def test_llm_mode_falls_back_to_rules_on_garbage(name):
    garbage = ScriptedBackend(lambda messages: "{{{ not json [[")
    agent, env, info, _ = run(name, CHANGING, backend=garbage)
    rule_agent, rule_env, _, _ = run(name, CHANGING)
    assert info["parse_errors"] == 0 and info["tool_errors"] == 0
    assert agent.llm.fallbacks  # counted per step
    # Every LLM step fell back, so the store is exactly what rule mode builds.
    assert [r.content for r in env.ltm.records()] == [r.content for r in rule_env.ltm.records()]
    assert info["answer"] == "Lisbon"


def test_baselines_run_on_a_long_real_style_turn():
    session = "(Session 1, 1:56 pm on 8 May, 2023)\n" + "\n".join(
        f"Caroline: I went to the Riverside Gallery with Melanie on day {i} and we talked a lot."
        for i in range(120))
    task = Task(id="long-turn", information=(session,), question="Where did Caroline go?",
                answers=("Riverside Gallery",), supporting_facts=(session.splitlines()[1],))
    for name in MEMORY_NAMES:
        _, env, info, _ = run(name, task)
        assert info["parse_errors"] == 0 and info["tool_errors"] == 0, name
