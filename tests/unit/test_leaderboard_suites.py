"""Suites: TOML parsing, canonical hashes, data-root resolution and task selection."""

from __future__ import annotations

from pathlib import Path

import pytest

from leaderboard.suites import (
    DataMissing,
    Suite,
    SuiteError,
    dataset_hash,
    load_suite_file,
    load_suites,
    suite_tasks,
)

FIXTURES = Path(__file__).parents[1] / "fixtures"


def synthetic(**changes):
    raw = {"name": "tiny", "episodes": 3, "embedder": "hashing",
           "tasks": {"source": "synthetic", "config": {"num_updates": 0}}}
    raw.update(changes)
    return Suite.from_dict(raw)


def test_default_suites_cover_the_benchmarks():
    suites = load_suites()
    assert {"knowledge-updates", "multi-hop", "long-horizon", "paraphrase", "distractors",
            "hotpotqa", "locomo", "longmemeval"} <= set(suites)
    assert suites["knowledge-updates"].tasks.config["num_updates"] >= 1


def test_hash_is_canonical_and_ignores_the_description():
    assert synthetic().hash() == synthetic(description="words").hash()
    assert synthetic().hash() != synthetic(episodes=4).hash()
    assert synthetic().hash() != synthetic(env={"token_budget": 4096}).hash()


def test_user_folder_adds_and_overrides_suites(tmp_path):
    (tmp_path / "mine.toml").write_text(
        'name = "mine"\nepisodes = 2\n[tasks]\nsource = "synthetic"\n')
    (tmp_path / "hotpotqa.toml").write_text(
        'name = "hotpotqa"\nepisodes = 2\n[tasks]\nsource = "synthetic"\n')
    suites = load_suites([tmp_path])
    assert suites["mine"].episodes == 2
    assert suites["hotpotqa"].tasks.source == "synthetic"


@pytest.mark.parametrize("text, message", [
    ('name = "x"\nepisodes = 2\nepisdoes = 3\n', "unknown key"),
    ('name = "x"\n', "'episodes' is missing"),
    ('name = "x"\nepisodes = 2\n[tasks]\nsource = "wiki"\n', "unknown task source"),
    ('name = "x"\nepisodes = 2\nseeds = []\n', "seeds"),
    ('name = "x"\nepisodes = 0\n', "episodes"),
    ("name = \n", "invalid TOML"),
    ('name = "x"\nepisodes = 2\n[env]\nembedder = "hashing"\n', "embedder"),
])
def test_bad_suite_files_name_the_problem(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(SuiteError, match=message):
        load_suite_file(path)


def test_synthetic_tasks_differ_per_seed_and_repeat_per_seed():
    suite = synthetic(seeds=[0, 1])
    first, second = suite_tasks(suite, 0), suite_tasks(suite, 1)
    assert len(first) == 3 and [t.id for t in first] != [t.id for t in second]
    assert dataset_hash(suite) == dataset_hash(synthetic(seeds=[0, 1]))
    assert dataset_hash(suite) != dataset_hash(synthetic())


def test_data_root_placeholder_and_sampling(monkeypatch):
    monkeypatch.setenv("AGEMEM_DATA", str(FIXTURES))
    suite = Suite.from_dict({"name": "hp", "tasks": {
        "source": "hotpotqa", "path": "{data}/hotpotqa_official.json", "sample": 1,
        "sample_seed": 3}})
    tasks = suite_tasks(suite, 0)
    assert len(tasks) == 1
    assert [t.id for t in suite_tasks(suite, 0)] == [t.id for t in tasks]


def test_absent_data_raises_data_missing(monkeypatch, tmp_path):
    monkeypatch.setenv("AGEMEM_DATA", str(tmp_path))
    suite = Suite.from_dict({"name": "gone", "tasks": {
        "source": "hotpotqa", "path": "{data}/hotpotqa/none.json"}})
    with pytest.raises(DataMissing, match="does not exist"):
        suite_tasks(suite, 0)


def test_more_episodes_than_tasks_is_an_error(monkeypatch):
    monkeypatch.setenv("AGEMEM_DATA", str(FIXTURES))
    suite = Suite.from_dict({"name": "hp", "episodes": 999, "tasks": {
        "source": "hotpotqa", "path": "{data}/hotpotqa_official.json"}})
    with pytest.raises(SuiteError, match="only"):
        suite_tasks(suite, 0)
