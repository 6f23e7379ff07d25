"""Unit tests for agemem_env.tasks.locomo."""

from __future__ import annotations

import copy
import json
import logging
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from agemem_env.tasks.loading import DataFormatError
from agemem_env.tasks.locomo import ABSTENTION_ANSWER, load_locomo

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "locomo.json"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "locomo"


@pytest.fixture(scope="module")
def tasks() -> dict[str, Any]:
    return {task.id: task for task in load_locomo(FIXTURE)}


def _write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "locomo10.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _fixture_data() -> list[dict[str, Any]]:
    return copy.deepcopy(json.loads(FIXTURE.read_text(encoding="utf-8")))


def test_one_task_per_qa_item_in_order(tasks) -> None:
    assert list(tasks) == [
        *(f"locomo-fx-1-q{i}" for i in range(5)),
        *(f"locomo-fx-2-q{i}" for i in range(4)),
    ]
    assert {task.source for task in tasks.values()} == {"locomo"}
    assert all(task.distractors == () for task in tasks.values())


def test_mapping_of_a_single_hop_item(tasks) -> None:
    task = tasks["locomo-fx-1-q0"]
    assert task.question == "What instrument does Ana play?"
    assert task.answers == ("the cello",)
    assert task.supporting_facts == (
        "Ana: I joined a community orchestra, I play the cello there.",
    )
    assert task.metadata == {
        "category": 4,
        "category_name": "single-hop",
        "evidence": ("D1:3",),
        "unresolved_evidence": (),
        "sample_id": "fx-1",
        "speakers": ("Ana", "Ben"),
        "abstention": False,
    }


def test_stream_has_one_turn_per_session_with_header_and_lines(tasks) -> None:
    info = tasks["locomo-fx-1-q0"].information
    assert len(info) == 3
    assert info[0] == (
        "(Session 1, 1:56 pm on 8 May, 2023)\n"
        "Ana: Hi Ben! Long time no see.\n"
        "Ben: Hey Ana! What have you been up to?\n"
        # The trailing "\n\n" of the raw text is collapsed away.
        "Ana: I joined a community orchestra, I play the cello there."
    )
    # Every task of a conversation streams the same turns.
    assert all(t.information == info for t in tasks.values() if t.metadata["sample_id"] == "fx-1")


def test_sessions_sorted_numerically_so_session_10_comes_last(tasks) -> None:
    info = tasks["locomo-fx-2-q0"].information
    assert [turn.split(",")[0] for turn in info] == ["(Session 1", "(Session 2", "(Session 10"]
    # A date stamp with no session (session_11) adds no turn.
    assert not any("November" in turn for turn in info)


def test_photo_caption_is_appended(tasks) -> None:
    assert tasks["locomo-fx-1-q1"].supporting_facts == (
        "Ben: I adopted a dog called Rex back in 2022, here he is. "
        "[shares a photo: a photo of a brown dog lying on a couch]",
    )
    assert (
        "[shares a photo: a painting of a lighthouse at sunset]"
        in (tasks["locomo-fx-2-q0"].information[2])
    )


def test_every_supporting_fact_is_a_verbatim_stream_line(tasks) -> None:
    for task in tasks.values():
        lines = {line for turn in task.information for line in turn.split("\n")}
        assert set(task.supporting_facts) <= lines, task.id


def test_integer_answers_become_text(tasks) -> None:
    assert tasks["locomo-fx-1-q1"].answers == ("2022",)
    assert tasks["locomo-fx-2-q1"].answers == ("3",)


def test_evidence_string_with_two_ids_is_split(tasks) -> None:
    task = tasks["locomo-fx-1-q2"]
    assert task.metadata["evidence"] == ("D2:2", "D3:4")
    assert task.supporting_facts[1] == "Ben: Yes, we also took in a cat named Miso."


def test_evidence_typo_is_repaired_and_bad_ids_are_skipped_with_a_warning(caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="agemem_env.tasks.locomo"):
        by_id = {task.id: task for task in load_locomo(FIXTURE)}
    assert by_id["locomo-fx-2-q1"].metadata["evidence"] == ("D1:2", "D2:3")
    task = by_id["locomo-fx-2-q2"]
    assert task.metadata["evidence"] == ("D2:3",)
    assert task.metadata["unresolved_evidence"] == ("D9:9", "D")
    assert len(task.supporting_facts) == 1
    warned = [r.getMessage() for r in caplog.records]
    assert len(warned) == 2
    assert "sample 1 (fx-2): qa 2" in warned[0] and "'D9:9'" in warned[0]


def test_empty_evidence_gives_no_supporting_facts(tasks) -> None:
    assert tasks["locomo-fx-1-q4"].supporting_facts == ()
    assert tasks["locomo-fx-1-q4"].metadata["category_name"] == "open-domain"


def test_adversarial_item_expects_abstention(tasks) -> None:
    task = tasks["locomo-fx-1-q3"]
    assert task.answers == (ABSTENTION_ANSWER,)
    assert task.metadata["abstention"] is True
    assert task.metadata["adversarial_answer"] == "the cello"
    assert task.metadata["category_name"] == "adversarial"
    assert "record_answer" not in task.metadata
    # Released items with both keys keep the plain answer for reference only.
    both = tasks["locomo-fx-2-q3"]
    assert both.answers == (ABSTENTION_ANSWER,)
    assert (both.metadata["adversarial_answer"], both.metadata["record_answer"]) == ("Yes", "No")


def test_every_category_is_covered(tasks) -> None:
    counts = Counter(task.metadata["category"] for task in tasks.values())
    assert counts == {1: 2, 2: 2, 3: 1, 4: 2, 5: 2}


def test_categories_filter_and_limit() -> None:
    picked = load_locomo(FIXTURE, categories=(1, 2, 4))
    assert [t.metadata["category"] for t in picked] == [4, 2, 1, 4, 1, 2]
    assert [t.id for t in load_locomo(FIXTURE, categories=[5], limit=1)] == ["locomo-fx-1-q3"]
    assert load_locomo(FIXTURE, limit=0) == []
    assert len(load_locomo(FIXTURE, split="test")) == 9


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"categories": (1, 6)}, "unknown categories"),
        ({"categories": 1}, "collection of ints"),
        ({"limit": -1}, "limit"),
        ({"split": "train"}, "unknown split"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_locomo(FIXTURE, **kwargs)


def test_no_path_offline_names_the_download() -> None:
    with pytest.raises(FileNotFoundError, match=r"locomo: no path given.*locomo10\.json"):
        load_locomo()


def test_folder_path_reads_its_json_files(tmp_path: Path) -> None:
    _write(tmp_path, _fixture_data())
    assert len(load_locomo(tmp_path)) == 9


def test_same_sample_in_two_files_is_rejected(tmp_path: Path) -> None:
    _write(tmp_path, _fixture_data())
    (tmp_path / "copy.json").write_text(FIXTURE.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(DataFormatError, match="sample_id already used"):
        load_locomo(tmp_path)


def _break(data: list[dict[str, Any]], case: str) -> None:
    conv = data[1]["conversation"]
    qa = data[1]["qa"]
    if case == "question":
        del qa[2]["question"]
    elif case == "category":
        qa[2]["category"] = 7
    elif case == "answer":
        del qa[2]["answer"]
    elif case == "answer_type":
        qa[2]["answer"] = ["June"]
    elif case == "evidence":
        qa[2]["evidence"] = [3]
    elif case == "text":
        conv["session_2"][1]["text"] = None
    elif case == "dia_id":
        conv["session_2"][1]["dia_id"] = "turn two"
    elif case == "session":
        conv["session_2"] = "not a list"
    elif case == "speaker_a":
        del conv["speaker_a"]


@pytest.mark.parametrize(
    ("case", "record", "field_name"),
    [
        ("question", "qa 2", "question"),
        ("category", "qa 2", "category"),
        ("answer", "qa 2", "answer"),
        ("answer_type", "qa 2", "answer"),
        ("evidence", "qa 2", "evidence"),
        ("text", "session_2 turn 1", "text"),
        ("dia_id", "session_2 turn 1", "dia_id"),
        ("session", "conversation", "session_2"),
        ("speaker_a", "conversation", "speaker_a"),
    ],
)
def test_broken_record_names_file_record_and_field(
    tmp_path: Path, case: str, record: str, field_name: str
) -> None:
    data = _fixture_data()
    _break(data, case)
    path = _write(tmp_path, data)
    with pytest.raises(DataFormatError) as info:
        load_locomo(path)
    message = str(info.value)
    assert str(path) in message
    assert "sample 1 (fx-2)" in message and record in message
    assert f"'{field_name}'" in message


def test_file_that_is_not_a_list_of_samples(tmp_path: Path) -> None:
    path = _write(tmp_path, {"sample_id": "x"})
    with pytest.raises(DataFormatError, match="expected a list of samples"):
        load_locomo(path)
    path.write_text("[{", encoding="utf-8")
    with pytest.raises(DataFormatError, match="invalid JSON"):
        load_locomo(path)


def test_missing_sample_id_names_the_sample_index(tmp_path: Path) -> None:
    data = _fixture_data()
    del data[0]["sample_id"]
    with pytest.raises(DataFormatError, match=r"sample 0: missing field 'sample_id'"):
        load_locomo(_write(tmp_path, data))


# --- the shared real-data subset (skipped when ../shared/data is absent) ---


@pytest.fixture(scope="module")
def real_tasks() -> list[Any]:
    path = SHARED / "locomo_conv0-4.json"
    if not path.is_file():
        pytest.skip(f"shared data absent: {path}")
    return load_locomo(path)


@pytest.mark.data
def test_shared_subset_counts(real_tasks) -> None:
    assert len(real_tasks) == 999
    assert len({t.metadata["sample_id"] for t in real_tasks}) == 5
    counts = Counter(t.metadata["category"] for t in real_tasks)
    assert counts == {1: 142, 2: 156, 3: 46, 4: 418, 5: 237}
    assert sum(t.metadata["abstention"] for t in real_tasks) == 237


@pytest.mark.data
def test_shared_subset_evidence(real_tasks) -> None:
    unresolved = {t.id: t.metadata["unresolved_evidence"] for t in real_tasks}
    # "D10:19" names a turn that conv-42's session 10 (16 turns) lacks; "D" is a stub.
    assert {k: v for k, v in unresolved.items() if v} == {
        "locomo-conv-42-q58": ("D10:19",),
        "locomo-conv-42-q88": ("D",),
    }
    # Repaired: one string holding two ids, and a stray colon.
    assert real_tasks[37].metadata["evidence"] == ("D8:6", "D9:17")
    by_id = {t.id: t for t in real_tasks}
    assert "D11:26" in by_id["locomo-conv-43-q18"].metadata["evidence"]
    assert sum(not t.supporting_facts for t in real_tasks) == 2


@pytest.mark.data
def test_shared_subset_facts_are_verbatim_and_sessions_ordered(real_tasks) -> None:
    for task in real_tasks:
        lines = {line for turn in task.information for line in turn.split("\n")}
        assert set(task.supporting_facts) <= lines, task.id
        numbers = [int(turn[len("(Session ") :].split(",")[0]) for turn in task.information]
        assert numbers == sorted(numbers) == list(range(1, len(numbers) + 1))
    assert max(len(t.information) for t in real_tasks) == 32
