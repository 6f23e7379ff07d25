"""Which agents fit which environments, so a command refuses a pair that cannot play.

The embodied ids (``agemem_env.envs.registration.EMBODIED_IDS``) are won by ``Act``
commands; the question-answering agents never call ``Act`` and would score 0 there, and
the embodied agents look for a mission and a route that the core ids never give. The LLM
agent reads its tools from the system prompt, and the random agent is the floor of any
env, so both fit every id. A trained ``grpo:DIR`` policy is checked by the policy itself.

>>> misfit("heuristic", "AgeMem-Stage3-v0") is None
True
>>> misfit("embodied-heuristic", "AgeMem-Stage3-v0")  # doctest: +ELLIPSIS
"agent 'embodied-heuristic' plays the embodied ids ...
"""

from __future__ import annotations

from agemem_env.envs.registration import EMBODIED_IDS
from agents.registry import AGENTS, GRPO_PREFIX

EMBODIED_ONLY = frozenset({"embodied-heuristic", "embodied-no-memory"})
ANY_ENV = frozenset({"llm", "random"})


def agent_key(name: str) -> str:
    """The registry key of ``name`` (as ``make_agent`` reads it)."""
    return name.strip().lower().replace("_", "-")


def fits(name: str, env_id: str) -> bool:
    """True when agent ``name`` can play ``env_id`` (unknown names are left to
    ``make_agent``, which lists the valid ones)."""
    key = agent_key(name)
    if name.startswith(GRPO_PREFIX) or key in ANY_ENV or key not in AGENTS:
        return True
    return (key in EMBODIED_ONLY) == (env_id in EMBODIED_IDS)


def agents_for(env_id: str) -> list[str]:
    """The registered agents that fit ``env_id``, in registry order."""
    return [name for name in AGENTS if fits(name, env_id)]


def misfit(name: str, env_id: str) -> str | None:
    """None when the pair fits, else one line saying why and what fits instead."""
    if fits(name, env_id):
        return None
    if agent_key(name) in EMBODIED_ONLY:
        why = f"plays the embodied ids ({', '.join(EMBODIED_IDS)}) only"
    else:
        why = "answers questions and never calls Act, which the embodied ids need"
    return (f"agent {name!r} {why}; agents for {env_id}: {', '.join(agents_for(env_id))} "
            f"(or {GRPO_PREFIX}DIR)")
