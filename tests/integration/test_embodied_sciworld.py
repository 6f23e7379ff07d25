"""AgeMem-SciWorld-v0 end to end: a JVM, the memory env and the embodied heuristic agent.

Slow (the JVM starts in a few seconds; a command costs ~0.1-0.2 s), so kept to one task
with a short gold path and no sibling runs.
"""

from __future__ import annotations

import shutil
import time

import pytest
from gymnasium.utils.env_checker import check_env

pytest.importorskip("scienceworld")
if shutil.which("java") is None:
    pytest.skip("ScienceWorld needs a Java runtime", allow_module_level=True)

from agents.embodied_heuristic import EmbodiedHeuristicAgent  # noqa: E402
from agents.protocol import TaskInfo  # noqa: E402

SCIWORLD = "AgeMem-SciWorld-v0"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sciworld_env():
    import gymnasium as gym

    import agemem_env  # noqa: F401

    env = gym.make(SCIWORLD, embedder="hashing", n_siblings=0)
    yield env
    env.close()


def test_heuristic_agent_replays_the_stored_gold_path(sciworld_env):
    env = sciworld_env
    obs, info = env.reset(seed=0)
    agent = EmbodiedHeuristicAgent()
    agent.reset(TaskInfo(SCIWORLD, "text", 0))
    backend, engine = env.unwrapped.backend, []
    act = backend.act

    def timed_act(command):
        start = time.perf_counter()
        outcome = act(command)
        engine.append(time.perf_counter() - start)
        return outcome

    backend.act = timed_act  # instance attribute: the engine's share of each command
    done, stage3_seconds = False, 0.0
    while not done:
        action = agent.act(obs, info)
        start = time.perf_counter()
        obs, reward, terminated, truncated, info = env.step(action)
        if obs["stage"] == 3:
            stage3_seconds += time.perf_counter() - start
        done = terminated or truncated
    report = info["embodied"]
    assert terminated and report["success"] and report["score"] == 1.0
    assert info["reward_terms"]["task"] == 1.0
    del backend.act
    per_command = stage3_seconds / report["commands"]
    engine_ms = 1000 * sum(engine) / len(engine)
    print(f"\nScienceWorld: {report['commands']} commands; engine {engine_ms:.0f} ms per command;"
          f" Stage 3 through the memory env {per_command * 1000:.0f} ms per "
          "command (retrieval step included)")
    assert per_command < 2.0


def test_check_env_passes(sciworld_env):
    check_env(sciworld_env.unwrapped, skip_render_check=True)
