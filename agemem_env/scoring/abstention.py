"""Spotting answers that say the information is not available (LoCoMo adversarial
questions, LongMemEval abstention questions)."""

from __future__ import annotations

import re

_ABSTENTION_RE = re.compile(
    r"\b(?:not|never|wasn't|isn't|weren't|aren't)\s+(?:been\s+|ever\s+|explicitly\s+)?"
    r"(?:mentioned|stated|specified|provided|discussed|recorded|available|known)\b"
    r"|\bno\s+(?:information|info|mention|record|data|details?|answer|idea|evidence)\b"
    r"|\b(?:don't|do not)\s+(?:know|remember|recall)\b"
    r"|\b(?:doesn't|does not|didn't|did not)\s+(?:mention|specify)\b|\b(?:doesn't|does not) say\b"
    r"|\b(?:cannot|can't|can not|couldn't|could not|unable to)\s+(?:be\s+)?"
    r"(?:determined?|answer(?:ed)?|tell|find|say|know|recall)\b"
    r"|\b(?:is|are|was|remains?)\s+(?:unknown|unclear)\b|^\W*(?:unknown|unclear|n/?a|none)\W*$"
    r"|\bnot\s+sure\b|\bnoanswer\b",
    re.IGNORECASE,
)


def is_abstention(text: str) -> bool:
    """Whether ``text`` says the information is not available instead of answering.

    >>> is_abstention("Not mentioned in the conversation.")
    True
    >>> is_abstention("I don’t know."), is_abstention("This cannot be determined")
    (True, True)
    >>> is_abstention("There is no information about her pet."), is_abstention("Unknown")
    (True, True)
    >>> is_abstention("She adopted a dog named Oscar."), is_abstention("No, she did not.")
    (False, False)
    """
    return bool(_ABSTENTION_RE.search(text.replace("\u2019", "'").strip()))
