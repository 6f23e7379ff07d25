"""The BabyAI backend: command words, text views, the hindsight route, the instance memo."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import OrderedDict
from pathlib import Path

import pytest

pytest.importorskip("minigrid")

from agemem_env.embodied import babyai  # noqa: E402
from agemem_env.embodied.babyai import BabyAIBackend, command_index  # noqa: E402


def test_command_words_and_aliases():
    assert command_index("go forward") == 2
    assert command_index("  Turn_Left ") == 0
    assert command_index("pickup") == 3
    assert command_index("jump") is None


def test_route_from_the_instance_solves_it_and_beats_the_explorer():
    backend = BabyAIBackend()
    instance = backend.load(3)
    explored = int(instance.notes[0].split("explored for ")[1].split()[0])
    assert len(instance.solution) < explored  # the hindsight shortcut is shorter
    first = backend.start()
    assert first.startswith("You are at (")
    outcomes = [backend.act(command) for command in instance.solution]
    assert outcomes[-1].success and outcomes[-1].done and outcomes[-1].score == 1.0
    assert not any(o.done for o in outcomes[:-1])
    backend.close()


def test_load_is_deterministic_per_seed_and_facts_name_the_route():
    a, b = BabyAIBackend().load(7), BabyAIBackend().load(7)
    assert a == b
    assert any("Successful route" in fact for fact in a.facts)
    assert BabyAIBackend().load(8).id != a.id


def test_unknown_command_costs_a_step_and_changes_nothing():
    backend = BabyAIBackend()
    backend.load(0)
    backend.start()
    outcome = backend.act("fly")
    assert "Unknown command" in outcome.observation and not outcome.done


# --- the same instances and episodes as before the memo and the faster bot ---------------
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "babyai_instances.json"


def _play_digest(backend: BabyAIBackend, instance) -> str:
    """sha256 of the start observation and every outcome of 'fly' then the solution."""
    first = backend.start()
    outcomes = [dataclasses.asdict(backend.act(c)) for c in ("fly", *instance.solution)]
    play = json.dumps({"start": first, "outcomes": outcomes}, sort_keys=True)
    return hashlib.sha256(play.encode()).hexdigest()


@pytest.mark.parametrize("case", json.loads(FIXTURE.read_text())["cases"],
                         ids=lambda c: f"{c['env_name']}-{c['seed']}")
def test_instances_and_episodes_match_the_recorded_ones(case, monkeypatch) -> None:
    monkeypatch.setattr(babyai, "_INSTANCES", OrderedDict())  # describe afresh, then hit
    backend = BabyAIBackend(case["env_name"])
    seed = case["seed"]
    for _ in range(2):  # cold, then from the memo
        instance = backend.load(seed)
        siblings = [backend.sibling(seed + i) for i in (1, 2)]
        assert dataclasses.asdict(instance) == _as_tuples(case["instance"])
        recorded = [_as_tuples(s) for s in case["siblings"]]
        assert [dataclasses.asdict(s) for s in siblings] == recorded
        assert _play_digest(backend, instance) == case["play_sha256"]
    backend.close()


def _as_tuples(recorded: dict) -> dict:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in recorded.items()}


def test_instances_are_described_once_per_process_within_the_bound(monkeypatch) -> None:
    monkeypatch.setattr(babyai, "_INSTANCES", OrderedDict())
    monkeypatch.setattr(babyai, "MEMO_INSTANCES", 2)
    calls = []
    describe = BabyAIBackend._describe
    monkeypatch.setattr(BabyAIBackend, "_describe",
                        lambda self, seed: calls.append(seed) or describe(self, seed))
    first = BabyAIBackend().load(11)
    assert BabyAIBackend().load(11) is first  # another backend, same level: shared
    BabyAIBackend().sibling(12)
    BabyAIBackend().sibling(13)  # evicts 11, the least recently used
    BabyAIBackend().load(11)
    BabyAIBackend("BabyAI-GoToLocal-v0").load(11)  # another level is another instance
    assert calls == [11, 12, 13, 11, 11]
    assert len(babyai._INSTANCES) == 2


def test_act_needs_start_after_load() -> None:
    backend = BabyAIBackend()
    backend.load(0)
    with pytest.raises(RuntimeError, match="before start"):
        backend.act("go forward")
    backend.start()
    assert not backend.act("turn left").done
