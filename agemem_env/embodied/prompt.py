"""The system prompt of the embodied environments."""

from __future__ import annotations

from agemem_env.envs.prompts import tool_listing
from agemem_env.tools import ToolRegistry

_TEMPLATE = """You act in a text environment while managing your own memory with tools.

## Tools
{tools}

## How to respond
Start every step with a <think>...</think> block. Then write exactly one of:
- <tool_call>[...]</tool_call>: a JSON array of one or more calls, each an object with
  "name" and "arguments", e.g.
  <tool_call>[{{"name": "Act", "arguments": {{"command": "look around"}}}}]</tool_call>
  Several Act calls in one array run one after another.
- <answer>...</answer>: in phases 1-2 it ends the phase; in phase 3 it ends the episode.

## The episode
Your long-term memory persists through all phases; your context is cleared after phase 1.
1. You are told about earlier runs of this environment: what the mission was, where
   things were, which commands succeeded. Store what may help later with Add_memory.
2. Reports of other, similar runs and chit-chat arrive; they do not apply to you. Keep
   the context clean with Filter_context or Summary_context.
3. A new episode starts. Act with the Act tool; Retrieve_memory what you stored. The
   episode ends on success, on failure, when the command budget is spent, or at <answer>.
{commands}
Phases 1-2 allow at most {rounds} steps each, phase 3 at most {stage3_rounds}.
Your context holds at most {budget} tokens."""


def embodied_system_prompt(
    tools: ToolRegistry, commands_help: str, rounds_per_stage: int, stage3_rounds: int,
    token_budget: int,
) -> str:
    """The system message: every tool's schema (Act last) and the three phases."""
    return _TEMPLATE.format(tools=tool_listing(tools), commands=commands_help,
                            rounds=rounds_per_stage, stage3_rounds=stage3_rounds,
                            budget=token_budget)
