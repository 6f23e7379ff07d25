"""``agemem eval``: run an agent over seeded episodes, append one JSON line per episode to
``--out`` and print mean +- 95% CI of the headline metrics.

Every option is checked before the first episode: an unknown agent, env id, task source
or embedder, missing data, an env option the env does not have, or an agent that does not
fit the env ends with one ``error: ...`` line and exit code 2. Episodes that fail are
counted: the summary is printed, then one ``error:`` line with the count, exit code 1.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Any

import typer

from agemem_env.cli.embedder_choice import EmbedderOpt, check_embedder
from agemem_env.cli.env_options import (
    SYNTHETIC_EPISODES,
    EnvKwargOpt,
    EnvOpt,
    TasksOpt,
    TasksPathOpt,
    check_env,
    check_env_id,
    is_embodied,
    parse_env_kwargs,
    plan_tasks,
)
from agemem_env.cli.errors import fail, give_up, one_line
from agemem_env.cli.quiet import VerboseOpt, quiet_libraries
from agents.fit import agent_key, misfit
from agents.registry import AGENTS

LLM_SPECS = ("smollm2 (SmolLM2-135M-Instruct, local; minutes an episode on a CPU), "
             "hf:<model id or folder>, or openai:<base_url>#<model>")
# Rows of the summary table: summary key -> label.
_ROWS = {
    "answer_score": "answer score",
    "answer_em": "answer EM",
    "answer_f1": "answer F1",
    "memory_f1": "memory F1",
    "return": "return",
    "prompt_tokens": "prompt tokens / episode",
    "steps": "steps",
    "wall_seconds": "wall seconds",
}


def eval_command(
    agent: Annotated[str, typer.Option(
        help=f"Agent: {', '.join(AGENTS)}, or grpo:DIR (a policy from `agemem train`).")],
    env_id: EnvOpt = "AgeMem-Stage3-v0",
    tasks: TasksOpt = None,
    tasks_path: TasksPathOpt = None,
    episodes: Annotated[int | None, typer.Option(
        min=1, help=f"Episodes (default: every task of a dataset, {SYNTHETIC_EPISODES} "
                    "otherwise).")] = None,
    seed: Annotated[int, typer.Option(help="Episode i is reset with seed + i.")] = 0,
    out: Annotated[Path | None, typer.Option(help="JSONL file to append records to.")] = None,
    num_envs: Annotated[int, typer.Option(min=1, help="Parallel envs.")] = 1,
    vector: Annotated[str | None, typer.Option(
        help="none, sync or async (default: none for one env, async for more).")] = None,
    embedder: EmbedderOpt = "minilm",
    llm: Annotated[str | None, typer.Option(
        help=f"LLM back-end: {LLM_SPECS}. Needed by --agent llm; the baselines use it "
             "for their LLM steps (rule mode without it).")] = None,
    env_kwarg: EnvKwargOpt = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    verbose: VerboseOpt = False,
) -> None:
    """Evaluate an agent on seeded episodes and print a summary table."""
    from agents.runner import run_episodes, summarise

    quiet_libraries(verbose)
    env_id = check_env_id(env_id)
    vector = _check_vector(vector, num_envs)
    if (why := misfit(agent, env_id)) is not None:
        fail(why)
    if agent_key(agent) == "llm" and llm is None:
        # A run of many minutes should not start from a model nobody chose.
        fail(f"--agent llm needs --llm: {LLM_SPECS}")
    env_kwargs = {"embedder": check_embedder(embedder), **parse_env_kwargs(env_kwarg)}
    episodes, dataset = plan_tasks(env_id, tasks, tasks_path, episodes, env_kwargs)
    check_env(env_id, env_kwargs, probe_seed=seed if is_embodied(env_id) else None)
    factory, first = _agent_factory(agent, llm)
    with _meter(first, progress) as meter:
        records = run_episodes(
            env_id, meter.watch(factory) if meter else factory, episodes=episodes, seed=seed,
            env_kwargs=env_kwargs, num_envs=num_envs, vector=vector, progress=progress,
            out=out, task_indices=dataset,
        )
    summary = summarise(records)
    _print_summary(summary, f"{agent} on {env_id} ({tasks or 'own tasks'}, seed {seed})")
    if out is not None:
        typer.echo(f"{len(records)} records appended to {out}")
    if summary["errors"]:
        first = next(r for r in records if r.error is not None)
        give_up(f"{summary['errors']} of {len(records)} episodes failed (first: episode "
                f"{first.episode}, seed {first.seed}: {first.error})")


def _check_vector(vector: str | None, num_envs: int) -> str:
    """The vector mode, defaulted from ``num_envs``, or ``fail``."""
    from agents.runner import VECTOR_MODES

    vector = vector or ("none" if num_envs == 1 else "async")
    if vector not in VECTOR_MODES:
        fail(f"--vector must be one of {', '.join(VECTOR_MODES)}, got {vector!r}")
    if vector == "none" and num_envs > 1:
        fail(f"--num-envs {num_envs} needs --vector sync or async")
    return vector


def _agent_factory(name: str, llm: str | None) -> tuple[Callable[[], Any], Any]:
    """A factory of ``name`` agents, and its first agent. That one is made now, to fail
    early on a bad name, and handed out first, so a model-backed agent is not loaded
    twice."""
    from agents.registry import make_agent

    kwargs = {"backend": llm} if llm else {}
    try:
        made = [make_agent(name, **kwargs)]
    except (KeyError, ValueError, TypeError, ImportError, OSError) as err:
        fail(f"cannot make agent {name!r}: {one_line(err)}")
    first = made[0]

    def factory() -> Any:
        return made.pop() if made else make_agent(name, **kwargs)

    return factory, first


def _meter(agent: Any, progress: bool) -> Any:
    """A ``CallMeter`` when the agent calls an LLM and bars are wanted, else a null
    context (whose value, None, says there is none)."""
    from agents.call_meter import CallMeter
    from agents.llm.usage import usage_log

    return CallMeter() if progress and usage_log(agent) is not None else nullcontext()


def _print_summary(summary: dict[str, Any], title: str) -> None:
    """Mean +- 95% CI of each metric, then the tool calls and the rates."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{title}: {summary['episodes']} episodes")
    table.add_column("metric")
    table.add_column("mean ± 95% CI", justify="right")
    table.add_column("n", justify="right")
    for key, label in _ROWS.items():
        stat = summary[key]
        if stat["mean"] is None:
            shown = "-"
        elif stat["ci95"] is None:  # one episode: no interval
            shown = f"{stat['mean']:.3f}"
        else:
            shown = f"{stat['mean']:.3f} ± {stat['ci95']:.3f}"
        table.add_row(label, shown, str(stat["n"]))
    for tool, mean in summary["tool_calls"].items():
        table.add_row(f"calls: {tool}", f"{mean:.2f}", "")
    table.add_row("parse errors / step", f"{summary['parse_error_rate']:.3f}", "")
    table.add_row("overflow rate", f"{summary['overflow_rate']:.3f}", "")
    table.add_row("failed episodes", str(summary["errors"]), "")
    Console().print(table)
