"""``agemem info``: what the suite offers."""

from __future__ import annotations


def info() -> None:
    """List the environment ids, the tools with their arguments, and the reward presets."""
    from rich.console import Console
    from rich.table import Table

    from agemem_env import ENV_IDS
    from agemem_env.rewards import PRESET_DOCS
    from agemem_env.tools import DEFAULT_TOOLS

    console = Console()
    envs = Table(title="Environments")
    envs.add_column("id")
    envs.add_column("stages")
    for level, env_id in enumerate(ENV_IDS, start=1):
        envs.add_row(env_id, " -> ".join(str(s) for s in range(1, level + 1)))
    tools = Table(title="Actions (structured index = row)")
    for column in ("index", "tool", "arguments (* required)", "description"):
        tools.add_column(column)
    for index, spec in enumerate(DEFAULT_TOOLS.specs):
        args = ", ".join(p.name + ("*" if p.required else "") for p in spec.params)
        tools.add_row(str(index), spec.name, args, spec.description)
    presets = Table(title="Reward presets")
    presets.add_column("preset")
    presets.add_column("meaning")
    for name, doc in PRESET_DOCS.items():
        presets.add_row(name, doc)
    for table in (envs, tools, presets):
        console.print(table)
