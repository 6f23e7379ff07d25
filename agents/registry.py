"""Agents by name: ``make_agent("heuristic")``, ``make_agent("grpo:runs/structured")``.

Agents outside this module's imports are named by ``"module:Class"`` and imported only
when asked for, so that the light agents need neither torch nor a model, and so that
``agents`` does not import ``baselines`` at load time (baselines build on agents).
``grpo:DIR`` loads a policy trained by ``agemem train grpo`` from its output folder.

>>> sorted(AGENTS)[:3]
['amem', 'atommem', 'embodied-heuristic']
>>> make_agent("random", seed=1).name
'random'
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from agents.heuristic import HeuristicAgent
from agents.oracle import OracleAgent
from agents.protocol import Agent
from agents.random_agent import RandomAgent

GRPO_PREFIX = "grpo:"

# Name -> factory, or "module:attr" imported on first use; keyword arguments of
# make_agent go to the factory.
AGENTS: dict[str, Callable[..., Agent] | str] = {
    "random": RandomAgent,
    "oracle": OracleAgent,
    "heuristic": HeuristicAgent,
    "llm": "agents.llm_agent:LLMAgent",
    "no-memory": "baselines.no_memory:NoMemoryAgent",
    "rag": "baselines.rag:RAGAgent",
    "mem0": "baselines.mem0:Mem0Agent",
    "mem0g": "baselines.mem0g:Mem0gAgent",
    "amem": "baselines.amem:AMemAgent",
    "langmem": "baselines.langmem:LangMemAgent",
    "atommem": "baselines.atommem:AtomMemAgent",
    # For the interactive envs (AgeMem-BabyAI-v0, AgeMem-SciWorld-v0).
    "embodied-heuristic": "agents.embodied_heuristic:EmbodiedHeuristicAgent",
    "embodied-no-memory": "agents.embodied_heuristic:no_memory_agent",
}
_GRPO_LOADER = "agents.grpo.agent:load_agent"


def _resolve(name: str, target: Callable[..., Agent] | str) -> Callable[..., Agent]:
    """The factory behind ``target``, importing ``"module:attr"`` on first use."""
    if not isinstance(target, str):
        return target
    module, _, attr = target.partition(":")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as err:
        raise ImportError(f"agent {name!r} needs {target}, which could not be imported: "
                          f"{err}") from err


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
    >>> make_agent("nope")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: unknown agent 'nope'; choose one of: amem, ... random (or grpo:DIR)
    """
    if not isinstance(name, str):
        raise TypeError(f"agent name must be a str, got {type(name).__name__}")
    if name.startswith(GRPO_PREFIX):
        return _resolve(name, _GRPO_LOADER)(name[len(GRPO_PREFIX):], **kwargs)
    key = name.strip().lower().replace("_", "-")
    if key not in AGENTS:
        raise ValueError(f"unknown agent {name!r}; choose one of: {', '.join(sorted(AGENTS))}"
                         f" (or {GRPO_PREFIX}DIR)")
    return _resolve(key, AGENTS[key])(**kwargs)
