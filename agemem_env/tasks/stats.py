"""Look at tasks: summary statistics of a task list and a readable view of one task.

>>> from agemem_env.tasks.task import Task
>>> task = Task("t1", ("Ana lives in Porto.", "Nice weather today."), "Where does Ana live?",
...             ("Porto",), ("Ana lives in Porto.",), source="demo", metadata={"type": "bridge"})
>>> stats = task_stats([task])
>>> stats["count"], stats["sources"], stats["mix"], stats["information_turns"]["max"]
(1, {'demo': 1}, {'type': {'bridge': 1}}, 2)
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from agemem_env.tasks.task import Task
from agemem_env.tokens import TokenCounter, make_token_counter

__all__ = ["MIX_KEYS", "PER_TASK", "format_task", "task_stats"]

# Metadata keys that classify a task, whichever a source sets (LoCoMo "category_name",
# synthetic "kind", HotpotQA "type", LongMemEval "question_type").
MIX_KEYS: tuple[str, ...] = ("category_name", "kind", "type", "question_type")
# The per-task quantities task_stats summarises, with what each counts.
PER_TASK: Mapping[str, str] = {
    "stage1_tokens": "tokens in the Stage-1 turns (sum over turns)",
    "information_turns": "Stage-1 information turns",
    "supporting_facts": "gold supporting facts",
    "distractors": "Stage-2 distractor turns",
}


def task_stats(
    tasks: Sequence[Task], token_counter: TokenCounter | str | None = None
) -> dict[str, Any]:
    """Summarise a task list.

    Args:
        tasks: The tasks.
        token_counter: A counter or ``make_token_counter`` spec (``None``: cl100k_base).

    Returns:
        ``count``; ``sources`` (tasks per source); ``mix`` (for each of ``MIX_KEYS`` some
        task's metadata has: tasks per value, most common first); and for each key of
        ``PER_TASK`` a dict of ``min``, ``median``, ``mean`` and ``max`` (all 0 when there
        are no tasks).
    """
    if isinstance(tasks, Task):
        raise TypeError("task_stats takes a sequence of Task, not a single Task")
    tasks = list(tasks)
    counter = make_token_counter(token_counter)
    # Tasks of one conversation (LoCoMo, LongMemEval) share turns: count each text once.
    cache: dict[str, int] = {}

    def tokens(text: str) -> int:
        if text not in cache:
            cache[text] = counter.count(text)
        return cache[text]

    per_task = {
        "stage1_tokens": [sum(tokens(turn) for turn in t.information) for t in tasks],
        "information_turns": [len(t.information) for t in tasks],
        "supporting_facts": [len(t.supporting_facts) for t in tasks],
        "distractors": [len(t.distractors) for t in tasks],
    }
    return {
        "count": len(tasks),
        "sources": _tally(t.source for t in tasks),
        "mix": {
            key: _tally(_label(t.metadata[key]) for t in tasks if key in t.metadata)
            for key in MIX_KEYS
            if any(key in t.metadata for t in tasks)
        },
        **{name: _summary(values) for name, values in per_task.items()},
    }


def _tally(values: Any) -> dict[str, int]:
    """Counts per value, most common first, ties by value."""
    counts = Counter(values)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _label(value: Any) -> str:
    return value if isinstance(value, str) else repr(value)


def _summary(values: list[int]) -> dict[str, float]:
    """Min, median, mean and max; zeros for no values.

    >>> _summary([1, 2, 6])
    {'min': 1, 'median': 2, 'mean': 3.0, 'max': 6}
    """
    if not values:
        return {"min": 0, "median": 0, "mean": 0.0, "max": 0}
    return {
        "min": min(values),
        "median": statistics.median(values),
        "mean": statistics.fmean(values),
        "max": max(values),
    }


def format_task(task: Task, max_chars: int = 400, max_turns: int = 5) -> str:
    """A readable multi-line view of a task; long texts and lists are cut.

    Args:
        task: The task.
        max_chars: Longest text shown for one turn, fact or metadata value.
        max_turns: Most information turns (and distractors) listed.

    >>> task = Task("t1", ("Ana lives in Porto.", "Nice weather today."), "Where does Ana live?",
    ...             ("Porto",), ("Ana lives in Porto.",), source="demo", metadata={"hops": 1})
    >>> print(format_task(task, max_turns=1))
    id: t1
    source: demo
    question: Where does Ana live?
    answers: Porto
    supporting facts (1):
      - Ana lives in Porto.
    information (2 turns):
      1. Ana lives in Porto.
      ... 1 more
    distractors (0)
    metadata: hops=1
    """
    lines = [
        f"id: {task.id}",
        f"source: {task.source}",
        f"question: {_clip(task.question, max_chars)}",
        f"answers: {' | '.join(_clip(a, max_chars) for a in task.answers)}",
        f"supporting facts ({len(task.supporting_facts)}):",
        *(f"  - {_clip(fact, max_chars)}" for fact in task.supporting_facts),
        f"information ({len(task.information)} turns):",
        *_listing(task.information, max_chars, max_turns),
        f"distractors ({len(task.distractors)})" + (":" if task.distractors else ""),
        *_listing(task.distractors, max_chars, max_turns),
        f"metadata: {_metadata_summary(task.metadata, max_chars) or '(none)'}",
    ]
    return "\n".join(lines)


def _listing(turns: Sequence[str], max_chars: int, max_turns: int) -> list[str]:
    lines = [f"  {n}. {_clip(turn, max_chars)}" for n, turn in enumerate(turns[:max_turns], 1)]
    if len(turns) > max_turns:
        lines.append(f"  ... {len(turns) - max_turns} more")
    return lines


def _metadata_summary(metadata: Mapping[str, Any], max_chars: int) -> str:
    """Scalars as values, containers as their size, each value cut to ``max_chars // 4``.

    >>> _metadata_summary({"kind": "multihop", "facts": (1, 2), "config": {"a": 1}}, 400)
    'kind=multihop, facts=[2 items], config={1 keys}'
    """
    parts = []
    for key, value in metadata.items():
        if isinstance(value, Mapping):
            shown = f"{{{len(value)} keys}}"
        elif isinstance(value, list | tuple | set | frozenset):
            shown = f"[{len(value)} items]"
        else:
            shown = _clip(str(value), max(8, max_chars // 4))
        parts.append(f"{key}={shown}")
    return ", ".join(parts)


def _clip(text: str, max_chars: int) -> str:
    """Whitespace collapsed to single spaces, cut to ``max_chars`` with "...".

    >>> _clip("a  very\\nlong line", 9)
    'a very...'
    """
    flat = " ".join(text.split())
    if len(flat) <= max_chars:
        return flat
    return flat[: max(0, max_chars - 3)].rstrip() + "..."
