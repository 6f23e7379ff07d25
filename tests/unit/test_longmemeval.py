"""Tests for the LongMemEval loader: field mapping, evidence, folders, broken files."""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from agemem_env.tasks.loading import DataFormatError
from agemem_env.tasks.longmemeval import load_longmemeval, render_session
from agemem_env.tasks.task import Task

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "longmemeval.json"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "longmemeval"


def _records() -> list[dict]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def _write(path: Path, records: object) -> Path:
    path.write_text(json.dumps(records), encoding="utf-8")
    return path


def _facts_in_stream(task: Task) -> bool:
    return all(any(fact in turn for turn in task.information) for fact in task.supporting_facts)


def test_field_mapping() -> None:
    first, second = load_longmemeval(FIXTURE)
    assert first.id == "f3a91c2e"
    assert first.question == "How many houseplants did I buy in total this spring?"
    assert first.answers == ("5",)  # integer answers become strings
    assert first.source == "longmemeval"
    assert first.distractors == ()
    assert len(first.information) == 3  # one turn per haystack session
    assert dict(first.metadata) == {
        "question_type": "multi-session",
        "question_date": "2023/06/10 (Sat) 18:40",
        "abstention": False,
        "answer_session_ids": ("answer_f3a91c2e_1", "answer_f3a91c2e_2"),
    }
    assert second.id == "b72d04aa_abs"
    assert len(second.information) == 1


def test_sessions_render_with_date_and_roles_in_order() -> None:
    task = load_longmemeval(FIXTURE)[0]
    assert task.information[1] == (
        "[2023/04/20 (Thu) 21:03] user: Can you suggest a quick pasta recipe for tonight?\n"
        "assistant: Try garlic, olive oil and chilli spaghetti; it takes fifteen minutes."
    )
    assert [turn[:24] for turn in task.information] == [
        "[2023/04/02 (Sun) 09:15]",
        "[2023/04/20 (Thu) 21:03]",
        "[2023/05/14 (Sun) 11:47]",
    ]
    # Contents stay verbatim, surrounding spaces included.
    assert "\nassistant: Lovely choices." in task.information[2]
    assert "user:   My neighbour gave me tips" in task.information[2]


def test_supporting_facts_from_flags_or_user_turns() -> None:
    first, second = load_longmemeval(FIXTURE)
    assert first.supporting_facts == (
        # Session 1 has has_answer flags: only the flagged message.
        "I just bought three houseplants at the garden centre, a fern and two pothos. "
        "How often should I water them?",
        # Session 3 has none: its user messages, stripped.
        "My neighbour gave me tips, so I picked up two more plants today: a snake plant "
        "and a calathea.",
        "Where should I put the calathea?",
    )
    assert second.supporting_facts == (
        "Last weekend I rented a red canoe at Lake Orla and paddled for two hours.",
    )
    assert _facts_in_stream(first) and _facts_in_stream(second)


def test_abstention_keeps_the_answer() -> None:
    task = load_longmemeval(FIXTURE)[1]
    assert task.metadata["abstention"] is True
    assert task.answers == (_records()[1]["answer"],)


def test_flags_all_false_give_no_fact(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    records = _records()
    for message in records[0]["haystack_sessions"][0]:
        message["has_answer"] = False
    records[0]["answer_session_ids"] = ["answer_f3a91c2e_1", "gone"]
    with caplog.at_level(logging.WARNING, logger="agemem_env.tasks.longmemeval"):
        task = load_longmemeval(_write(tmp_path / "flags.json", records))[0]
    assert len(task.supporting_facts) == 0
    assert "['gone'] not in the haystack" in caplog.text
    assert "no supporting fact" in caplog.text


def test_render_session_of_nothing() -> None:
    assert render_session("2023/01/01 (Sun) 00:00", []) == "[2023/01/01 (Sun) 00:00] "


def test_jsonl_and_limit(tmp_path: Path) -> None:
    lines = tmp_path / "longmemeval_s.jsonl"
    lines.write_text("\n".join(json.dumps(r) for r in _records()), encoding="utf-8")
    assert load_longmemeval(lines) == load_longmemeval(FIXTURE)
    for limit in (0, 1, 2, 5):
        assert load_longmemeval(FIXTURE, limit=limit) == load_longmemeval(FIXTURE)[:limit]
    with pytest.raises(ValueError, match="limit"):
        load_longmemeval(FIXTURE, limit=-2)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The original file names, plus a cleaned variant and a non-data file."""
    shutil.copy(FIXTURE, tmp_path / "longmemeval_oracle.json")
    _write(tmp_path / "longmemeval_s_cleaned.json", _records()[:1])
    _write(tmp_path / "longmemeval_m.json", _records()[1:])
    (tmp_path / "README.md").write_text("notes", encoding="utf-8")
    return tmp_path


def test_folder_rules(folder: Path) -> None:
    assert len(load_longmemeval(folder)) == 4
    assert load_longmemeval(folder, split="oracle") == load_longmemeval(FIXTURE)
    assert [t.id for t in load_longmemeval(folder, split="s")] == ["f3a91c2e"]
    assert [t.id for t in load_longmemeval(folder, split="m")] == ["b72d04aa_abs"]
    assert len(load_longmemeval(folder, limit=3)) == 3
    with pytest.raises(FileNotFoundError, match="looked for"):
        load_longmemeval(folder, split="x")


def test_truncated_json_names_the_file(tmp_path: Path) -> None:
    text = FIXTURE.read_text(encoding="utf-8")
    path = tmp_path / "cut.json"
    path.write_text(text[:-40], encoding="utf-8")
    with pytest.raises(DataFormatError, match="cut.json.*invalid JSON"):
        load_longmemeval(path)


def _session(record: dict) -> list[dict]:
    return record["haystack_sessions"][0]


@pytest.mark.parametrize(
    ("change", "field_name"),
    [
        (lambda r: r.pop("question"), "'question'"),
        (lambda r: r.pop("haystack_sessions"), "'haystack_sessions'"),
        (lambda r: r.pop("answer_session_ids"), "'answer_session_ids'"),
        (lambda r: r.update(answer=None), "'answer'"),
        (lambda r: r.update(answer=True), "'answer'"),
        (lambda r: r.update(answer="  "), "'answer'"),
        (lambda r: r.update(question_date=20230803), "'question_date'"),
        (lambda r: r["haystack_dates"].append("2023/08/01"), "'haystack_dates'"),
        (lambda r: r["haystack_session_ids"].__setitem__(0, 1), "'haystack_session_ids'"),
        (lambda r: r["haystack_sessions"].__setitem__(0, "text"), "session 0"),
        (lambda r: _session(r)[1].pop("content"), "'content'"),
        (lambda r: _session(r)[0].update(role=None), "'role'"),
        (lambda r: _session(r)[0].update(has_answer="yes"), "'has_answer'"),
    ],
)
def test_broken_record_names_file_record_and_field(
    tmp_path: Path, change: Callable[[dict], object], field_name: str
) -> None:
    records = _records()
    change(records[1])
    with pytest.raises(DataFormatError) as caught:
        load_longmemeval(_write(tmp_path / "broken.json", records))
    message = str(caught.value)
    assert "broken.json" in message
    assert "record 1 (id b72d04aa_abs)" in message
    assert field_name in message


def test_missing_id_and_wrong_top_level(tmp_path: Path) -> None:
    records = _records()
    del records[0]["question_id"]
    with pytest.raises(DataFormatError, match="ids.json record 0: missing field 'question_id'"):
        load_longmemeval(_write(tmp_path / "ids.json", records))
    with pytest.raises(DataFormatError, match="top.json: expected a list"):
        load_longmemeval(_write(tmp_path / "top.json", {"records": records}))


def test_no_path_raises() -> None:
    with pytest.raises(FileNotFoundError, match="longmemeval_oracle.json"):
        load_longmemeval()


@pytest.mark.data
def test_shared_data_loads() -> None:
    path = SHARED / "oracle_sample2.json"
    if not path.is_file():
        pytest.skip(f"shared data absent: {path}")
    tasks = load_longmemeval(path)
    assert len(tasks) == 2
    assert [t.metadata["abstention"] for t in tasks] == [False, True]
    for task in tasks:
        assert task.supporting_facts
        assert _facts_in_stream(task)
        assert len(task.information) == len(task.metadata["answer_session_ids"])
