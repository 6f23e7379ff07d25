"""Unit tests for agemem_env.scoring.judges."""

from __future__ import annotations

import pytest

from agemem_env.scoring.judges import ExactMatchF1Judge, Judge, JudgeResult, exact_match, token_f1
from agemem_env.scoring.registry import make_judge
from agemem_env.scoring.text import normalize_answer


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("The Eiffel Tower", "eiffel tower"),
        ("  an   apple\ta day ", "apple day"),
        ("U.S.A.!", "usa"),
        ("Theatre, then a themed party", "theatre then themed party"),
        ("", ""),
    ],
)
def test_normalize_answer(raw: str, normalised: str) -> None:
    assert normalize_answer(raw) == normalised


def test_exact_match() -> None:
    assert exact_match("the Eiffel Tower!", "Eiffel  tower") == 1.0
    assert exact_match("Eiffel", "Eiffel Tower") == 0.0
    assert exact_match("", "") == 1.0


def test_token_f1_partial_overlap() -> None:
    # 2 shared tokens, 4 predicted, 2 gold: precision 0.5, recall 1.0.
    assert token_f1("Eiffel Tower in Paris", "the Eiffel Tower") == pytest.approx(2 / 3)
    assert token_f1("Eiffel Tower", "Eiffel Tower") == 1.0
    assert token_f1("Lisbon", "Porto") == 0.0


def test_token_f1_counts_repeats_once_per_match() -> None:
    assert token_f1("paris paris", "paris") == pytest.approx(2 * 0.5 * 1 / 1.5)


@pytest.mark.parametrize(
    ("prediction", "gold", "score"),
    [
        ("yes", "yes", 1.0),
        ("Yes.", "yes", 1.0),
        ("yes", "yes it is", 0.0),
        ("no way", "no", 0.0),
        ("noanswer", "no answer here", 0.0),
    ],
)
def test_token_f1_yes_no_special_case(prediction: str, gold: str, score: float) -> None:
    assert token_f1(prediction, gold) == score


def test_token_f1_empty() -> None:
    assert token_f1("", "Paris") == 0.0
    assert token_f1("the", "a") == 0.0  # both normalise to ""


def test_non_str_raises() -> None:
    with pytest.raises(TypeError, match="got int"):
        normalize_answer(3)  # type: ignore[arg-type]


def test_judge_takes_best_over_gold_answers() -> None:
    judge = ExactMatchF1Judge()
    result = judge("Eiffel Tower", ["Tour Eiffel", "the Eiffel Tower", "Paris"])
    assert result == JudgeResult(score=1.0, exact_match=1.0, f1=1.0)
    partial = judge("Eiffel Tower in Paris", ["Eiffel Tower", "Paris"], question="Where?")
    assert partial.exact_match == 0.0
    assert partial.f1 == pytest.approx(2 / 3)
    assert partial.score == partial.f1


def test_judge_em_score() -> None:
    result = ExactMatchF1Judge("em")("Eiffel Tower in Paris", ("Eiffel Tower",))
    assert result.score == 0.0 == result.exact_match
    assert result.f1 == pytest.approx(2 / 3)


def test_judge_name_and_protocol() -> None:
    judge = ExactMatchF1Judge()
    assert judge.name == "em_f1"
    assert isinstance(judge, Judge)


def test_judge_validates() -> None:
    with pytest.raises(ValueError, match="'f1' or 'em'"):
        ExactMatchF1Judge("accuracy")
    judge = ExactMatchF1Judge()
    with pytest.raises(ValueError, match="at least one gold answer"):
        judge("x", [])
    with pytest.raises(TypeError, match="single str"):
        judge("x", "x")
    with pytest.raises(TypeError, match="prediction"):
        judge(None, ["x"])  # type: ignore[arg-type]


def test_make_judge() -> None:
    assert make_judge(None) == ExactMatchF1Judge("f1")
    assert make_judge("f1") == ExactMatchF1Judge("f1")
    assert make_judge("EM") == ExactMatchF1Judge("em")

    class Always:
        name = "always"

        def __call__(self, prediction: str, answers: object, question: str = "") -> JudgeResult:
            return JudgeResult(1.0, 1.0, 1.0)

    custom = Always()
    assert make_judge(custom) is custom
    with pytest.raises(ValueError, match="unknown judge 'llm'"):
        make_judge("llm")
    with pytest.raises(TypeError):
        make_judge(3)  # type: ignore[arg-type]
