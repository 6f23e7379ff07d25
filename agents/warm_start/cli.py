"""``agemem train export | sft | bc | compare``: the supervised warm start before GRPO
(registered in the ``train`` group by agents/cli.py).

    agemem train export --agent oracle --episodes 200 --out runs/expert.jsonl
    agemem train sft --data runs/expert.jsonl --minutes 10 --out runs/sft
    agemem train grpo --policy llm --init runs/sft --out runs/grpo-llm
    agemem train bc --episodes 200 --out runs/bc
    agemem train grpo --policy structured --init runs/bc --out runs/grpo-bc
    agemem train compare --run scratch=runs/grpo --run bc=runs/grpo-bc --reward 1.5

Every output goes under ``runs/`` unless ``--out`` says otherwise. Bad options end with one
``error: ...`` line and exit code 2, before any model loads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agemem_env.cli.embedder_choice import EMBEDDER_HELP, check_embedder
from agemem_env.cli.env_options import EnvOpt, check_env_id
from agemem_env.cli.errors import fail, one_line
from agemem_env.cli.local_models import check_llm_model
from agemem_env.cli.quiet import VerboseOpt, quiet_libraries
from agemem_env.envs.registration import ENV_IDS

ProgressOpt = Annotated[bool, typer.Option(help="Show a progress bar.")]


def export_command(
    agent: Annotated[str, typer.Option(help="The expert: an agent name (`agemem info` lists "
                                             "them).")] = "oracle",
    env_id: EnvOpt = "AgeMem-Stage3-v0",
    episodes: Annotated[int, typer.Option(min=1, help="Episodes to record.")] = 100,
    seed: Annotated[int, typer.Option(help="Episode i is reset with seed + i.")] = 300_000,
    embedder: Annotated[str, typer.Option(help=f"The env's embedder: {EMBEDDER_HELP}")
                        ] = "hashing",
    min_return: Annotated[float | None, typer.Option(help="Keep episodes at least this good.")
                          ] = None,
    min_answer_f1: Annotated[float | None, typer.Option(help="Keep answers this good.")] = None,
    out: Annotated[Path, typer.Option(help="JSON lines, one chat example per step.")
                   ] = Path("runs/expert.jsonl"),
    progress: ProgressOpt = True,
    verbose: VerboseOpt = False,
) -> None:
    """Record an expert's episodes as chat examples (one per agent step)."""
    from agents.fit import misfit
    from agents.registry import make_agent
    from agents.warm_start.trajectories import record_trajectories, select, write_jsonl

    quiet_libraries(verbose)
    env_id, embedder = check_env_id(env_id), check_embedder(embedder)
    if (why := misfit(agent, env_id)) is not None:
        fail(why)
    try:
        make_agent(agent)
    except (ValueError, ImportError) as err:
        fail(one_line(err))
    trajectories = record_trajectories(env_id, lambda: make_agent(agent), episodes=episodes,
                                       seed=seed, env_kwargs={"embedder": embedder},
                                       progress=progress)
    kept = select(trajectories, min_return=min_return, min_answer_f1=min_answer_f1)
    out.parent.mkdir(parents=True, exist_ok=True)
    count = write_jsonl(kept, out)
    typer.echo(f"kept {len(kept)} of {len(trajectories)} episodes: {count} examples in {out}")


def sft_command(
    data: Annotated[Path, typer.Option(help="Training examples (agemem train export).")],
    heldout: Annotated[Path | None, typer.Option(help="Held-out examples, scored before "
                                                      "and after.")] = None,
    model: Annotated[str, typer.Option(
        help="smollm2 (packaged), a Hugging Face id in the local cache, or a folder.")
                     ] = "smollm2",
    minutes: Annotated[float | None, typer.Option(min=0.1, help="Wall-time budget.")] = None,
    max_steps: Annotated[int | None, typer.Option(
        min=1, help="Stop after this many optimiser steps (default: every epoch).")] = None,
    epochs: Annotated[int, typer.Option(min=1, help="Passes over the examples.")] = 1,
    lr: Annotated[float, typer.Option(min=0.0, help="AdamW learning rate of the LoRA "
                                                    "weights.")] = 2e-4,
    grad_accumulation: Annotated[int, typer.Option(
        min=1, help="Examples per optimiser step.")] = 4,
    max_length: Annotated[int, typer.Option(
        min=64, help="Tokens per example; longer prompts lose their oldest context.")] = 1536,
    seed: Annotated[int, typer.Option(help="Seed of the example order and LoRA init.")] = 0,
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("runs/sft"),
    progress: ProgressOpt = True,
    verbose: VerboseOpt = False,
) -> None:
    """LoRA-fine-tune an LLM on expert completions (tool and env tokens masked).

    Wants a GPU: on a 2-core CPU one step of 4 examples takes minutes (README).
    """
    from agents.warm_start.sft import SFTConfig, train_sft
    from agents.warm_start.trajectories import read_jsonl

    quiet_libraries(verbose)
    for path in (data, heldout):
        if path is not None and not path.is_file():
            fail(f"{path} does not exist; make examples with `agemem train export --out {path}`")
    check_llm_model(model)
    try:
        train = read_jsonl(data)
        held = read_jsonl(heldout) if heldout else []
        config = SFTConfig(model=model, max_minutes=minutes, max_steps=max_steps,
                           epochs=epochs, learning_rate=lr, grad_accumulation=grad_accumulation,
                           max_length=max_length, seed=seed)
    except (ValueError, OSError) as err:
        fail(one_line(err))
    result = train_sft(train, out, config, heldout_examples=held, progress=progress)
    heldout_line = "" if result.heldout_loss_before is None else (
        f"; held-out loss {result.heldout_loss_before:.3f} -> {result.heldout_loss_after:.3f}")
    typer.echo(f"{result.steps} steps in {result.seconds:.0f}s{heldout_line}; wrote {out}")


def bc_command(
    episodes: Annotated[int, typer.Option(min=1, help="Teacher episodes.")] = 200,
    epochs: Annotated[int, typer.Option(min=1, help="Passes over the teacher's decisions.")
                      ] = 10,
    lr: Annotated[float, typer.Option(min=0.0, help="AdamW learning rate.")] = 5e-3,
    env_id: Annotated[str, typer.Option(
        "--env", help="Env id of the teacher's episodes: AgeMem-Stage1/2/3-v0.")
                      ] = "AgeMem-Stage3-v0",
    seed: Annotated[int, typer.Option(help="Weight seed.")] = 0,
    out: Annotated[Path, typer.Option(help="Output folder (loads as grpo:DIR).")
                   ] = Path("runs/bc"),
    progress: ProgressOpt = True,
    verbose: VerboseOpt = False,
) -> None:
    """Behaviour-clone the structured policy from a gold-reading teacher."""
    quiet_libraries(verbose)
    import torch

    from agents.grpo.behaviour_cloning import BCConfig, behaviour_clone

    env_id = check_env_id(env_id, ENV_IDS)  # the structured policy plays the stage envs
    torch.set_num_threads(1)  # tiny matmuls: threads only fight (see agemem train grpo)
    try:
        config = BCConfig(env_id=env_id, episodes=episodes, epochs=epochs, lr=lr,
                          init_seed=seed)
    except ValueError as err:
        fail(one_line(err))
    summary = behaviour_clone(out, config, progress=progress)
    losses = summary["loss_per_epoch"]
    typer.echo(f"{summary['decisions']} decisions; loss {losses[0]:.3f} -> {losses[-1]:.3f}; "
               f"wrote {out} (agemem eval --agent grpo:{out}, or --init {out})")


def compare_command(
    run: Annotated[list[str], typer.Option(help="NAME=DIR of a GRPO run; repeat.")],
    reward: Annotated[float | None, typer.Option(
        help="Report the update where each run's 5-update mean reward reaches this.")] = None,
    out: Annotated[Path, typer.Option(help="PNG with every run's curves.")
                   ] = Path("runs/curves.png"),
    verbose: VerboseOpt = False,
) -> None:
    """Plot several GRPO runs on one figure (e.g. from scratch against warm-started)."""
    from agents.grpo.metrics import plot_learning_curves, read_jsonl

    quiet_libraries(verbose)
    runs = {}
    for item in run:
        name, sep, folder = item.partition("=")
        metrics = Path(folder) / "metrics.jsonl"
        if not sep or not name:
            fail(f"--run expects NAME=DIR, got {item!r}")
        if not metrics.is_file():
            fail(f"{metrics} does not exist: is {folder} an `agemem train grpo` output?")
        runs[name] = read_jsonl(metrics)
    out.parent.mkdir(parents=True, exist_ok=True)
    plot_learning_curves(runs, out)
    for name, records in runs.items():
        typer.echo(_run_line(name, records, reward))
    typer.echo(f"wrote {out}")


def _run_line(name: str, records: list[dict], reward: float | None) -> str:
    """``scratch: 30 updates, last reward 1.234; reaches 1.5 at update 22`` (3 decimals)."""
    from agents.grpo.metrics import updates_to_reach

    last = records[-1].get("rollout/reward") if records else None
    line = f"{name}: {len(records)} updates, last reward " + (
        "-" if last is None else f"{last:.3f}")
    if reward is not None:
        reached = updates_to_reach(records, reward)
        line += f"; reaches {reward:g} at update " + ("- (never)" if reached is None
                                                       else str(reached))
    return line
