"""Tests for the HotpotQA loader: both layouts, folders, broken files, the Hub fallback."""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
import sys
import types
from collections.abc import Callable
from pathlib import Path

import pytest

from agemem_env.tasks.hotpotqa import PREFIXES, load_hotpotqa, question_id
from agemem_env.tasks.loading import DataFormatError
from agemem_env.tasks.task import Task

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
OFFICIAL = FIXTURES / "hotpotqa_official.json"
HF = FIXTURES / "hotpotqa_hf.json"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "hotpotqa"


def _facts_in_stream(task: Task) -> bool:
    return all(any(fact in turn for turn in task.information) for fact in task.supporting_facts)


def _write(path: Path, records: object) -> Path:
    path.write_text(json.dumps(records), encoding="utf-8")
    return path


def test_official_field_mapping() -> None:
    tasks = load_hotpotqa(OFFICIAL)
    assert [t.id for t in tasks] == ["hq-cmp-0001", "hq-brg-0002", "hq-brg-0003"]
    first = tasks[0]
    assert first.question.startswith("Were the painter Mira Kovac")
    assert first.answers == ("no",)
    assert first.source == "hotpotqa"
    assert first.distractors == ()
    assert first.supporting_facts == (
        "Mira Kovac (born 12 June 1958) is a Croatian painter known for seascapes.",
        "Tomas Lind (born 3 March 1961) is a Swedish composer of chamber music.",
    )
    assert len(first.information) == 4  # one turn per context paragraph
    assert dict(first.metadata) == {
        "type": "comparison",
        "level": "easy",
        "setting": "distractor",
        "titles": ("Tomas Lind", "Harbour Light (painting)", "Mira Kovac", "Lind Quartet"),
        "fact_titles": ("Mira Kovac", "Tomas Lind"),
    }


def test_stream_prefixes_rotate_and_keep_sentences_verbatim() -> None:
    task = load_hotpotqa(OFFICIAL)[0]
    for index, turn in enumerate(task.information):
        title = task.metadata["titles"][index]
        assert turn.startswith(PREFIXES[index % len(PREFIXES)].format(title=title))
    # Sentences are stripped and joined by one space; a blank sentence leaves no trace.
    assert task.information[1].endswith(
        "Harbour Light is a 1994 oil painting by Mira Kovac. It hangs in a small museum by the sea."
    )


@pytest.mark.parametrize("path", [OFFICIAL, HF])
def test_every_fact_is_in_the_stream(path: Path) -> None:
    for task in load_hotpotqa(path):
        assert task.supporting_facts
        assert _facts_in_stream(task)


def test_dangling_fact_is_dropped_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="agemem_env.tasks.hotpotqa"):
        task = load_hotpotqa(OFFICIAL)[2]
    assert task.supporting_facts == (
        "Comet Halvard-3 was discovered in 1979 at the Skarn Observatory.",
        "It was founded in 1887 by the astronomer Ilse Marten.",
    )
    assert task.metadata["fact_titles"] == ("Comet Halvard-3", "Skarn Observatory")
    assert "dropped 1 supporting fact" in caplog.text
    assert "hotpotqa_official.json" in caplog.text


def test_both_layouts_give_equal_tasks() -> None:
    official, hf = load_hotpotqa(OFFICIAL), load_hotpotqa(HF)
    assert hf[:2] == official[:2]
    # The third HF record has no id: it is named by its question's hash.
    assert hf[2].id == question_id(hf[2].question)
    assert hf[2].id.startswith("hotpotqa-") and len(hf[2].id) == len("hotpotqa-") + 12
    assert dataclasses.replace(hf[2], id=official[2].id) == official[2]


def test_jsonl_reads_like_json(tmp_path: Path) -> None:
    records = json.loads(HF.read_text(encoding="utf-8"))
    lines = tmp_path / "hotpot.jsonl"
    lines.write_text("\n".join(json.dumps(r) for r in records) + "\n\n", encoding="utf-8")
    assert load_hotpotqa(lines) == load_hotpotqa(HF)


@pytest.mark.parametrize("limit", [0, 1, 2, 3, 10])
def test_limit(limit: int) -> None:
    tasks = load_hotpotqa(OFFICIAL, limit=limit)
    assert tasks == load_hotpotqa(OFFICIAL)[:limit]


def test_negative_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="limit"):
        load_hotpotqa(OFFICIAL, limit=-1)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Official file names: a dev distractor, a dev fullwiki and a train file."""
    shutil.copy(OFFICIAL, tmp_path / "hotpot_dev_distractor_v1.json")
    shutil.copy(HF, tmp_path / "hotpot_dev_fullwiki_v1.json")
    records = json.loads(OFFICIAL.read_text(encoding="utf-8"))[:1]
    _write(tmp_path / "hotpot_train_v1.1.json", records)
    (tmp_path / "notes.txt").write_text("not data", encoding="utf-8")
    return tmp_path


def test_folder_without_split_reads_every_file(folder: Path) -> None:
    tasks = load_hotpotqa(folder)
    assert len(tasks) == 3 + 3 + 1
    settings = [t.metadata["setting"] for t in tasks]
    # Sorted by name: dev_distractor, dev_fullwiki, train.
    assert settings == ["distractor"] * 3 + ["fullwiki"] * 3 + ["distractor"]


@pytest.mark.parametrize("split", ["dev", "validation"])
def test_folder_split_prefers_the_distractor_file(folder: Path, split: str) -> None:
    assert load_hotpotqa(folder, split=split) == load_hotpotqa(OFFICIAL)


def test_folder_split_picks_by_name(folder: Path) -> None:
    assert len(load_hotpotqa(folder, split="train")) == 1
    fullwiki = load_hotpotqa(folder, split="dev_fullwiki")
    assert {t.metadata["setting"] for t in fullwiki} == {"fullwiki"}
    assert load_hotpotqa(folder, split="dev", limit=2) == load_hotpotqa(OFFICIAL)[:2]


def test_folder_without_a_match(folder: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"looked for \*test\*"):
        load_hotpotqa(folder, split="test")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_hotpotqa(folder / "missing.json")


def test_fullwiki_skips_unanswered_and_keeps_factless(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    records = json.loads(OFFICIAL.read_text(encoding="utf-8"))
    del records[0]["answer"]  # the test-split layout
    del records[1]["supporting_facts"]
    records[2]["supporting_facts"] = [["Not Retrieved", 0]]
    path = _write(tmp_path / "hotpot_dev_fullwiki_v1.json", records)
    with caplog.at_level(logging.WARNING, logger="agemem_env.tasks.hotpotqa"):
        tasks = load_hotpotqa(path)
    assert [t.id for t in tasks] == ["hq-brg-0002", "hq-brg-0003"]
    assert all(t.supporting_facts == () for t in tasks)
    assert "skipped 1 record(s) without an answer" in caplog.text


def test_distractor_record_without_facts_is_skipped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    records = json.loads(OFFICIAL.read_text(encoding="utf-8"))
    records[1]["supporting_facts"] = [["Brennmoor", 99]]
    records[2]["answer"] = ""
    with caplog.at_level(logging.WARNING, logger="agemem_env.tasks.hotpotqa"):
        tasks = load_hotpotqa(_write(tmp_path / "dev.json", records))
    assert [t.id for t in tasks] == ["hq-cmp-0001"]
    assert "skipped 1 record(s) left with no supporting fact" in caplog.text
    assert "skipped 1 record(s) without an answer" in caplog.text


def test_file_with_no_answers_is_an_error(tmp_path: Path) -> None:
    records = json.loads(OFFICIAL.read_text(encoding="utf-8"))
    for record in records:
        del record["answer"]
    with pytest.raises(DataFormatError, match="no record has an answer"):
        load_hotpotqa(_write(tmp_path / "hotpot_test_fullwiki_v1.json", records))


def test_truncated_json_names_the_file(tmp_path: Path) -> None:
    text = OFFICIAL.read_text(encoding="utf-8")
    path = tmp_path / "cut.json"
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(DataFormatError, match="cut.json.*truncated"):
        load_hotpotqa(path)


def _broken(source: Path, index: int, change: Callable[[dict], object]) -> list[dict]:
    records = json.loads(source.read_text(encoding="utf-8"))
    change(records[index])
    return records


@pytest.mark.parametrize(
    ("source", "change", "field_name"),
    [
        (OFFICIAL, lambda r: r.pop("question"), "'question'"),
        (OFFICIAL, lambda r: r.pop("context"), "'context'"),
        (OFFICIAL, lambda r: r.pop("supporting_facts"), "'supporting_facts'"),
        (OFFICIAL, lambda r: r.update(context="oops"), "'context'"),
        (OFFICIAL, lambda r: r.update(answer=7), "'answer'"),
        (OFFICIAL, lambda r: r.update(level=3), "'level'"),
        (OFFICIAL, lambda r: r["context"][0].pop(), "'context' paragraph 0"),
        (OFFICIAL, lambda r: r["context"][1][1].append(5), "'context' paragraph 1"),
        (OFFICIAL, lambda r: r["supporting_facts"][0].__setitem__(1, "0"), "'supporting_facts'"),
        (HF, lambda r: r["context"].pop("sentences"), "'sentences'"),
        (HF, lambda r: r["context"]["title"].pop(), "'context'"),
        (HF, lambda r: r["supporting_facts"].update(sent_id=[0, None]), "'supporting_facts'"),
    ],
)
def test_broken_record_names_file_record_and_field(
    tmp_path: Path, source: Path, change: Callable[[dict], object], field_name: str
) -> None:
    path = _write(tmp_path / "broken.json", _broken(source, 1, change))
    with pytest.raises(DataFormatError) as caught:
        load_hotpotqa(path)
    message = str(caught.value)
    assert "broken.json" in message
    assert "record 1 (id hq-brg-0002)" in message
    assert field_name in message


def test_broken_record_without_id_is_named_by_hash(tmp_path: Path) -> None:
    path = _write(tmp_path / "broken.json", _broken(HF, 2, lambda r: r.pop("context")))
    question = json.loads(HF.read_text(encoding="utf-8"))[2]["question"]
    with pytest.raises(DataFormatError, match=f"record 2 \\(id {question_id(question)}\\)"):
        load_hotpotqa(path)


@pytest.mark.parametrize("data", [{"data": []}, ["not a record"]])
def test_wrong_top_level_shape(tmp_path: Path, data: object) -> None:
    with pytest.raises(DataFormatError, match="shape.json"):
        load_hotpotqa(_write(tmp_path / "shape.json", data))


def test_no_path_offline_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(FileNotFoundError, match="hotpot_dev_distractor_v1.json"):
        load_hotpotqa()


def test_no_path_without_datasets_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("HF_DATASETS_OFFLINE", raising=False)
    monkeypatch.setitem(sys.modules, "datasets", None)  # import datasets -> ImportError
    with pytest.raises(FileNotFoundError, match="hotpotqa: no path given"):
        load_hotpotqa()


def test_no_path_uses_datasets_when_online(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def load_dataset(name: str, config: str, split: str) -> list[dict]:
        calls.append((name, config, split))
        return json.loads(HF.read_text(encoding="utf-8"))

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("HF_DATASETS_OFFLINE", raising=False)
    monkeypatch.setitem(sys.modules, "datasets", types.SimpleNamespace(load_dataset=load_dataset))
    assert load_hotpotqa(limit=2) == load_hotpotqa(HF)[:2]
    assert load_hotpotqa(split="train") == load_hotpotqa(HF)
    assert calls == [
        ("hotpotqa/hotpot_qa", "distractor", "validation"),
        ("hotpotqa/hotpot_qa", "distractor", "train"),
    ]


@pytest.mark.data
@pytest.mark.parametrize(
    ("name", "count"),
    [("dev_distractor_first100.hf.json", 100), ("dev_distractor_sample50.official.json", 50)],
)
def test_shared_data_loads(name: str, count: int) -> None:
    path = SHARED / name
    if not path.is_file():
        pytest.skip(f"shared data absent: {path}")
    tasks = load_hotpotqa(path)
    assert len(tasks) == count
    assert len({t.id for t in tasks}) == count
    for task in tasks:
        assert task.supporting_facts
        assert _facts_in_stream(task)
        assert task.metadata["setting"] == "distractor"
        assert set(task.metadata["fact_titles"]) <= set(task.metadata["titles"])


@pytest.mark.data
def test_shared_folder_reads_both_files() -> None:
    if not SHARED.is_dir():
        pytest.skip(f"shared data absent: {SHARED}")
    assert len(load_hotpotqa(SHARED, split="validation")) == 150
