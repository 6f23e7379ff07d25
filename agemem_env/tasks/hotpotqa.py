"""HotpotQA loader: multi-hop questions over Wikipedia paragraphs, told as casual user turns.

Reads the official layout (``_id``; ``context`` as ``[[title, [sentences]]]``;
``supporting_facts`` as ``[[title, sent_idx]]``) and the Hugging Face layout (``id``, maybe
absent; ``context = {"title": [...], "sentences": [[...]]}``; ``supporting_facts =
{"title": [...], "sent_id": [...]}``), as JSON or JSON lines, in the distractor and fullwiki
settings. Each context paragraph becomes one Stage-1 user turn; the supporting facts are the
referenced sentences, stripped, so each appears verbatim in the stream.

Data quirks are handled, not fatal, and each kind is logged once per file with its count:

- a record without an answer (fullwiki test split) is skipped;
- a supporting fact naming a missing title or sentence index (a few exist in real HotpotQA,
  and in fullwiki the gold paragraph is often not retrieved) is dropped;
- a distractor-setting record left with no supporting fact is skipped, since memory quality
  could not be measured for it; in fullwiki it is kept with the facts it has (maybe none).

Broken data (invalid JSON, a missing field, a wrong type) raises `DataFormatError` naming the
file, the record (index and id) and the field.

>>> turns = stream([("Ana Silva", [" Ana is a painter.", " She lives in Porto."]),
...                 ("Porto", ["Porto is a city."])])
>>> turns[0]
'I was reading about Ana Silva earlier: Ana is a painter. She lives in Porto.'
>>> turns[1]
'Fun fact about Porto: Porto is a city.'
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections import Counter
from collections.abc import Iterable, Iterator
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

logger = logging.getLogger(__name__)

SOURCE = "hotpotqa"
# Chosen by paragraph index (no randomness), so the same record always reads the same.
PREFIXES: tuple[str, ...] = (
    "I was reading about {title} earlier: ",
    "Fun fact about {title}: ",
    "Something I picked up about {title}: ",
    "Oh, and about {title}: ",
    "A friend told me this about {title}: ",
    "I looked up {title} the other day: ",
)
# Hugging Face split names to the names in the official file names.
SPLIT_ALIASES: dict[str, str] = {"validation": "dev"}
HUB_DATASET = "hotpotqa/hotpot_qa"

Paragraph = tuple[str, list[str]]


def load_hotpotqa(
    path: str | os.PathLike[str] | None = None,
    split: str | None = None,
    limit: int | None = None,
) -> list[Task]:
    """Load HotpotQA questions as tasks (``distractors`` left empty).

    Args:
        path: A data file (.json list of records, or .jsonl) or a folder. In a folder, with
            ``split`` the files matching ``*{split}*distractor*`` are read, or if there are
            none ``*{split}*`` ("validation" reads as "dev"); without it every *.json and
            *.jsonl file, sorted by name. A file whose name contains "fullwiki" is read in
            the fullwiki setting, any other in the distractor setting. None: the distractor
            configuration of ``hotpotqa/hotpot_qa`` through the ``datasets`` library
            (split default "validation"), unless it is missing or HF_HUB_OFFLINE is set.
        split: Split to pick in a folder or from the Hub; ignored for a single file.
        limit: At most this many tasks, the first ones in file order.

    Returns:
        The tasks, in file and record order.

    Raises:
        DataFormatError: Unreadable data, naming file, record and field; or a file in which
            no record has an answer.
        FileNotFoundError: Nothing at ``path``, or no path and no way to fetch the data.
        ValueError: A negative ``limit``.
    """
    if limit is not None and limit < 0:
        raise ValueError(f"load_hotpotqa: limit must be >= 0, got {limit}")
    if path is None:
        return _load_hub(split, limit)
    tasks: list[Task] = []
    for file in _data_files(Path(path), split):
        if limit is not None and len(tasks) >= limit:
            break
        setting = "fullwiki" if "fullwiki" in file.name.lower() else "distractor"
        left = None if limit is None else limit - len(tasks)
        tasks += tasks_from_records(_record_list(read_json(file), file), str(file), setting, left)
    return tasks


def tasks_from_records(
    records: Iterable[Any], label: str, setting: str = "distractor", limit: int | None = None
) -> list[Task]:
    """Tasks from parsed records of either layout; ``label`` names their file in errors.

    Skipped records and dropped facts are logged once, with their counts.
    """
    tasks: list[Task] = []
    skips: Counter[str] = Counter()
    seen = 0
    for index, record in enumerate(records):
        if limit is not None and len(tasks) >= limit:
            break
        seen += 1
        task = _parse_record(record, f"{label} record {index}{_id_note(record)}", setting, skips)
        if task is not None:
            tasks.append(task)
    _log_skips(label, skips)
    if seen and not tasks and skips["unanswered"] == seen:
        raise DataFormatError(f"{label}: no record has an answer; is this a test split?")
    return tasks


def stream(paragraphs: Iterable[Paragraph]) -> tuple[str, ...]:
    """One casual user turn per paragraph: a rotating prefix, then the stripped sentences.

    Paragraphs without text are left out.
    """
    turns = []
    for index, (title, sentences) in enumerate(paragraphs):
        text = " ".join(s.strip() for s in sentences if s.strip())
        if text:
            turns.append(PREFIXES[index % len(PREFIXES)].format(title=title) + text)
    return tuple(turns)


def question_id(question: str) -> str:
    """The id of a record that has none: ``hotpotqa-`` and 12 hex digits of its sha256.

    >>> question_id("Who?")
    'hotpotqa-d991a24e8e04'
    """
    return "hotpotqa-" + hashlib.sha256(question.encode("utf-8")).hexdigest()[:12]


def _load_hub(split: str | None, limit: int | None) -> list[Task]:
    offline = any(
        os.environ.get(var, "").strip().upper() in {"1", "ON", "YES", "TRUE"}
        for var in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")
    )
    try:
        # Lazy: `datasets` is optional and heavy (pyarrow, pandas).
        import datasets
    except ImportError:
        datasets = None
    if datasets is None or offline:
        raise no_data_error(SOURCE, "HotpotQA (e.g. hotpot_dev_distractor_v1.json)")
    split = split or "validation"
    rows = datasets.load_dataset(HUB_DATASET, "distractor", split=split)
    return tasks_from_records(rows, f"{HUB_DATASET}[distractor/{split}]", "distractor", limit)


def _data_files(path: Path, split: str | None) -> list[Path]:
    if split is None or not path.is_dir():
        return resolve_file(path, SOURCE, ("*.json", "*.jsonl"))
    name = SPLIT_ALIASES.get(split, split)
    # "dev" matches the distractor and the fullwiki dev files; the distractor one is the
    # default setting, and reading both would repeat every question.
    preferred = (f"*{name}*distractor*.json", f"*{name}*distractor*.jsonl")
    if any(f.is_file() for pattern in preferred for f in path.glob(pattern)):
        return resolve_file(path, SOURCE, preferred)
    return resolve_file(path, SOURCE, (f"*{name}*.json", f"*{name}*.jsonl"))


def _record_list(data: Any, file: Path) -> list[Any]:
    if not isinstance(data, list):
        raise DataFormatError(
            f"{file}: expected a list of HotpotQA records, got {type(data).__name__}"
        )
    return data


def _id_note(record: Any) -> str:
    """`` (id ...)`` for error messages, from whatever id the record has."""
    if isinstance(record, dict):
        for key in ("_id", "id"):
            if isinstance(record.get(key), str) and record[key]:
                return f" (id {record[key]})"
        if isinstance(record.get("question"), str):
            return f" (id {question_id(record['question'])})"
    return ""


def _parse_record(record: Any, where: str, setting: str, skips: Counter[str]) -> Task | None:
    """One record as a Task, or None when it is skipped (counted in ``skips``)."""
    question = field(record, "question", str, where)
    answer = record.get("answer")
    if answer is not None and not isinstance(answer, str):
        raise DataFormatError(f"{where}: field 'answer' must be str, got {type(answer).__name__}")
    if answer is None or not answer.strip():
        skips["unanswered"] += 1
        return None
    paragraphs = _paragraphs(field(record, "context", (list, dict), where), where)
    if "supporting_facts" in record or setting == "distractor":
        refs = _fact_refs(field(record, "supporting_facts", (list, dict), where), where)
    else:
        refs = []  # fullwiki records may come without supporting facts
    facts, fact_titles = _resolve_facts(refs, paragraphs, skips)
    if not facts and setting == "distractor":
        skips["factless"] += 1
        return None
    meta = {key: _optional_str(record, key, where) for key in ("type", "level")}
    record_id = _optional_str(record, "_id", where) or _optional_str(record, "id", where)
    return Task(
        id=record_id or question_id(question),
        information=stream(paragraphs),
        question=question.strip(),
        answers=(answer.strip(),),
        supporting_facts=facts,
        source=SOURCE,
        metadata={
            **meta,
            "setting": setting,
            "titles": tuple(title for title, _ in paragraphs),
            "fact_titles": fact_titles,
        },
    )


def _paragraphs(context: list[Any] | dict[str, Any], where: str) -> list[Paragraph]:
    """``[(title, sentences)]`` from either context layout, with every type checked."""
    if isinstance(context, dict):
        inner = f"{where}: field 'context'"
        titles = field(context, "title", list, inner)
        sentences = field(context, "sentences", list, inner)
        if len(titles) != len(sentences):
            raise DataFormatError(
                f"{inner} has {len(titles)} titles but {len(sentences)} sentence lists"
            )
        pairs: Iterator[Any] = (list(pair) for pair in zip(titles, sentences, strict=True))
    else:
        pairs = iter(context)
    paragraphs = []
    for index, pair in enumerate(pairs):
        label = f"{where}: field 'context' paragraph {index}"
        if not (isinstance(pair, list | tuple) and len(pair) == 2):
            raise DataFormatError(f"{label} must be [title, [sentences]]")
        title, sentences = pair
        if not isinstance(title, str):
            raise DataFormatError(f"{label}: title must be str, got {type(title).__name__}")
        if not (isinstance(sentences, list) and all(isinstance(s, str) for s in sentences)):
            raise DataFormatError(f"{label} ({title!r}): sentences must be a list of str")
        paragraphs.append((title, sentences))
    return paragraphs


def _fact_refs(facts: list[Any] | dict[str, Any], where: str) -> list[tuple[str, int]]:
    """``[(title, sentence index)]`` from either supporting-facts layout, types checked."""
    label = f"{where}: field 'supporting_facts'"
    if isinstance(facts, dict):
        titles = field(facts, "title", list, label)
        indices = field(facts, "sent_id", list, label)
        if len(titles) != len(indices):
            raise DataFormatError(f"{label} has {len(titles)} titles but {len(indices)} sent_id")
        pairs: list[Any] = [list(pair) for pair in zip(titles, indices, strict=True)]
    else:
        pairs = facts
    refs = []
    for index, pair in enumerate(pairs):
        ok = isinstance(pair, list | tuple) and len(pair) == 2
        if not (ok and isinstance(pair[0], str) and _is_index(pair[1])):
            raise DataFormatError(
                f"{label} item {index} must be [title, sentence index], got {pair!r}"
            )
        refs.append((pair[0], pair[1]))
    return refs


def _is_index(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _resolve_facts(
    refs: list[tuple[str, int]], paragraphs: list[Paragraph], skips: Counter[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The referenced sentences (stripped, without repeats) and their titles."""
    by_title: dict[str, list[str]] = {}
    for title, sentences in paragraphs:
        by_title.setdefault(title, sentences)
    facts: dict[str, None] = {}
    titles: dict[str, None] = {}
    for title, index in refs:
        sentences = by_title.get(title, [])
        text = sentences[index].strip() if 0 <= index < len(sentences) else ""
        if not text:
            skips["dangling"] += 1
            continue
        facts.setdefault(text)
        titles.setdefault(title)
    return tuple(facts), tuple(titles)


def _optional_str(record: dict[str, Any], key: str, where: str) -> str | None:
    if key not in record or record[key] is None:
        return None
    value: str = field(record, key, str, where)
    return value


def _log_skips(label: str, skips: Counter[str]) -> None:
    messages = {
        "unanswered": "skipped {} record(s) without an answer",
        "dangling": "dropped {} supporting fact(s) naming a missing title or sentence",
        "factless": "skipped {} record(s) left with no supporting fact",
    }
    for key, message in messages.items():
        if skips[key]:
            logger.warning("%s: %s: %s", SOURCE, label, message.format(skips[key]))
