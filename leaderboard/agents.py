"""Who plays on the leaderboard: the default agent list (``suites/agents.toml``), the
``--llm`` back-end switch, and the GRPO-trained structured policy (trained on demand when
no checkpoint is given).

>>> config = load_agent_config()
>>> config.agents[:2], config.grpo_name
(('oracle', 'heuristic'), 'grpo-structured')
"""

from __future__ import annotations

import importlib
import inspect
import logging
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from leaderboard.results import AgentSpec
from leaderboard.suites import AGENTS_FILE, SUITES_DIR

logger = logging.getLogger(__name__)

GRPO = "grpo"  # the agent-list name of the trained policy


class GrpoUnavailable(RuntimeError):
    """No GRPO checkpoint could be had; the message is the reason shown in the report."""


@dataclass(frozen=True)
class AgentConfig:
    """The default agent list and how to get the GRPO policy."""

    agents: tuple[str, ...]
    """Registry names in report order; "grpo" is the trained structured policy."""
    grpo_name: str = "grpo-structured"
    """Display name of the trained policy."""
    grpo_train_args: tuple[str, ...] = ("--policy", "structured")
    """Arguments of ``agemem train grpo`` when the run trains its own checkpoint."""
    grpo_warm_start_args: tuple[str, ...] = ()
    """Arguments of ``agemem train bc``, run first (and given to GRPO as ``--init``) when
    not empty: the behaviour-cloning warm start."""


def load_agent_config(path: Path | None = None) -> AgentConfig:
    """Read ``agents.toml`` (the packaged one by default)."""
    path = path or SUITES_DIR / AGENTS_FILE
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    agents = raw.get("agents")
    if not isinstance(agents, list) or not all(isinstance(a, str) for a in agents):
        raise ValueError(f"{path}: 'agents' must be a list of agent names")
    grpo = raw.get("grpo", {})
    return AgentConfig(tuple(agents), str(grpo.get("name", "grpo-structured")),
                       tuple(grpo.get("train_args", ("--policy", "structured"))),
                       tuple(grpo.get("warm_start_args", ())))


def accepts_backend(name: str) -> bool:
    """Whether the agent registered as ``name`` takes a ``backend=`` argument (an LLM
    agent). An agent that cannot be imported now is given the argument: its pair will
    record the import failure either way."""
    from agents.registry import AGENTS

    target = AGENTS.get(name.strip().lower().replace("_", "-"))
    if target is None:
        return False
    if isinstance(target, str):
        module, _, attr = target.partition(":")
        try:
            target = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError):
            return True
    try:
        parameters = inspect.signature(target).parameters
    except (TypeError, ValueError):
        return False
    return "backend" in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())


def agent_specs(
    names: list[str], config: AgentConfig, *, llm: str | None = None,
    grpo_checkpoint: Path | None = None, grpo_dir: Path | None = None,
) -> tuple[list[AgentSpec], list[str]]:
    """The agents to run and notes on those left out.

    Args:
        names: Registry names, ``grpo`` (the trained policy) or ``grpo:DIR``.
        config: The agent config (GRPO display name and trainer arguments).
        llm: Back-end name given as ``backend=`` to every agent that takes one.
        grpo_checkpoint: A trained policy's folder; without one ``grpo`` is trained
            into ``grpo_dir`` (or skipped with a note when that is not possible).
    """
    specs, notes = [], []
    for name in names:
        if name == GRPO:
            try:
                checkpoint = grpo_checkpoint or train_grpo(grpo_dir, config.grpo_train_args,
                                                           config.grpo_warm_start_args)
            except GrpoUnavailable as err:
                notes.append(f"{config.grpo_name}: skipped ({err})")
                continue
            specs.append(AgentSpec(config.grpo_name, f"grpo:{checkpoint}", {}))
            continue
        if llm and not name.startswith("grpo:") and accepts_backend(name):
            # Its own name: results with and without the back-end sit side by side.
            specs.append(AgentSpec(f"{name}@{llm}", name, {"backend": llm}))
        else:
            specs.append(AgentSpec(name, name, {}))
    return specs, notes


def train_grpo(out_dir: Path | None, train_args: tuple[str, ...],
               warm_start_args: tuple[str, ...] = ()) -> Path:
    """A structured GRPO policy trained by ``agemem train grpo`` into ``out_dir`` (reused
    when a loadable checkpoint is already there), warm-started by ``agemem train bc`` into
    ``<out_dir>-bc`` when ``warm_start_args`` are given.

    Raises:
        GrpoUnavailable: No folder given, the trainer is not available, or training failed.
    """
    if out_dir is None:
        raise GrpoUnavailable("no --grpo-checkpoint and no folder to train one into")
    if _loadable(out_dir):
        return out_dir
    if not _trainer_available():
        raise GrpoUnavailable("the GRPO trainer (`agemem train grpo`) is not available in "
                              "this install; pass --grpo-checkpoint DIR")
    if warm_start_args:
        warm = out_dir.with_name(out_dir.name + "-bc")
        _train(["bc", *warm_start_args], warm)
        train_args = (*train_args, "--init", str(warm))
    _train(["grpo", *train_args], out_dir)
    return out_dir


def _train(args: list[str], out_dir: Path) -> None:
    """Run ``agemem train ARGS --out OUT_DIR``; its output goes to ``OUT_DIR.log``."""
    command = [sys.executable, "-m", "leaderboard.main", "train", *args, "--out", str(out_dir)]
    log = out_dir.with_suffix(".log")  # the trainer's output, kept for a failed run
    log.parent.mkdir(parents=True, exist_ok=True)
    logger.info("training: %s (log: %s)", " ".join(command), log)
    with log.open("w", encoding="utf-8") as stream:
        done = subprocess.run(command, stdout=stream, stderr=subprocess.STDOUT, text=True,
                              check=False)
    if done.returncode != 0 or not _loadable(out_dir):
        tail = log.read_text(encoding="utf-8").strip().splitlines()[-1:] or ["no output"]
        raise GrpoUnavailable(f"training failed (exit {done.returncode}, log {log}): "
                              f"{tail[0]}")


def _trainer_available() -> bool:
    """Whether the ``agemem`` app has a ``train`` command group (the GRPO trainer)."""
    from agents.cli import agents_app

    return any(group.name == "train" for group in agents_app.registered_groups)


def _loadable(folder: Path) -> bool:
    if not folder.is_dir() or not any(folder.iterdir()):
        return False
    from agents.registry import make_agent

    try:
        make_agent(f"grpo:{folder}")
    except Exception:  # any failure means: not a usable checkpoint (yet)
        return False
    return True
