"""Candidate actions of the structured policy, built from what the agent has seen.

Each step is a few independent *decisions*; each decision is a list of candidates, and
the policy picks one per decision. Stage 1: per new user turn, skip / add / filter it /
update or delete one of the most similar known memories; then continue / summarise /
end the stage. Stage 2: per context message, keep / filter; then continue / summarise /
end. Stage 3: retrieve the question, a name in it or the entity the reader bridged to,
or answer with the extractive reader over the retrieved memories and the context.

Candidates only *offer* moves: which to take is learnt. Features are a kind one-hot, a
few scalars (stage, round, context fill, similarity to memory and question, cues) and a
hashed bag of words of the candidate's text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from agemem_env.core import ToolCall
from agemem_env.embed import HashingEmbedder
from agemem_env.memory.summarise import SUMMARY_PREFIX
from agents.memory_mirror import MemoryMirror
from agents.observation import rounds_per_stage, token_budget
from agents.reader import UNKNOWN, entity_spans, has_change_cue, read

KINDS = ("skip", "add", "filter", "update", "delete", "continue", "summary", "end",
         "keep", "retrieve", "answer")
N_GLOBAL = 6
N_TEXT = 6
N_SCALAR = 7
MAX_TURNS = 10  # decisions per step, so a step stays within the parser's call cap
MAX_TARGETS = 2  # memories offered for update / delete per turn
_RETRACT_RE = re.compile(r"\b(?:forget|scratch|ignore|disregard|take back)\b", re.IGNORECASE)
_FIRST_PERSON_RE = re.compile(r"\b(?:i|me|my|mine|i'm|i've)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Candidate:
    """One offered move: the calls it makes (or the answer it gives) and its features."""

    kind: str
    calls: tuple[ToolCall, ...] = ()
    answer: str | None = None
    text: str = ""
    scalars: tuple[float, ...] = (0.0,) * N_SCALAR


@dataclass
class EpisodeView:
    """The agent's view of an episode: its memory mirror, the turns it handled, what it
    asked and its last calls."""

    mirror: MemoryMirror = field(default_factory=MemoryMirror)
    seen: set[str] = field(default_factory=set)
    queried: list[str] = field(default_factory=list)
    last_calls: list[ToolCall] = field(default_factory=list)
    question: str | None = None

    @property
    def memories(self) -> dict[str, str]:
        """id -> content of every memory the agent knows."""
        return self.mirror.contents()

    @property
    def retrieved(self) -> dict[str, str]:
        """id -> content of what retrievals showed (and no edit changed since)."""
        return self.mirror.retrieved

    def absorb(self, info: dict[str, Any]) -> None:
        """Learn ids and contents from the last step's results (aligned with its calls)."""
        self.mirror.absorb(self.last_calls, info.get("step_results") or [])


class CandidateBuilder:
    """Observation + EpisodeView -> decisions (lists of candidates) and their features."""

    def __init__(self, hash_dim: int = 64):
        self.sim_embedder = HashingEmbedder()
        self.text_embedder = HashingEmbedder(dim=hash_dim, ngram=1)
        self.hash_dim = hash_dim
        self.feature_dim = len(KINDS) + N_GLOBAL + N_TEXT + N_SCALAR + hash_dim

    # ----------------------------------------------------------------- decisions
    def decisions(self, obs: dict[str, Any], view: EpisodeView) -> list[list[Candidate]]:
        """This step's decisions; the last one always exists (it ends or moves the step)."""
        stage = obs["stage"]
        if stage == 1:
            turns = self._new_turns(obs["messages"], view)
            per_turn = [self._turn_options(turn, view) for turn in turns[:MAX_TURNS]]
            return [*per_turn, self._closing(bool(turns), "Noted.")]
        if stage == 2:
            users = [m["content"] for m in obs["messages"] if m["role"] == "user"]
            per_msg = [self._distractor_options(text, view) for text in users[:MAX_TURNS]]
            return [*per_msg, self._closing(True, "Done.")]
        return [self._stage3_options(obs["messages"], view)]

    def _turn_options(self, turn: str, view: EpisodeView) -> list[Candidate]:
        sims = self._similarities(turn, view.memories)
        best = max(sims.values(), default=0.0)
        base = (best, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
        options = [
            Candidate("skip", text=turn, scalars=base),
            Candidate("add", (ToolCall("Add_memory", {"content": turn}),), text=turn, scalars=base),
            Candidate("filter", (ToolCall("Filter_context", {"criteria": turn}),), text=turn,
                      scalars=base),
        ]
        for mem_id, sim in sorted(sims.items(), key=lambda kv: -kv[1])[:MAX_TARGETS]:
            target = (best, sim, 0.0, 0.0, 0.0, 0.0, 0.0)
            update = ToolCall("Update_memory", {"memory_id": mem_id, "content": turn})
            delete = ToolCall("Delete_memory", {"memory_id": mem_id, "confirmation": True})
            options.append(Candidate("update", (update,), text=turn, scalars=target))
            options.append(Candidate("delete", (delete,), text=turn, scalars=target))
        return options

    def _distractor_options(self, text: str, view: EpisodeView) -> list[Candidate]:
        best = max(self._similarities(text, view.memories).values(), default=0.0)
        scalars = (best, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
        drop = ToolCall("Filter_context", {"criteria": text})
        return [Candidate("keep", text=text, scalars=scalars),
                Candidate("filter", (drop,), text=text, scalars=scalars)]

    def _closing(self, news: bool, answer: str) -> list[Candidate]:
        flag = (0.0, 0.0, 0.0, float(news), 0.0, 0.0, 0.0)
        return [Candidate("continue", scalars=flag),
                Candidate("summary", (ToolCall("Summary_context", {"span": "all"}),), scalars=flag),
                Candidate("end", answer=answer, scalars=flag)]

    def _stage3_options(self, messages: list[dict[str, str]], view: EpisodeView
                        ) -> list[Candidate]:
        if view.question is None:
            users = [m["content"] for m in messages if m["role"] == "user"]
            view.question = users[-1] if users else ""
        question = view.question
        reading = read(question, self._passages(messages, view))
        queries = dict.fromkeys([question, *entity_spans(question)[:2]])
        if reading.chain and reading.chain[-1] not in queries:
            queries[reading.chain[-1]] = None
        options = []
        for n, query in enumerate(queries):
            top_k = 5 if n == 0 else 3
            sim = self._similarity(query, question)
            scalars = (0.0, 0.0, sim, float(query in view.queried), float(n == 0),
                       float(bool(reading.chain) and query == reading.chain[-1]), 0.0)
            call = ToolCall("Retrieve_memory", {"query": query, "top_k": top_k})
            options.append(Candidate("retrieve", (call,), text=query, scalars=scalars))
        known = reading.answer != UNKNOWN
        scalars = (0.0, 0.0, 0.0, 0.0, min(len(view.retrieved), 10) / 10, float(known),
                   float(bool(reading.chain)))
        options.append(Candidate("answer", answer=reading.answer, text=reading.answer,
                                 scalars=scalars))
        return options

    # ----------------------------------------------------------------- features
    def features(self, obs: dict[str, Any], options: list[Candidate]) -> np.ndarray:
        """[C, feature_dim] float32: kind one-hot, globals, text cues, scalars, hashed text."""
        glob = self._globals(obs)
        hashed = self.text_embedder.embed([c.text or c.kind for c in options])
        rows = []
        for cand, vec in zip(options, hashed, strict=True):
            kind = np.zeros(len(KINDS), dtype=np.float32)
            kind[KINDS.index(cand.kind)] = 1.0
            rows.append(np.concatenate([kind, glob, _text_cues(cand.text),
                                        np.asarray(cand.scalars, dtype=np.float32), vec]))
        return np.stack(rows).astype(np.float32)

    def _globals(self, obs: dict[str, Any]) -> np.ndarray:
        rounds = rounds_per_stage(obs["messages"])
        budget = token_budget(obs["messages"])
        stage = np.zeros(3, dtype=np.float32)
        stage[int(obs["stage"]) - 1] = 1.0
        extra = [obs["round"] / rounds, float(obs["round"] >= rounds - 1),
                 min(1.5, obs["context_tokens"] / budget)]
        return np.concatenate([stage, np.asarray(extra, dtype=np.float32)])

    def _similarities(self, text: str, memories: dict[str, str]) -> dict[str, float]:
        if not memories:
            return {}
        vecs = self.sim_embedder.embed([text, *memories.values()])
        return {mem_id: float(vecs[0] @ v) for mem_id, v in zip(memories, vecs[1:], strict=True)}

    def _similarity(self, a: str, b: str) -> float:
        vecs = self.sim_embedder.embed([a, b])
        return float(vecs[0] @ vecs[1])

    @staticmethod
    def _new_turns(messages: list[dict[str, str]], view: EpisodeView) -> list[str]:
        """This round's user turns not handled before (overflow may drop our last message)."""
        last = max((i for i, m in enumerate(messages) if m["role"] == "assistant"), default=-1)
        turns = [m["content"] for m in messages[last + 1:] if m["role"] == "user"]
        new = [t for t in dict.fromkeys(turns)
               if t not in view.seen and not t.startswith(SUMMARY_PREFIX)]
        view.seen.update(new)
        return new

    @staticmethod
    def _passages(messages: list[dict[str, str]], view: EpisodeView) -> list[str]:
        """Retrieved memories oldest first, then the other user messages in the context."""
        others = [m["content"] for m in messages
                  if m["role"] == "user" and m["content"] != view.question]
        return view.mirror.retrieved_passages() + others


def _text_cues(text: str) -> np.ndarray:
    """Digits, names, change cue, retraction cue, first person, length."""
    words = text.split()
    return np.asarray([
        float(bool(re.search(r"\d", text))),
        float(bool(entity_spans(text))) if text else 0.0,
        float(has_change_cue(text)) if text else 0.0,
        float(bool(_RETRACT_RE.search(text))),
        float(bool(_FIRST_PERSON_RE.search(text))),
        min(len(words), 60) / 30,
    ], dtype=np.float32)
