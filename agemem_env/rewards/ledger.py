"""What the grounded reward terms need, recorded as the episode happens.

The env reports events (turns shown, the context before and after a step's reductions,
memories written and edited, retrievals, overflows, the answer); the ledger judges every
text once against the gold with the value-aware rule (``scoring.memory_quality.FactMatcher``)
and keeps only the tallies the terms read. Lexical by design: it runs every step, offline,
whatever ``memory_scorer`` the env uses for memory quality.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from agemem_env.rewards.tally import ExactSum, StoreTally
from agemem_env.scoring.memory_quality import FactMatcher, Judgement
from agemem_env.scoring.text import content_tokens

PRESENT = 0.6
"""A noise turn still counts as in the context while some message holds this share of its
content words (so a summary that keeps the distractors has not removed them)."""


@dataclass
class _Noise:
    """A Stage 2-3 user turn that supports no gold fact."""

    words: frozenset[str]
    tokens: int
    present: bool = True


class Ledger:
    """Tallies of one episode for the grounded terms (see ``rewards.table``).

    Args:
        gold: The task (its supporting and stale facts with their values).
        threshold: The support threshold of the word rule.
    """

    def __init__(self, gold: object, threshold: float = 0.6) -> None:
        self.matcher = FactMatcher(gold, threshold)
        self.n_facts = len(self.matcher.facts)
        self._judged: dict[str, Judgement] = {}
        # context
        self._noise: list[_Noise] = []
        self.noise_shown = 0
        self.noise_removed = 0
        self.effective_reductions = 0
        self.harmful_reductions = 0
        self.pressure = False
        self._stage_env_tokens = 0
        self.overflow_after_action = False
        self.facts_at_answer: frozenset[int] | None = None
        # memory
        self.store = StoreTally(self.judge, self.n_facts)
        self.written: dict[str, str] = {}
        self.written_focus = ExactSum()
        self.edits = 0
        self.fixes = 0
        self.retrieval_focus: list[float] = []

    def judge(self, text: str) -> Judgement:
        """The text against the gold, judged once per distinct text."""
        if text not in self._judged:
            self._judged[text] = self.matcher.judge(text)
        return self._judged[text]

    def facts_in(self, texts: Iterable[str]) -> frozenset[int]:
        """The gold facts some text supports."""
        return frozenset().union(*(self.judge(text).supports for text in texts))

    # ----------------------------------------------------------------- context
    def stage_begun(self, system_tokens: int) -> None:
        """A stage opened on a fresh (or continued) context holding ``system_tokens``."""
        self._stage_env_tokens = system_tokens

    def shown(self, text: str, tokens: int, stage: int, budget: int,
              noise_candidate: bool = True) -> None:
        """The env put a user turn (information, distractor, reminder, question) in the
        context. Env content alone over the budget is the pressure a reduction relieves;
        the agent's own messages do not count, so it cannot make pressure itself. A Stage 2-3
        turn that supports no gold fact is noise (the question never is)."""
        self._stage_env_tokens += tokens
        self.pressure = self.pressure or self._stage_env_tokens > budget
        if noise_candidate and stage >= 2 and not self.judge(text).supports:
            self._noise.append(_Noise(content_tokens(text), tokens))
            self.noise_shown += tokens

    def reduced(self, before: Iterable[str], after: Iterable[str]) -> None:
        """The step's reductions turned the context ``before`` into ``after`` (message
        texts). Noise that left counts only if no gold fact left with it."""
        before, after = list(before), list(after)
        if not self.facts_in(before) <= self.facts_in(after):
            self.harmful_reductions += 1
            self._update_presence(after)  # what left is gone, but earns nothing
            return
        removed = self._update_presence(after)
        self.noise_removed += removed
        self.effective_reductions += removed > 0

    def _update_presence(self, texts: list[str]) -> int:
        """Mark noise turns no longer present; return the tokens that just left."""
        held = [content_tokens(text) for text in texts]
        left = 0
        for item in self._noise:
            if item.present and not any(
                    len(item.words & words) >= PRESENT * len(item.words) for words in held):
                item.present = False
                left += item.tokens
        return left

    def overflowed(self, after_action: bool) -> None:
        """The context passed the budget; ``after_action``: once the agent had acted."""
        self.overflow_after_action = self.overflow_after_action or after_action

    def answered(self, context: Iterable[str]) -> None:
        """The answer was given with this context (non-system message texts)."""
        self.facts_at_answer = self.facts_in(context)

    # ----------------------------------------------------------------- memory
    def written_memories(self, contents: Mapping[str, str]) -> None:
        """Memories the agent created or rewrote this step: id -> content now."""
        for memory_id, content in contents.items():
            if memory_id in self.written:
                self.written_focus.add(-self.judge(self.written[memory_id]).focus)
            self.written[memory_id] = content
            self.written_focus.add(self.judge(content).focus)
            self.store.mark_own(memory_id)

    def written_precision(self) -> float:
        """Mean focus over every memory the agent wrote (deleted ones too)."""
        return self.written_focus.value() / len(self.written) if self.written else 0.0

    def store_changed(self, event: str, memory_id: str | None, content: str | None) -> None:
        """A ``LongTermMemory.watch`` watcher: keep the store tally in step."""
        if event == "clear":
            self.store.clear()
        elif event == "delete":
            self.store.drop(memory_id)
        else:
            self.store.set(memory_id, content)

    def edited(self, old: str, new: str | None) -> None:
        """An update (``new``) or delete (``new`` None) of a memory that held ``old``: a
        fix when it replaced a stale value with a supporting one, or deleted a stale one."""
        self.edits += 1
        if self.judge(old).stale and (new is None or bool(self.judge(new).supports)):
            self.fixes += 1

    def retrieved(self, contents: Iterable[str]) -> None:
        """One retrieval's hits: its precision is their mean focus (0 when empty)."""
        focus = [self.judge(text).focus for text in contents]
        self.retrieval_focus.append(sum(focus) / len(focus) if focus else 0.0)
