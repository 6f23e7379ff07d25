"""HeuristicAgent: all six memory tools used by fixed rules, without the gold (AgeMem-noRL).

Stage 1: every new user turn is cut into sentences; informative ones are stored
(Add_memory), a sentence that changes a stored fact rewrites that memory (Update_memory,
found through the old value it names: "moved from *Lyon*"), a retraction removes the
memory it names (Delete_memory); the context is summarised when it passes 70% of the
budget. Stage 2: distractor-looking messages are filtered, then the stage is ended.
Stage 3: one step retrieves the question (top 5), its focus ("my favourite food") and the
names it mentions (top 3 each); each entity the reader then bridges through is retrieved
too (at most two more steps), and the extractive reader answers from what came back.
Small-talk turns of Stage 1 are filtered from the context rather than stored. A sentence of
a dated session is stored with its date in front ("(25 May 2023) Caroline: ..."), so that
"yesterday" can still be placed when the question comes; only what the Stage-3 retrievals
return is read then.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from agemem_env.actions.text import render_completion
from agemem_env.core import ToolCall
from agemem_env.memory.summarise import SUMMARY_PREFIX
from agents.memory_mirror import MemoryMirror
from agents.observation import rounds_per_stage, token_budget
from agents.protocol import TaskInfo
from agents.reader import entity_spans, has_change_cue, read, split_sentences, terms
from agents.reader_dates import dated, format_date, parse_stamp

MAX_CALLS = 16  # the parser runs at most 16 calls per completion
# "Forget what I said about X": only with the thing named ("about"), so a sentence that
# merely says something "was wrong" never deletes a memory.
_RETRACTION_RE = re.compile(
    r"\b(?:forget|scratch|ignore|disregard|take back)\s+what\s+i\s+"
    r"(?:said|told you|mentioned)\s+about\b",
    re.IGNORECASE,
)
_OLD_VALUE_RE = re.compile(
    r"\b(?:from|off|left|not|replaced|no longer at|no longer in|instead of)\s+"
    r"((?:[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*)|[a-z][\w'-]*)"
)
# Words that mark a personal fact even without a name ("my favourite drink is chai").
_FACT_WORDS = frozenset("favourite favorite prefer prefers preferred allergic named".split())
_FIRST_PERSON_RE = re.compile(r"\b(?:i|me|my|mine|i'm|i've)\b", re.IGNORECASE)


@dataclass
class _Plan:
    """One step's calls under construction; pending adds may still be rewritten."""

    adds: list[str]
    edits: list[ToolCall]


class HeuristicAgent:
    """Rule-based memory management around the extractive reader (see module docstring).

    Args:
        top_k: Memories per question retrieval.
        summary_ratio: Summarise the context above this share of the token budget.
        max_follow_ups: Stage-3 steps that retrieve an entity the reader bridged to.

    >>> HeuristicAgent().name
    'heuristic'
    """

    name = "heuristic"

    def __init__(self, top_k: int = 5, summary_ratio: float = 0.7, max_follow_ups: int = 2):
        self.top_k, self.summary_ratio, self.max_follow_ups = top_k, summary_ratio, max_follow_ups
        self._follow_ups = 0
        self.mirror = MemoryMirror()
        self._seen: set[str] = set()  # Stage-1 turns already handled
        self._last_calls: list[ToolCall] = []
        self._queried: list[str] = []
        self._question: str | None = None

    def reset(self, task_info: TaskInfo) -> None:
        """Forget the previous episode; raises ValueError outside text mode."""
        if task_info.action_mode != "text":
            raise ValueError(f"HeuristicAgent acts in text mode, not {task_info.action_mode!r}")
        self.mirror, self._seen = MemoryMirror(), set()
        self._last_calls, self._queried, self._question = [], [], None
        self._follow_ups = 0

    def act(self, observation: dict[str, Any], info: dict[str, Any]) -> str:
        """The completion for this observation."""
        self._absorb(observation, info)
        stage = observation["stage"]
        if stage == 1:
            calls, answer = self._construct(observation)
        elif stage == 2:
            calls, answer = self._clean(observation)
        else:
            calls, answer = self._ask(observation)
        self._last_calls = calls
        return render_completion(calls, answer=answer, think=f"Stage {stage}: apply the rules.")

    # ----------------------------------------------------------------- bookkeeping
    def _absorb(self, observation: dict[str, Any], info: dict[str, Any]) -> None:
        """Mirror the store: last step's results, and the memories Stage 1 listed."""
        self.mirror.absorb(self._last_calls, info.get("step_results") or [])
        self.mirror.show(info.get("auto_retrieved") or [])

    # ----------------------------------------------------------------- stage 1
    def _construct(self, observation: dict[str, Any]) -> tuple[list[ToolCall], str | None]:
        """Store, update or delete for each new sentence; summarise when the context fills."""
        # Skip turns already handled (overflow may have dropped our last message, so the
        # "after our last message" cut alone can reach back) and our own summaries.
        turns = [
            t for t in dict.fromkeys(_new_user_turns(observation["messages"]))
            if t not in self._seen and not t.startswith(SUMMARY_PREFIX)
        ]
        self._seen.update(turns)
        plan = _Plan([], [])
        for turn in turns:
            used = [self._plan_unit(unit, plan) for unit in _dated_units(turn)]
            if not any(used) and len(plan.edits) < MAX_CALLS // 2:
                # Small talk: nothing to store, so keep it out of the context too.
                plan.edits.append(ToolCall("Filter_context", {"criteria": turn}))
        adds = [ToolCall("Add_memory", {"content": c}) for c in _fit(plan, 1)]
        calls = (plan.edits + adds)[: MAX_CALLS - 1]  # one slot kept for the summary
        budget = token_budget(observation["messages"])
        if observation["context_tokens"] > self.summary_ratio * budget:
            calls.append(ToolCall("Summary_context", {"span": "all"}))
        # Nothing new means every turn has been shown (rounds fill front first): move on.
        return calls, None if turns else "Noted."

    def _plan_unit(self, unit: str, plan: _Plan) -> bool:
        """Decide what one sentence does to the store (or to this step's pending adds);
        False when it does nothing (small talk)."""
        if _RETRACTION_RE.search(unit):
            topic = unit.split(" about ", 1)[-1].split(",")[0]
            target = _best_match(topic, self.mirror.contents(), plan.adds, need_value=None)
            if isinstance(target, int):
                plan.adds.pop(target)
            elif target is not None:
                self.mirror.entries.pop(target, None)
                delete = {"memory_id": target, "confirmation": True}
                plan.edits.append(ToolCall("Delete_memory", delete))
            return target is not None
        if has_change_cue(unit):
            olds = [m.group(1) for m in _OLD_VALUE_RE.finditer(unit)]
            known = self.mirror.contents()
            target = _best_match(unit, known, plan.adds, need_value=olds) if olds else None
            if isinstance(target, int):
                plan.adds[target] = unit
                return True
            if target is not None:
                self.mirror.entries[target].content = unit
                plan.edits.append(ToolCall("Update_memory", {"memory_id": target, "content": unit}))
                return True
        if _informative(unit):
            plan.adds.append(unit)
            return True
        return False

    # ----------------------------------------------------------------- stage 2
    def _clean(self, observation: dict[str, Any]) -> tuple[list[ToolCall], str | None]:
        """Filter each message no stored memory backs up, then end the stage."""
        stored = [terms(text) for text in self.mirror.contents().values()]
        calls = []
        for message in observation["messages"]:
            if message["role"] != "user" or len(calls) >= MAX_CALLS:
                continue
            words = terms(message["content"])
            backed = any(words and len(words & mem) >= 0.8 * len(words) for mem in stored)
            if not backed:
                calls.append(ToolCall("Filter_context", {"criteria": message["content"]}))
        return calls, "Done."

    # ----------------------------------------------------------------- stage 3
    def _ask(self, observation: dict[str, Any]) -> tuple[list[ToolCall], str | None]:
        """Retrieve the question, then each new bridge entity, then answer."""
        messages = observation["messages"]
        if self._question is None:
            users = [m["content"] for m in messages if m["role"] == "user"]
            self._question = users[-1] if users else ""
            self.mirror.retrieved.clear()  # read only what the question brings back
            # The whole question ranks long sentences low; its focus and names find them.
            queries = dict.fromkeys([_focus(self._question), *entity_spans(self._question)[:2]])
            queries.pop(self._question, None)
            calls = self._retrieve(self._question, self.top_k)
            for query in queries:
                calls += self._retrieve(query, 3)
            return calls, None
        reading = read(self._question, self._passages(messages))
        nxt = reading.chain[-1] if reading.chain else None
        rounds = rounds_per_stage(observation["messages"])
        room = observation["round"] < rounds - 1 and self._follow_ups < self.max_follow_ups
        if nxt and nxt not in self._queried and room:
            self._follow_ups += 1
            return self._retrieve(nxt, 3), None
        return [], reading.answer

    def _retrieve(self, query: str, top_k: int) -> list[ToolCall]:
        self._queried.append(query)
        return [ToolCall("Retrieve_memory", {"query": query, "top_k": top_k})]

    def _passages(self, messages: list[dict[str, str]]) -> list[str]:
        """Retrieved memories oldest id first (so "later" means later), then other user
        messages still in the context."""
        others = [
            m["content"] for m in messages if m["role"] == "user" and m["content"] != self._question
        ]
        return self.mirror.retrieved_passages() + others


# --------------------------------------------------------------------- helpers
_FOCUS_RE = re.compile(
    r"^\s*(?:\[[^\]]*\]\s*)?(?:(?:in|at|on|for|from|to|by)\s+)?"
    r"(?:what|which|who|whom|whose|where|when|how)\b(?:\s+\w+)?\s+"
    r"(?:is|are|was|were|does|do|did|has|have|had)\s+",
    re.IGNORECASE,
)


def _focus(question: str) -> str:
    """The question without its wh-opening and a closing "now?": what it is about.

    >>> _focus("What is my favourite food now?")
    'my favourite food'
    >>> _focus("In which city does Dana Ortiz live?")
    'Dana Ortiz live'
    """
    core = _FOCUS_RE.sub("", question).strip().rstrip("?").strip()
    return re.sub(r"\s+now$", "", core, flags=re.IGNORECASE) or question


def _since_last_turn(messages: list[dict[str, str]]) -> list[dict[str, str]]:
    """Messages after the agent's last message: what this round brought."""
    last = max((i for i, m in enumerate(messages) if m["role"] == "assistant"), default=-1)
    return messages[last + 1 :]


def _new_user_turns(messages: list[dict[str, str]]) -> list[str]:
    """This round's user turns."""
    return [m["content"] for m in _since_last_turn(messages) if m["role"] == "user"]


def _units(turn: str) -> list[str]:
    """A turn's sentences; in a paragraph each carries the topic it is about, so a sentence
    like "He was born in 1950." still names whom it is about once stored alone."""
    sentences = split_sentences(turn)
    if len(sentences) <= 1:
        return [turn.strip()] if turn.strip() else []
    head, sep, _ = turn.partition(":")
    runs = entity_spans(head) if sep and len(head.split()) <= 12 else []
    topic = runs[-1] if runs else ""
    return [s if not topic or topic in s else f"{topic}: {s}" for s in sentences]


def _dated_units(turn: str) -> list[str]:
    r"""``_units`` line by line; a session's date stamp is put in front of each of its
    sentences rather than stored on its own.

    >>> _dated_units("(Session 1, 2:00 pm on 8 May, 2023)\nCaroline: I went to Paris.")
    ['(8 May 2023) Caroline: I went to Paris.']
    """
    lines = turn.splitlines() or [turn]
    day, rest = parse_stamp(lines[0])
    if day is None:
        return _units(turn) if len(lines) == 1 else [u for ln in lines for u in _units(ln)]
    date = format_date(day)
    body = [rest, *lines[1:]] if rest.strip() else lines[1:]
    return [dated(u, date) for line in body for u in _units(line)]


def _informative(unit: str) -> bool:
    """A name, a number, a personal-fact word, or a long sentence; small talk has none.

    A lone capitalised first word ("Traffic was awful") is no name.

    >>> _informative("Traffic this morning was a nightmare."), _informative("I love Porto.")
    (False, True)
    """
    if re.search(r"\d", unit) or len(unit.split()) > 25:
        return True
    first = unit.split()[0].strip("\"'(") if unit.split() else ""
    if any(span != first for span in entity_spans(unit)):
        return True
    return bool(set(re.findall(r"[a-z]+", unit.lower())) & _FACT_WORDS)


def _best_match(
    text: str, memories: dict[str, str], pending: list[str], need_value: list[str] | None
) -> str | int | None:
    """The memory id (or pending-add index) ``text`` is about; None when unsure.

    With ``need_value`` (a change), the memory must hold one of the old values and share
    two words with the sentence. Without (a retraction), it must share two words, or one
    that is a name.
    """
    words = terms(text)
    names = frozenset().union(*map(terms, entity_spans(text)))
    first_person = bool(_FIRST_PERSON_RE.search(text))
    items: list[tuple[str | int, str]] = [*memories.items(), *enumerate(pending)]
    best, best_key = None, (0.0, -1)
    for order, (key, content) in enumerate(items):
        mem = terms(content)
        if need_value is not None and not any(terms(v) and terms(v) <= mem for v in need_value):
            continue
        shared = words & mem
        if len(shared) < 2 and not (need_value is None and shared & names):
            continue
        # Same voice: "my favourite food" updates the user's memory, not a friend's.
        same_voice = bool(_FIRST_PERSON_RE.search(content)) == first_person
        score = len(shared) + (0.5 if same_voice else 0.0)
        if (score, order) > best_key:
            best, best_key = key, (score, order)
    return best


def _fit(plan: _Plan, reserve: int) -> list[str]:
    """The pending adds, merged into fewer memories when the call cap would be passed."""
    room = max(1, MAX_CALLS - len(plan.edits) - reserve)
    adds = plan.adds
    if len(adds) <= room:
        return adds
    size = -(-len(adds) // room)  # ceil: groups of consecutive sentences
    return [" ".join(adds[i : i + size]) for i in range(0, len(adds), size)]
