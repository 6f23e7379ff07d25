"""LLM graders: an answer judge and a memory judge over any ``generate(messages) -> str``.

A reply they cannot read raises, never scores 0.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from agemem_env.scoring.judges import JudgeResult, check_judge_inputs, exact_match, token_f1
from agemem_env.scoring.memory_quality import FactMatcher, GoldFacts, MemoryQuality, quality_from
from agemem_env.scoring.text import content_tokens

Generate = Callable[[list[dict[str, str]]], str]
"""A chat model: OpenAI-style messages ({"role", "content"}) in, the reply text out."""

_NUMBER_RE = re.compile(r"(?<![\w.\-])(\d+(?:\.\d+)?|\.\d+)(?:\s*/\s*(\d+(?:\.\d+)?))?")
_SCORE_RE = re.compile(r"score\W{0,5}" + _NUMBER_RE.pattern, re.IGNORECASE)
_YES_NO_RE = re.compile(r"\b(yes|no)\b", re.IGNORECASE)


_GRADER_SYSTEM = """You grade answers to questions about a user's past conversations.
Compare the candidate answer with the reference answer(s) and reply with one score:
1.0 - correct: says the same as a reference, in any wording;
0.8 - correct, but leaves out a minor detail;
0.5 - partly correct: gets part of the answer right and misses or confuses another part;
0.2 - mostly wrong, though it contains a relevant detail;
0.0 - wrong, unrelated, or no answer.
Reply with JSON only: {"score": <number>}"""


def parse_score(reply: str) -> float:
    """The grade in an LLM reply: ``{"score": x}``, "Score: x", or the first number in [0, 1].

    A fraction counts as its value ("8/10" is 0.8).

    >>> parse_score('{"score": 0.8}'), parse_score("Score: 0.5"), parse_score("0.8/1")
    (0.8, 0.5, 0.8)
    >>> parse_score("The answer gets 2 of 3 parts: 0.5"), parse_score("8/10")
    (0.5, 0.8)
    >>> parse_score("looks right to me")
    Traceback (most recent call last):
    ...
    ValueError: no score in [0, 1] in the judge's reply: 'looks right to me'
    """
    try:
        data = json.loads(reply.strip().removeprefix("```json").strip("`\n "))
        score = data.get("score") if isinstance(data, dict) else None
        if isinstance(score, int | float) and not isinstance(score, bool) and 0 <= score <= 1:
            return float(score)
    except json.JSONDecodeError:
        pass
    keyed = _SCORE_RE.search(reply)
    candidates = ([keyed] if keyed else []) + list(_NUMBER_RE.finditer(reply))
    for match in candidates:
        value = float(match[1])
        if match[2] is not None and float(match[2]) > 0:
            value /= float(match[2])
        if 0.0 <= value <= 1.0:
            return value
    raise ValueError(f"no score in [0, 1] in the judge's reply: {reply!r}")


class LLMJudge:
    """Answer judge that asks a model for a 0-1 grade (bands 1.0, 0.8, 0.5, 0.2, 0.0).

    ``score`` is the model's grade (``parse_score``); ``exact_match`` and ``f1`` are still
    computed offline (HotpotQA style, best over the gold answers) for reports.

    Args:
        generate: The grading model, ``generate(messages) -> reply``.
        name: Judge name recorded with results.

    Raises:
        ValueError: From ``__call__``, when the reply holds no score in [0, 1].
    """

    def __init__(self, generate: Generate, name: str = "llm") -> None:
        if not callable(generate):
            raise TypeError(f"generate must be callable, got {type(generate).__name__}")
        self.generate = generate
        self.name = name

    def messages(
        self, prediction: str, answers: Sequence[str], question: str = ""
    ) -> list[dict[str, str]]:
        """The grading prompt: the rubric, then question, references and candidate."""
        gold = "\n".join(f"- {answer}" for answer in answers)
        user = f"Question: {question or '(not given)'}\nReference answer(s):\n{gold}\n"
        user += f"Candidate answer: {prediction}"
        return [{"role": "system", "content": _GRADER_SYSTEM}, {"role": "user", "content": user}]

    def __call__(
        self,
        prediction: str,
        answers: Sequence[str],
        question: str = "",
        *,
        category: int | None = None,
        abstention: bool = False,
    ) -> JudgeResult:
        """Grade ``prediction`` with the model; the gold answers of abstention tasks already
        say the information is unavailable, so the model sees that (category is unused)."""
        check_judge_inputs(prediction, answers)
        score = parse_score(self.generate(self.messages(prediction, answers, question)))
        em = max(exact_match(prediction, gold) for gold in answers)
        f1 = max(token_f1(prediction, gold) for gold in answers)
        return JudgeResult(score=score, exact_match=em, f1=f1)


def parse_yes_no(reply: str) -> bool:
    """The first standalone "yes" or "no" in a reply.

    >>> parse_yes_no("Yes."), parse_yes_no("Answer: no, it is unrelated")
    (True, False)
    >>> parse_yes_no("maybe")
    Traceback (most recent call last):
    ...
    ValueError: no yes/no in the judge's reply: 'maybe'
    """
    match = _YES_NO_RE.search(reply)
    if match is None:
        raise ValueError(f"no yes/no in the judge's reply: {reply!r}")
    return match[1].lower() == "yes"


_MEMORY_SYSTEM = (
    "You check an assistant's long-term memory against gold facts. A memory supports a "
    "fact when it states the fact's information, in any wording, with its current value; "
    "a memory that states an outdated value or a withdrawn claim supports nothing. Reply "
    "with yes or no only."
)


class LLMMemoryJudge:
    """Memory quality graded by a model, with ``memory_quality``'s precision and recall.

    Precision: one question per memory, "does it support any of the facts?" (the outdated
    statements are listed as such). Recall: one question per fact, "does any memory
    support it?". So len(memories) + len(facts) calls. Facts without content tokens are
    left out, and staleness is judged by the word rule, as in ``memory_quality``.

    Args:
        generate: The grading model, ``generate(messages) -> reply``.

    Raises:
        ValueError: From ``__call__``, when a reply holds no yes or no.
    """

    name = "llm_memory"

    def __init__(self, generate: Generate) -> None:
        if not callable(generate):
            raise TypeError(f"generate must be callable, got {type(generate).__name__}")
        self.generate = generate

    def _ask(self, question: str) -> bool:
        messages = [
            {"role": "system", "content": _MEMORY_SYSTEM},
            {"role": "user", "content": question},
        ]
        return parse_yes_no(self.generate(messages))

    def __call__(self, memories: Sequence[str], facts: Any) -> MemoryQuality:
        """Grade ``memories`` against the gold (a GoldFacts, a Task or a list of facts)."""
        if isinstance(memories, str):
            raise TypeError("memories must be a sequence of str, not a single str")
        gold = GoldFacts.of(facts)
        lexical = FactMatcher(gold)
        checked = [fact for fact in gold.facts if content_tokens(fact)]
        stale = [lexical.judge(memory).stale for memory in memories]
        if not memories or not checked:
            return MemoryQuality(0.0, 0.0, 0.0, tuple(False for _ in memories), tuple(stale))
        fact_list = "\n".join(f"- {fact}" for fact in checked)
        if gold.stale:
            fact_list += "\nNo longer true:\n" + "\n".join(f"- {s}" for s in gold.stale)
        memory_list = "\n".join(f"- {memory}" for memory in memories)
        supporting = [
            self._ask(
                f"Facts:\n{fact_list}\n\nMemory: {memory}\n\n"
                "Does this memory support at least one of the facts?"
            )
            for memory in memories
        ]
        covered = [
            self._ask(
                f"Memories:\n{memory_list}\n\nFact: {fact}\n\n"
                "Does at least one of the memories support this fact?"
            )
            for fact in checked
        ]
        stale = [st and not sup for st, sup in zip(stale, supporting, strict=True)]
        return quality_from(supporting, sum(covered) / len(checked), stale)
