"""Answer judges: HotpotQA-style normalised exact match and token F1.

``exact_match`` and ``token_f1`` follow the official HotpotQA evaluation script (itself
SQuAD's), so scores compare with published numbers. A judge is any callable with a ``name``
that maps (prediction, gold answers, question) to a ``JudgeResult``; LoCoMo's judge
(``scoring.locomo``) and an LLM judge (``scoring.llm_judges``) plug in the same way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from agemem_env.scoring.abstention import is_abstention
from agemem_env.scoring.text import normalize_answer

# HotpotQA scores these answers all-or-nothing: "no" must not half-match "no idea".
_SPECIAL_ANSWERS = frozenset({"yes", "no", "noanswer"})


def exact_match(prediction: str, gold: str) -> float:
    """1.0 when prediction and gold are equal after normalisation, else 0.0.

    >>> exact_match("the Eiffel Tower.", "Eiffel tower")
    1.0
    >>> exact_match("Eiffel", "Eiffel Tower")
    0.0
    """
    return float(normalize_answer(prediction) == normalize_answer(gold))


def token_f1(prediction: str, gold: str) -> float:
    """HotpotQA token F1 between normalised prediction and gold.

    yes / no / noanswer must match exactly (else 0.0), and no shared token gives 0.0.

    >>> round(token_f1("Eiffel Tower in Paris", "the Eiffel Tower"), 3)
    0.667
    >>> token_f1("no", "no way")
    0.0
    """
    pred = normalize_answer(prediction)
    truth = normalize_answer(gold)
    if (pred in _SPECIAL_ANSWERS or truth in _SPECIAL_ANSWERS) and pred != truth:
        return 0.0
    pred_tokens = pred.split()
    truth_tokens = truth.split()
    same = sum((Counter(pred_tokens) & Counter(truth_tokens)).values())
    if same == 0:
        return 0.0
    precision = same / len(pred_tokens)
    recall = same / len(truth_tokens)
    return 2 * precision * recall / (precision + recall)


@dataclass(frozen=True)
class JudgeResult:
    """One judged answer: the score the reward uses, plus EM and F1 for reports."""

    score: float
    exact_match: float
    f1: float


@runtime_checkable
class Judge(Protocol):
    """Scores a prediction against the gold answers (contract of R_task, Eq. 17)."""

    name: str

    def __call__(
        self,
        prediction: str,
        answers: Sequence[str],
        question: str = "",
        *,
        category: int | None = None,
        abstention: bool = False,
    ) -> JudgeResult:
        """Judge ``prediction``; ``question``, ``category`` (LoCoMo's) and ``abstention``
        (the right answer is that the information is unavailable) come from the task."""
        ...


def check_judge_inputs(prediction: str, answers: Sequence[str]) -> None:
    """The checks every judge makes first: a str prediction and at least one gold answer."""
    if not isinstance(prediction, str):
        raise TypeError(f"prediction must be a str, got {type(prediction).__name__}")
    if isinstance(answers, str):
        raise TypeError("answers must be a sequence of gold answers, not a single str")
    if not answers:
        raise ValueError("answers is empty; a judge needs at least one gold answer")


def abstention_verdict(prediction: str) -> JudgeResult:
    """Score 1 (score, EM and F1 alike) when the prediction says the information is not
    available, else 0: the right behaviour on abstention tasks."""
    hit = float(is_abstention(prediction))
    return JudgeResult(score=hit, exact_match=hit, f1=hit)


@dataclass(frozen=True)
class ExactMatchF1Judge:
    """Offline judge: best exact match and best token F1 over the gold answers.

    Args:
        score: Which metric becomes ``JudgeResult.score``: "f1" (default) or "em".

    >>> ExactMatchF1Judge()("Eiffel Tower", ["Tour Eiffel", "the Eiffel Tower"])
    JudgeResult(score=1.0, exact_match=1.0, f1=1.0)
    >>> ExactMatchF1Judge("em")("Eiffel", ["Eiffel Tower"]).score
    0.0
    """

    score: str = "f1"
    name: str = field(default="em_f1", init=False)

    def __post_init__(self) -> None:
        """Reject a score other than "f1" or "em"."""
        if self.score not in ("f1", "em"):
            raise ValueError(f"ExactMatchF1Judge: score must be 'f1' or 'em', got {self.score!r}")

    def __call__(
        self,
        prediction: str,
        answers: Sequence[str],
        question: str = "",
        *,
        category: int | None = None,
        abstention: bool = False,
    ) -> JudgeResult:
        """Judge ``prediction`` against every gold answer and keep the best of each metric;
        on abstention tasks any answer saying the information is unavailable scores 1."""
        check_judge_inputs(prediction, answers)
        if abstention:
            return abstention_verdict(prediction)
        em = max(exact_match(prediction, gold) for gold in answers)
        f1 = max(token_f1(prediction, gold) for gold in answers)
        return JudgeResult(score=f1 if self.score == "f1" else em, exact_match=em, f1=f1)
