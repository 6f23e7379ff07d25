"""The agents' commands, as the sub-app ``agents_app`` (merged into ``agemem`` by
leaderboard/main.py): ``eval`` (agents/eval_cli.py) and the ``train`` group built from
the GRPO and warm-start commands. Importing it adds the agents' table to ``agemem info``.
"""

from __future__ import annotations

import typer

from agemem_env.cli import info_tables
from agemem_env.cli.info import add_section
from agents.eval_cli import eval_command
from agents.grpo.cli import grpo_command
from agents.warm_start.cli import bc_command, compare_command, export_command, sft_command


def agents_table():
    """``agemem info``'s agents: registry name, where it lives, which envs it fits."""
    from rich.table import Table

    from agemem_env.envs.registration import EMBODIED_IDS
    from agents.fit import ANY_ENV, EMBODIED_ONLY
    from agents.registry import AGENTS, GRPO_PREFIX

    table = Table(title="Agents (agemem eval --agent NAME)")
    for column in ("agent", "implemented by", "fits"):
        table.add_column(column)
    for name, target in AGENTS.items():
        where = target if isinstance(target, str) else f"{target.__module__}:{target.__name__}"
        fits = ("every id" if name in ANY_ENV else
                ", ".join(EMBODIED_IDS) if name in EMBODIED_ONLY else "AgeMem-Stage1/2/3-v0")
        table.add_row(name, where, fits)
    table.add_row(f"{GRPO_PREFIX}DIR", "agents.grpo.agent:load_agent",
                  "the env it was trained on (agemem train grpo/bc --out DIR)")
    return table


add_section(agents_table, before=info_tables.judges)

train_app = typer.Typer(help="Train a policy on the AgeMem environments.",
                        no_args_is_help=True, add_completion=False)
train_app.command("grpo")(grpo_command)
train_app.command("export")(export_command)
train_app.command("sft")(sft_command)
train_app.command("bc")(bc_command)
train_app.command("compare")(compare_command)

agents_app = typer.Typer(help="Evaluate and train agents.", no_args_is_help=True,
                         add_completion=False)
agents_app.command("eval")(eval_command)
agents_app.add_typer(train_app, name="train")
