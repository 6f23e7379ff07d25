"""AtomMem's fixed workflow: CRUD through the env's tools, several Read queries at the
question, and a scratchpad rewritten by Summary_context at each step."""

from __future__ import annotations

import gymnasium as gym
import pytest

import agemem_env  # noqa: F401
from agemem_env.actions.text import parse_completion
from agemem_env.tasks import Task
from agents.protocol import TaskInfo
from agents.registry import make_agent

TASK = Task(
    id="atom", information=(
        "My friend Dana Ortiz works at Veltrix Labs. The weather was lovely today.",
        "By the way, Veltrix Labs has its headquarters in Porto.",
        "Correction: Dana Ortiz works at Quorra Systems now, not Veltrix Labs.",
    ),
    question="Where does Dana Ortiz work?", answers=("Quorra Systems",),
    supporting_facts=("Dana Ortiz works at Quorra Systems.",),
    distractors=("Dina Ortega works at Vertex Labs.", "Did you watch the match?"),
)


def play(agent, env):
    obs, info = env.reset(seed=0)
    agent.reset(TaskInfo("AgeMem-Stage3-v0", "text", 0, env.unwrapped.task))
    steps, done = [], False
    while not done:
        completion = agent.act(obs, info)
        steps.append((obs["stage"], parse_completion(completion)))
        obs, _, terminated, truncated, info = env.step(completion)
        done = terminated or truncated
    return steps, info


@pytest.fixture
def episode():
    env = gym.make("AgeMem-Stage3-v0", tasks=[TASK], embedder="hashing", rounds_per_stage=3)
    yield play(make_agent("atommem"), env)
    env.close()


def names(steps, stage=None):
    return [c.name for s, parsed in steps if stage in (None, s) for c in parsed.calls]


def test_crud_writes_go_through_the_env_and_the_answer_is_right(episode):
    steps, info = episode
    assert "Add_memory" in names(steps, 1)
    assert info["parse_errors"] == 0 and info["tool_errors"] == 0
    assert info["judge"]["f1"] == 1.0


def test_read_asks_several_queries_at_the_question(episode):
    steps, _ = episode
    first_question_step = next(parsed for s, parsed in steps if s == 3)
    queries = [c.arguments["query"] for c in first_question_step.calls
               if c.name == "Retrieve_memory"]
    assert len(queries) >= 2 and queries[0] == TASK.question
    assert "Dana Ortiz" in queries


def test_the_scratchpad_is_rewritten_when_several_turns_arrive(episode):
    steps, _ = episode
    summaries = [c for _, parsed in steps for c in parsed.calls if c.name == "Summary_context"]
    assert summaries and all(c.arguments["span"].isdigit() for c in summaries)
