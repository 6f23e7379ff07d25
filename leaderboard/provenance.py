"""Where a result's code came from: the last commit that changed the code, its date, and
whether the working tree had uncommitted code changes.

The commit is the last one touching the code (the packages, the suites, pyproject.toml),
not HEAD: committing regenerated results moves HEAD but not this commit, so a re-run of
an unchanged tree writes the same provenance and leaves ``git status`` clean. Outside a
git checkout (an installed package) every field is None.
"""

from __future__ import annotations

import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CODE_PATHS = ("agemem_env", "agents", "baselines", ":(glob)leaderboard/*.py",
              "leaderboard/schema.json", "leaderboard/suites", "pyproject.toml")


@lru_cache(maxsize=1)
def code_provenance() -> dict[str, Any]:
    """``{"commit", "commit_date", "code_dirty"}`` of this checkout's code (None each
    when git or the repository is absent)."""
    log = _git("log", "-1", "--format=%H %cI", "--", *CODE_PATHS)
    if not log:
        return {"commit": None, "commit_date": None, "code_dirty": None}
    commit, _, date = log.partition(" ")
    status = _git("status", "--porcelain", "--untracked-files=no", "--", *CODE_PATHS)
    return {"commit": commit, "commit_date": date, "code_dirty": bool(status)}


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(REPO), *args], capture_output=True,
                              text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None
