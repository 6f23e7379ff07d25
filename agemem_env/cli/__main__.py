"""``python -m agemem_env.cli``: the environment's commands alone."""

from agemem_env.cli import env_app

env_app()
