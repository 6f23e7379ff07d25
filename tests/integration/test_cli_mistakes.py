"""A newcomer's mistakes, typed at the real ``agemem`` entry point: each one is answered by
one ``error: ...`` line on stderr naming the problem and the valid choices, exit code 2,
before any model loads or any episode runs (issue 20)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from leaderboard.main import app

MISTAKES = [
    (["eval", "--agent", "heuristic", "--embedder", "minilm2"],
     ["unknown embedder 'minilm2'", "minilm, hashing"]),
    (["play", "--env", "AgeMem-Foo-v0"], ["unknown environment 'AgeMem-Foo-v0'",
                                           "AgeMem-Stage3-v0", "AgeMem-BabyAI-v0"]),
    (["eval", "--agent", "heuristic", "--env", "AgeMem-Foo-v0"], ["unknown environment"]),
    (["eval", "--agent", "heuristic", "--env-kwarg", "foo=1"],
     ["AgeMem-Stage3-v0 has no option 'foo'", "token_budget"]),
    (["play", "--env-kwarg", "foo=1"], ["has no option 'foo'"]),
    (["eval", "--agent", "llm"], ["--agent llm needs --llm", "smollm2", "openai:"]),
    (["eval", "--agent", "heuristic", "--env", "AgeMem-BabyAI-v0"],
     ["never calls Act", "embodied-heuristic"]),
    (["eval", "--agent", "nope"], ["unknown agent 'nope'", "heuristic"]),
    (["train", "grpo", "--embedder", "minilm2"], ["unknown embedder"]),
    (["train", "grpo", "--preset", "nope"], ["reward_preset must be one of", "atommem"]),
    (["train", "grpo", "--env", "AgeMem-BabyAI-v0"], ["cannot use", "AgeMem-Stage3-v0"]),
    (["train", "grpo", "--policy", "llm", "--model", "nope"], ["unknown --model 'nope'"]),
    (["train", "export", "--agent", "embodied-heuristic"], ["plays the embodied ids"]),
    (["train", "sft", "--data", "no-such.jsonl"], ["no-such.jsonl does not exist"]),
    (["train", "bc", "--env", "AgeMem-Foo-v0"], ["unknown environment"]),
    (["train", "compare", "--run", "scratch"], ["--run expects NAME=DIR"]),
    (["data", "fetch", "hotpot"], ["unknown data set 'hotpot'", "hotpotqa-dev-distractor"]),
    (["tasks", "show", "trivia"], ["unknown source 'trivia'"]),
]


def agemem(*args: str, cwd=None, env=None) -> subprocess.CompletedProcess:
    """Run the root app as the console script does."""
    return subprocess.run([sys.executable, "-m", "leaderboard.main", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def _check(code: int, stdout: str, stderr: str, words: list[str]) -> None:
    assert code == 2, stderr
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    for word in words:
        assert word in lines[0]
    for noise in ("Traceback", "environment creator", "huggingface.co"):
        assert noise not in stderr + stdout


@pytest.mark.parametrize(("args", "words"), MISTAKES, ids=[" ".join(a) for a, _ in MISTAKES])
def test_a_mistake_is_one_line_and_exit_2(args, words, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, args)
    _check(result.exit_code, result.stdout, result.stderr, words)
    assert list(tmp_path.iterdir()) == []  # nothing was written before the refusal


def test_the_console_script_answers_the_same(tmp_path):
    """The embedder typo once printed a 340-line traceback after trying the model hub."""
    args, words = MISTAKES[0]
    proc = agemem(*args, cwd=tmp_path)
    _check(proc.returncode, proc.stdout, proc.stderr, words)


def test_train_grpo_takes_every_listed_preset_atommem_included(tmp_path):
    proc = agemem("train", "grpo", "--preset", "atommem", "--steps", "1", "--tasks-per-update",
                  "1", "--group-size", "2", "--no-progress", "--out", "run", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    record = json.loads((tmp_path / "run" / "metrics.jsonl").read_text().splitlines()[0])
    assert "terms/penalty/updates" in record and record["update"] == 0
