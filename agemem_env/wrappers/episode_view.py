"""What the array wrappers know of an episode, read from the observation and ``info`` data.

The env reports every memory it showed as data: ``info["step_results"]`` (per executed
call: ``retrieved`` hits with id, score and content; ``deleted`` and ``updated`` ids) and
``info["auto_retrieved"]`` (the Stage-1 hits beside the new turns). The view keeps them;
it never parses ids out of the messages. What the wrappers call the *listing* is the most
recent list of hits (a retrieval's, else the auto-retrieval's), best first: that is the
list an action picks an Update or Delete target from, and the list whose scores
``FeatureObservation`` shows. An updated memory keeps its old content here until the env
shows it again (the info data give the id of an update, not its new content).

>>> view = EpisodeView()
>>> obs = {"stage": 1, "messages": [{"role": "user", "content": "Ana lives in Porto"}]}
>>> hit = {"id": "mem_1", "score": 0.8, "content": "Ana lived in Lyon"}
>>> view.update(obs, {"step_results": [], "auto_retrieved": [hit]})
>>> [(m.id, m.score) for m in view.listing], view.turns
([('mem_1', 0.8)], ['Ana lives in Porto'])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

QUESTION_STAGE = 3


@dataclass(frozen=True)
class ListedMemory:
    """One memory the env showed: id, its score against what was searched, content."""

    id: str
    score: float
    content: str


@dataclass
class EpisodeView:
    """The question, the user turns of the context and the memories the env has shown."""

    question: str | None = None
    """The Stage-3 question: the newest user message when Stage 3 opened."""
    turns: list[str] = field(default_factory=list)
    """User messages of the context other than the question, newest first."""
    new_turns: int = 0
    """How many of ``turns`` arrived after the agent's last message."""
    listing: list[ListedMemory] = field(default_factory=list)
    """The latest hits, best first, one per id, deleted ones taken out."""
    retrieved: dict[str, str] = field(default_factory=dict)
    """id -> content of every memory a Retrieve_memory call returned, oldest first."""
    known: dict[str, str] = field(default_factory=dict)
    """id -> content of every memory shown this episode (retrieved or auto-retrieved)."""
    retrievals: int = 0
    """Retrieve_memory calls that ran this episode."""
    last_failed: bool = False
    """The last step had a tool error or a format error."""

    def update(self, obs: Mapping[str, Any], info: Mapping[str, Any]) -> None:
        """Take in one step's observation and info (after ``reset`` or ``step``)."""
        messages = obs["messages"]
        if obs["stage"] == QUESTION_STAGE and self.question is None:
            users = [m["content"] for m in messages if m["role"] == "user"]
            self.question = users[-1] if users else ""
        self._read_turns(messages)
        results = info.get("step_results") or []
        self._forget([i for r in results if r.get("ok") for i in r.get("deleted") or ()])
        searched = [h for r in results if r.get("ok") for h in r.get("retrieved") or ()]
        for hit in searched:
            self.retrieved[hit["id"]] = hit["content"]
        self.retrievals += sum(bool(r.get("ok") and r.get("searched")) for r in results)
        hits = searched or list(info.get("auto_retrieved") or [])
        if hits:
            self.listing = _best_first(hits)
        self.known.update((m.id, m.content) for m in self.listing)
        self.last_failed = bool(info.get("step_errors")) or any(not r.get("ok")
                                                                for r in results)

    def passages(self) -> list[str]:
        """What an answer may be read from: retrieved memories oldest first, then the
        user turns of the context oldest first."""
        return [*self.retrieved.values(), *reversed(self.turns)]

    def _read_turns(self, messages: Sequence[Mapping[str, str]]) -> None:
        last = max((i for i, m in enumerate(messages) if m["role"] == "assistant"), default=-1)
        users = [(i, m["content"]) for i, m in enumerate(messages)
                 if m["role"] == "user" and m["content"] != self.question]
        self.turns = [text for _, text in reversed(users)]
        self.new_turns = sum(i > last for i, _ in users)

    def _forget(self, ids: Sequence[str]) -> None:
        gone = set(ids)
        self.listing = [m for m in self.listing if m.id not in gone]
        for table in (self.retrieved, self.known):
            for memory_id in gone:
                table.pop(memory_id, None)


def _best_first(hits: Sequence[Mapping[str, Any]]) -> list[ListedMemory]:
    """One entry per id (its best score), best first; ties keep the env's order."""
    best: dict[str, ListedMemory] = {}
    for hit in hits:
        seen = best.get(hit["id"])
        if seen is None or hit["score"] > seen.score:
            best[hit["id"]] = ListedMemory(hit["id"], float(hit["score"]), hit["content"])
    return sorted(best.values(), key=lambda m: -m.score)
