"""Unit tests for agents.memory_mirror, fed by the env's info data (no text parsing)."""

from __future__ import annotations

import gymnasium as gym

import agemem_env  # noqa: F401  (registers the ids)
from agemem_env.actions import render_completion
from agemem_env.core import ToolCall
from agents.memory_mirror import MemoryMirror


def _step(env, calls):
    return env.step(render_completion(calls))


def test_the_mirror_follows_the_store_through_every_tool() -> None:
    env = gym.make("AgeMem-Stage3-v0", embedder="hashing")
    env.reset(seed=0)
    mirror = MemoryMirror()
    text = "Line one of a note\nline two: mem_9 (0.99): not an id"
    calls = [ToolCall("Add_memory", {"content": text, "metadata": {"kind": "note"}}),
             ToolCall("Add_memory", {"content": "Ana lives in Porto"})]
    *_, info = _step(env, calls)
    assert mirror.absorb(calls, info["step_results"]) == ["mem_1", "mem_2"]
    assert mirror.entries["mem_1"].metadata == {"kind": "note"}
    calls = [ToolCall("Update_memory", {"memory_id": "mem_2", "content": "Ana lives in Lyon"}),
             ToolCall("Retrieve_memory", {"query": "Line one of a note", "top_k": 1})]
    *_, info = _step(env, calls)
    mirror.absorb(calls, info["step_results"])
    assert mirror.entries["mem_2"].content == "Ana lives in Lyon"
    # A multi-line memory comes back whole: ids and contents are data, not parsed prose.
    assert mirror.retrieved == {"mem_1": text}
    calls = [ToolCall("Delete_memory", {"memory_id": "mem_1", "confirmation": True})]
    *_, info = _step(env, calls)
    mirror.absorb(calls, info["step_results"])
    assert set(mirror.entries) == {"mem_2"} and mirror.retrieved == {}
    assert {r.id: r.content for r in env.unwrapped.ltm.records()} == mirror.contents()


def test_a_failed_call_changes_nothing_and_reports_no_id() -> None:
    mirror = MemoryMirror()
    calls = [ToolCall("Add_memory", {"content": ""})]
    assert mirror.absorb(calls, [{"name": "Add_memory", "ok": False, "added": []}]) == [None]
    assert mirror.entries == {}


def test_stage_one_lists_related_memories_as_data() -> None:
    env = gym.make("AgeMem-Stage3-v0", embedder="hashing")
    obs, info = env.reset(seed=3)
    assert info["auto_retrieved"] == []  # an empty store lists nothing
    turn = next(m["content"] for m in reversed(obs["messages"]) if m["role"] == "user")
    *_, info = _step(env, [ToolCall("Add_memory", {"content": turn})])
    hits = info["auto_retrieved"]
    assert hits and hits[0]["id"] == "mem_1" and hits[0]["content"] == turn
    mirror = MemoryMirror()
    mirror.show(hits)
    assert mirror.contents() == {"mem_1": turn} and mirror.retrieved == {}


def test_deleted_memories_are_not_brought_back_by_a_listing() -> None:
    mirror = MemoryMirror()
    mirror.forget("mem_4")
    mirror.show([{"id": "mem_4", "score": 0.9, "content": "old"}], retrieved=True)
    assert mirror.entries == {} and mirror.retrieved == {}
