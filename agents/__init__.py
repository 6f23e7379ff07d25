"""Agents that act in the AgeMem environments: the agent protocol and registry, rule-based
agents, LLM agents and back-ends, the runner, step-wise GRPO (``grpo/``) and the warm
starts before it (``warm_start/``). See docs/architecture.md for the rooms."""

from agemem_env import moved

# Modules that moved into agents/warm_start/ (old paths warn for one release).
moved.install({
    "agents.sft": ("agents.warm_start.sft",),
    "agents.trajectories": ("agents.warm_start.trajectories",),
    "agents.warm_start_cli": ("agents.warm_start.cli",),
})
