"""The environment's commands: ``info``, ``play``, ``tasks``, ``reward`` and ``data``, as the
sub-app ``env_app`` that the root ``agemem`` app (leaderboard/main.py) merges in.

``python -m agemem_env.cli`` runs them on their own.
"""

from __future__ import annotations

import typer

from agemem_env.cli.data import data_app
from agemem_env.cli.info import info
from agemem_env.cli.play import play, to_completion
from agemem_env.cli.reward import reward_app
from agemem_env.cli.tasks import tasks_app

env_app = typer.Typer(help="AgeMem-Gym environments: inspect, play, look at tasks, get data.",
                      no_args_is_help=True, add_completion=False)
env_app.command()(info)
env_app.command()(play)
env_app.add_typer(tasks_app, name="tasks")
env_app.add_typer(reward_app, name="reward")
env_app.add_typer(data_app, name="data")

__all__ = ["env_app", "to_completion"]
