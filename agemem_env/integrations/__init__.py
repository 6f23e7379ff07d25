"""Adapters that plug AgeMem into RL trainers: TRL's GRPOTrainer and verl's agent loop.

Each adapter lives in its own module and imports its trainer lazily, so importing
``agemem_env.integrations`` costs nothing: ``agemem_env.integrations.trl`` needs
``pip install 'agemem-gym[trl]'``; ``agemem_env.integrations.verl`` runs without verl
for tests and registers with verl when it is installed.
"""

from agemem_env.integrations.session import EpisodeSession

__all__ = ["EpisodeSession"]
