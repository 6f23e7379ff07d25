"""The README and the docs as a newcomer reads them: their Python blocks run, and every
``agemem`` command they show names real commands and options."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import typer

from leaderboard.main import app

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
_BLOCK = re.compile(r"```(\w+)\n(.*?)```", re.S)
_INLINE = re.compile(r"`(agemem [^`]+)`")


def _blocks(path: Path, language: str) -> list[str]:
    return [body for lang, body in _BLOCK.findall(path.read_text()) if lang == language]


def _commands(path: Path) -> list[str]:
    """Every ``agemem ...`` line of the bash blocks and the inline code of a doc."""
    text = path.read_text()
    lines = [line for body in _blocks(path, "bash")
             for line in body.replace("\\\n", " ").splitlines()]
    found = [line.split("#")[0].strip() for line in lines if line.startswith("agemem ")]
    found += [m for m in _INLINE.findall(_BLOCK.sub("", text)) if "..." not in m]
    return [line for line in found if not line.split()[1].isupper()]  # agemem COMMAND ...


def _resolve(words: list[str]):
    """The command ``words`` name, and the words left for its options."""
    command = typer.main.get_command(app)
    while words and hasattr(command, "commands") and words[0] in command.commands:
        command, words = command.commands[words[0]], words[1:]
    return command, words


@pytest.mark.parametrize("doc", DOCS, ids=[p.name for p in DOCS])
def test_every_agemem_command_in_the_docs_exists_with_its_options(doc):
    for line in _commands(doc):
        command, rest = _resolve(shlex.split(line)[1:])
        assert not hasattr(command, "commands"), f"{doc.name}: no such command: {line}"
        known = {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)}
        for word in rest:
            if word.startswith("--"):
                assert word.split("=")[0] in known, f"{doc.name}: {line}: no option {word}"


def test_the_readme_python_blocks_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ran = 0
    for body in _blocks(ROOT / "README.md", "python"):
        if "data/" in body and not Path("data").is_dir():
            continue  # needs `agemem data fetch` (network); the loaders are tested apart
        exec(compile(body, "README.md", "exec"), {"__name__": "readme"})  # noqa: S102
        ran += 1
    assert ran >= 2
