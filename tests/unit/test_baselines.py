"""The baselines' decision functions: each algorithm's defining rule, and the LLM steps."""

from __future__ import annotations

import networkx as nx
import pytest

from agemem_env.core import ToolCall
from agents.llm import ScriptedBackend
from agents.memory_mirror import Memory, MemoryMirror
from agents.registry import make_agent
from baselines.amem import AMemAgent, rule_evolution, rule_note
from baselines.common import MAX_CALLS, Plan
from baselines.langmem import consolidate_rule, read_writes
from baselines.llm_steps import BadReply, LLMSteps, first_json, string_list
from baselines.mem0 import Action, Mem0Agent, decide_rule, read_actions
from baselines.mem0g import Mem0gAgent, conflicts
from baselines.rules import Triple, rule_event, rule_facts, units

NAMES = ("no-memory", "rag", "mem0", "mem0g", "amem", "langmem")


def _mirror(*contents: str, kind: str = "fact") -> MemoryMirror:
    mirror = MemoryMirror()
    for i, text in enumerate(contents, start=1):
        mirror.entries[f"mem_{i}"] = Memory(text, {"kind": kind})
    return mirror


# ----------------------------------------------------------------------------- registry
@pytest.mark.parametrize("name", NAMES)
def test_registry_builds_each_baseline_in_rule_and_llm_mode(name):
    assert make_agent(name).name == name
    agent = make_agent(name, backend=ScriptedBackend(["x"]), seed=3)
    assert agent.llm is not None


def test_bad_options_are_rejected_with_the_field_named():
    with pytest.raises(ValueError, match="top_k"):
        Mem0Agent(top_k=0)
    with pytest.raises(ValueError, match="chunk_chars"):
        make_agent("rag", chunk_chars=50)


# ----------------------------------------------------------------------------- rule facts
def test_rule_facts_keep_facts_and_drop_small_talk():
    facts = rule_facts("I think I left the oven light on. My cousin Mei Xu lives in Osaka.")
    assert facts == ["My cousin Mei Xu lives in Osaka."]


def test_units_carry_the_topic_and_join_continuations():
    assert units("Caroline: I went to a support group.") == ["Caroline: I went to a support group."]
    joined = units("People keep asking about my favourite sport. It's tennis, without a doubt.")
    assert joined == ["People keep asking about my favourite sport. It's tennis, without a doubt."]


@pytest.mark.parametrize(("fact", "memory", "event"), [
    ("Pablo Horvat lives in Lisbon now, they left Chennai.", "Pablo Horvat lives in Chennai.",
     "UPDATE"),
    ("Update: I've gone off sushi, my favourite food is tacos now.", "My favourite food is sushi.",
     "UPDATE"),
    ("Forget what I said about where Dana Ortiz works, that was wrong.",
     "Dana Ortiz works at Veltrix Labs.", "DELETE"),
    ("My favourite food is sushi.", "My favourite food is sushi.", "NONE"),
    ("Mei Xu lives in Osaka.", "My favourite food is sushi.", "ADD"),
    # A change about someone else never rewrites this person's memory.
    ("Ana Silva lives in Rome now.", "Mei Xu lives in Osaka these days.", "ADD"),
])
def test_rule_event(fact, memory, event):
    assert rule_event(fact, memory) == event


# ----------------------------------------------------------------------------- plan
def test_plan_rewrites_pending_adds_and_fits_the_call_cap():
    plan = Plan(_mirror("Lyon is my home city."))
    key = plan.add("My favourite food is sushi.")
    plan.update(key, "My favourite food is tacos.")
    plan.update("mem_1", "Porto is my home city.")
    for i in range(30):
        plan.add(f"fact {i}")
    calls, keys = plan.calls()
    assert len(calls) <= MAX_CALLS
    assert calls[0] == ToolCall("Update_memory", {"memory_id": "mem_1",
                                                  "content": "Porto is my home city."})
    added = [c.arguments["content"] for c in calls if c.name == "Add_memory"]
    assert added[0].startswith("My favourite food is tacos.")
    assert "fact 29" in added[-1] and keys[0] == 0
    assert plan.view()["mem_1"].content == "Porto is my home city."


def test_mirror_absorbs_ids_updates_and_deletes():
    mirror = _mirror("old")
    calls = [ToolCall("Add_memory", {"content": "new"}),
             ToolCall("Delete_memory", {"memory_id": "mem_1", "confirmation": True}),
             ToolCall("Retrieve_memory", {"query": "new"})]
    results = [{"name": "Add_memory", "ok": True, "added": ["mem_2"]},
               {"name": "Delete_memory", "ok": True, "deleted": ["mem_1"]},
               {"name": "Retrieve_memory", "ok": True,
                "retrieved": [{"id": "mem_2", "score": 0.9, "content": "new"}]}]
    assert mirror.absorb(calls, results) == ["mem_2"]
    assert list(mirror.entries) == ["mem_2"] and mirror.retrieved == {"mem_2": "new"}


# ----------------------------------------------------------------------------- Mem0
def test_mem0_turns_a_contradiction_into_update():
    actions = decide_rule(["I moved from Lyon to Porto, so Porto is my home city now."],
                          [("0", "These days Lyon is my home city."), ("1", "I like tea.")])
    assert [(a.id, a.event) for a in actions] == [("0", "UPDATE")]


def test_mem0_turns_a_retraction_into_delete_and_ignores_known_facts():
    actions = decide_rule(
        ["Forget what I said about where Dana Ortiz works, that was wrong.", "I like tea."],
        [("0", "Dana Ortiz works at Veltrix Labs."), ("1", "I like tea.")])
    assert [(a.id, a.event) for a in actions] == [("0", "DELETE"), ("1", "NONE")]


def test_mem0_shows_small_ids_and_maps_them_back_to_memory_ids():
    backend = ScriptedBackend([
        '{"memory": [{"id": "0", "text": "Porto is my home city.", "event": "UPDATE"}]}'])
    agent = Mem0Agent(backend=backend)
    plan = Plan(_mirror("I like tea.", "Lyon is my home city."))
    actions, id_map = agent.decide(["Porto is my home city."], plan)
    prompt = backend.calls[0][-1]["content"]
    assert "mem_" not in prompt and '"id": "0"' in prompt
    assert id_map["0"] == "mem_2"  # the most similar memory is shown first
    agent.apply((actions, id_map), plan)
    assert plan.edits == [ToolCall("Update_memory", {"memory_id": "mem_2",
                                                     "content": "Porto is my home city."})]


def test_mem0_read_actions_skips_unknown_ids_and_rejects_garbage():
    value = {"memory": [{"id": "7", "text": "x", "event": "DELETE"},
                        {"id": "new", "text": "y", "event": "add"}]}
    assert read_actions(value, ["0"]) == [Action("new", "y", "ADD")]
    with pytest.raises(BadReply):
        read_actions({"memory": [{"id": "9", "event": "UPDATE", "text": "z"}]}, ["0"])


def test_mem0_falls_back_to_rules_on_garbage_and_counts_it():
    agent = Mem0Agent(backend=ScriptedBackend(lambda messages: "no idea, sorry"))
    plan = Plan(_mirror("Lyon is my home city."))
    facts = agent.extract("I moved from Lyon to Porto, so Porto is my home city now.")
    agent.apply(agent.decide(facts, plan), plan)
    assert agent.fallbacks == {"extract": 1, "decide": 1}
    assert [c.name for c in plan.edits] == ["Update_memory"]


# ----------------------------------------------------------------------------- Mem0g
def test_mem0g_marks_a_superseded_relation_obsolete():
    agent = Mem0gAgent()
    plan = Plan(MemoryMirror())
    old = Triple("Pablo Horvat", "liv", "Chennai", "Pablo Horvat lives in Chennai.")
    agent.add_triple(old, plan)
    agent.add_triple(Triple("Pablo Horvat", "liv", "Lisbon", "Pablo lives in Lisbon now."), plan)
    edges = {v: d["valid"] for _, v, d in agent.graph.edges(data=True)}
    assert edges == {"Chennai": False, "Lisbon": True}  # kept, not deleted
    assert [m.metadata["valid"] for m in plan.adds] == [False, True]
    assert agent.extra_passages("Where does Pablo Horvat live?") == ["Pablo lives in Lisbon now."]


def test_mem0g_conflicts_need_the_same_subject_and_relation():
    graph = nx.MultiDiGraph()
    graph.add_edge("Ana", "Rome", key="mem_1", relation="liv", valid=True, evidence="")
    assert conflicts(graph, Triple("Ana", "work", "Acme", "")) == []
    assert conflicts(graph, Triple("Bo", "liv", "Oslo", "")) == []
    assert conflicts(graph, Triple("Ana", "liv", "Oslo", "")) == [("Ana", "Rome", "mem_1")]


# ----------------------------------------------------------------------------- A-Mem
def test_amem_links_a_new_note_and_evolves_its_neighbour():
    agent = AMemAgent()
    mirror = MemoryMirror()
    note = rule_note("Pablo Horvat lives in Chennai.")
    mirror.entries["mem_1"] = Memory("Pablo Horvat lives in Chennai.", {
        "kind": "note", "tags": list(note.tags), "context": note.context, "links": []})
    plan = Plan(mirror)
    key = agent.add_note("Pablo Horvat lives in Lisbon now, they left Chennai.", plan)
    assert plan.adds[key].metadata["links"] == ["mem_1"]
    assert agent.links[key] == {"mem_1"} and key in agent.links["mem_1"]
    (update,) = plan.edits
    assert update.name == "Update_memory" and update.arguments["memory_id"] == "mem_1"
    assert update.arguments["content"] == "Pablo Horvat lives in Chennai."  # content kept
    assert "outdated" in update.arguments["metadata"]["tags"]


def test_amem_leaves_unrelated_neighbours_alone():
    old = Memory("I like tea.", {"tags": ["general"], "context": "tea"})
    assert rule_evolution(Memory("Ana lives in Rome.", {"tags": ["person"]}), [old]) == [None]


# ----------------------------------------------------------------------------- LangMem
def test_langmem_consolidates_duplicates_within_and_across_sessions():
    sushi = "My favourite food is sushi."
    session = [sushi, "Mei Xu lives in Osaka.", sushi]
    assert consolidate_rule(session, []) == [(None, "My favourite food is sushi."),
                                             (None, "Mei Xu lives in Osaka.")]
    assert consolidate_rule(session, [("0", "My favourite food is sushi.")]) == [
        (None, "Mei Xu lives in Osaka.")]


def test_langmem_deletes_only_when_enabled():
    existing = [("0", "Dana Ortiz works at Veltrix Labs.")]
    retraction = ["Forget what I said about where Dana Ortiz works, that was wrong."]
    assert consolidate_rule(retraction, existing) == []
    assert consolidate_rule(retraction, existing, enable_deletes=True) == [("0", None)]
    assert read_writes({"memories": [{"id": "0", "delete": True}]}, ["0"], True) == [("0", None)]
    with pytest.raises(BadReply):  # a delete it may not do leaves nothing usable
        read_writes({"memories": [{"id": "0", "delete": True}]}, ["0"], False)


def test_langmem_read_writes_inserts_on_unknown_ids():
    writes = read_writes({"memories": [{"id": "5", "content": "a"}, {"id": "0", "content": "b"}]},
                         ["0"], enable_deletes=False)
    assert writes == [(None, "a"), ("0", "b")]
    with pytest.raises(BadReply):
        read_writes({"memories": [{"id": "0"}]}, ["0"], enable_deletes=False)


# ----------------------------------------------------------------------------- LLM steps
def test_first_json_reads_fenced_and_truncated_json():
    assert first_json('```json\n{"facts": ["a", "b"') == {"facts": ["a", "b"]}
    with pytest.raises(BadReply):
        first_json("no json at all")
    with pytest.raises(BadReply):
        string_list({"facts": [1, 2]}, "facts")


def test_llm_answer_falls_back_to_the_reader_on_a_rambling_reply():
    steps = LLMSteps(ScriptedBackend(["<tool_call>[]</tool_call> " * 5, "Porto"]))
    passages = ["Dana works at Veltrix Labs.", "Veltrix Labs is headquartered in Porto."]
    question = "In which city is the company Dana works for headquartered?"
    assert steps.answer(question, passages) == "Porto"
    assert steps.fallbacks["answer"] == 1
    assert steps.answer(question, passages) == "Porto" and steps.fallbacks["answer"] == 1
    assert steps.usage.calls == 2
