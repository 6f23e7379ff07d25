"""What ``leaderboard run`` checks before it plays anything: the agent list reads, every
agent named imports and takes its arguments, and every suite whose data is here loads
its tasks and makes its env. Each problem ends the command with one ``error:`` line
(``agemem_env.cli.errors.fail``, exit code 2).
"""

from __future__ import annotations

from pathlib import Path

from agemem_env.cli.errors import fail, one_line
from leaderboard.agents import GRPO, AgentConfig, agent_specs, load_agent_config
from leaderboard.config_check import ConfigError
from leaderboard.suites import DataMissing, Suite, SuiteError, suite_tasks


def choose_agents(agents_file: Path | None, names: list[str]) -> tuple[AgentConfig, list[str]]:
    """The agent config and the entries to run (``names``, else the config's list)."""
    try:
        config = load_agent_config(agents_file)
    except ConfigError as err:
        fail(str(err))
    return config, names or list(config.agents)


def check_agents(names: list[str], config: AgentConfig) -> None:
    """Every entry but ``grpo`` (trained later) resolves to an agent taking its arguments."""
    from agents.registry import AgentError, check_arguments, resolve_agent

    try:
        specs, _ = agent_specs([n for n in names if n != GRPO], config)
    except ConfigError as err:
        fail(str(err))
    for spec in specs:
        try:
            factory = resolve_agent(spec.registry)
            if not spec.registry.startswith("grpo:"):
                check_arguments(spec.registry, factory, spec.kwargs)
        except AgentError as err:
            fail(f"agent {spec.name!r}: {one_line(err)}")


def check_suites(suites: list[Suite]) -> None:
    """Each suite whose data is here loads its tasks for every seed and makes its env
    (so a wrong option fails now, naming the suite, not inside every pair)."""
    import gymnasium as gym

    for suite in suites:
        try:
            tasks = [suite_tasks(suite, seed) for seed in suite.seeds]
        except DataMissing:
            continue  # skipped with a note by the run
        except (SuiteError, ValueError, TypeError, OSError) as err:
            fail(f"{_where(suite)}: its tasks do not load: {one_line(err)}")
        try:
            gym.make(suite.env_id, **suite.env_kwargs(), tasks=tasks[0]).close()
        except (TypeError, ValueError, gym.error.Error) as err:
            fail(f"{_where(suite)}: [env] and the top-level env keys do not make an env: "
                 f"{one_line(err)}")


def _where(suite: Suite) -> str:
    return f"{suite.origin} (suite {suite.name!r})" if suite.origin else f"suite {suite.name!r}"
