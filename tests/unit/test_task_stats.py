"""Task statistics and the readable task view."""

from __future__ import annotations

import pytest

from agemem_env.tasks import Task, load_tasks
from agemem_env.tasks.stats import PER_TASK, format_task, task_stats


class WordCounter:
    """Counts whitespace-separated words: predictable token counts for the tests."""

    name = "words"

    def count(self, text: str) -> int:
        return len(text.split())


TASKS = [
    Task(
        "h1",
        ("one two three", "four five"),
        "Q1?",
        ("a",),
        ("f1", "f2"),
        distractors=("d",),
        source="hotpotqa",
        metadata={"type": "bridge"},
    ),
    Task(
        "h2", ("one",), "Q2?", ("b",), ("f1",), source="hotpotqa", metadata={"type": "comparison"}
    ),
    Task(
        "l1",
        ("one two", "three", "four", "five six seven eight"),
        "Q3?",
        ("c",),
        (),
        source="locomo",
        metadata={"category_name": "temporal", "evidence": ["D1:3"]},
    ),
]


def test_counts_sources_and_mix():
    stats = task_stats(TASKS, token_counter=WordCounter())
    assert stats["count"] == 3
    assert stats["sources"] == {"hotpotqa": 2, "locomo": 1}
    assert stats["mix"] == {
        "category_name": {"temporal": 1},
        "type": {"bridge": 1, "comparison": 1},
    }


def test_per_task_summaries():
    stats = task_stats(TASKS, token_counter=WordCounter())
    assert set(PER_TASK) <= set(stats)
    assert stats["stage1_tokens"] == {
        "min": 1,
        "median": 5,
        "mean": pytest.approx(14 / 3),
        "max": 8,
    }
    assert stats["information_turns"] == {
        "min": 1,
        "median": 2,
        "mean": pytest.approx(7 / 3),
        "max": 4,
    }
    assert stats["supporting_facts"]["max"] == 2 and stats["supporting_facts"]["min"] == 0
    assert stats["distractors"]["mean"] == pytest.approx(1 / 3)


def test_empty_list_and_default_counter():
    empty = task_stats([])
    assert empty["count"] == 0 and empty["sources"] == {} and empty["mix"] == {}
    assert empty["stage1_tokens"] == {"min": 0, "median": 0, "mean": 0.0, "max": 0}
    synthetic = task_stats(load_tasks("synthetic", limit=10, seed=0))  # tiktoken cl100k_base
    assert synthetic["stage1_tokens"]["min"] > 0
    assert sum(synthetic["mix"]["kind"].values()) == 10
    with pytest.raises(TypeError):
        task_stats(TASKS[0])


def test_format_task_shows_the_parts_and_cuts_long_text():
    long = Task(
        "x",
        tuple(f"turn {i} " + "word " * 200 for i in range(8)),
        "Who?",
        ("Ana",),
        ("Ana did it.",),
        distractors=("Nice day.",),
        source="demo",
        metadata={"kind": "multihop", "facts": [1, 2, 3]},
    )
    text = format_task(long, max_chars=50)
    for part in (
        "id: x",
        "source: demo",
        "question: Who?",
        "answers: Ana",
        "Ana did it.",
        "information (8 turns):",
        "... 3 more",
        "distractors (1):",
        "Nice day.",
        "kind=multihop",
        "facts=[3 items]",
    ):
        assert part in text, part
    assert max(len(line) for line in text.splitlines()) < 70
    assert "turn 5" not in text
