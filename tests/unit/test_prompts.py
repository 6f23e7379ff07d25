"""The system prompt's two styles: the full schemas and the compact tool lines."""

from __future__ import annotations

import pytest

from agemem_env.envs.prompts import system_prompt
from agemem_env.tools import DEFAULT_TOOLS
from agents.observation import rounds_per_stage, token_budget


def test_the_compact_prompt_names_every_tool_and_its_required_arguments():
    compact = system_prompt(DEFAULT_TOOLS, 3, 2048, "compact")
    for schema in DEFAULT_TOOLS.schemas():
        line = next(x for x in compact.splitlines() if x.startswith(f"- {schema['name']}("))
        for name in schema["parameters"]["required"]:
            assert f"{name}?" not in line and name in line
    assert "<tool_call>" in compact and "<answer>" in compact


def test_the_compact_prompt_is_a_third_of_the_full_one():
    full = system_prompt(DEFAULT_TOOLS, 5, 8192)
    compact = system_prompt(DEFAULT_TOOLS, 5, 8192, "compact")
    assert len(compact) * 3 < len(full)


@pytest.mark.parametrize("style", ["full", "compact"])
def test_both_styles_state_the_settings_agents_read_back(style):
    messages = [{"role": "system", "content": system_prompt(DEFAULT_TOOLS, 3, 2048, style)}]
    assert (rounds_per_stage(messages), token_budget(messages)) == (3, 2048)


def test_an_unknown_style_is_refused_by_name():
    with pytest.raises(ValueError, match="'tiny'"):
        system_prompt(DEFAULT_TOOLS, 3, 2048, "tiny")


def test_an_env_with_the_compact_style_shows_it_and_plays_the_same():
    import gymnasium as gym

    from agents.registry import make_agent
    from agents.runner import run_episodes

    env = gym.make("AgeMem-Stage3-v0", embedder="hashing", prompt_style="compact")
    obs, _ = env.reset(seed=0)
    assert obs["messages"][0]["content"] == system_prompt(DEFAULT_TOOLS, 5, 8192, "compact")
    with pytest.raises(ValueError, match="prompt_style"):
        gym.make("AgeMem-Stage3-v0", embedder="hashing", prompt_style="tiny")
    scores = {style: [r.judge_score for r in run_episodes(
        "AgeMem-Stage3-v0", lambda: make_agent("heuristic"), episodes=3, seed=0, progress=False,
        env_kwargs={"embedder": "hashing", "prompt_style": style})] for style in ("full",
                                                                                "compact")}
    assert scores["compact"] == scores["full"]  # the agent reads settings from either
