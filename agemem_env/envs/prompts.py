"""The system prompt: the tools and the response format the text parser expects.

Two styles: ``full`` (every tool's JSON schema, ~1,060 SmolLM2 tokens) and ``compact``
(one line per tool: its name and argument list, ~290 tokens), for small local models,
where the prompt dominates the CPU cost of a step. Both state the settings agents read
back (``agents.observation``) in the same words.
"""

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


_COMPACT = """You manage your own memory with tools while you help the user.

Tools (arguments with ? are optional):
{tools}

Reply with <think>...</think>, then one of:
<tool_call>[{{"name": "Add_memory", "arguments": {{"content": "Dana likes tea"}}}}]</tool_call>
<answer>...</answer>
Nothing outside these tags.

Phases: 1. the user shares facts: store them (Add_memory), fix changed ones (Update_memory,
Delete_memory); 2. noise arrives: Filter_context or Summary_context; 3. a question:
Retrieve_memory, then <answer>. Memory lasts; the context is cleared after phase 1.
Each phase allows at most {rounds} steps. Your context holds at most {budget} tokens.
Use memory ids (mem_3) from tool results for updates and deletes."""

PROMPT_STYLES = ("full", "compact")


def system_prompt(tools: ToolRegistry, rounds_per_stage: int, token_budget: int,
                  style: str = "full") -> str:
    """The system message: with every tool's JSON schema (``full``), or one line per
    tool (``compact``).

    Raises:
        ValueError: an unknown style.

    >>> from agemem_env.tools import DEFAULT_TOOLS
    >>> print(system_prompt(DEFAULT_TOOLS, 2, 512, "compact").splitlines()[3])
    - Add_memory(content, memory_type?, metadata?: object)
    """
    if style not in PROMPT_STYLES:
        raise ValueError(f"prompt style must be one of {PROMPT_STYLES}, got {style!r}")
    template, listing = (_TEMPLATE, tool_listing) if style == "full" else (_COMPACT,
                                                                            tool_signatures)
    return template.format(tools=listing(tools), rounds=rounds_per_stage, budget=token_budget)


def tool_listing(tools: ToolRegistry) -> str:
    """One JSON schema per line, in the registry's order."""
    return "\n".join(json.dumps(schema, ensure_ascii=False) for schema in tools.schemas())


def tool_signatures(tools: ToolRegistry) -> str:
    """One line per tool: ``- Name(arg, optional?, count?: integer)``; strings untyped."""
    lines = []
    for schema in tools.schemas():
        params = schema.get("parameters", {})
        required = set(params.get("required", ()))
        args = ", ".join(_signature_arg(name, spec, name in required)
                         for name, spec in params.get("properties", {}).items())
        lines.append(f"- {schema['name']}({args})")
    return "\n".join(lines)


def _signature_arg(name: str, spec: dict, required: bool) -> str:
    kind = spec.get("type", "string")
    return f"{name}{'' if required else '?'}{'' if kind == 'string' else ': ' + kind}"
