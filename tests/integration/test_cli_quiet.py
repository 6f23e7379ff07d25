"""Quiet by default: no model-loading bars or library deprecation warnings unless
``--verbose``; the commands set this up, the library does not."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings

import pytest

from agemem_env.cli.quiet import quiet_libraries


def test_quiet_libraries_silences_bars_logs_and_deprecations(monkeypatch):
    for key in ("HF_HUB_DISABLE_PROGRESS_BARS", "TRANSFORMERS_VERBOSITY"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("TOKENIZERS_PARALLELISM", "true")  # a user's own setting wins
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        quiet_libraries(verbose=False)
        warnings.warn("old API", DeprecationWarning, stacklevel=1)
        warnings.warn("going away", FutureWarning, stacklevel=1)
        warnings.warn("a real problem", UserWarning, stacklevel=1)
    assert [str(w.message) for w in caught] == ["a real problem"]
    assert os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] == "1"
    assert os.environ["TRANSFORMERS_VERBOSITY"] == "error"
    assert os.environ["TOKENIZERS_PARALLELISM"] == "true"


def _eval_minilm(*extra: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "leaderboard.main", "eval", "--agent", "heuristic", "--env",
         "AgeMem-Stage1-v0", "--episodes", "1", "--embedder", "minilm", "--env-kwarg",
         "rounds_per_stage=1", *extra],
        capture_output=True, text=True, timeout=600,
        env={k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_"))},
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stderr


@pytest.mark.slow
def test_model_loading_bars_only_with_verbose():
    quiet = _eval_minilm()
    assert "Loading weights" not in quiet
    assert "AgeMem-Stage1-v0: 100%" in quiet  # our own progress bar stays
    assert "Loading weights" in _eval_minilm("--verbose")
