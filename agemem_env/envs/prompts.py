"""The system prompt: the tool schemas and the response format the text parser expects."""

from __future__ import annotations

import json

from agemem_env.tools import ToolRegistry

_TEMPLATE = """You are an assistant that solves problems while managing your own memory with tools.

## Tools
{tools}

## How to respond
Start every step with a <think>...</think> block: reason about what to do next.
Then write exactly one of:
- <tool_call>[...]</tool_call>: a JSON array of one or more calls, each an object with
  "name" and "arguments", e.g.
  <tool_call>[{{"name": "Add_memory", "arguments": {{"content": "Dana likes tea"}}}}]</tool_call>
- <answer>...</answer>: your reply when no more tools are needed.
Write nothing outside these tags.

## The conversation
It has up to three phases. Your long-term memory persists through all of them; your
context (these messages) is cleared after phase 1.
1. The user chats and shares information. Store what may matter later with Add_memory;
   fix stored facts with Update_memory or Delete_memory when the user changes them.
2. Unrelated or misleading messages arrive. Keep the context clean with Filter_context
   or Summary_context.
3. The user asks a question. Retrieve_memory what you need, then <answer>.
In phases 1 and 2, an <answer> ends the phase at once; messages not yet shown are skipped.
Each phase allows at most {rounds} steps. Your context holds at most {budget} tokens.
Memory ids (like mem_3) appear in tool results; use them for updates and deletes."""


def system_prompt(tools: ToolRegistry, rounds_per_stage: int, token_budget: int) -> str:
    """The system message, with every tool's JSON schema."""
    return _TEMPLATE.format(tools=tool_listing(tools), rounds=rounds_per_stage,
                            budget=token_budget)


def tool_listing(tools: ToolRegistry) -> str:
    """One JSON schema per line, in the registry's order."""
    return "\n".join(json.dumps(schema, ensure_ascii=False) for schema in tools.schemas())
