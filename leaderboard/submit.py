"""Filing a result into a board's results folder: only after it verifies by replay, under
the name its own definition gives it, never over another result unless the replaced
digest is named, and atomically."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from leaderboard.results import DIGEST_KEY, ResultError, read_result, write_json
from leaderboard.runner import result_path
from leaderboard.suites import Suite
from leaderboard.verify import Verdict, verify_result


class Rejected(ValueError):
    """A submission that is not filed; ``problems`` are its reasons, one line each."""

    def __init__(self, problems: list[str]):
        super().__init__(problems[0] if problems else "rejected")
        self.problems = problems


@dataclass(frozen=True)
class Filed:
    """Where a submission went."""

    target: Path
    replaced: str | None
    """The digest of the result it replaced, if any."""
    verdict: Verdict


def file_result(source: Path, results_dir: Path, known: dict[str, Suite],
                replace: str | None = None) -> Filed:
    """Verify ``source`` and copy it to ``results_dir/<suite>__<agent>.json``.

    Args:
        replace: The digest (or its first 12 or more characters) of the result already
            at the target, to replace it; without it an existing different result is
            never overwritten.

    Raises:
        Rejected: It does not verify, or the target holds another result.
    """
    try:
        result = read_result(source)
    except ResultError as err:
        raise Rejected([str(err)]) from err
    verdict = verify_result(result, known)
    if not verdict.ok:
        raise Rejected(verdict.problems)
    target = result_path(results_dir, result["agent"]["name"], result["suite"]["name"])
    replaced = _check_target(target, result[DIGEST_KEY], replace)
    if target.resolve() != Path(source).resolve():
        write_json(result, target)
    return Filed(target, replaced, verdict)


def _check_target(target: Path, new_digest: str, replace: str | None) -> str | None:
    """The digest replaced (None: nothing, or the same result, is there)."""
    clash = [p for p in target.parent.glob("*.json")
             if p.name.lower() == target.name.lower() and p.name != target.name]
    if clash:  # on a case-insensitive disk they would be one file
        raise Rejected([f"{clash[0]} differs from {target.name} only in case"])
    if not target.exists():
        return None
    try:
        old = str(read_result(target).get(DIGEST_KEY, "unreadable"))
    except ResultError:
        old = "unreadable"
    if old == new_digest:
        return None
    if old == "unreadable":
        raise Rejected([f"{target} is not a readable result; move it away first"])
    if replace is None or len(replace) < 12 or not old.startswith(replace):
        raise Rejected([f"{target} already holds another result (digest {old[:12]}); pass "
                        f"--replace {old[:12]} to replace it"])
    return old
