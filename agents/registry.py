"""Agents by name: a registered name (``"heuristic"``), an import path
(``"mypkg.agents:MyAgent"``), a plug-in of an installed package (entry-point group
``agemem.agents``) or a trained policy (``"grpo:DIR"``).

Registered agents outside this module's imports are stored as ``"module:Class"`` and
imported only when asked for, so that the light agents need neither torch nor a model,
and so that ``agents`` does not import ``baselines`` at load time (baselines build on
agents). Whatever the name, the object made must follow the agent protocol
(``agents.protocol.Agent``: ``name``, ``reset``, ``act``); every failure is one
``AgentError`` line naming the agent and what is wrong.

>>> sorted(AGENTS)[:3]
['amem', 'atommem', 'embodied-heuristic']
>>> make_agent("random", seed=1).name
'random'
>>> make_agent("agents.heuristic:HeuristicAgent").name
'heuristic'
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable
from importlib import metadata
from typing import Any

from agents.heuristic import HeuristicAgent
from agents.oracle import OracleAgent
from agents.protocol import Agent
from agents.random_agent import RandomAgent

GRPO_PREFIX = "grpo:"
ENTRY_POINT_GROUP = "agemem.agents"
"""Installed packages offer agents here: ``[project.entry-points."agemem.agents"]``,
``my-agent = "mypkg.agents:MyAgent"``; the entry's name is then an agent name."""
IMPORT_PATH = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")

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


class AgentError(ValueError):
    """An agent that cannot be made as named: unknown, not importable, wrong arguments,
    or an object that does not follow the agent protocol. The message is one line."""


class AgentImportError(AgentError, ImportError):
    """The module or object behind an agent name could not be imported."""


def make_agent(name: str, **kwargs: Any) -> Agent:
    """Build the agent named ``name``.

    Args:
        name: A name of ``AGENTS`` (case-insensitive; "no_memory" also works), an import
            path ``"package.module:ClassOrFactory"``, the name of an ``agemem.agents``
            entry point of an installed package, or ``grpo:DIR``.
        **kwargs: Passed to the agent's class or factory, e.g. ``seed`` for "random" or
            ``backend`` for "llm".

    Returns:
        A fresh agent; call ``reset`` before each episode.

    Raises:
        AgentError: The name is unknown (the message lists the names), its import failed
            (``AgentImportError``, also an ImportError), the factory does not take
            ``kwargs``, or what it made does not follow the agent protocol.

    >>> make_agent("Oracle").name
    'oracle'
    >>> make_agent("nope")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    agents.registry.AgentError: unknown agent 'nope'; choose one of: amem, ... random, ...
    """
    if not isinstance(name, str):
        raise TypeError(f"agent name must be a str, got {type(name).__name__}")
    if name.startswith(GRPO_PREFIX):
        return _import(name, _GRPO_LOADER)(name[len(GRPO_PREFIX):], **kwargs)
    factory = resolve_agent(name)
    check_arguments(name, factory, kwargs)
    agent = factory(**kwargs)
    check_agent(agent, name)
    return agent


def resolve_agent(name: str) -> Callable[..., Agent]:
    """The class or factory behind ``name``, imported but not called: it checks a name
    before any work starts (``grpo:DIR`` gives its loader; the folder is read by
    ``make_agent``).

    Raises:
        AgentError: As ``make_agent``, for the name alone.
    """
    if name.startswith(GRPO_PREFIX):
        return _import(name, _GRPO_LOADER)
    if IMPORT_PATH.fullmatch(name.strip()):
        return _import(name, name.strip())
    key = name.strip().lower().replace("_", "-")
    if key in AGENTS:
        target = AGENTS[key]
        return _import(key, target) if isinstance(target, str) else target
    plugins = entry_points()
    if key in plugins:
        return _load_entry_point(key, plugins[key])
    known = ", ".join(sorted({*AGENTS, *plugins}))
    raise AgentError(f"unknown agent {name!r}; choose one of: {known}, a module:Object "
                     f"import path, or {GRPO_PREFIX}DIR")


def agent_names() -> list[str]:
    """Every agent name: the registered ones, then the installed plug-ins'."""
    return [*sorted(AGENTS), *sorted(set(entry_points()) - set(AGENTS))]


def entry_points() -> dict[str, metadata.EntryPoint]:
    """The ``agemem.agents`` entry points of the installed packages, by lower-case name.
    A registered name always wins over a plug-in of the same name."""
    return {ep.name.strip().lower().replace("_", "-"): ep
            for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}


def check_agent(agent: Any, name: str) -> None:
    """Raise AgentError unless ``agent`` has a str ``name`` and callable ``reset`` and
    ``act`` (the agent protocol)."""
    missing = [f"{m}()" for m in ("reset", "act") if not callable(getattr(agent, m, None))]
    if not isinstance(getattr(agent, "name", None), str):
        missing.append("a str name")
    if missing:
        raise AgentError(f"agent {name!r} made a {type(agent).__name__}, which does not "
                         f"follow the agent protocol: it lacks {', '.join(missing)}")


def _import(name: str, target: str) -> Callable[..., Agent]:
    """``"module:attr.attr"`` imported; the error says which agent needed it."""
    module_name, _, attr = target.partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
    except Exception as err:  # a user's module may fail in any way while importing
        raise AgentImportError(f"agent {name!r} needs {target}, which could not be "
                               f"imported: {_one_line(err)}") from err
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError as err:
            raise AgentImportError(f"agent {name!r} needs {target}, which could not be "
                                   f"imported: {module_name} has no {attr!r}") from err
    if not callable(obj):
        raise AgentError(f"agent {name!r}: {target} is a {type(obj).__name__}, not a class "
                         "or factory")
    return obj


def _load_entry_point(name: str, ep: metadata.EntryPoint) -> Callable[..., Agent]:
    try:
        obj = ep.load()
    except Exception as err:  # a plug-in may fail in any way while importing
        raise AgentImportError(f"agent {name!r} (entry point {ep.value} of group "
                               f"{ENTRY_POINT_GROUP}) could not be imported: "
                               f"{_one_line(err)}") from err
    if not callable(obj):
        raise AgentError(f"agent {name!r}: entry point {ep.value} is a "
                         f"{type(obj).__name__}, not a class or factory")
    return obj


def check_arguments(name: str, factory: Callable[..., Any], kwargs: dict[str, Any]) -> None:
    """Raise AgentError if ``factory`` (the one behind ``name``) does not take ``kwargs``;
    nothing is called."""
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):  # a builtin or C callable: let the call decide
        return
    try:
        signature.bind(**kwargs)
    except TypeError as err:
        takes = [p for p in signature.parameters if p not in ("self", "args", "kwargs")]
        raise AgentError(f"agent {name!r} does not take these arguments ({err}); it takes: "
                         f"{', '.join(takes) or 'none'}") from err


def _one_line(err: BaseException) -> str:
    return " ".join(f"{type(err).__name__}: {err}".split())
