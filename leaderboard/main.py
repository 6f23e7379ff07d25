"""The ``agemem`` console script: the root app, assembled here from each package's sub-app.

It lives in the leaderboard package because that sits at the top of the dependency order
(leaderboard -> baselines, agents -> agemem_env) and so may import every sub-app.
"""

from __future__ import annotations

import typer

from agemem_env.cli import env_app
from agents.cli import agents_app
from leaderboard.cli import leaderboard_app

app = typer.Typer(help="AgeMem-Gym: memory-management environments for LLM agents.",
                  no_args_is_help=True, add_completion=False)
app.add_typer(env_app)  # info, play, tasks
app.add_typer(agents_app)  # eval, train
app.add_typer(leaderboard_app, name="leaderboard")


def main() -> None:
    """Console-script entry point (``agemem``)."""
    app()


if __name__ == "__main__":
    main()
