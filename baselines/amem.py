"""AMemAgent: A-Mem, agentic memory as linked notes (Xu et al., 2025, arXiv:2502.12110).

Each message becomes a note: its content plus keywords, tags and a one-line context
(note construction). The new note is linked to its nearest stored notes (link
generation), and may rewrite those neighbours' tags and context (memory evolution); the
rewrite is an Update_memory of the neighbour's metadata, its content kept. At question
time the top-k notes are retrieved, then the notes they link to (one more step of
retrievals, each by the linked note's own text). A note keeps its timestamp (the day its
message was said), and a note that evolution marked "outdated" is not read at answer time:
its own context says a newer note superseded it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from agemem_env.core import ToolCall
from agents.reader import entity_spans, has_change_cue, terms
from baselines.agent_base import QUERY_CHARS, MemoryBaseline
from baselines.common import Key, Memory, Plan
from baselines.llm_steps import BadReply, string_list
from baselines.rules import chunks, rule_event, rule_triple

NOTE_SYSTEM = (
    "Describe the note for a memory system. Return JSON only: {\"keywords\": [...], "
    "\"context\": \"one sentence on what it is about\", \"tags\": [...]}."
)
EVOLVE_SYSTEM = (
    "A new note joins a memory; its nearest notes are listed with ids. Decide whether they "
    "should evolve. Return JSON only: {\"should_evolve\": true|false, \"new_context_neighborhood\""
    ": [\"...\" per neighbour], \"new_tags_neighborhood\": [[...] per neighbour]}."
)


@dataclass(frozen=True)
class Note:
    """A note's attributes (its content is the memory's content)."""

    keywords: tuple[str, ...]
    context: str
    tags: tuple[str, ...]


def rule_note(content: str) -> Note:
    """Keywords (names, then content words), tags (kinds of content) and a context line.

    >>> rule_note("Pablo Horvat lives in Lisbon now.").tags
    ('person', 'change')
    """
    names = entity_spans(content)
    words = sorted(terms(content) - terms(" ".join(names)))
    keywords = tuple(dict.fromkeys([*names, *words]))[:6]
    kinds = (("person", bool(names)), ("preference", "favourite" in content.lower()),
             ("change", has_change_cue(content)))
    tags = [tag for tag, hit in kinds if hit]
    triple = rule_triple(content)
    context = (f"About {triple.subject}: {triple.relation.replace('_', ' ')}" if triple
               else " ".join(content.split()[:8]))
    return Note(keywords, context, tuple(tags) or ("general",))


def rule_evolution(note: Memory, neighbours: list[Memory]) -> list[dict[str, Any] | None]:
    """For each neighbour its new metadata, or None to leave it: a neighbour the note
    supersedes is tagged "outdated" and says so in its context; one that shares a tag
    with the note gains the note's tags.

    >>> old = Memory("Pablo lives in Chennai.", {"tags": ["person"], "context": "About Pablo"})
    >>> rule_evolution(Memory("Pablo lives in Lisbon now, they left Chennai.",
    ...                       {"tags": ["person", "change"]}), [old])[0]["tags"]
    ['change', 'outdated', 'person']
    """
    out: list[dict[str, Any] | None] = []
    new_tags = set(note.metadata.get("tags", ()))
    for nb in neighbours:
        meta, tags = dict(nb.metadata), set(nb.metadata.get("tags", ()))
        if rule_event(note.content, nb.content) == "UPDATE":
            meta["tags"] = sorted(tags | new_tags | {"outdated"})
            meta["context"] = f"{meta.get('context', '')} (superseded by a newer note)".strip()
        elif tags & new_tags and not new_tags <= tags:
            meta["tags"] = sorted(tags | new_tags)
        else:
            out.append(None)
            continue
        out.append(meta)
    return out


def read_note(value: Any) -> Note:
    """The note step's reply; BadReply when a field is missing or of the wrong type."""
    if not isinstance(value, dict) or not isinstance(value.get("context"), str):
        raise BadReply("expected an object with keywords, context and tags")
    return Note(tuple(string_list(value, "keywords")), value["context"].strip(),
                tuple(string_list(value, "tags")))


def read_evolution(value: Any, neighbours: list[Memory]) -> list[dict[str, Any] | None]:
    """The evolution step's reply as new metadata per neighbour (None: unchanged)."""
    if not isinstance(value, dict) or not isinstance(value.get("should_evolve"), bool):
        raise BadReply("expected an object with a boolean should_evolve")
    if not value["should_evolve"]:
        return [None] * len(neighbours)
    contexts = value.get("new_context_neighborhood") or []
    tag_lists = value.get("new_tags_neighborhood") or []
    out: list[dict[str, Any] | None] = []
    for i, nb in enumerate(neighbours):
        meta = dict(nb.metadata)
        if i < len(contexts) and isinstance(contexts[i], str) and contexts[i].strip():
            meta["context"] = contexts[i].strip()
        if i < len(tag_lists) and isinstance(tag_lists[i], list):
            meta["tags"] = [str(t) for t in tag_lists[i]]
        out.append(meta if meta != nb.metadata else None)
    return out


class AMemAgent(MemoryBaseline):
    """A-Mem through the env's tools (see the module docstring).

    Args:
        link_k: Nearest notes a new note links to.
        link_floor: Lowest similarity of a link.
        max_follow: Linked notes retrieved at question time.
        chunk_chars: Longest note (longer messages become several notes).
        **options: See ``MemoryBaseline``.

    >>> AMemAgent().name
    'amem'
    """

    name = "amem"
    keeps_dates = True

    def __init__(self, backend: Any = None, seed: int = 0, *, link_k: int = 3,
                 link_floor: float = 0.25, max_follow: int = 4, chunk_chars: int = 1500,
                 **options: Any) -> None:
        super().__init__(backend, seed, **options)
        if link_k < 1 or max_follow < 0 or not 100 <= chunk_chars <= 4000:
            raise ValueError(f"need link_k >= 1, max_follow >= 0, chunk_chars in 100..4000; "
                             f"got {link_k}, {max_follow}, {chunk_chars}")
        self.link_k, self.link_floor = link_k, link_floor
        self.max_follow, self.chunk_chars = max_follow, chunk_chars
        self.links: dict[Key, set[Key]] = {}

    def on_reset(self) -> None:
        """No links yet."""
        self.links = {}

    def on_added(self, ids: dict[int, str | None]) -> None:
        """Pending notes of the last step now have ids: rename them in the link graph."""
        def rename(key: Key) -> Key | None:
            return ids.get(key) if isinstance(key, int) else key
        renamed: dict[Key, set[Key]] = {}
        for key, linked in self.links.items():
            if (new := rename(key)) is not None:
                renamed[new] = {k for k in map(rename, linked) if k is not None}
        self.links = renamed

    def ingest(self, turns: list[str], plan: Plan, stage: int, session_end: bool) -> None:
        """A note per message (per chunk of a long one): construct, link, evolve."""
        for turn in turns:
            date = self.date_of(turn)
            for piece in chunks(turn, self.chunk_chars):
                self.add_note(piece, plan, date)

    def reads(self, memory: Memory) -> bool:
        """Every note but those evolution marked outdated."""
        return "outdated" not in memory.metadata.get("tags", ())

    def add_note(self, content: str, plan: Plan, date: str | None = None) -> Key:
        """Plan the note's Add_memory and its neighbours' evolution; returns its key."""
        note = self.construct(content)
        view = {k: m for k, m in plan.view().items() if m.metadata.get("kind") == "note"}
        near = [k for k, _ in self.similarity.top(content, view, self.link_k, self.link_floor)]
        meta = {**self.meta("note", date), "keywords": list(note.keywords),
                "context": note.context, "tags": list(note.tags),
                "links": [k for k in near if isinstance(k, str)]}
        key = plan.add(content, meta)
        self.links[key] = set(near)
        for k in near:
            self.links.setdefault(k, set()).add(key)
        neighbours = [view[k] for k in near]
        for k, new_meta in zip(near, self.evolve(Memory(content, meta), neighbours), strict=True):
            if new_meta is not None:
                plan.update(k, view[k].content, json.loads(json.dumps(new_meta)))
        return key

    def construct(self, content: str) -> Note:
        """Note construction (LLM, else rules)."""
        if self.llm is None:
            return rule_note(content)
        return self.llm.ask("note", NOTE_SYSTEM, content[:QUERY_CHARS], read_note,
                            lambda: rule_note(content))

    def evolve(self, note: Memory, neighbours: list[Memory]) -> list[dict[str, Any] | None]:
        """Memory evolution of the neighbours (LLM, else rules)."""
        if not neighbours:
            return []
        if self.llm is None:
            return rule_evolution(note, neighbours)
        shown = [{"id": i, "content": m.content[:300], "context": m.metadata.get("context"),
                  "tags": m.metadata.get("tags")} for i, m in enumerate(neighbours)]
        user = json.dumps({"new_note": note.content[:500], "neighbours": shown}, ensure_ascii=False)
        return self.llm.ask("evolve", EVOLVE_SYSTEM, user,
                            lambda v: read_evolution(v, neighbours),
                            lambda: rule_evolution(note, neighbours))

    def recall(self, question: str, round_index: int) -> list[ToolCall]:
        """Top-k notes first; then the notes they link to, each retrieved by its text."""
        if round_index == 0:
            return super().recall(question, 0)
        if round_index > 1:
            return []
        seen = set(self.mirror.retrieved)
        linked = sorted({k for r in seen for k in self.links.get(r, ())
                         if isinstance(k, str) and k not in seen and k in self.mirror.entries})
        return [ToolCall("Retrieve_memory", {"query": self.mirror.entries[k].content[:QUERY_CHARS],
                                             "top_k": 1}) for k in linked[: self.max_follow]]
