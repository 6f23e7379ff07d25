"""``agemem train export | sft | bc | compare``: the supervised warm start before GRPO
(registered in the ``train`` group by agents/cli.py).

    agemem train export --agent oracle --episodes 200 --out expert.jsonl
    agemem train sft --data expert.jsonl --heldout heldout.jsonl --minutes 10 --out runs/sft
    agemem train grpo --policy llm --init runs/sft --out runs/grpo-llm
    agemem train bc --episodes 200 --out runs/bc
    agemem train grpo --policy structured --init runs/bc --out runs/grpo-bc
    agemem train compare --run scratch=runs/grpo --run bc=runs/grpo-bc --reward 1.5

Bad options end with one ``error: ...`` line and exit code 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agemem_env.cli.errors import fail


def export_command(
    agent: Annotated[str, typer.Option(help="The expert: any agent name.")] = "oracle",
    env_id: Annotated[str, typer.Option("--env")] = "AgeMem-Stage3-v0",
    episodes: Annotated[int, typer.Option(min=1)] = 100,
    seed: Annotated[int, typer.Option(help="Episode i is reset with seed + i.")] = 300_000,
    embedder: Annotated[str, typer.Option(help="The env's embedder.")] = "hashing",
    min_return: Annotated[float | None, typer.Option(help="Keep episodes at least this good.")
                          ] = None,
    min_answer_f1: Annotated[float | None, typer.Option(help="Keep answers this good.")] = None,
    out: Annotated[Path, typer.Option(help="JSON lines, one chat example per step.")
                   ] = Path("expert.jsonl"),
    progress: Annotated[bool, typer.Option()] = True,
) -> None:
    """Record an expert's episodes as chat examples (one per agent step)."""
    from agents.registry import make_agent
    from agents.warm_start.trajectories import record_trajectories, select, write_jsonl

    try:
        make_agent(agent)
    except (ValueError, ImportError) as err:
        fail(str(err))
    trajectories = record_trajectories(env_id, lambda: make_agent(agent), episodes=episodes,
                                       seed=seed, env_kwargs={"embedder": embedder},
                                       progress=progress)
    kept = select(trajectories, min_return=min_return, min_answer_f1=min_answer_f1)
    count = write_jsonl(kept, out)
    typer.echo(f"kept {len(kept)} of {len(trajectories)} episodes: {count} examples in {out}")


def sft_command(
    data: Annotated[Path, typer.Option(help="Training examples (agemem train export).")],
    heldout: Annotated[Path | None, typer.Option(help="Held-out examples, scored before "
                                                      "and after.")] = None,
    model: Annotated[str, typer.Option(help="smollm2, an HF id or a folder.")] = "smollm2",
    minutes: Annotated[float | None, typer.Option(min=0.1, help="Wall-time budget.")] = None,
    max_steps: Annotated[int | None, typer.Option(min=1)] = None,
    epochs: Annotated[int, typer.Option(min=1)] = 1,
    lr: Annotated[float, typer.Option(min=0.0)] = 2e-4,
    grad_accumulation: Annotated[int, typer.Option(min=1)] = 4,
    max_length: Annotated[int, typer.Option(min=64)] = 1536,
    seed: Annotated[int, typer.Option()] = 0,
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("runs/sft"),
    progress: Annotated[bool, typer.Option()] = True,
) -> None:
    """LoRA-fine-tune an LLM on expert completions (tool and env tokens masked)."""
    from agents.warm_start.sft import SFTConfig, train_sft
    from agents.warm_start.trajectories import read_jsonl

    try:
        train = read_jsonl(data)
        held = read_jsonl(heldout) if heldout else []
        config = SFTConfig(model=model, max_minutes=minutes, max_steps=max_steps,
                           epochs=epochs, learning_rate=lr, grad_accumulation=grad_accumulation,
                           max_length=max_length, seed=seed)
    except (ValueError, OSError) as err:
        fail(str(err))
    result = train_sft(train, out, config, heldout_examples=held, progress=progress)
    typer.echo(f"{result.steps} steps in {result.seconds:.0f}s; held-out loss "
               f"{result.heldout_loss_before} -> {result.heldout_loss_after}; wrote {out}")


def bc_command(
    episodes: Annotated[int, typer.Option(min=1, help="Teacher episodes.")] = 200,
    epochs: Annotated[int, typer.Option(min=1)] = 10,
    lr: Annotated[float, typer.Option(min=0.0)] = 5e-3,
    env_id: Annotated[str, typer.Option("--env")] = "AgeMem-Stage3-v0",
    seed: Annotated[int, typer.Option(help="Weight seed.")] = 0,
    out: Annotated[Path, typer.Option(help="Output folder (loads as grpo:DIR).")
                   ] = Path("runs/bc"),
    progress: Annotated[bool, typer.Option()] = True,
) -> None:
    """Behaviour-clone the structured policy from a gold-reading teacher."""
    import torch

    from agents.grpo.behaviour_cloning import BCConfig, behaviour_clone

    torch.set_num_threads(1)  # tiny matmuls: threads only fight (see agemem train grpo)
    try:
        config = BCConfig(env_id=env_id, episodes=episodes, epochs=epochs, lr=lr,
                          init_seed=seed)
    except ValueError as err:
        fail(str(err))
    summary = behaviour_clone(out, config, progress=progress)
    losses = summary["loss_per_epoch"]
    typer.echo(f"{summary['decisions']} decisions; loss {losses[0]:.3f} -> {losses[-1]:.3f}; "
               f"wrote {out} (agemem eval --agent grpo:{out}, or --init {out})")


def compare_command(
    run: Annotated[list[str], typer.Option(help="NAME=DIR of a GRPO run; repeat.")],
    reward: Annotated[float | None, typer.Option(
        help="Report the update where each run's 5-update mean reward reaches this.")] = None,
    out: Annotated[Path, typer.Option(help="PNG with every run's curves.")
                   ] = Path("curves.png"),
) -> None:
    """Plot several GRPO runs on one figure (e.g. from scratch against warm-started)."""
    from agents.grpo.metrics import plot_learning_curves, read_jsonl, updates_to_reach

    runs = {}
    for item in run:
        name, sep, folder = item.partition("=")
        metrics = Path(folder) / "metrics.jsonl"
        if not sep or not name:
            fail(f"--run expects NAME=DIR, got {item!r}")
        if not metrics.is_file():
            fail(f"{metrics} does not exist: is {folder} an `agemem train grpo` output?")
        runs[name] = read_jsonl(metrics)
    plot_learning_curves(runs, out)
    for name, records in runs.items():
        last = records[-1] if records else {}
        line = f"{name}: {len(records)} updates, last reward {last.get('rollout/reward')}"
        if reward is not None:
            line += f"; reaches {reward} at update {updates_to_reach(records, reward)}"
        typer.echo(line)
    typer.echo(f"wrote {out}")
