"""Actions: a text completion or a structured action to the one ``ParsedAction`` the tool
executor runs, the canonical completion text, and the action spaces."""

from agemem_env.actions.parse import parse_action, structured_call
from agemem_env.actions.text import parse_completion, render_completion

__all__ = ["parse_action", "parse_completion", "render_completion", "structured_call"]
