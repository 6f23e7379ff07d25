"""The standing fuzz target: random and adversarial actions through every env id, with
invariants checked after every step.

``AGEMEM_FUZZ_ACTIONS`` sets the actions per env id (CI: 1,500; ``make fuzz N=100000``
runs the full target). Invariants: ``env.step`` never raises on a str (text mode) or a
JSON-like nesting of dicts, ToolCalls and lists (structured mode); the observation is in
the observation space; every reward term is finite; the store agrees with itself and with
its SQLite file; the context is within budget unless only pinned messages are left; and a
replay of the same seed and actions gives the same episode, step for step.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import string
import time
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

import agemem_env  # noqa: F401  (registers the ids)
from agemem_env.core import ToolCall
from agemem_env.tools import TOOL_NAMES

ACTIONS = int(os.environ.get("AGEMEM_FUZZ_ACTIONS", "1500"))
EPISODE_STEPS = 40  # reset after this many steps, so every stage is reached often
TEXT_IDS = ("AgeMem-Stage1-v0", "AgeMem-Stage2-v0", "AgeMem-Stage3-v0")
_WORDS = ("Ana", "Porto", "mem_1", "mem_2", "mem_99", "all", "3", "true", "", " ", "é",
          "\u200b", "\ud800", "<answer>", "</tool_call>", "&lt;", "summary", "Summary: x")


class ActionSource:
    """Seeded random actions: half ordinary, half adversarial."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def pick(self, items: Any) -> Any:
        return items[int(self.rng.integers(len(items)))]

    def value(self, depth: int = 0) -> Any:
        """A JSON-like value, or one JSON cannot hold."""
        kind = int(self.rng.integers(16))
        if kind == 0 and depth < 3:
            return {self.pick(_WORDS): self.value(depth + 1) for _ in range(3)}
        if kind == 1 and depth < 3:
            return [self.value(depth + 1) for _ in range(int(self.rng.integers(4)))]
        if kind == 2:
            return int(self.pick([0, -1, 3, 2**70, 10**5000]))
        if kind == 3:
            return float(self.pick([0.5, float("nan"), float("inf"), -1e308]))
        if kind == 4:
            return self.pick([None, True, False])
        if kind == 5:
            return self.pick([np.arange(3), np.float64(1.5), np.int64(7), {1, 2}, b"raw",
                              complex(1, 2), (1, 2), object()])
        if kind == 6:
            return _nested(int(self.rng.integers(50, 3000)))
        if kind == 7:
            return "9" * int(self.rng.integers(4000, 6000))
        return self.text(int(self.rng.integers(0, 60)))

    def text(self, n: int) -> str:
        parts = [self.pick(_WORDS) for _ in range(max(1, n // 5))]
        noise = "".join(self.pick(string.printable) for _ in range(n % 7))
        return " ".join(parts) + noise

    def call(self) -> dict[str, Any]:
        name = self.pick([*TOOL_NAMES, "add", "Act", "fly", "", 5])
        args = {self.pick(["content", "memory_id", "query", "top_k", "span", "criteria",
                           "confirmation", "metadata", "metadata_filter", "text", "x"]):
                self.value() for _ in range(int(self.rng.integers(0, 4)))}
        return {"name": name, "arguments": args}

    def completion(self) -> str:
        kind = int(self.rng.integers(8))
        if kind == 0:
            return self.text(int(self.rng.integers(0, 200)))
        if kind == 1:
            return f"<answer>{self.text(10)}</answer>"
        if kind == 2:
            return "".join(self.pick(["<tool_call>", "</tool_call>", "<think>", "{", "[", "]",
                                      '"', ",", "<answer>"]) for _ in range(30))
        calls = [self.call() for _ in range(int(self.rng.integers(1, 5)))]
        try:
            body = json.dumps(calls, default=repr)
        except RecursionError:  # nesting past Python's limit: written out as text
            body = '[{"name": "Add_memory", "arguments": {"metadata": ' + "[" * 3000 + "]" * 3000
        except ValueError:  # a 5,000-digit int
            body = '[{"name": "Retrieve_memory", "arguments": {"top_k": ' + "9" * 5000 + "}}]"
        if kind == 3:
            body = body[: int(self.rng.integers(len(body)))]  # truncated JSON
        if kind == 4:
            body = "[" * 5000 + "]" * 5000
        return f"<think>{self.text(5)}</think><tool_call>{body}</tool_call>"

    def structured(self, space: gym.Space) -> Any:
        kind = int(self.rng.integers(6))
        if kind == 0:
            space.seed(int(self.rng.integers(2**31)))
            return space.sample(mask={k: (8, None) if isinstance(s, gym.spaces.Text) else None
                                      for k, s in space.spaces.items()})
        if kind == 1:
            slots = {k: self.value() for k in ("text", "memory_id", "metadata", "top_k",
                                                "confirmation", "memory_type")}
            return {"tool": self.pick([0, 1, 2, 3, 4, 5, 6, 7, -1, "Add_memory", None]), **slots}
        if kind == 2:
            return ToolCall(str(self.pick(TOOL_NAMES)), self.call()["arguments"])
        if kind == 3:
            return self.call()
        return [self.structured(space) for _ in range(int(self.rng.integers(0, 4)))]


def _nested(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


def _digest(obs: dict, reward: float, info: dict) -> str:
    blob = json.dumps([obs, reward, info["reward_terms"], info["step_results"],
                       info["step_errors"]], sort_keys=True, default=repr)
    return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()


def _check(env: gym.Env, obs: dict, reward: float, info: dict) -> None:
    inner = env.unwrapped
    assert inner.observation_space.contains(obs), "observation outside its space"
    assert math.isfinite(reward)
    bad = {k: v for k, v in info["reward_terms"].items() if not math.isfinite(v)}
    assert not bad, f"non-finite reward terms {bad}"
    assert inner.ltm.consistency_errors() == []
    stm = inner.stm
    if stm.total_tokens > stm.budget and inner.overflow_policy == "truncate":
        users = [i for i, m in enumerate(stm.messages) if m.role == "user"]
        loose = [i for i, m in enumerate(stm.messages) if m.role != "system"
                 and m.kind != "question" and i != (users[-1] if users else None)]
        assert not loose, "over budget with droppable messages left"


def fuzz(env_id: str, n_actions: int, seed: int, **kwargs: Any) -> dict[str, int]:
    """Play ``n_actions`` random actions on ``env_id``, checking every step and replaying
    every episode; returns counts."""
    source = ActionSource(seed)
    make = lambda: gym.make(env_id, embedder="hashing", **kwargs)  # noqa: E731
    env, replay = make(), make()
    structured = env.unwrapped.action_mode == "structured"
    counts = {"actions": 0, "episodes": 0}
    try:
        while counts["actions"] < n_actions:
            episode_seed = int(source.rng.integers(2**31))
            obs, info = env.reset(seed=episode_seed)
            taken, digests = [], []
            for _ in range(EPISODE_STEPS):
                action = (source.structured(env.action_space) if structured
                          else source.completion())
                obs, reward, terminated, truncated, info = env.step(action)
                _check(env, obs, reward, info)
                taken.append(action)
                digests.append(_digest(obs, reward, info))
                counts["actions"] += 1
                if terminated or truncated or counts["actions"] >= n_actions:
                    break
            replay.reset(seed=episode_seed)
            for step, (action, expected) in enumerate(zip(taken, digests, strict=True)):
                assert _digest(*_step(replay, action)) == expected, (
                    f"replay differs: {env_id} {kwargs}, episode seed {episode_seed}, step "
                    f"{step}, action {action!r:.300}")
            counts["episodes"] += 1
    finally:
        env.close()
        replay.close()
    return counts


def _step(env: gym.Env, action: Any) -> tuple[dict, float, dict]:
    obs, reward, _, _, info = env.step(action)
    return obs, reward, info


@pytest.mark.parametrize("env_id", TEXT_IDS)
def test_text_actions_never_break_the_env(env_id: str) -> None:
    counts = fuzz(env_id, ACTIONS, seed=1)
    assert counts["actions"] == ACTIONS and counts["episodes"] >= 1


@pytest.mark.parametrize("env_id", TEXT_IDS)
def test_structured_actions_never_break_the_env(env_id: str) -> None:
    counts = fuzz(env_id, ACTIONS, seed=2, action_mode="structured")
    assert counts["actions"] == ACTIONS


def test_a_durable_store_stays_consistent_with_its_file(tmp_path) -> None:
    counts = fuzz("AgeMem-Stage3-v0", max(200, ACTIONS // 5), seed=3,
                  ltm_path=str(tmp_path / "ltm.sqlite"))
    assert counts["actions"] >= 200


def test_the_embodied_env_survives_the_same(tmp_path) -> None:
    pytest.importorskip("minigrid")
    counts = fuzz("AgeMem-BabyAI-v0", max(200, ACTIONS // 5), seed=4)
    assert counts["actions"] >= 200


@pytest.mark.parametrize("bad", [None, b"<answer>x</answer>", 7])
def test_a_text_action_that_is_no_str_is_refused_before_any_change(bad) -> None:
    env = gym.make("AgeMem-Stage3-v0", embedder="hashing")
    env.reset(seed=0)
    before = (env.unwrapped.steps, len(env.unwrapped.stm.messages), len(env.unwrapped.ltm))
    with pytest.raises(TypeError, match="action"):
        env.step(bad)
    after = (env.unwrapped.steps, len(env.unwrapped.stm.messages), len(env.unwrapped.ltm))
    assert before == after


@pytest.mark.parametrize("bad", [5, object(), None, "Add_memory"])
def test_a_structured_value_of_any_type_is_a_format_error(bad) -> None:
    env = gym.make("AgeMem-Stage3-v0", embedder="hashing", action_mode="structured")
    env.reset(seed=0)
    memories = len(env.unwrapped.ltm)
    _, reward, terminated, truncated, info = env.step(bad)
    assert info["parse_errors"] == 1 and info["step_errors"]
    assert len(env.unwrapped.ltm) == memories and not (terminated or truncated)
    assert info["reward_terms"]["penalty/format"] < 0


if __name__ == "__main__":  # make fuzz N=...: every env id, with wall time and counts
    start = time.perf_counter()
    total = {}
    for env_id in TEXT_IDS:
        for mode in ("text", "structured"):
            total[f"{env_id} {mode}"] = fuzz(env_id, ACTIONS, seed=7, action_mode=mode)
    total["AgeMem-BabyAI-v0 text"] = fuzz("AgeMem-BabyAI-v0", ACTIONS, seed=8)
    actions = sum(c["actions"] for c in total.values())
    for name, counts in total.items():
        print(f"{name}: {counts['actions']} actions, {counts['episodes']} episodes replayed")
    print(f"{actions} actions, 0 exceptions, 0 invariant violations in "
          f"{time.perf_counter() - start:.0f} s")
