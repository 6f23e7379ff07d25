"""LangMemAgent: LangMem-style background memory management (LangChain's LangMem SDK).

During a session nothing is written: the turns are buffered, and the running conversation
is kept short by a summary (Summary_context, as LangMem's ``SummarizationNode`` does). At
the session's end (a stage's last step) the memory manager runs in the background: it
extracts memories from the whole session, then consolidates them with the stored ones:
a duplicate is dropped, a changed fact updates the memory it changes (``insert`` /
``update``); deletions happen only with ``enable_deletes`` (off by default, as in
``create_memory_manager``). Question time searches the store (``search_memory``).
"""

from __future__ import annotations

import json
from typing import Any

from agemem_env.core import ToolCall
from baselines.agent_base import MemoryBaseline
from baselines.common import MAX_CALLS, Key, Plan
from baselines.llm_steps import BadReply
from baselines.rules import retraction_topic, rule_event, rule_facts, terms

MANAGE_SYSTEM = (
    "You manage long-term memory. Read the session and the existing memories (with ids). "
    "Extract the durable facts and preferences of the session. For a fact that changes an "
    "existing memory give its id; for a new fact give id null. Return JSON only: "
    "{\"memories\": [{\"id\": null, \"content\": \"...\"}]}."
)
MAX_SESSION_CHARS = 2000  # of the session shown to the manager step


def consolidate_rule(memories: list[str], existing: list[tuple[str, str]],
                     enable_deletes: bool = False) -> list[tuple[str | None, str | None]]:
    """The rule memory manager: ``(id, content)`` per write; ``id`` None inserts,
    ``content`` None deletes. Session memories first settle among themselves (a later
    change replaces an earlier value, a repeat is dropped), then each meets the shown
    memories ``(small id, text)``: known ones are dropped, changes update.

    >>> consolidate_rule(["My favourite food is sushi.", "My favourite food is sushi."], [])
    [(None, 'My favourite food is sushi.')]
    >>> consolidate_rule(["I moved from Lyon to Porto, Porto is my home city now."],
    ...                  [("0", "Lyon is my home city.")])
    [('0', 'I moved from Lyon to Porto, Porto is my home city now.')]
    """
    session: list[str] = []
    for memory in memories:
        # Only memories sharing a word can repeat or change each other (and it is cheap).
        events = [rule_event(memory, s) if terms(memory) & terms(s) else "ADD" for s in session]
        if "NONE" in events:
            continue
        if "DELETE" in events:
            session.pop(events.index("DELETE"))
        elif "UPDATE" in events:
            session[events.index("UPDATE")] = memory
        else:
            session.append(memory)  # a withdrawal of nothing new meets the store below
    shown, writes = dict(existing), []
    for memory in session:
        events = {mem_id: rule_event(memory, text) for mem_id, text in shown.items()}
        target = next((i for i, e in events.items() if e == "UPDATE"), None)
        doomed = next((i for i, e in events.items() if e == "DELETE"), None)
        if doomed is not None and enable_deletes:
            writes.append((doomed, None))
            shown.pop(doomed)
        elif retraction_topic(memory) is not None or "NONE" in events.values():
            continue  # never store a withdrawal; drop what is known
        elif target is not None:
            writes.append((target, memory))
            shown[target] = memory
        else:
            writes.append((None, memory))
    return writes


def read_writes(value: Any, shown: list[str], enable_deletes: bool
                ) -> list[tuple[str | None, str | None]]:
    """The manager step's reply as writes; BadReply when no item is usable."""
    items = value.get("memories") if isinstance(value, dict) else value
    if not isinstance(items, list):
        raise BadReply("expected a list under 'memories'")
    writes: list[tuple[str | None, str | None]] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        mem_id = None if item.get("id") is None else str(item["id"]).strip()
        content = item.get("content")
        if mem_id is not None and mem_id not in shown:
            mem_id = None  # an unknown id: insert instead, as LangMem does
        if item.get("delete") is True and mem_id is not None and enable_deletes:
            writes.append((mem_id, None))
        elif isinstance(content, str) and content.strip():
            writes.append((mem_id, content.strip()))
    if items and not writes:
        raise BadReply("no usable memory in the reply")
    return writes


class LangMemAgent(MemoryBaseline):
    """LangMem-style agent (see the module docstring).

    Args:
        enable_deletes: Let consolidation delete memories.
        search_k: Stored memories the manager is shown per extracted memory.
        summary_tokens: Summarise the context once it holds this many tokens (LangMem's
            ``SummarizationNode`` summarises past a token limit).
        max_session_chars: Manage a session early once its buffered turns pass this
            many characters (a LoCoMo stage holds many sessions).
        **options: See ``MemoryBaseline`` (``top_k`` is 10 here, the default ``limit`` of
            LangMem's ``search_memory``).

    >>> LangMemAgent().name
    'langmem'
    """

    name = "langmem"

    def __init__(self, backend: Any = None, seed: int = 0, *, enable_deletes: bool = False,
                 search_k: int = 3, summary_tokens: int = 1024,
                 max_session_chars: int = 4000, **options: Any) -> None:
        # LangMem's search_memory tool returns 10 memories unless told otherwise.
        options.setdefault("top_k", 10)
        super().__init__(backend, seed, **options)
        if search_k < 1 or summary_tokens < 1:
            raise ValueError(f"search_k and summary_tokens must be >= 1, got {search_k}, "
                             f"{summary_tokens}")
        self.enable_deletes, self.search_k, self.summary_tokens = (
            enable_deletes, search_k, summary_tokens)
        self.max_session_chars = max_session_chars
        self._session: list[str] = []

    def on_reset(self) -> None:
        """An empty session buffer."""
        self._session = []

    def ingest(self, turns: list[str], plan: Plan, stage: int, session_end: bool) -> None:
        """Buffer the turns; at the session's end, extract and consolidate."""
        self._session += turns
        # A long session is managed in parts, so that its writes fit one step's calls.
        too_long = (sum(map(len, self._session)) > self.max_session_chars
                    or sum(len(rule_facts(t)) for t in self._session) > MAX_CALLS - 4)
        if (session_end or too_long) and self._session:
            self.manage(self._session, plan)
            self._session = []

    def manage(self, session: list[str], plan: Plan) -> None:
        """The background memory manager over one session."""
        facts = [f for turn in session for f in rule_facts(turn)]
        view = {k: m for k, m in plan.view().items() if m.metadata.get("kind") == "memory"}
        keys: list[Key] = []
        for fact in facts or [" ".join(session)[:1000]]:
            keys += [k for k, _ in self.similarity.top(fact, view, self.search_k) if k not in keys]
        id_map = {str(i): k for i, k in enumerate(keys)}
        shown = [(i, view[k].content) for i, k in id_map.items()]
        writes = self._writes(session, facts, shown)
        for mem_id, content in writes:
            if mem_id is None and content is not None:
                plan.add(content, {"kind": "memory"})
            elif content is None:
                plan.delete(id_map[mem_id])
            else:
                plan.update(id_map[mem_id], content)

    def _writes(self, session: list[str], facts: list[str], shown: list[tuple[str, str]]
                ) -> list[tuple[str | None, str | None]]:
        if self.llm is None:
            return consolidate_rule(facts, shown, self.enable_deletes)
        user = json.dumps({"existing": [{"id": i, "content": t} for i, t in shown],
                           "session": "\n".join(session)[-MAX_SESSION_CHARS:]},
                          ensure_ascii=False)
        return self.llm.ask("manage", MANAGE_SYSTEM, user,
                            lambda v: read_writes(v, [i for i, _ in shown], self.enable_deletes),
                            lambda: consolidate_rule(facts, shown, self.enable_deletes))

    def context_calls(self, observation: dict[str, Any]) -> list[ToolCall]:
        """The running summary: fold the conversation into one message when it grows."""
        messages = observation["messages"]
        talk = sum(1 for m in messages if m["role"] != "system")
        # The limit is on the conversation; the system prompt (~4 characters a token) stays.
        system = sum(len(m["content"]) for m in messages if m["role"] == "system") // 4
        if observation["context_tokens"] - system < self.summary_tokens or talk < 2:
            return []
        return [ToolCall("Summary_context", {"span": "all"})]


