"""Actions: a text completion, a native tool-call message or a structured action to the
one ``ParsedAction`` the tool executor runs, the canonical completion text, and the
action spaces."""

from agemem_env.actions.native import native_completion, parse_native_message
from agemem_env.actions.parse import parse_action, structured_call
from agemem_env.actions.text import parse_completion, render_completion

__all__ = [
    "native_completion",
    "parse_action",
    "parse_completion",
    "parse_native_message",
    "render_completion",
    "structured_call",
]
