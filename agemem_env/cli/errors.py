"""How every ``agemem`` command answers a user's mistake: one line on stderr, exit code 2."""

from __future__ import annotations

from typing import NoReturn

import typer

USAGE_ERROR = 2
"""Exit code of a mistake in the command line or its inputs (0: done, 1: work failed)."""


def one_line(err: BaseException) -> str:
    """An exception's message on one line (KeyError's quotes dropped)."""
    text = err.args[0] if isinstance(err, KeyError) and err.args else str(err)
    return " ".join(str(text).split()) or type(err).__name__


def fail(message: str) -> NoReturn:
    """Print ``error: message`` on stderr and exit with code 2."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(USAGE_ERROR)
