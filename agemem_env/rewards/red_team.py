"""Scripted policies that read the gold task: honest references, and a red team that tries
to earn reward without answering right (the policies ``agemem reward audit`` plays).

Each is a class built from the task with ``act(observation, info) -> completion``. The red
team always answers wrong (``WRONG``: a word no gold answer holds), or with every value it
saw, so any reward it earns beyond a wrong answer's is paid for rituals.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from agemem_env.actions.text import render_completion
from agemem_env.core import ToolCall
from agemem_env.scoring.memory_quality import FactMatcher

WRONG = "zzqx"
"""A wrong answer on every task: no gold answer holds the word, and it is no abstention."""
NOTHING = "zzqx qqvz"
"""Filter criteria that match no message: a reduction that removes nothing."""
MAX_CALLS = 16
MAX_CONTENT = 4000
_VALUE_RE = re.compile(r"\b(?:[A-Z][\w'-]+|\d[\w:./-]*)\b")


def _answer(text: str, calls: list[ToolCall] | None = None) -> str:
    return render_completion(calls or [], answer=text)


def _calls(*calls: ToolCall) -> str:
    return render_completion(list(calls))


def _new_user_turns(observation: Mapping[str, Any]) -> list[str]:
    messages = observation["messages"]
    last = max((i for i, m in enumerate(messages) if m["role"] == "assistant"), default=-1)
    return [m["content"] for m in messages[last + 1:] if m["role"] == "user"]


def _question(observation: Mapping[str, Any]) -> str:
    users = [m["content"] for m in observation["messages"] if m["role"] == "user"]
    return users[-1] if users else ""


def _look(new: list[str]) -> ToolCall:
    """A harmless call that keeps a stage going: look the newest turn up."""
    query = new[-1][:1000] if new else "anything"
    return ToolCall("Retrieve_memory", {"query": query, "top_k": 1})


def _store(text: str) -> ToolCall:
    return ToolCall("Add_memory", {"content": text[:MAX_CONTENT]})


def _added(info: Mapping[str, Any]) -> list[str]:
    return [i for r in info.get("step_results") or [] for i in r.get("added") or []]


class Script:
    """Base: the task, a step count, and the turns seen in Stage 1."""

    name = "script"
    honest = False
    """True for the references (they answer right or say they do not know)."""
    doc = ""

    def __init__(self, task: Any, rounds: int = 5) -> None:
        self.task = task
        self.rounds = rounds
        self.steps = 0
        self.seen: list[str] = []

    def last_round(self, observation: Mapping[str, Any]) -> bool:
        """This is the stage's last step (its round cap)."""
        return observation["round"] >= self.rounds - 1

    def act(self, observation: Mapping[str, Any], info: Mapping[str, Any] | None = None) -> str:
        """The completion for this observation."""
        self.steps += 1
        new = _new_user_turns(observation)
        if observation["stage"] == 1:
            self.seen.extend(new)
        return self.step(observation, info or {}, new)

    def step(self, observation: Mapping[str, Any], info: Mapping[str, Any],
             new: list[str]) -> str:
        """What a subclass does this step (``new``: user turns since its last message)."""
        raise NotImplementedError


# ----------------------------------------------------------------- references
class CorrectNoTools(Script):
    """Ends Stages 1-2 at once and gives the gold answer: the bar to beat."""

    name, honest, doc = "correct-no-tools", True, "gold answer, no tools"

    def step(self, observation, info, new):
        return _answer(self.task.answers[0] if observation["stage"] == 3 else "OK.")


class DontKnow(Script):
    """Says it does not know, without tools."""

    name, honest, doc = "dont-know", True, '"I don\'t know", no tools'

    def step(self, observation, info, new):
        return _answer("I don't know." if observation["stage"] == 3 else "OK.")


class OracleMemory(Script):
    """Stores the gold facts, filters what supports none of them, retrieves, answers gold:
    good memory work with the right answer.

    ``answer`` replaces the gold answer (the red team's version answers wrong).
    """

    name, honest, doc = "oracle-memory", True, "gold facts stored, noise filtered, retrieve, gold"
    answer: str | None = None

    def __init__(self, task: Any, rounds: int = 5) -> None:
        super().__init__(task, rounds)
        self._retrieved = False
        self._gold = FactMatcher(task)

    def step(self, observation, info, new):
        stage = observation["stage"]
        if stage == 1:
            facts = dict.fromkeys(self.task.supporting_facts)  # once each, in order
            calls = [ToolCall("Add_memory", {"content": f, "memory_type": "fact"}) for f in facts]
            return render_completion(calls, answer="Noted.", think="Store the gold facts.")
        if stage == 2:
            noise = [m["content"] for m in observation["messages"]
                     if m["role"] == "user" and not self._gold.judge(m["content"]).supports]
            calls = [ToolCall("Filter_context", {"criteria": t}) for t in noise[:MAX_CALLS]]
            return render_completion(calls, answer="Done.", think="Drop what supports nothing.")
        if not self._retrieved:
            self._retrieved = True
            call = ToolCall("Retrieve_memory", {"query": self.task.question})
            return render_completion([call], think="Look up what I stored.")
        text = self.answer if self.answer is not None else self.task.answers[0]
        return render_completion(answer=text, think="Answer from memory.")


# ----------------------------------------------------------------- red team
class PerfectMemoryWrongAnswer(OracleMemory):
    """The oracle's memory work, then a wrong answer: memory work must not pay alone."""

    name, honest, doc = "memory-work-wrong-answer", False, "oracle's memory work, wrong answer"
    answer = WRONG


class Ritual(Script):
    """The issue's ritual: a Filter that removes nothing, add-then-delete of a junk memory,
    all of Stage 1 dumped into one memory, retrieved, everything summarised."""

    name, doc = "ritual", "no-op filter, junk add/delete, one dump, retrieve, summarise"

    def step(self, observation, info, new):
        stage, last = observation["stage"], self.last_round(observation)
        if stage == 1 and not last:
            return _calls(ToolCall("Filter_context", {"criteria": NOTHING}))
        if stage == 1:
            dump = " ".join(self.seen)[:MAX_CONTENT] or "nothing"
            return _calls(ToolCall("Add_memory", {"content": dump}),
                          ToolCall("Add_memory", {"content": "junk note"}))
        if stage == 2:
            calls = [ToolCall("Delete_memory", {"memory_id": j, "confirmation": True})
                     for j in _added(info)[1:]]
            return _answer("OK.", [*calls, ToolCall("Summary_context", {"span": "all"})])
        if observation["round"] == 0:
            return _calls(ToolCall("Retrieve_memory", {"query": _question(observation)}),
                          ToolCall("Summary_context", {"span": "all"}))
        return _answer(WRONG)


class Dump(Script):
    """One memory holding everything Stage 1 said, retrieved for the question."""

    name, doc = "dump", "all of Stage 1 in one memory"

    def step(self, observation, info, new):
        stage, last = observation["stage"], self.last_round(observation)
        if stage == 1 and not last:
            return _calls(_look(new))
        if stage == 1:
            return _calls(ToolCall("Add_memory", {"content": " ".join(self.seen)[:MAX_CONTENT]}))
        if stage == 2:
            return _answer("OK.")
        if observation["round"] == 0:
            return _calls(ToolCall("Retrieve_memory", {"query": _question(observation)}))
        return _answer(WRONG)


def _store_then_skip(stage: int, new: list[str]) -> str | None:
    """Stage 1: store each new turn (end the stage when none came); Stage 2: skip it."""
    if stage == 1:
        return _calls(*(_store(t) for t in new[:MAX_CALLS])) if new else _answer("OK.")
    return _answer("OK.") if stage == 2 else None


class StoreEverything(Script):
    """Every user turn stored as it arrives, nothing filtered, retrieved, wrong answer."""

    name, doc = "store-everything", "every turn stored, retrieve"

    def step(self, observation, info, new):
        if (early := _store_then_skip(observation["stage"], new)) is not None:
            return early
        if observation["round"] == 0:
            return _calls(ToolCall("Retrieve_memory", {"query": _question(observation),
                                                       "top_k": 10}))
        return _answer(WRONG)


class NoopReductions(Script):
    """A Filter that removes nothing and a Summary of the last message, every step."""

    name, doc = "noop-reductions", "filter nothing + summarise 1 message, every step"

    def step(self, observation, info, new):
        if observation["stage"] == 3 and self.last_round(observation):
            return _answer(WRONG)
        return _calls(ToolCall("Filter_context", {"criteria": NOTHING}),
                      ToolCall("Summary_context", {"span": "1"}))


class RetrieveSpam(Script):
    """Every turn stored; in Stage 3 the question retrieved 16 times a step, to the cap."""

    name, doc = "retrieve-spam", "store turns, 16 retrievals a step until the last round"

    def step(self, observation, info, new):
        if (early := _store_then_skip(observation["stage"], new)) is not None:
            return early
        if self.last_round(observation):
            return _answer(WRONG)
        query = {"query": _question(observation), "top_k": 5}
        return _calls(*(ToolCall("Retrieve_memory", query) for _ in range(MAX_CALLS)))


class Churn(Script):
    """Adds, rewrites and deletes junk every step (maintenance for its own sake)."""

    name, doc = "churn", "add / update / delete junk every step"

    def step(self, observation, info, new):
        if observation["stage"] == 3 and self.last_round(observation):
            return _answer(WRONG)
        calls = [ToolCall("Add_memory", {"content": f"junk {self.steps}"})]
        for mem_id in _added(info):
            calls.append(ToolCall("Update_memory", {"memory_id": mem_id, "content": "junk v2"}))
            calls.append(ToolCall("Delete_memory", {"memory_id": mem_id, "confirmation": True}))
        return _calls(*calls)


class EarlyAnswer(Script):
    """Answers at once in every stage, wrongly."""

    name, doc = "early-answer", "answer at once, wrong"

    def step(self, observation, info, new):
        return _answer(WRONG)


class AnswerEverything(Script):
    """Answers with every name and number Stage 1 said, hoping for token overlap."""

    name, doc = "answer-everything", "every name and number seen, as the answer"

    def step(self, observation, info, new):
        if observation["stage"] == 1:
            return _calls(_look(new))  # sees every turn: Stage 1 runs to its cap
        if observation["stage"] == 2:
            return _answer("OK.")
        values = dict.fromkeys(v for turn in self.seen for v in _VALUE_RE.findall(turn))
        return _answer(" ".join(values)[:MAX_CONTENT] or WRONG)


HONEST: tuple[type[Script], ...] = (CorrectNoTools, DontKnow, OracleMemory)
RED_TEAM: tuple[type[Script], ...] = (
    Ritual, Dump, StoreEverything, NoopReductions, RetrieveSpam, Churn, EarlyAnswer,
    AnswerEverything, PerfectMemoryWrongAnswer,
)
POLICIES: dict[str, type[Script]] = {p.name: p for p in (*HONEST, *RED_TEAM)}
