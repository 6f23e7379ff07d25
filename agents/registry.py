"""Agents by name: ``make_agent("heuristic")``.

"llm" is a hook: its module (``agents.llm_agent``, with ``LLMAgent(backend=...,
max_new_tokens=..., temperature=...)``) is imported only when asked for, so the other
agents need neither torch nor a model.

>>> sorted(AGENTS)
['heuristic', 'llm', 'no-memory', 'oracle', 'random']
>>> make_agent("random", seed=1).name
'random'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agents.heuristic import HeuristicAgent
from agents.no_memory import NoMemoryAgent
from agents.oracle import OracleAgent
from agents.protocol import Agent
from agents.random_agent import RandomAgent


def _llm_agent(**kwargs: Any) -> Agent:
    """The LLM agent, imported lazily (it pulls in a model back-end)."""
    try:
        from agents.llm_agent import LLMAgent
    except ImportError as err:
        raise ImportError(
            "agent 'llm' needs agents.llm_agent.LLMAgent, which could not be imported: "
            f"{err}"
        ) from err
    return LLMAgent(**kwargs)


# Name -> factory; keyword arguments of make_agent go to the factory.
AGENTS: dict[str, Callable[..., Agent]] = {
    "random": RandomAgent,
    "oracle": OracleAgent,
    "no-memory": NoMemoryAgent,
    "heuristic": HeuristicAgent,
    "llm": _llm_agent,
}


def make_agent(name: str, **kwargs: Any) -> Agent:
    """Build the agent registered as ``name``.

    Args:
        name: One of ``AGENTS`` (case-insensitive; "no_memory" also works).
        **kwargs: Passed to the agent's constructor, e.g. ``seed`` for "random" or
            ``backend`` for "llm".

    Returns:
        A fresh agent; call ``reset`` before each episode.

    Raises:
        ValueError: ``name`` is not registered (the message lists the names).

    >>> make_agent("Oracle").name
    'oracle'
    >>> make_agent("nope")
    Traceback (most recent call last):
    ...
    ValueError: unknown agent 'nope'; choose one of: heuristic, llm, no-memory, oracle, random
    """
    if not isinstance(name, str):
        raise TypeError(f"agent name must be a str, got {type(name).__name__}")
    key = name.strip().lower().replace("_", "-")
    if key not in AGENTS:
        raise ValueError(f"unknown agent {name!r}; choose one of: {', '.join(sorted(AGENTS))}")
    return AGENTS[key](**kwargs)
