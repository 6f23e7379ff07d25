"""Shared fixtures: fast envs use the hashing embedder; a few tests use the real MiniLM."""

from __future__ import annotations

import os

import gymnasium as gym
import pytest
from hypothesis import settings

import agemem_env  # noqa: F401  (registers the ids)
from agemem_env.tasks import Task

# CI gates on a fixed sample of the property tests (same examples every run); locally they
# draw fresh ones, and `make fuzz` runs the long random search.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

SMALL_TASK = Task(
    id="fixture-1",
    information=(
        "Hi! My friend Dana Ortiz works at Veltrix Labs.",
        "The weather was lovely today, we went for a walk.",
        "By the way, Veltrix Labs has its headquarters in Porto.",
    ),
    question="In which city is the company Dana Ortiz works for headquartered?",
    answers=("Porto",),
    supporting_facts=(
        "Dana Ortiz works at Veltrix Labs.",
        "Veltrix Labs is headquartered in Porto.",
    ),
    distractors=(
        "My cousin Dina Ortega works at Vertex Labs, which is based in Braga.",
        "Did you watch the football match yesterday?",
    ),
)


@pytest.fixture
def make_env():
    """gym.make with the hashing embedder unless told otherwise; closes what it made."""
    made = []

    def factory(env_id: str = "AgeMem-Stage3-v0", **kwargs):
        kwargs.setdefault("embedder", "hashing")
        env = gym.make(env_id, **kwargs)
        made.append(env)
        return env

    yield factory
    for env in made:
        env.close()


@pytest.fixture
def small_task() -> Task:
    """A hand-written two-hop task with one related distractor and one chit-chat line."""
    return SMALL_TASK
