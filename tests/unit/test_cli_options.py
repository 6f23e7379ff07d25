"""The checks the commands run on their options before any work."""

from __future__ import annotations

import pytest
import typer

from agemem_env.cli.embedder_choice import check_embedder
from agemem_env.cli.env_options import ALL_ENV_IDS, env_option_names, parse_env_kwargs
from agemem_env.envs.registration import EMBODIED_IDS, ENV_IDS
from agents.fit import agents_for, fits, misfit


def test_env_options_are_read_from_the_env_classes():
    core = env_option_names("AgeMem-Stage3-v0")
    assert {"token_budget", "reward_preset", "embedder", "tasks", "max_episode_steps"} <= core
    assert "level" not in core  # set by the registration
    embodied = env_option_names("AgeMem-BabyAI-v0")
    assert {"benchmark_kwargs", "budget_slack", "token_budget"} <= embodied
    assert "benchmark" not in embodied


def test_env_kwargs_values_are_json_when_they_parse():
    assert parse_env_kwargs(["a=4096", "b=true", "c=paper_code", 'd={"x": 1}', "e="]) == {
        "a": 4096, "b": True, "c": "paper_code", "d": {"x": 1}, "e": ""}
    with pytest.raises(typer.Exit):
        parse_env_kwargs(["=3"])


def test_embedders_known_local_or_refused(tmp_path):
    for name in ("minilm", "MiniLM", "all-MiniLM-L6-v2", "hashing", "hashing-128-1", "st:x/y"):
        assert check_embedder(name) == name
    (tmp_path / "model").mkdir()
    with pytest.raises(typer.Exit):
        check_embedder(str(tmp_path / "model"))  # a folder without a saved model
    (tmp_path / "model" / "modules.json").write_text("[]")
    assert check_embedder(str(tmp_path / "model")) == str(tmp_path / "model")
    for name in ("minilm2", "hashing-2-1", "no/such/model"):
        with pytest.raises(typer.Exit):
            check_embedder(name)


def test_every_env_has_agents_and_pairs_fit_both_ways():
    assert ALL_ENV_IDS == (*ENV_IDS, *EMBODIED_IDS)
    for env_id in ALL_ENV_IDS:
        assert {"llm", "random"} <= set(agents_for(env_id))
    assert fits("embodied-heuristic", "AgeMem-BabyAI-v0")
    assert not fits("embodied_heuristic", "AgeMem-Stage1-v0")
    assert not fits("mem0", "AgeMem-SciWorld-v0")
    assert fits("grpo:runs/x", "AgeMem-BabyAI-v0") and fits("nobody", "AgeMem-BabyAI-v0")
    assert "embodied-no-memory" in misfit("oracle", "AgeMem-BabyAI-v0")
