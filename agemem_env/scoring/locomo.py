"""LoCoMo's answer scoring: category-aware F1 as in LoCoMo's ``task_eval/evaluation.py``.

Comma-split partial F1 for multi-hop, token F1 for temporal, open-domain and single-hop,
and abstention for adversarial questions.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence

from agemem_env.scoring.judges import JudgeResult, abstention_verdict, check_judge_inputs
from agemem_env.scoring.text import DROP_PUNCTUATION

_LOCOMO_ARTICLES_RE = re.compile(r"\b(a|an|the|and)\b")


def locomo_normalize(s: str) -> str:
    """LoCoMo's answer normalisation: lowercase, drop punctuation, a/an/the/and, spaces.

    Unlike HotpotQA's it also drops "and", so "Paris and Rome" matches "Paris, Rome".

    >>> locomo_normalize("The cat, and the Dog!")
    'cat dog'
    """
    text = s.lower().translate(DROP_PUNCTUATION)
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
