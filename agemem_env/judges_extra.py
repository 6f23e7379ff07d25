"""More judges: LoCoMo's category-aware F1, LLM graders, and embedding memory quality.

- ``is_abstention`` spots answers that say the information is not available.
- ``LoCoMoJudge`` scores like LoCoMo's ``task_eval/evaluation.py``: comma-split partial F1
  for multi-hop, token F1 for temporal, open-domain and single-hop, and abstention for
  adversarial questions.
- ``LLMJudge`` and ``LLMMemoryJudge`` ask a model (any ``generate(messages) -> str``) to
  grade an answer or the stored memories; a reply they cannot read raises, never scores 0.
- ``embedding_memory_quality`` matches memory sentences to facts by cosine similarity.
"""

from __future__ import annotations

import json
import re
import string
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np

from agemem_env.abstention import is_abstention
from agemem_env.embed import Embedder
from agemem_env.judges import (
    JudgeResult,
    abstention_verdict,
    check_judge_inputs,
    exact_match,
    token_f1,
)
from agemem_env.memory_quality import MemoryQuality, content_tokens

__all__ = [
    "LLMJudge",
    "LLMMemoryJudge",
    "LoCoMoJudge",
    "embedding_memory_quality",
    "is_abstention",
    "locomo_f1",
    "locomo_multi_f1",
    "locomo_normalize",
    "parse_score",
    "parse_yes_no",
]

Generate = Callable[[list[dict[str, str]]], str]
"""A chat model: OpenAI-style messages ({"role", "content"}) in, the reply text out."""

_LOCOMO_ARTICLES_RE = re.compile(r"\b(a|an|the|and)\b")
_PUNCTUATION = frozenset(string.punctuation)
_NUMBER_RE = re.compile(r"(?<![\w.\-])(\d+(?:\.\d+)?|\.\d+)(?:\s*/\s*(\d+(?:\.\d+)?))?")
_SCORE_RE = re.compile(r"score\W{0,5}" + _NUMBER_RE.pattern, re.IGNORECASE)
_YES_NO_RE = re.compile(r"\b(yes|no)\b", re.IGNORECASE)
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+|\n+")


def locomo_normalize(s: str) -> str:
    """LoCoMo's answer normalisation: lowercase, drop punctuation, a/an/the/and, spaces.

    Unlike HotpotQA's it also drops "and", so "Paris and Rome" matches "Paris, Rome".

    >>> locomo_normalize("The cat, and the Dog!")
    'cat dog'
    """
    text = "".join(char for char in s.lower() if char not in _PUNCTUATION)
    return " ".join(_LOCOMO_ARTICLES_RE.sub(" ", text).split())


def _tokens(text: str, stem: Callable[[str], str] | None) -> list[str]:
    words = locomo_normalize(text).split()
    return [stem(w) for w in words] if stem else words


def locomo_f1(prediction: str, gold: str, stem: Callable[[str], str] | None = None) -> float:
    """LoCoMo token F1 (``f1_score``), optionally stemming each token.

    >>> round(locomo_f1("in May 2023", "May 2023"), 3)
    0.8
    >>> locomo_f1("", "May 2023")
    0.0
    """
    pred, truth = _tokens(prediction, stem), _tokens(gold, stem)
    same = sum((Counter(pred) & Counter(truth)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred), same / len(truth)
    return 2 * precision * recall / (precision + recall)


def locomo_multi_f1(prediction: str, gold: str, stem: Callable[[str], str] | None = None) -> float:
    """LoCoMo multi-hop F1 (``f1``): mean over comma-separated gold parts of the best F1
    against any comma-separated predicted part.

    >>> locomo_multi_f1("hiking, painting", "painting, hiking, pottery")
    0.6666666666666666
    """
    parts = [p.strip() for p in prediction.split(",")]
    golds = [g.strip() for g in gold.split(",")]
    return sum(max(locomo_f1(p, g, stem) for p in parts) for g in golds) / len(golds)


class LoCoMoJudge:
    """LoCoMo's official answer scoring, by question category.

    Category 1 (multi-hop): comma-split partial F1 (``locomo_multi_f1``); 2-4: token F1 with
    LoCoMo normalisation, category 3 against the gold text before its first ";"; category 5
    (adversarial) or ``abstention=True``: 1.0 when ``is_abstention(prediction)``, else 0.0
    (for these EM and F1 equal that score). ``score`` is the F1, ``exact_match`` normalised
    EM; both are the best over the gold answers.

    The Judge protocol carries no task metadata, so the env passes it by keyword:
    ``judge(pred, task.answers, task.question, category=task.metadata.get("category"),
    abstention=task.metadata.get("abstention", False))``. Without a category, token F1.

    Args:
        stem: Porter-stem tokens as the official script does (needs ``pip install nltk``);
            off by default, so scores can sit a little below published ones.

    >>> judge = LoCoMoJudge()
    >>> judge("hiking, painting", ["painting, hiking, pottery"], category=1).score
    0.6666666666666666
    >>> judge("I don't know", ["Not mentioned in the conversation"], category=5).score
    1.0
    """

    name = "locomo_f1"

    def __init__(self, stem: bool = False) -> None:
        self.stem = stem
        self._stem: Callable[[str], str] | None = None
        if stem:
            try:
                from nltk.stem import PorterStemmer
            except ImportError as err:
                raise ImportError("LoCoMoJudge(stem=True) needs nltk: pip install nltk") from err
            self._stem = PorterStemmer().stem

    def __call__(
        self,
        prediction: str,
        answers: Sequence[str],
        question: str = "",
        *,
        category: int | None = None,
        abstention: bool = False,
    ) -> JudgeResult:
        """Judge ``prediction``; ``category`` and ``abstention`` come from task.metadata."""
        check_judge_inputs(prediction, answers)
        if abstention or category == 5:
            return abstention_verdict(prediction)
        if category == 3:
            answers = [gold.split(";")[0].strip() for gold in answers]
        score = locomo_multi_f1 if category == 1 else locomo_f1
        f1 = max(score(prediction, gold, self._stem) for gold in answers)
        pred = _tokens(prediction, self._stem)
        em = max(float(pred == _tokens(gold, self._stem)) for gold in answers)
        return JudgeResult(score=f1, exact_match=em, f1=f1)


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
    "fact when it states the fact's information, in any wording. Reply with yes or no only."
)


class LLMMemoryJudge:
    """Memory quality graded by a model, with ``memory_quality``'s precision and recall.

    Precision: one question per memory, "does it support any of the facts?". Recall: one
    question per fact, "does any memory support it?". So len(memories) + len(facts) calls.
    Facts without content tokens are left out, as in ``memory_quality``.

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

    def __call__(self, memories: Sequence[str], facts: Sequence[str]) -> MemoryQuality:
        """Grade ``memories`` against the gold ``facts``."""
        facts = _checkable_facts(memories, facts)
        if not memories or not facts:
            return MemoryQuality(0.0, 0.0, 0.0, tuple(False for _ in memories))
        fact_list = "\n".join(f"- {fact}" for fact in facts)
        memory_list = "\n".join(f"- {memory}" for memory in memories)
        supporting = tuple(
            self._ask(
                f"Facts:\n{fact_list}\n\nMemory: {memory}\n\n"
                "Does this memory support at least one of the facts?"
            )
            for memory in memories
        )
        covered = [
            self._ask(
                f"Memories:\n{memory_list}\n\nFact: {fact}\n\n"
                "Does at least one of the memories support this fact?"
            )
            for fact in facts
        ]
        return _quality(supporting, sum(covered) / len(facts))


def _checkable_facts(memories: Sequence[str], facts: Sequence[str]) -> list[str]:
    """Type-check both; keep the facts with content tokens, as ``memory_quality`` does."""
    for label, values in (("memories", memories), ("facts", facts)):
        if isinstance(values, str):
            raise TypeError(f"{label} must be a sequence of str, not a single str")
    return [fact for fact in facts if content_tokens(fact)]


def _quality(supporting: tuple[bool, ...], recall: float) -> MemoryQuality:
    precision = sum(supporting) / len(supporting)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return MemoryQuality(precision, recall, f1, supporting)


def _sentences(text: str) -> list[str]:
    """The text's sentences, plus the whole text when it has several.

    >>> _sentences("Ana moved. She likes Porto!")
    ['Ana moved.', 'She likes Porto!', 'Ana moved. She likes Porto!']
    """
    parts = [part.strip() for part in _SENTENCE_RE.split(text) if part.strip()]
    return parts + [text.strip()] if len(parts) > 1 else parts or [text]


def embedding_memory_quality(
    memories: Sequence[str], facts: Sequence[str], embedder: Embedder, threshold: float = 0.7
) -> MemoryQuality:
    """Memory quality with semantic matching: a memory supports a fact when one of its
    sentences (or the whole memory) has cosine similarity >= ``threshold`` with the fact.

    Args:
        memories: Stored memory contents.
        facts: Gold supporting facts; those without content tokens are ignored.
        embedder: Returns L2-normalised rows, so a dot product is the cosine.
        threshold: Minimum cosine similarity, in (0, 1].

    Returns:
        Precision, recall and F1 as in ``memory_quality``.
    """
    facts = _checkable_facts(memories, facts)
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold!r}")
    if not memories or not facts:
        return MemoryQuality(0.0, 0.0, 0.0, tuple(False for _ in memories))
    units = [_sentences(memory) for memory in memories]
    owner = np.repeat(np.arange(len(units)), [len(u) for u in units])
    flat = [sentence for unit in units for sentence in unit]
    similarity = embedder.embed(flat) @ embedder.embed(facts).T  # (sentences, facts)
    # supports[i, j]: some unit of memory i is close enough to fact j.
    supports = np.zeros((len(memories), len(facts)), dtype=bool)
    np.logical_or.at(supports, owner, similarity >= threshold)
    supporting = tuple(bool(row.any()) for row in supports)
    return _quality(supporting, float(supports.any(axis=0).mean()))
