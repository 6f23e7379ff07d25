"""Who plays on the leaderboard: the agent list (``suites/agents.toml``, or a user's file),
agents defined there by import path with arguments, the references, the ``--llm``
back-end switch, and the GRPO-trained structured policy (trained on demand when no
checkpoint is given).

``agents.toml``::

    agents = ["oracle", "heuristic", "my-agent", "grpo"]   # in report order

    [agent.my-agent]                    # an agent by import path, with arguments
    agent = "mypkg.agents:MyAgent"      # or a registered name, or an entry point's
    args = {top_k = 5}
    description = "what it is, how it was trained"

    [references]                        # shown as references, never ranked
    random = "floor: random tool calls"

    [grpo]                              # the trained structured policy ("grpo")
    name = "grpo-structured"
    train_args = ["--policy", "structured", "--steps", "30"]
    warm_start_args = ["--episodes", "200"]

>>> config = load_agent_config()
>>> config.agents[:2], config.grpo_name
(('oracle', 'heuristic'), 'grpo-structured')
"""

from __future__ import annotations

import inspect
import logging
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from leaderboard.config_check import (
    ConfigError,
    Key,
    check_table,
    is_str,
    is_str_list,
    is_table,
    read_toml,
)
from leaderboard.names import check_name, safe_name
from leaderboard.results import AgentSpec
from leaderboard.suites import AGENTS_FILE, SUITES_DIR

logger = logging.getLogger(__name__)

GRPO = "grpo"  # the agent-list name of the trained policy
_TOP_KEYS = (
    Key("agents", "a list of agent names (strings)", is_str_list),
    Key("agent", "a table of agent definitions ([agent.NAME])", is_table),
    Key("references", "a table of reference names and descriptions", is_table),
    Key("grpo", "a table ([grpo]: name, train_args, warm_start_args)", is_table),
)
_AGENT_KEYS = (
    Key("agent", "a registered name, an entry point or a module:Object import path", is_str),
    Key("args", "a table of keyword arguments of the agent", is_table),
    Key("description", "a string", is_str),
)
_GRPO_KEYS = (
    Key("name", "a name (a string)", is_str),
    Key("train_args", "a list of strings (one argument each, not one string)", is_str_list),
    Key("warm_start_args", "a list of strings (one argument each, not one string)",
        is_str_list),
)


class GrpoUnavailable(RuntimeError):
    """No GRPO checkpoint could be had; the message is the reason shown in the report."""


@dataclass(frozen=True)
class AgentDefinition:
    """An ``[agent.NAME]`` table: what to make, with which arguments."""

    agent: str
    args: dict[str, Any] = field(default_factory=dict)
    description: str = ""


@dataclass(frozen=True)
class AgentConfig:
    """The agent list, the agents defined in it, the references and the GRPO policy."""

    agents: tuple[str, ...]
    """Names in report order; "grpo" is the trained structured policy."""
    grpo_name: str = "grpo-structured"
    """Display name of the trained policy."""
    grpo_train_args: tuple[str, ...] = ("--policy", "structured")
    """Arguments of ``agemem train grpo`` when the run trains its own checkpoint."""
    grpo_warm_start_args: tuple[str, ...] = ()
    """Arguments of ``agemem train bc``, run first (and given to GRPO as ``--init``) when
    not empty: the behaviour-cloning warm start."""
    defined: dict[str, AgentDefinition] = field(default_factory=dict)
    """``[agent.NAME]`` tables by name."""
    references: dict[str, str] = field(default_factory=dict)
    """Agents shown as references (floors, ceilings), with what each one is."""


def load_agent_config(path: Path | None = None) -> AgentConfig:
    """Read ``agents.toml`` (the packaged one by default); ConfigError names the file, the
    key and what it must be."""
    path = Path(path or SUITES_DIR / AGENTS_FILE)
    where = str(path)
    raw = check_table(read_toml(path), _TOP_KEYS, where)
    if "agents" not in raw:
        raise ConfigError(f"{where}: key 'agents' is missing (a list of agent names)")
    defined = {}
    for name, table in raw.get("agent", {}).items():
        _named(name, where, f"agent.{name}")
        table = check_table(table, _AGENT_KEYS, where, f"agent.{name}.")
        if "agent" not in table:
            raise ConfigError(f"{where}: key 'agent.{name}.agent' is missing (what to make)")
        defined[name] = AgentDefinition(**table)
    references = raw.get("references", {})
    for name, text in references.items():
        if not isinstance(text, str):
            raise ConfigError(f"{where}: key 'references.{name}': expected a string (what "
                              f"the reference is), got {type(text).__name__}")
    for name in raw["agents"]:
        if name != GRPO and name not in defined:
            board_name(name, where)
    grpo = check_table(raw.get("grpo", {}), _GRPO_KEYS, where, "grpo.")
    return AgentConfig(
        tuple(raw["agents"]), _named(grpo.get("name", "grpo-structured"), where, "grpo.name"),
        tuple(grpo.get("train_args", ("--policy", "structured"))),
        tuple(grpo.get("warm_start_args", ())), defined, dict(references))


def board_name(entry: str, where: str = "--agents") -> str:
    """The board name of an agent-list entry: the entry itself, or for an import path
    ``pkg.mod:Obj`` the name ``pkg.mod.Obj``.

    >>> board_name("mypkg.agents:MyAgent"), board_name("heuristic")
    ('mypkg.agents.MyAgent', 'heuristic')
    """
    return _named(entry.replace(":", "."), where, "agents")


def _named(name: str, where: str, key: str) -> str:
    try:
        return check_name(name, "agent")
    except ValueError as err:
        raise ConfigError(f"{where}: key {key!r}: {err}") from err


def accepts_backend(name: str) -> bool:
    """Whether the agent named ``name`` takes a ``backend=`` argument (an LLM agent). An
    agent that cannot be imported is given the argument: the check before the run names
    the import failure."""
    from agents.registry import AgentError, resolve_agent

    try:
        target = resolve_agent(name)
    except AgentError:
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
        names: Entries of the agent list: a name defined in ``config``, a registry or
            entry-point name, an import path ``pkg.mod:Obj``, ``NAME=REF`` (REF under the
            board name NAME), ``grpo`` (the trained policy) or ``grpo:DIR``.
        config: The agent config (definitions, GRPO display name and trainer arguments).
        llm: Back-end name given as ``backend=`` to every agent that takes one.
        grpo_checkpoint: A trained policy's folder; without one ``grpo`` is trained
            into ``grpo_dir`` (or skipped with a note when that is not possible).

    Raises:
        ConfigError: An entry whose board name is not allowed.
    """
    specs, notes = [], []
    for entry in names:
        if entry == GRPO:
            try:
                checkpoint = grpo_checkpoint or train_grpo(grpo_dir, config.grpo_train_args,
                                                           config.grpo_warm_start_args)
            except GrpoUnavailable as err:
                notes.append(f"{config.grpo_name}: skipped ({err})")
                continue
            training = (f"checkpoint {checkpoint} given with --grpo-checkpoint" if
                        grpo_checkpoint else grpo_training(config))
            specs.append(AgentSpec(config.grpo_name, f"grpo:{checkpoint}", {},
                                   training=training))
            continue
        spec = _spec(entry, config)
        if llm and not spec.registry.startswith("grpo:") and accepts_backend(spec.registry):
            # Its own name: results with and without the back-end sit side by side.
            spec = AgentSpec(f"{spec.name}@{safe_name(llm)}", spec.registry,
                             {**spec.kwargs, "backend": llm}, spec.description)
        specs.append(spec)
    return specs, notes


def _spec(entry: str, config: AgentConfig) -> AgentSpec:
    """The spec of one agent-list entry (not ``grpo``)."""
    name, sep, ref = entry.partition("=")
    if sep:
        return AgentSpec(_named(name.strip(), "--agents", "agents"), ref.strip(), {})
    if entry in config.defined:
        made = config.defined[entry]
        return AgentSpec(entry, made.agent, dict(made.args), made.description)
    if entry.startswith("grpo:"):
        return AgentSpec(safe_name(entry), entry, {})
    return AgentSpec(board_name(entry), entry, {})


def grpo_training(config: AgentConfig) -> str:
    """How the run trains its GRPO policy, in words, with the seeds it trains on (disjoint
    from the evaluation seeds, which start at 0)."""
    from agents.grpo.behaviour_cloning import BCConfig
    from agents.grpo.config import GRPOConfig

    steps = []
    if config.grpo_warm_start_args:
        steps.append(f"`agemem train bc {' '.join(config.grpo_warm_start_args)}` (teacher "
                     f"episodes from seed {BCConfig().seed})")
    steps.append(f"`agemem train grpo {' '.join(config.grpo_train_args)}` (task seeds from "
                 f"{GRPOConfig().task_seed_start}; evaluation seeds start at 0)")
    return "; then ".join(steps)


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
