"""What each baseline reads at answer time: its own question-time retrievals, with the dates
it kept, its graph, its notes; and the rules that feed them (pronouns, subjects)."""

from __future__ import annotations

import gymnasium as gym
import pytest

import agemem_env  # noqa: F401  (registers the ids)
from agemem_env.tasks import Task
from agents.memory_mirror import Memory
from agents.protocol import TaskInfo
from agents.registry import make_agent
from baselines.amem import AMemAgent
from baselines.atommem import AtomMemAgent
from baselines.common import MAX_CALLS, Plan
from baselines.langmem import LangMemAgent
from baselines.mem0 import Mem0Agent
from baselines.mem0g import Mem0gAgent
from baselines.rag import RAGAgent
from baselines.rules import rule_triple, units

SESSION = "(Session 1, 1:56 pm on 8 May, 2023)\nCaroline: I went to a support group yesterday."


def _ingest(agent, *turns: str) -> Plan:
    plan = Plan(agent.mirror)
    agent.ingest(list(turns), plan, stage=1, session_end=True)
    return plan


@pytest.mark.parametrize("cls", [Mem0Agent, Mem0gAgent, AtomMemAgent, AMemAgent])
def test_systems_that_keep_dates_store_the_session_day(cls):
    plan = _ingest(cls(), SESSION)
    dates = {m.metadata.get("date") for m in plan.adds if m is not None}
    assert dates == {"8 May 2023"}


@pytest.mark.parametrize("cls", [LangMemAgent, RAGAgent])
def test_systems_without_timestamps_store_none(cls):
    plan = _ingest(cls(), SESSION)
    assert plan.adds and all("date" not in m.metadata for m in plan.adds if m is not None)


def test_a_retrieved_memory_is_read_with_its_date():
    agent = Mem0Agent()
    agent.mirror.entries["mem_1"] = Memory("Caroline: I went to a group yesterday.",
                                           {"kind": "fact", "date": "8 May 2023"})
    agent.mirror.retrieved["mem_1"] = "Caroline: I went to a group yesterday."
    assert agent.memory_passages() == ["(8 May 2023) Caroline: I went to a group yesterday."]


def test_amem_does_not_read_notes_evolution_marked_outdated():
    agent = AMemAgent()
    agent.mirror.entries["mem_1"] = Memory("Pablo lives in Chennai.", {"tags": ["outdated"]})
    agent.mirror.entries["mem_2"] = Memory("Pablo lives in Lisbon now.", {"tags": ["person"]})
    agent.mirror.retrieved.update({"mem_1": "Pablo lives in Chennai.",
                                   "mem_2": "Pablo lives in Lisbon now."})
    assert agent.memory_passages() == ["Pablo lives in Lisbon now."]


FORGOTTEN = Task(
    id="forgotten",
    information=("Nadia Rossi works at Veltrix Labs.", "Omar Haddad works at Brightwell Labs."),
    question="Where does Nadia Rossi work?",
    answers=("Veltrix Labs",),
    supporting_facts=("Nadia Rossi works at Veltrix Labs.",),
)


def _play(agent, task: Task):
    env = gym.make("AgeMem-Stage3-v0", embedder="hashing")
    obs, info = env.reset(seed=0, options={"task": task})
    agent.reset(TaskInfo("AgeMem-Stage3-v0", "text", 0))
    done = False
    while not done:
        obs, _, terminated, truncated, info = env.step(agent.act(obs, info))
        done = terminated or truncated
    return info


def test_answers_rest_on_question_time_retrieval_not_on_stage_1_sightings():
    # RAG retrieves for every Stage-1 turn, so the second turn's retrieval shows the first
    # fact; with a question-time retrieval that finds only the other fact, that sighting
    # must not answer.
    class WrongQuery(RAGAgent):
        def recall(self, question, round_index):
            calls = super().recall("Where does Omar Haddad work?", round_index)
            for call in calls:
                call.arguments["top_k"] = 1
            return calls

    agent = WrongQuery()
    info = _play(agent, FORGOTTEN)
    assert set(agent.mirror.retrieved) == {"mem_2"}
    assert info["answer"] != "Veltrix Labs"
    assert _play(RAGAgent(top_k=1), FORGOTTEN)["answer"] == "Veltrix Labs"


CHAIN = Task(
    id="chain",
    information=(
        "My friend Elena Eriksen works at Ulvane Foods.",
        "Hamburg is where Stellix Partners has its headquarters.",
        "The headquarters of Ulvane Foods are in Bologna.",
        "Arvion Foods has its headquarters in Montreal.",
        "Geography quiz: Bologna is in Italy.",
        "Fun fact: Utrecht is in Netherlands.",
    ),
    question="In which country is the city where the company Elena Eriksen works for is "
             "headquartered?",
    answers=("Italy",),
    supporting_facts=("Elena Eriksen works at Ulvane Foods.",
                      "Ulvane Foods is headquartered in Bologna.", "Bologna is in Italy."),
)


def test_mem0g_reads_a_three_hop_chain_off_its_graph():
    agent = Mem0gAgent()
    info = _play(agent, CHAIN)
    edges = agent.extra_passages(CHAIN.question)
    assert any("Bologna is in Italy" in e for e in edges)
    assert not any("Montreal" in e or "Utrecht" in e for e in edges)
    assert info["answer"] == "Italy"


def test_a_name_that_acts_is_the_subject_and_pronouns_take_the_name_before():
    triple = rule_triple("My friend Elena Eriksen works at Ulvane Foods.")
    assert (triple.subject, triple.object) == ("Elena Eriksen", "Ulvane Foods")
    said = units("I had lunch with Zora Duarte. These days they work at Corvina Foods.")
    assert said[1].startswith("Zora Duarte: ")
    assert rule_triple(said[1]).subject == "Zora Duarte"


def test_langmem_manages_a_session_early_when_its_writes_would_not_fit_one_step():
    agent = LangMemAgent()
    turns = [f"Person{i} Lastname{i} works at Company{i}." for i in range(MAX_CALLS)]
    plan = Plan(agent.mirror)
    agent.ingest(turns, plan, stage=2, session_end=False)
    assert len([m for m in plan.adds if m is not None]) == MAX_CALLS
    assert agent._session == []


def test_atommem_stops_reading_after_read_rounds():
    agent = AtomMemAgent(read_rounds=2)
    assert agent.recall("Where does Ana Lima work?", 0)
    assert agent.recall("Where does Ana Lima work?", 2) == []
    with pytest.raises(ValueError, match="read_rounds"):
        make_agent("atommem", read_rounds=0)


def test_mem0_without_updates_keeps_the_old_value_beside_the_new():
    old = "Pablo Horvat lives in Chennai."
    new = "Pablo Horvat lives in Lisbon now, they left Chennai."
    for updates, kept in ((True, [new]), (False, [old, new])):
        agent = Mem0Agent(updates=updates)
        agent.mirror.entries["mem_1"] = Memory(old, {"kind": "fact"})
        plan = _ingest(agent, new)
        stored = [c.arguments["content"] for c in plan.edits
                  if c.name == "Update_memory"] or [old]
        stored += [m.content for m in plan.adds if m is not None]
        assert stored == kept
