"""Mem0Agent: the Mem0 v1 memory pipeline (Chhikara et al., 2025, arXiv:2504.19413).

For each new message: (1) extract candidate facts; (2) for each fact, search the most
similar stored memories; (3) one decision over all facts against those memories, each
fact becoming ADD, UPDATE (of a memory id), DELETE (of a memory id) or NONE; memory ids
are shown to the LLM as small integers ("0", "1", ...) and mapped back. Question time
retrieves the top-k memories. Each memory keeps the day its message was said
(``created_at`` in Mem0; the session stamp here), and answers read memories with their
dates, as Mem0's LoCoMo answer prompt does. Every write goes through the env's tools.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from baselines.agent_base import MemoryBaseline
from baselines.common import Key, Plan
from baselines.llm_steps import BadReply, string_list
from baselines.rules import retraction_topic, rule_event, rule_facts

EVENTS = ("ADD", "UPDATE", "DELETE", "NONE")
EXTRACT_SYSTEM = (
    "You are a Personal Information Organizer. Extract the facts, preferences and personal "
    "details stated in the user's message. Return JSON only: {\"facts\": [\"...\", ...]}; "
    "{\"facts\": []} when there are none."
)
DECIDE_SYSTEM = (
    "You manage a memory. For each new fact compare it with the existing memories and choose "
    "an event: ADD (new information), UPDATE (changes or refines the memory with that id), "
    "DELETE (contradicts or withdraws the memory with that id) or NONE (already known). "
    "Return JSON only: {\"memory\": [{\"id\": \"<id or new>\", \"text\": \"...\", "
    "\"event\": \"ADD|UPDATE|DELETE|NONE\"}]}."
)
MAX_INPUT_CHARS = 1500  # of a message shown to the extraction step


@dataclass(frozen=True)
class Action:
    """One decision: ``event`` on memory ``id`` (a small integer as shown, or "new")."""

    id: str
    text: str
    event: str


def decide_rule(facts: Sequence[str], old: Sequence[tuple[str, str]],
                near: Sequence[Sequence[str]] | None = None) -> list[Action]:
    """The rule decision: each fact against the shown memories (``(small id, text)``;
    with ``near``, only the ids its own search found); a withdrawn memory is deleted, a
    changed one updated to the fact, a known fact ignored, anything else added. Facts see
    the decisions of the facts before them.

    >>> decide_rule(["I moved from Lyon to Porto, Porto is my home city now."],
    ...             [("0", "Lyon is my home city.")])
    [Action(id='0', text='I moved from Lyon to Porto, Porto is my home city now.', event='UPDATE')]
    """
    shown = dict(old)
    actions: list[Action] = []
    for i, fact in enumerate(facts):
        ids = list(shown) if near is None else [k for k in near[i] if k in shown]
        events = [(rule_event(fact, shown[mem_id]), mem_id) for mem_id in ids]
        chosen = next((e for kind in ("DELETE", "UPDATE", "NONE") for e in events if e[0] == kind),
                      None)
        if chosen is None:
            if retraction_topic(fact) is None:  # a withdrawal of nothing adds nothing
                actions.append(Action("new", fact, "ADD"))
            continue
        event, mem_id = chosen
        actions.append(Action(mem_id, fact, event))
        if event == "UPDATE":
            shown[mem_id] = fact
        elif event == "DELETE":
            shown.pop(mem_id)
    return actions


def read_actions(value: Any, shown: Sequence[str]) -> list[Action]:
    """The decision step's reply as actions; items with an unknown event or id are
    skipped (as Mem0 does), a reply with no valid item is a BadReply.

    >>> read_actions({"memory": [{"id": "0", "text": "x", "event": "delete"}]}, ["0"])
    [Action(id='0', text='x', event='DELETE')]
    """
    items = value.get("memory") if isinstance(value, dict) else value
    if not isinstance(items, list):
        raise BadReply("expected a list under 'memory'")
    actions = []
    for item in items:
        if not isinstance(item, dict):
            continue
        event = str(item.get("event", "")).strip().upper()
        mem_id, text = str(item.get("id", "new")).strip(), str(item.get("text", "")).strip()
        if event not in EVENTS or (event in ("UPDATE", "DELETE") and mem_id not in shown):
            continue
        if event in ("ADD", "UPDATE") and not text:
            continue
        actions.append(Action(mem_id, text, event))
    if items and not actions:
        raise BadReply("no item of the reply names a valid event and id")
    return actions


class Mem0Agent(MemoryBaseline):
    """Mem0 v1 through the env's tools (see the module docstring).

    Args:
        search_k: Similar memories searched per fact (Mem0 v1 uses 5).
        updates: False makes a store that never updates (an ablation, not Mem0): an
            UPDATE or DELETE decision adds the new statement instead, so every old value
            stays beside it, as in a store of raw messages.
        **options: See ``MemoryBaseline``.

    >>> Mem0Agent().name
    'mem0'
    """

    name = "mem0"
    memory_kind = "fact"
    keeps_dates = True

    def __init__(self, backend: Any = None, seed: int = 0, *, search_k: int = 5,
                 updates: bool = True, **options: Any) -> None:
        super().__init__(backend, seed, **options)
        if search_k < 1:
            raise ValueError(f"search_k must be >= 1, got {search_k}")
        self.search_k, self.updates = search_k, updates

    def ingest(self, turns: list[str], plan: Plan, stage: int, session_end: bool) -> None:
        """Each new message as one ``add``: extract facts, search, decide, apply."""
        for turn in turns:
            date = self.date_of(turn)
            facts = self.extract(turn)
            if facts:
                self.apply(self.decide(facts, plan), plan, date)

    def extract(self, turn: str) -> list[str]:
        """Candidate facts of one message (LLM, else the rule extractor)."""
        if self.llm is None:
            return rule_facts(turn)
        return self.llm.ask("extract", EXTRACT_SYSTEM, turn[:MAX_INPUT_CHARS],
                            lambda v: string_list(v, "facts"), lambda: rule_facts(turn))

    def decide(self, facts: list[str], plan: Plan) -> tuple[list[Action], dict[str, Key]]:
        """The actions for ``facts`` against their similar memories, and the map from the
        small ids shown to the memories' keys."""
        view = {k: m for k, m in plan.view().items() if self._decides_on(m.metadata)}
        found = [[k for k, _ in self.similarity.top(f, view, self.search_k)] for f in facts]
        keys = list(dict.fromkeys(k for hits in found for k in hits))
        id_map = {str(i): key for i, key in enumerate(keys)}
        small = {key: i for i, key in id_map.items()}
        near = [[small[k] for k in hits] for hits in found]
        old = [(i, view[key].content) for i, key in id_map.items()]
        if self.llm is None:
            return decide_rule(facts, old, near), id_map
        user = json.dumps({"existing_memories": [{"id": i, "text": t} for i, t in old],
                           "new_facts": facts}, ensure_ascii=False)
        actions = self.llm.ask("decide", DECIDE_SYSTEM, user,
                               lambda v: read_actions(v, list(id_map)),
                               lambda: decide_rule(facts, old, near))
        return actions, id_map

    def apply(self, decision: tuple[list[Action], dict[str, Key]], plan: Plan,
              date: str | None = None) -> None:
        """Turn the actions into planned tool calls; an update takes the new date."""
        actions, id_map = decision
        for action in actions:
            if action.event == "ADD" or (action.event != "NONE" and not self.updates):
                plan.add(action.text, self.meta(self.memory_kind, date))
            elif action.event == "UPDATE":
                key = id_map[action.id]
                meta = {**plan.view()[key].metadata, "date": date} if date else None
                plan.update(key, action.text, meta)
            elif action.event == "DELETE":
                plan.delete(id_map[action.id])

    def _decides_on(self, metadata: dict[str, Any]) -> bool:
        """Which memories the vector pipeline compares against (all of Mem0's own)."""
        return metadata.get("kind", self.memory_kind) == self.memory_kind
