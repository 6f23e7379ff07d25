"""``agemem info``: what the suite offers, as tables.

The env's own tables (ids, tools, reward presets and weights, judges, memory scorers,
embedders, packaged suites) are in ``info_tables``. Packages above the env add theirs with
``add_section`` (agents/cli.py adds the agents), so ``agemem_env`` imports no agent and the
root ``agemem`` app shows every table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agemem_env.cli import info_tables
from agemem_env.cli.quiet import VerboseOpt, quiet_libraries

# Builders of rich tables, printed in this order.
Section = Callable[[], Any]
SECTIONS: list[Section] = [
    info_tables.envs,
    info_tables.tools,
    info_tables.presets,
    info_tables.weights,
    info_tables.judges,
    info_tables.embedders,
    info_tables.suites,
]


def add_section(build: Section, before: Section | None = None) -> None:
    """Show the table ``build()`` returns in ``agemem info`` (once, however often added),
    before the section ``before`` or at the end."""
    if build in SECTIONS:
        return
    SECTIONS.insert(SECTIONS.index(before) if before in SECTIONS else len(SECTIONS), build)


def info(verbose: VerboseOpt = False) -> None:
    """List environment ids, tools, reward presets and weights, judges, embedders, agents
    and the packaged leaderboard suites."""
    from rich.console import Console

    quiet_libraries(verbose)
    console = Console()
    for build in SECTIONS:
        console.print(build())
