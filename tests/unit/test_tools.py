"""Each memory tool against a real long-term store and context, with the hashing embedder."""

from __future__ import annotations

import pytest

from agemem_env.core import ToolCall
from agemem_env.embed import make_embedder
from agemem_env.memory import LongTermMemory, ShortTermMemory
from agemem_env.memory.summarise import make_summariser
from agemem_env.tokens import make_token_counter
from agemem_env.tools import TOOL_SPECS, ToolContext, execute


@pytest.fixture
def ctx():
    embedder = make_embedder("hashing")
    stm = ShortTermMemory(make_token_counter(), budget=8192)
    stm.append("system", "You manage memory.", "system")
    return ToolContext(
        ltm=LongTermMemory(embedder), stm=stm, embedder=embedder, summariser=make_summariser(None)
    )


def run(ctx, name, **arguments):
    report = execute([ToolCall(name, arguments)], ctx)
    assert len(report.results) == 1
    return report.results[0]


def test_specs_follow_the_paper_order_and_required_arguments():
    names = [s.name for s in TOOL_SPECS]
    assert names == ["Add_memory", "Update_memory", "Delete_memory", "Retrieve_memory",
                     "Summary_context", "Filter_context", "Answer"]
    required = {s.name: s.schema()["parameters"]["required"] for s in TOOL_SPECS}
    assert required["Delete_memory"] == ["memory_id", "confirmation"]
    assert required["Retrieve_memory"] == ["query"]


def test_add_then_retrieve_ranks_the_matching_memory_first(ctx):
    assert run(ctx, "Add_memory", content="Dana works at Veltrix Labs").content == "stored as mem_1"
    run(ctx, "Add_memory", content="The football match ended two to one")
    result = run(ctx, "Retrieve_memory", query="Where does Dana work?", top_k=1)
    assert result.ok and [hit.id for hit in result.effects.retrieved] == ["mem_1"]
    assert "Veltrix" in result.content


def test_update_and_delete_by_id(ctx):
    run(ctx, "Add_memory", content="User likes jazz")
    assert run(ctx, "Update_memory", memory_id="mem_1", content="User likes blues").ok
    assert ctx.ltm.get("mem_1").content == "User likes blues"
    assert run(ctx, "Delete_memory", memory_id="mem_1", confirmation=True).ok
    assert len(ctx.ltm) == 0


@pytest.mark.parametrize(
    ("name", "arguments", "fragment"),
    [
        ("Update_memory", {"memory_id": "mem_7", "content": "x"}, "mem_7"),
        ("Delete_memory", {"memory_id": "mem_1", "confirmation": False}, "confirmation"),
        ("Delete_memory", {"memory_id": "mem_1"}, "missing required argument 'confirmation'"),
        ("Add_memory", {"content": 42}, "'content' must be string"),
        ("Add_memory", {"content": "x" * 5000}, "4000"),
        ("Add_memory", {"content": "  "}, "content"),
        ("Retrieve_memory", {"query": "x", "top_k": 0}, "top_k"),
        ("Retrieve_memory", {"query": "x", "top_k": True}, "'top_k' must be integer"),
        ("Summary_context", {"span": "few"}, "span"),
        ("Nope", {}, "unknown tool"),
    ],
)
def test_bad_calls_report_an_error_and_change_nothing(ctx, name, arguments, fragment):
    run(ctx, "Add_memory", content="User likes jazz")
    records, messages = ctx.ltm.records(), ctx.stm.messages
    result = run(ctx, name, **arguments)
    assert not result.ok
    assert fragment in result.content
    assert ctx.ltm.records() == records and ctx.stm.messages == messages


def test_string_spellings_of_ints_and_bools_are_accepted(ctx):
    run(ctx, "Add_memory", content="User likes jazz")
    assert run(ctx, "Retrieve_memory", query="jazz", top_k="2").ok
    assert run(ctx, "Delete_memory", memory_id="mem_1", confirmation="true").ok


def test_unknown_arguments_are_ignored_and_reported(ctx):
    result = run(ctx, "Add_memory", content="User likes jazz", colour="red")
    assert result.ok and "ignored unknown argument(s): colour" in result.content


def test_filter_removes_similar_messages_but_keeps_system(ctx):
    ctx.stm.append("user", "Did you watch the football match yesterday?", "distractor")
    ctx.stm.append("user", "Dana works at Veltrix Labs.", "information")
    result = run(ctx, "Filter_context", criteria="Did you watch the football match yesterday?")
    assert result.ok and "removed 1 messages" in result.content
    kinds = [m.kind for m in ctx.stm.messages]
    assert kinds == ["system", "information"]


def test_filter_keeps_messages_below_the_threshold(ctx):
    ctx.stm.append("user", "Dana works at Veltrix Labs.", "information")
    assert "removed 0 messages" in run(ctx, "Filter_context", criteria="football").content


def test_summary_of_last_n_replaces_only_those(ctx):
    for i in range(4):
        ctx.stm.append("user", f"Message number {i} about Porto and Lisbon.", "information")
    before = ctx.stm.total_tokens
    result = run(ctx, "Summary_context", span="2")
    assert result.ok
    kinds = [m.kind for m in ctx.stm.messages]
    assert kinds == ["system", "information", "information", "summary"]
    assert ctx.stm.total_tokens < before


def test_answer_call_stops_later_calls(ctx):
    report = execute(
        [ToolCall("Answer", {"text": "Porto"}), ToolCall("Add_memory", {"content": "x y"})], ctx
    )
    assert report.answer == "Porto" and report.results == ()
    assert len(ctx.ltm) == 0
