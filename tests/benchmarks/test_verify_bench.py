"""Verification cost against the run it checks, side by side in one session: playing a
pair (the agent thinks, the env steps) and replaying its result (the env steps alone).

Run on demand: ``.venv/bin/python -m pytest tests/benchmarks/test_verify_bench.py
--benchmark-only``. Each round is one pair of 10 synthetic episodes; ``extra_info`` holds
the result file's size and the packed actions' share of it.
"""

from __future__ import annotations

import json

import pytest

from leaderboard.results import AgentSpec, read_result
from leaderboard.runner import run_pair
from leaderboard.suites import Suite
from leaderboard.verify import verify_result


@pytest.mark.parametrize("agent", ["heuristic", "mem0"])
@pytest.mark.parametrize("embedder", ["hashing", "minilm"])
@pytest.mark.parametrize("work", ["run", "verify"])
def test_run_vs_verify(benchmark, tmp_path, agent, embedder, work):
    suite = Suite.from_dict({"name": "bench", "episodes": 10, "embedder": embedder,
                             "tasks": {"source": "synthetic", "config": {"num_updates": 2}}})
    outcome = run_pair(AgentSpec(agent, agent), suite, tmp_path)  # also warms the model
    result = read_result(outcome.path)
    if work == "run":
        benchmark.pedantic(run_pair, args=(AgentSpec(agent, agent), suite, tmp_path),
                           rounds=3, iterations=1)
    else:
        verdict = benchmark.pedantic(verify_result, args=(result,), rounds=3, iterations=1)
        assert verdict.ok, verdict.problems
    size = outcome.path.stat().st_size
    benchmark.extra_info["result_bytes"] = size
    benchmark.extra_info["actions_bytes"] = len(json.dumps(result["actions"]))
