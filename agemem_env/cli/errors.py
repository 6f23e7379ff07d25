"""How every ``agemem`` command ends badly: one ``error: ...`` line on stderr, then exit
code 2 for a mistake in the command line or its inputs (``fail``) or 1 for work that was
tried and failed (``give_up``). 0 means done."""

from __future__ import annotations

from typing import NoReturn

import typer

USAGE_ERROR = 2
"""Exit code of a mistake in the command line or its inputs."""
WORK_FAILED = 1
"""Exit code of work that ran and failed (failed episodes, a download that did not come)."""


def one_line(err: BaseException) -> str:
    """An exception's message on one line (KeyError's quotes dropped)."""
    text = err.args[0] if isinstance(err, KeyError) and err.args else str(err)
    return " ".join(str(text).split()) or type(err).__name__


def fail(message: str) -> NoReturn:
    """Print ``error: message`` on stderr and exit with code 2 (a usage mistake)."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(USAGE_ERROR)


def give_up(message: str) -> NoReturn:
    """Print ``error: message`` on stderr and exit with code 1 (the work failed)."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(WORK_FAILED)
