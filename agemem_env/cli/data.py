"""``agemem data list`` and ``agemem data fetch NAME``: the public benchmark files, where
they come from, and a verified download into the data folder.

Without a network, ``fetch`` says so in one line (exit code 1) with the URL and the place
to put the file by hand; ``list`` shows which files are already in place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agemem_env.cli.catalog import CATALOG, DATA_ENV, DataFile, data_dir
from agemem_env.cli.errors import fail, give_up
from agemem_env.cli.quiet import VerboseOpt, quiet_libraries

data_app = typer.Typer(help="Public benchmark files: list them, fetch one (verified).",
                       no_args_is_help=True, add_completion=False)

DirOpt = Annotated[Path | None, typer.Option(
    "--dir", help=f"Data folder (default ${DATA_ENV}, else ./data).")]


@data_app.command("list")
def list_command(folder: DirOpt = None) -> None:
    """The files ``fetch`` knows: official name, size, licence, and whether each is here."""
    from rich.console import Console
    from rich.table import Table

    root = folder or data_dir()
    table = Table(title=f"Benchmark files (data folder: {root})")
    for column in ("name", "--tasks", "what", "MB", "licence", "here"):
        table.add_column(column)
    for item in CATALOG.values():
        here = "yes" if (root / item.path).is_file() else "no"
        table.add_row(item.name, item.source, item.title, f"{item.size / 1e6:.1f}",
                      item.licence, here)
    Console().print(table)


@data_app.command("fetch")
def fetch_command(
    name: Annotated[str, typer.Argument(help=f"One of: {', '.join(CATALOG)}.")],
    folder: DirOpt = None,
    url: Annotated[str | None, typer.Option(
        help="Download from this mirror instead of the official URL.")] = None,
    sha256: Annotated[str | None, typer.Option(
        help="Expect this SHA-256 instead of the official file's (another version).")] = None,
    force: Annotated[bool, typer.Option(
        help="Replace a file already in place whose checksum differs.")] = False,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    verbose: VerboseOpt = False,
) -> None:
    """Download a benchmark file, verify its SHA-256, and put it in the data folder."""
    from agemem_env.cli.download import DownloadError, Offline, download, sha256_of

    quiet_libraries(verbose)
    item = _item(name)
    expected = _checksum(sha256) if sha256 else item.sha256
    target = (folder or data_dir()) / item.path
    if target.is_file():
        if sha256_of(target) == expected:
            typer.echo(f"{target} is already there (sha256 verified)")
            return
        if not force:
            fail(f"{target} exists with another sha256; --force replaces it")
    source = url or item.url
    try:
        download(source, target, expected, size=None if url or sha256 else item.size,
                 progress=progress)
    except Offline as err:
        give_up(f"offline: {err}. Download {source} elsewhere and put it at {target} "
                f"(sha256 {expected})")
    except (DownloadError, OSError) as err:
        give_up(str(err))
    typer.echo(f"fetched {item.name} into {target} (sha256 verified); use it: agemem eval "
               f"--agent heuristic --tasks {item.source} --tasks-path {target}")


def _item(name: str) -> DataFile:
    if name not in CATALOG:
        fail(f"unknown data set {name!r}; choose one of {', '.join(CATALOG)}")
    return CATALOG[name]


def _checksum(text: str) -> str:
    digest = text.strip().lower()
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        fail(f"--sha256 must be 64 hex digits, got {text!r}")
    return digest
