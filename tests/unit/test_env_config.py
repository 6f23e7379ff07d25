"""gym.make arguments are checked when the env is made, with one clear line, and data
files are read forgivingly where that is safe (a UTF-8 BOM) and strictly where it is not."""

from __future__ import annotations

import json
from pathlib import Path

import gymnasium as gym
import pytest

import agemem_env  # noqa: F401  (registers the ids)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_an_unknown_task_source_fails_at_make() -> None:
    with pytest.raises(ValueError, match="tasks must be one of"):
        gym.make("AgeMem-Stage3-v0", embedder="hashing", tasks="hotpotQA")


def test_a_missing_tasks_path_fails_at_make(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        gym.make("AgeMem-Stage3-v0", embedder="hashing", tasks="hotpotqa",
                 tasks_path=str(tmp_path / "nope.json"))
    with pytest.raises(ValueError, match="does not apply"):
        gym.make("AgeMem-Stage3-v0", embedder="hashing", tasks_path=str(tmp_path))


def test_an_empty_file_says_it_is_empty(tmp_path) -> None:
    empty = tmp_path / "hotpot.json"
    empty.write_text("  \n")
    env = gym.make("AgeMem-Stage3-v0", embedder="hashing", tasks="hotpotqa",
                   tasks_path=str(empty))
    with pytest.raises(ValueError, match="the file is empty"):
        env.reset(seed=0)
    empty.write_text("[]")
    env = gym.make("AgeMem-Stage3-v0", embedder="hashing", tasks="hotpotqa",
                   tasks_path=str(empty))
    with pytest.raises(ValueError, match="holds no tasks"):
        env.reset(seed=0)


def test_a_utf8_bom_is_accepted(tmp_path) -> None:
    data = json.loads((FIXTURES / "hotpotqa_official.json").read_text())
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + json.dumps(data).encode())
    env = gym.make("AgeMem-Stage3-v0", embedder="hashing", tasks="hotpotqa",
                   tasks_path=str(bom))
    obs, _ = env.reset(seed=0, options={"task_index": 0})
    assert obs["stage"] == 1


def test_a_misspelt_embedder_fails_at_make_in_one_line(monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ValueError, match="unknown embedder 'minilm2'"):
        gym.make("AgeMem-Stage3-v0", embedder="minilm2")


def test_the_embedding_cache_bound_is_a_setting() -> None:
    env = gym.make("AgeMem-Stage3-v0", embedder="hashing", embed_cache_size=16)
    assert env.unwrapped.embedder.max_entries == 16
    bare = gym.make("AgeMem-Stage3-v0", embedder="hashing", embed_cache_size=0)
    assert not hasattr(bare.unwrapped.embedder, "max_entries")
