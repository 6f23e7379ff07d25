"""Unit tests for agemem_env.tools.registry: names and aliases, and a tool plugged in from
outside the package (text and structured forms, the prompt, the action space)."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import pytest

import agemem_env  # noqa: F401  (registers the ids)
from agemem_env.actions import render_completion
from agemem_env.core import ToolCall, ToolEffects, ToolError, ToolResult
from agemem_env.tools import (
    DEFAULT_TOOLS,
    TOOL_NAMES,
    Param,
    Tool,
    ToolContext,
    ToolRegistry,
    ToolSpec,
    canonical_tool_name,
)


class CountWords(Tool):
    """A tool written by a user: counts the words of a text and notes the count in the
    context, with no effect on long-term memory."""

    spec = ToolSpec(
        name="Count_words",
        description="Counts the words of a text.",
        params=(Param("text", "string", "The text to count.", required=True),),
        aliases=("count",),
    )

    def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        if not args["text"].strip():
            raise ToolError("Count_words: text is empty")
        return ToolResult(self.spec.name, True, f"{len(args['text'].split())} words",
                          ToolEffects())


def _env(**kwargs: Any) -> gym.Env:
    tools = DEFAULT_TOOLS.with_tools(CountWords())
    return gym.make("AgeMem-Stage3-v0", embedder="hashing", tools=tools, **kwargs)


def test_a_tool_from_outside_runs_in_text_form_and_is_in_the_prompt() -> None:
    env = _env()
    obs, _ = env.reset(seed=0)
    assert '"name": "Count_words"' in obs["messages"][0]["content"]
    step = render_completion([ToolCall("count", {"text": "one two three"})])
    _, _, _, _, info = env.step(step)
    assert info["step_results"][0] == {**info["step_results"][0], "name": "Count_words",
                                       "ok": True, "content": "3 words"}
    assert info["tool_calls"]["Count_words"] == 1 and info["parse_errors"] == 0


def test_a_tool_from_outside_has_the_next_structured_index() -> None:
    env = _env(action_mode="structured")
    assert env.action_space["tool"].n == len(TOOL_NAMES) + 1
    env.reset(seed=0)
    _, _, _, _, info = env.step({"tool": len(TOOL_NAMES), "text": "a b"})
    assert info["step_results"][0]["content"] == "2 words"
    _, _, _, _, info = env.step({"tool": "Count_words", "text": " "})
    assert info["step_results"][0]["ok"] is False
    assert "text is empty" in info["step_results"][0]["content"]


def test_the_default_env_does_not_know_the_extra_tool() -> None:
    env = gym.make("AgeMem-Stage3-v0", embedder="hashing")
    env.reset(seed=0)
    _, _, _, _, info = env.step(render_completion([ToolCall("count", {"text": "x"})]))
    assert info["step_results"][0]["ok"] is False
    assert "unknown tool" in info["step_results"][0]["content"]


def test_spellings_must_not_collide() -> None:
    class Clash(CountWords):
        spec = ToolSpec("Clash", "x", (), aliases=("add memory",))

    with pytest.raises(ValueError, match="taken by Add_memory"):
        DEFAULT_TOOLS.with_tools(Clash())
    with pytest.raises(TypeError, match="is not a tool"):
        ToolRegistry([object()])  # type: ignore[list-item]


def test_index_and_table() -> None:
    assert DEFAULT_TOOLS.index("filter") == 5
    assert DEFAULT_TOOLS.table().startswith("0 Add_memory, 1 Update_memory")
    with pytest.raises(KeyError):
        DEFAULT_TOOLS.index("fly")


# --- canonical_tool_name ----------------------------------------------------------------


@pytest.mark.parametrize("name", TOOL_NAMES)
def test_canonical_exact_and_variants(name: str) -> None:
    assert canonical_tool_name(name) == name
    assert canonical_tool_name(name.upper()) == name
    assert canonical_tool_name(name.replace("_", " ")) == name
    assert canonical_tool_name(name.replace("_", "-").lower()) == name
    assert canonical_tool_name(name.replace("_", "")) == name
    assert canonical_tool_name(f"  {name}\n") == name


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("add", "Add_memory"),
        ("AddMemory", "Add_memory"),
        ("ADD MEMORY", "Add_memory"),
        ("update", "Update_memory"),
        ("delete", "Delete_memory"),
        ("retrieve", "Retrieve_memory"),
        ("summary", "Summary_context"),
        ("summarize", "Summary_context"),
        ("Summarise", "Summary_context"),
        ("filter", "Filter_context"),
        ("answer", "Answer"),
    ],
)
def test_canonical_aliases(alias: str, name: str) -> None:
    assert canonical_tool_name(alias) == name


def test_canonical_unknown() -> None:
    assert canonical_tool_name("fly") is None
    assert canonical_tool_name("") is None
    with pytest.raises(TypeError):
        canonical_tool_name(3)  # type: ignore[arg-type]
