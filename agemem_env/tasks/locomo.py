"""LoCoMo loader: long multi-session conversations, one Task per QA item.

Reads the official ``locomo10.json`` layout (Maharana et al., 2024): a list of samples, each
with ``sample_id``, ``conversation`` (``speaker_a``, ``speaker_b``, ``session_N`` turn lists
and ``session_N_date_time`` stamps) and ``qa`` items (``question``, ``answer`` or
``adversarial_answer``, ``evidence`` dialogue ids like ``"D3:7"``, ``category`` 1-5).
Other keys (``event_summary``, ``observation``, ``session_summary``) are ignored.

Stage 1 streams the whole conversation, one user turn per session::

    (Session 2, 1:14 pm on 25 May, 2023)
    Caroline: Hey Mel! ...
    Melanie: I took the kids to the museum. [shares a photo: a photo of a dinosaur skeleton]

Supporting facts are the evidence lines exactly as rendered there, so each one is a verbatim
substring of an information turn. LoCoMo has no distractors; Stage 2 is left empty.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agemem_env.tasks.loading import (
    DataFormatError,
    field,
    no_data_error,
    read_json,
    resolve_file,
)
from agemem_env.tasks.task import Task

__all__ = [
    "ABSTENTION_ANSWER",
    "CATEGORY_NAMES",
    "SPLITS",
    "canonical_dia_id",
    "load_locomo",
    "resolve_evidence",
]

logger = logging.getLogger(__name__)

# Category numbers as in the released data (the paper's table lists them in another order).
CATEGORY_NAMES: dict[int, str] = {
    1: "multi-hop",
    2: "temporal",
    3: "open-domain",
    4: "single-hop",
    5: "adversarial",
}
# Adversarial questions ask about things never said; the right answer is to abstain.
ABSTENTION_ANSWER = "Not mentioned in the conversation"
SPLITS: tuple[str, ...] = ("test",)

_SESSION_RE = re.compile(r"session_(\d+)")
# Lenient on typos seen in the release ("D:11:26", "D30:05", " D9:17").
_DIA_ID_RE = re.compile(r"D\s*:?\s*(\d+)\s*:\s*(\d+)")
_EVIDENCE_SEP_RE = re.compile(r"[;,]")


@dataclass(frozen=True)
class _Conversation:
    """A sample's rendered conversation: Stage-1 turns and the line of each dialogue id."""

    sample_id: str
    speakers: tuple[str, str]
    information: tuple[str, ...]
    lines: dict[str, str]


def load_locomo(
    path: str | os.PathLike[str] | None = None,
    split: str | None = None,
    limit: int | None = None,
    categories: Iterable[int] | None = None,
) -> list[Task]:
    """Load LoCoMo QA items as Tasks, in file, sample and QA order.

    Args:
        path: ``locomo10.json`` (or a subset in its layout), or a folder of such files.
        split: None or "test"; LoCoMo is a single evaluation set.
        limit: Most tasks returned (after the category filter); None for all.
        categories: Keep only these categories (1 multi-hop, 2 temporal, 3 open-domain,
            4 single-hop, 5 adversarial); None keeps all.

    Returns:
        One Task per QA item, id ``f"locomo-{sample_id}-q{index}"`` (index within the
        sample's ``qa`` list). ``metadata`` holds ``category``, ``category_name``,
        ``evidence`` (resolved ids), ``unresolved_evidence``, ``sample_id``, ``speakers``,
        ``abstention``, and for category 5 ``adversarial_answer`` (the trap answer).

    Raises:
        FileNotFoundError: No path given (offline), or nothing at ``path``.
        ValueError: Bad ``split``, ``limit`` or ``categories``.
        DataFormatError: A record breaks the layout; the message names file, record, field.
    """
    if path is None:
        raise no_data_error("locomo", "LoCoMo (locomo10.json)")
    if split is not None and split not in SPLITS:
        raise ValueError(f"load_locomo: unknown split {split!r}; LoCoMo has only {SPLITS}")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise ValueError(f"load_locomo: limit must be an int >= 0 or None, got {limit!r}")
    wanted = _check_categories(categories)
    tasks: list[Task] = []
    seen: dict[str, Path] = {}
    for file in resolve_file(path, "locomo", ("*.json",)):
        tasks += (
            t for t in _load_file(file, seen) if wanted is None or t.metadata["category"] in wanted
        )
        if limit is not None and len(tasks) >= limit:
            break
    return tasks if limit is None else tasks[:limit]


def _check_categories(categories: Iterable[int] | None) -> frozenset[int] | None:
    if categories is None:
        return None
    if isinstance(categories, int | str):
        raise ValueError("load_locomo: categories must be a collection of ints, e.g. (1, 2, 4)")
    wanted = frozenset(categories)
    bad = sorted((c for c in wanted if c not in CATEGORY_NAMES), key=repr)
    if bad:
        raise ValueError(f"load_locomo: unknown categories {bad}; choose from {CATEGORY_NAMES}")
    return wanted


def _load_file(file: Path, seen: dict[str, Path]) -> list[Task]:
    data = read_json(file)
    if not isinstance(data, list):
        raise DataFormatError(f"{file}: expected a list of samples, got {type(data).__name__}")
    tasks: list[Task] = []
    for index, sample in enumerate(data):
        where = f"{file}: sample {index}"
        sample_id = field(sample, "sample_id", str, where)
        where = f"{file}: sample {index} ({sample_id})"
        if sample_id in seen:
            raise DataFormatError(f"{where}: sample_id already used in {seen[sample_id]}")
        seen[sample_id] = file
        conversation = _render_conversation(
            sample_id, field(sample, "conversation", dict, where), f"{where}: conversation"
        )
        for number, qa in enumerate(field(sample, "qa", list, where)):
            tasks.append(_qa_task(qa, number, conversation, f"{where}: qa {number}"))
    return tasks


def _render_conversation(sample_id: str, conv: dict[str, Any], where: str) -> _Conversation:
    speakers = (field(conv, "speaker_a", str, where), field(conv, "speaker_b", str, where))
    # Sort by number: "session_10" must follow "session_9", not "session_1".
    numbers = sorted(int(m[1]) for key in conv if (m := _SESSION_RE.fullmatch(key)))
    information: list[str] = []
    lines: dict[str, str] = {}
    for number in numbers:
        key = f"session_{number}"
        turns = field(conv, key, list, where)
        rendered = [
            _render_turn(turn, f"{where}: {key} turn {i}", lines) for i, turn in enumerate(turns)
        ]
        if not rendered:
            continue  # an empty session says nothing
        stamp = conv.get(f"{key}_date_time")
        if stamp is not None and not isinstance(stamp, str):
            raise DataFormatError(
                f"{where}: field '{key}_date_time' must be str, got {type(stamp).__name__}"
            )
        header = f"(Session {number}, {stamp})" if stamp else f"(Session {number})"
        information.append("\n".join([header, *rendered]))
    return _Conversation(sample_id, speakers, tuple(information), lines)


def _render_turn(turn: Any, where: str, lines: dict[str, str]) -> str:
    speaker = field(turn, "speaker", str, where)
    # Whitespace collapsed: some texts end in "\n\n", and a fact must stay one line.
    text = " ".join(field(turn, "text", str, where).split())
    line = f"{speaker}: {text}"
    caption = turn.get("blip_caption")
    if caption is not None and not isinstance(caption, str):
        raise DataFormatError(
            f"{where}: field 'blip_caption' must be str, got {type(caption).__name__}"
        )
    if caption and caption.strip():
        line += f" [shares a photo: {' '.join(caption.split())}]"
    dia_id = field(turn, "dia_id", str, where)
    key = canonical_dia_id(dia_id)
    if key is None:
        raise DataFormatError(f"{where}: field 'dia_id' is not like 'D3:7', got {dia_id!r}")
    if key in lines:
        raise DataFormatError(f"{where}: dia_id {dia_id!r} repeats an earlier turn")
    lines[key] = line
    return line


def canonical_dia_id(text: str) -> str | None:
    """The dialogue id ``"D<session>:<turn>"`` that ``text`` spells, or None.

    Tolerates the typos of the released evidence lists (a stray colon, spaces, zero padding).

    >>> canonical_dia_id("D3:7"), canonical_dia_id(" D:11:26"), canonical_dia_id("D30:05")
    ('D3:7', 'D11:26', 'D30:5')
    >>> canonical_dia_id("D") is None
    True
    """
    match = _DIA_ID_RE.fullmatch(text.strip())
    return f"D{int(match[1])}:{int(match[2])}" if match else None


def resolve_evidence(
    evidence: Iterable[str], lines: dict[str, str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split evidence strings into dialogue ids and sort them into resolved and unresolved.

    Args:
        evidence: The record's evidence strings; one may hold several ids ("D8:6; D9:17").
        lines: Rendered line by canonical dialogue id.

    Returns:
        (resolved canonical ids, unresolved pieces), each in order without repeats.

    >>> resolve_evidence(["D1:2; D1:1", "D", "D1:2", "D:1:3"], {"D1:1": "a", "D1:2": "b"})
    (('D1:2', 'D1:1'), ('D', 'D:1:3'))
    """
    resolved: dict[str, None] = {}
    unresolved: dict[str, None] = {}
    for item in evidence:
        for piece in filter(None, (p.strip() for p in _EVIDENCE_SEP_RE.split(item))):
            key = canonical_dia_id(piece)
            if key is not None and key in lines:
                resolved[key] = None
            else:
                unresolved[piece] = None
    return tuple(resolved), tuple(unresolved)


def _qa_task(qa: Any, number: int, conv: _Conversation, where: str) -> Task:
    question = field(qa, "question", str, where)
    category = field(qa, "category", int, where)
    if category not in CATEGORY_NAMES:
        raise DataFormatError(f"{where}: field 'category' must be 1-5, got {category!r}")
    evidence = field(qa, "evidence", (list, str), where)
    evidence = [evidence] if isinstance(evidence, str) else evidence
    if not all(isinstance(item, str) for item in evidence):
        raise DataFormatError(f"{where}: field 'evidence' must be a list of str like 'D3:7'")
    ids, unresolved = resolve_evidence(evidence, conv.lines)
    for piece in unresolved:
        logger.warning("%s: evidence id %r matches no dialogue turn; skipped", where, piece)
    metadata: dict[str, Any] = {
        "category": category,
        "category_name": CATEGORY_NAMES[category],
        "evidence": ids,
        "unresolved_evidence": unresolved,
        "sample_id": conv.sample_id,
        "speakers": conv.speakers,
        "abstention": category == 5,
    }
    if category == 5:
        answers: tuple[str, ...] = (ABSTENTION_ANSWER,)
        metadata["adversarial_answer"] = _answer_text(qa, "adversarial_answer", where)
        if "answer" in qa:  # two released items carry a plain answer too; kept for reference
            metadata["record_answer"] = _answer_text(qa, "answer", where)
    else:
        answers = (_answer_text(qa, "answer", where, required=True),)
    return Task(
        id=f"locomo-{conv.sample_id}-q{number}",
        information=conv.information,
        question=question,
        answers=answers,
        supporting_facts=tuple(conv.lines[key] for key in ids),
        source="locomo",
        metadata=metadata,
    )


def _answer_text(qa: dict[str, Any], name: str, where: str, required: bool = False) -> str | None:
    if name not in qa and not required:
        return None
    # Counts and years are stored as JSON numbers (e.g. 2022); Task answers are text.
    value = field(qa, name, (str, int, float), where)
    text = str(value).strip()
    if not text:
        raise DataFormatError(f"{where}: field '{name}' is empty")
    return text
