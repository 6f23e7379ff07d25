"""The BabyAI backend: command words, text views, and the hindsight shortest route."""

from __future__ import annotations

import pytest

pytest.importorskip("minigrid")

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
