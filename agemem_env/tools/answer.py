"""Answer: the agent's final reply; ends Stage 3 (and Stages 1-2 early)."""

from __future__ import annotations

from agemem_env.tools.base import Param, ToolSpec

# Answer has no effect on memory: the environment reads it, so it is a spec only.
ANSWER_SPEC = ToolSpec(
    name="Answer",
    description="Gives the final answer (same as an <answer> block).",
    params=(Param("text", "string", "The answer.", required=True),),
)
