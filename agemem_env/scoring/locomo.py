"""LoCoMo's answer scoring: category-aware F1 as in LoCoMo's ``task_eval/evaluation.py``.

Comma-split partial F1 for multi-hop, token F1 for temporal, open-domain and single-hop,
both over Porter-stemmed tokens (nltk, as the official script), and the official
abstention rule for adversarial questions; the broader rule of
``agemem_env.scoring.abstention`` is a named option (``abstention="broad"``), reported in
the judge's ``id``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence

from agemem_env.scoring.judges import JudgeResult, abstention_verdict, check_judge_inputs
from agemem_env.scoring.text import DROP_PUNCTUATION

_LOCOMO_ARTICLES_RE = re.compile(r"\b(a|an|the|and)\b")
# The official script's category-5 test: one of these in the lower-cased prediction.
OFFICIAL_ABSTENTIONS = ("no information available", "not mentioned")
ABSTENTION_RULES = ("official", "broad")


def official_abstention(prediction: str) -> JudgeResult:
    """LoCoMo's own category-5 rule: 1 when the prediction contains "no information
    available" or "not mentioned" (case-insensitive), else 0.

    >>> official_abstention("Not mentioned in the conversation").score
    1.0
    >>> official_abstention("I don't know").score  # the broad rule accepts this one
    0.0
    """
    text = prediction.lower()
    hit = float(any(phrase in text for phrase in OFFICIAL_ABSTENTIONS))
    return JudgeResult(score=hit, exact_match=hit, f1=hit)


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
    (adversarial) or ``abstention=True``: 1.0 when the prediction abstains, else 0.0 (for
    these EM and F1 equal that score). ``score`` is the F1; ``exact_match`` the official
    ``exact_match_score`` (same set of normalised, unstemmed tokens); both are the best
    over the gold answers.

    The Judge protocol carries no task metadata, so the env passes it by keyword:
    ``judge(pred, task.answers, task.question, category=task.metadata.get("category"),
    abstention=task.metadata.get("abstention", False))``. Without a category, token F1.

    Args:
        stem: Porter-stem tokens as the official script does (nltk); ``False`` scores
            unstemmed tokens ("paintings" then misses "painting").
        abstention: "official" (default): LoCoMo's rule, "no information available" or
            "not mentioned" in the prediction; "broad": also "I don't know", "unknown",
            "cannot be determined" ... (``scoring.abstention.is_abstention``).

    >>> judge = LoCoMoJudge()
    >>> judge("hiking, painting", ["painting, hiking, pottery"], category=1).score
    0.6666666666666666
    >>> judge("paintings", ["painting"], category=4).score, judge.id
    (1.0, 'locomo_f1(stem=porter,abstention=official)')
    >>> LoCoMoJudge(abstention="broad")("I don't know", ["Not mentioned"], category=5).score
    1.0
    """

    name = "locomo_f1"

    def __init__(self, stem: bool = True, abstention: str = "official") -> None:
        if abstention not in ABSTENTION_RULES:
            raise ValueError(f"LoCoMoJudge abstention must be one of {ABSTENTION_RULES}, got "
                             f"{abstention!r}")
        self.stem, self.abstention = stem, abstention
        self._stem: Callable[[str], str] | None = None
        if stem:
            try:
                from nltk.stem import PorterStemmer
            except ImportError as err:
                raise ImportError("LoCoMoJudge(stem=True) needs nltk: pip install nltk") from err
            self._stem = PorterStemmer().stem

    @property
    def id(self) -> str:
        """The judge with its options, as reports name it."""
        return f"{self.name}(stem={'porter' if self.stem else 'none'}," \
               f"abstention={self.abstention})"

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
            if self.abstention == "broad":
                return abstention_verdict(prediction)
            return official_abstention(prediction)
        if category == 3:
            answers = [gold.split(";")[0].strip() for gold in answers]
        score = locomo_multi_f1 if category == 1 else locomo_f1
        f1 = max(score(prediction, gold, self._stem) for gold in answers)
        pred = set(_tokens(prediction, None))
        em = max(float(pred == set(_tokens(gold, None))) for gold in answers)
        return JudgeResult(score=f1, exact_match=em, f1=f1)
