r"""LongMemEval loader: questions about a user's past chat sessions.

Reads the original layout (a JSON list, or JSON lines) of ``longmemeval_s.json``,
``longmemeval_m.json`` and ``longmemeval_oracle.json``: ``question_id``, ``question_type``,
``question``, ``answer`` (str or int), ``question_date``, ``haystack_dates``,
``haystack_session_ids``, ``haystack_sessions`` (each a list of ``{"role", "content",
"has_answer"?}``) and ``answer_session_ids``.

Each haystack session becomes one Stage-1 turn, in the given order: its date in brackets,
then one ``role: content`` line per message (contents verbatim). The supporting facts are the
stripped contents of the ``has_answer`` messages of the answer sessions; an answer session
whose messages carry no ``has_answer`` key at all gives its user messages instead (a session
that has the flags, all false, gives nothing). For ``knowledge-update`` questions only the
last answer session's evidence supports the answer; the earlier sessions' evidence states
the value it replaced and becomes ``Task.stale_facts``. Abstention questions (id ending in ``_abs``)
keep their answer as given, an explanation that the information is not available, and get
``metadata["abstention"] = True``.

Broken data raises `DataFormatError` naming the file, the record (index and id) and the field.

>>> render_session("2023/05/20 (Sat) 02:21", [{"role": "user", "content": "I ran a 5K."},
...                                           {"role": "assistant", "content": "Nice!"}])
'[2023/05/20 (Sat) 02:21] user: I ran a 5K.\nassistant: Nice!'
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
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

SOURCE = "longmemeval"
ABSTENTION_SUFFIX = "_abs"

Message = dict[str, Any]


def load_longmemeval(
    path: str | os.PathLike[str] | None = None,
    split: str | None = None,
    limit: int | None = None,
) -> list[Task]:
    """Load LongMemEval questions as tasks (``distractors`` left empty).

    Args:
        path: A data file or a folder. In a folder, with ``split`` ("s", "m", "oracle") the
            .json/.jsonl files whose name has it as an underscore-separated part are read
            (``longmemeval_s.json``, ``longmemeval_s_cleaned.json``), otherwise every
            .json/.jsonl file, sorted by name.
        split: Which variant to pick in a folder; ignored for a single file.
        limit: At most this many tasks, the first ones in file order.

    Returns:
        The tasks, in file and record order.

    Raises:
        DataFormatError: Unreadable data, naming file, record and field.
        FileNotFoundError: Nothing at ``path``, or no path (the data is not fetched).
        ValueError: A negative ``limit``.
    """
    if limit is not None and limit < 0:
        raise ValueError(f"load_longmemeval: limit must be >= 0, got {limit}")
    if path is None:
        raise no_data_error(SOURCE, "LongMemEval (longmemeval_s.json or longmemeval_oracle.json)")
    tasks: list[Task] = []
    for file in resolve_file(path, SOURCE, _patterns(split)):
        data = read_json(file)
        if not isinstance(data, list):
            raise DataFormatError(
                f"{file}: expected a list of LongMemEval records, got {type(data).__name__}"
            )
        for index, record in enumerate(data):
            if limit is not None and len(tasks) >= limit:
                return tasks
            tasks.append(parse_record(record, f"{file} record {index}{_id_note(record)}"))
    return tasks


KNOWLEDGE_UPDATE = "knowledge-update"


def parse_record(record: Any, where: str) -> Task:
    """One LongMemEval record as a Task; ``where`` names file and record in errors."""
    qid = field(record, "question_id", str, where)
    answer = field(record, "answer", (str, int), where)
    answer = str(answer).strip()
    if not answer:
        raise DataFormatError(f"{where}: field 'answer' is empty")
    sessions = _sessions(record, where)
    answer_ids = tuple(_str_list(record, "answer_session_ids", where))
    known = {session_id for session_id, _, _ in sessions}
    missing = [session_id for session_id in answer_ids if session_id not in known]
    if missing:
        logger.warning("%s: %s: answer sessions %s not in the haystack", SOURCE, where, missing)
    evidence = [messages for session_id, _, messages in sessions if session_id in answer_ids]
    question_type = field(record, "question_type", str, where)
    stale: tuple[str, ...] = ()
    if question_type == KNOWLEDGE_UPDATE and len(evidence) > 1:
        # The haystack is in date order: the last answer session holds the current value,
        # the earlier ones what it replaced.
        stale = _facts(evidence[:-1])
        evidence = evidence[-1:]
    facts = _facts(evidence)
    stale = tuple(fact for fact in stale if fact not in facts)
    abstention = qid.endswith(ABSTENTION_SUFFIX)
    if not facts and not abstention:
        logger.warning("%s: %s: no supporting fact found in the answer sessions", SOURCE, where)
    return Task(
        id=qid,
        information=tuple(render_session(date, messages) for _, date, messages in sessions),
        question=field(record, "question", str, where).strip(),
        answers=(answer,),
        supporting_facts=facts,
        stale_facts=stale,
        source=SOURCE,
        metadata={
            "question_type": question_type,
            "question_date": field(record, "question_date", str, where),
            "abstention": abstention,
            "answer_session_ids": answer_ids,
        },
    )


def render_session(date: str, messages: Iterable[Message]) -> str:
    """A session as one turn: ``[date] `` and a ``role: content`` line per message."""
    lines = "\n".join(f"{message['role']}: {message['content']}" for message in messages)
    return f"[{date}] {lines}"


def _patterns(split: str | None) -> tuple[str, ...]:
    if split is None:
        return ("*.json", "*.jsonl")
    # The split as a whole underscore-separated part of the name: "s" must not match
    # every file with an "s" in it.
    stems = (f"{split}", f"{split}_*", f"*_{split}", f"*_{split}_*")
    return tuple(stem + suffix for stem in stems for suffix in (".json", ".jsonl"))


def _id_note(record: Any) -> str:
    if isinstance(record, dict) and isinstance(record.get("question_id"), str):
        return f" (id {record['question_id']})"
    return ""


def _sessions(record: Any, where: str) -> list[tuple[str, str, list[Message]]]:
    """``[(session id, date, messages)]``, with lengths and every message checked."""
    dates = _str_list(record, "haystack_dates", where)
    ids = _str_list(record, "haystack_session_ids", where)
    sessions = field(record, "haystack_sessions", list, where)
    if not len(dates) == len(ids) == len(sessions):
        raise DataFormatError(
            f"{where}: fields 'haystack_dates', 'haystack_session_ids' and "
            f"'haystack_sessions' differ in length ({len(dates)}, {len(ids)}, {len(sessions)})"
        )
    checked = []
    for number, (session_id, date, session) in enumerate(zip(ids, dates, sessions, strict=True)):
        label = f"{where}: field 'haystack_sessions' session {number} ({session_id})"
        if not isinstance(session, list):
            raise DataFormatError(f"{label} must be a list, got {type(session).__name__}")
        for index, message in enumerate(session):
            _check_message(message, f"{label} message {index}")
        checked.append((session_id, date, session))
    return checked


def _check_message(message: Any, label: str) -> None:
    field(message, "role", str, label)
    field(message, "content", str, label)
    if "has_answer" in message:
        field(message, "has_answer", bool, label)


def _facts(sessions: Iterable[list[Message]]) -> tuple[str, ...]:
    """Stripped evidence messages, without repeats, in session order."""
    facts: dict[str, None] = {}
    for messages in sessions:
        if any("has_answer" in message for message in messages):
            evidence = [m for m in messages if m.get("has_answer")]
        else:
            evidence = [m for m in messages if m["role"] == "user"]
        for message in evidence:
            if message["content"].strip():
                facts.setdefault(message["content"].strip())
    return tuple(facts)


def _str_list(record: Any, name: str, where: str) -> list[str]:
    values: list[str] = field(record, name, list, where)
    for index, value in enumerate(values):
        if not isinstance(value, str):
            raise DataFormatError(
                f"{where}: field '{name}' item {index} must be str, got {type(value).__name__}"
            )
    return values
