"""MemoryBaseline: the episode loop every memory baseline shares; each overrides hooks.

Stages 1 and 2 are sessions: each step hands the turns new since the last step to
``ingest`` (with ``session_end`` on the session's last step), which plans tool calls; the
stage is ended with an answer once no new turn arrives. Stage 3 asks ``recall`` for
retrieval calls, step after step, until it returns none (or one step is left), then
answers from what those retrievals returned (``memory_passages``: each memory with the day
it was said, for systems that keep it), ``extra_passages`` and the context, with the
extractive reader (rule mode) or the LLM (LLM mode). Memories retrieved in Stages 1-2 are
not read at answer time: they left the context with it, so an answer rests on what the
system's own question-time retrieval brings back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from agemem_env.actions.text import render_completion
from agemem_env.core import ToolCall
from agemem_env.embed import Embedder
from agemem_env.memory.summarise import SUMMARY_PREFIX
from agents.llm import ChatBackend
from agents.observation import memory_id_number, rounds_per_stage
from agents.protocol import TaskInfo
from agents.reader import answer_question, split_sentences
from agents.reader_dates import dated, session_date
from baselines.common import MAX_CALLS, Memory, MemoryMirror, Plan, Similarity
from baselines.llm_steps import LLMSteps

_MARKUP_RE = re.compile(r"<(tool_call|think|answer)>.*?(?:</\1>|$)|<[^>]{0,40}>", re.S)
_JSON_HINT_RE = re.compile(r'"(?:name|arguments|content|query)"\s*:|\[\{|\[\w+\] \((?:ok|error)\)')
QUERY_CHARS = 1000  # a retrieval query longer than this adds nothing for an embedder


class MemoryBaseline:
    """The shared loop (see the module docstring); not registered itself.

    Args:
        backend: None for rule mode; a back-end spec or ChatBackend for LLM mode.
        seed: Kept for the agent protocol; rule mode is deterministic.
        top_k: Memories per question retrieval.
        ingest_distractors: Also process Stage-2 turns (the systems see every message).
        embedder: The agent's own embedder for similarity search ("hashing" is cheap).
        max_new_tokens: Longest reply of an LLM JSON step.
        answer_tokens: Longest reply of the LLM answer step.
    """

    name = "baseline"
    keeps_dates = False
    """Memories carry the day they were said (metadata ``date``), shown with them."""

    def __init__(
        self,
        backend: ChatBackend | str | None = None,
        seed: int = 0,
        *,
        top_k: int = 5,
        ingest_distractors: bool = True,
        embedder: str | Embedder = "hashing",
        max_new_tokens: int = 64,
        answer_tokens: int = 16,
    ) -> None:
        if not 1 <= top_k <= 20:
            raise ValueError(f"top_k must be in 1..20 (the env's limit), got {top_k}")
        self.seed, self.top_k, self.ingest_distractors = seed, top_k, ingest_distractors
        self.llm = None if backend is None else LLMSteps(backend, max_new_tokens, answer_tokens)
        self.similarity = Similarity(embedder)
        self.mirror = MemoryMirror()
        self._last_calls: list[ToolCall] = []
        self._last_keys: list[int] = []
        self._question: str | None = None
        self._recall_round = 0
        self._rounds = 5
        self._said: str | None = None

    @property
    def fallbacks(self) -> dict[str, int]:
        """LLM steps that fell back to rules, by step name (empty in rule mode)."""
        return dict(self.llm.fallbacks) if self.llm else {}

    def reset(self, task_info: TaskInfo) -> None:
        """Forget the previous episode; raises ValueError outside text mode."""
        if task_info.action_mode != "text":
            raise ValueError(f"{type(self).__name__} acts in text mode, not "
                             f"{task_info.action_mode!r}: make the env with action_mode='text'")
        self.mirror = MemoryMirror()
        self._last_calls, self._last_keys = [], []
        self._question, self._recall_round, self._said = None, 0, None
        self.on_reset()

    def act(self, observation: dict[str, Any], info: dict[str, Any]) -> str:
        """The completion for this observation."""
        added = self.mirror.absorb(self._last_calls, info.get("step_results") or [])
        self.on_added(dict(zip(self._last_keys, added, strict=False)))
        self._rounds = rounds_per_stage(observation["messages"])
        stage = observation["stage"]
        keys: list[int] = []
        if stage < 3:
            calls, keys, answer = self._session_step(observation)
        else:
            calls, answer = self._question_step(observation)
        self._last_calls, self._last_keys = calls, keys
        return render_completion(calls, answer=answer, think=f"{self.name}: stage {stage}")

    # ----------------------------------------------------------------- hooks
    def on_reset(self) -> None:
        """Forget per-episode state of a subclass."""

    def on_added(self, ids: Mapping[int, str | None]) -> None:
        """Last step's pending adds got these ids (None: the add failed)."""

    def wants_session(self, stage: int) -> bool:
        """Whether this stage's turns are processed at all."""
        return stage == 1 or self.ingest_distractors

    def ingest(self, turns: list[str], plan: Plan, stage: int, session_end: bool) -> None:
        """Plan the memory calls for this step's new turns."""
        raise NotImplementedError

    def context_calls(self, observation: dict[str, Any]) -> list[ToolCall]:
        """Context-management calls appended to a session step (none by default)."""
        return []

    def recall(self, question: str, round_index: int) -> list[ToolCall]:
        """Retrieval calls for this Stage-3 step; none means answer now."""
        if round_index > 0:
            return []
        return [ToolCall("Retrieve_memory", {"query": question[:QUERY_CHARS], "top_k": self.top_k})]

    def extra_passages(self, question: str) -> list[str]:
        """Text besides retrieved memories and the context that the answer may use."""
        return []

    def reads(self, memory: Memory) -> bool:
        """Whether a retrieved memory is read at answer time (all of them by default)."""
        return True

    def memory_passages(self) -> list[str]:
        """What the question-time retrievals returned, oldest first, each memory with its
        date where the system keeps one; memories ``reads`` refuses are left out."""
        out = []
        for mem_id in sorted(self.mirror.retrieved, key=memory_id_number):
            content = self.mirror.retrieved[mem_id]
            entry = self.mirror.entries.get(mem_id, Memory(content))
            if self.reads(entry):
                out.append(dated(content, entry.metadata.get("date")))
        return out

    def date_of(self, turn: str) -> str | None:
        """The day ``turn`` was said: its session stamp, else the last one seen (None when
        the system keeps no dates or the conversation has none)."""
        self._said = session_date(turn) or self._said
        return self._said if self.keeps_dates else None

    def meta(self, kind: str, date: str | None) -> dict[str, Any]:
        """A new memory's metadata: its kind, and its date when known."""
        return {"kind": kind, "date": date} if date else {"kind": kind}

    # ----------------------------------------------------------------- the loop
    def _session_step(self, observation: dict[str, Any]
                      ) -> tuple[list[ToolCall], list[int], str | None]:
        """Stages 1-2: plan calls for the new turns; end the stage when none arrive."""
        stage = observation["stage"]
        if not self.wants_session(stage):
            return [], [], "OK."
        # Repeats are kept: a user who says a thing twice said it twice. Nothing before our
        # last message is read again, as the env only ever drops the oldest messages.
        turns = [t for t in _new_user_turns(observation["messages"])
                 if not t.startswith(SUMMARY_PREFIX)]
        session_end = not turns or observation["round"] >= self._rounds - 1
        plan = Plan(self.mirror)
        self.ingest(turns, plan, stage, session_end)
        extra = self.context_calls(observation)
        calls, keys = plan.calls(MAX_CALLS - len(extra))
        if turns and not calls + extra:
            # The env needs a block per step and an answer would end the stage: read the
            # memory for the turn instead, as these systems' chat loops do before replying.
            query = {"query": turns[-1][:QUERY_CHARS], "top_k": 1}
            calls = [ToolCall("Retrieve_memory", query)]
        # Rounds fill front first: a step without new turns means all have been shown.
        return calls + extra, keys, None if turns else "Noted."

    def _question_step(self, observation: dict[str, Any]) -> tuple[list[ToolCall], str | None]:
        messages = observation["messages"]
        if self._question is None:
            users = [m["content"] for m in messages if m["role"] == "user"]
            self._question = users[-1] if users else ""
            self.mirror.retrieved.clear()  # read only what the question brings back
        round_index, self._recall_round = self._recall_round, self._recall_round + 1
        if round_index < self._rounds - 1:
            calls = self.recall(self._question, round_index)[:MAX_CALLS]
            if calls:
                return calls, None
        others = [_readable(m["content"]) for m in messages
                  if m["role"] == "user" and m["content"] != self._question]
        passages = self.memory_passages() + self.extra_passages(self._question) + others
        if self.llm is not None:
            return [], self.llm.answer(self._question, passages)
        return [], answer_question(self._question, passages)


def _readable(text: str) -> str:
    """A context message without the tool-call markup a running summary may have kept.

    >>> _readable('Summary: Ana lives in Porto. <tool_call>[{"name": "Add_memory"}]</tool_call>')
    'Ana lives in Porto.'
    """
    text = _MARKUP_RE.sub(" ", text).replace(SUMMARY_PREFIX, " ")
    return " ".join(s for s in split_sentences(text) if not _JSON_HINT_RE.search(s)).strip()


def _new_user_turns(messages: list[dict[str, str]]) -> list[str]:
    """User messages after the agent's last message: what this round brought."""
    last = max((i for i, m in enumerate(messages) if m["role"] == "assistant"), default=-1)
    return [m["content"] for m in messages[last + 1 :] if m["role"] == "user"]
