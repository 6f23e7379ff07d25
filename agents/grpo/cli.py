"""``agemem train grpo``: step-wise GRPO of a structured or LLM policy, with a progress bar.

``grpo_command`` is registered in the ``train`` group by agents/cli.py.

torch (and transformers for the LLM policy) load inside the command, so ``agemem --help``
stays fast. Bad options end with one ``error: ...`` line and exit code 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agemem_env.cli.embedder_choice import EMBEDDER_HELP, check_embedder
from agemem_env.cli.env_options import check_env_id
from agemem_env.cli.errors import fail, one_line
from agemem_env.cli.local_models import check_llm_model
from agemem_env.cli.quiet import VerboseOpt, quiet_libraries
from agemem_env.envs.registration import ENV_IDS
from agemem_env.rewards import DEFAULT_PRESET, PRESETS
from agemem_env.tasks import SOURCES

# Per-policy defaults where one value does not suit both.
DEFAULT_LR = {"structured": 1e-2, "llm": 2e-5}
DEFAULT_MICRO_BATCH = {"structured": 64, "llm": 1}


def grpo_command(
    policy: Annotated[str, typer.Option(help="structured or llm.")] = "structured",
    env_id: Annotated[str, typer.Option(
        "--env", help=f"Target env id: {', '.join(ENV_IDS)}.")] = "AgeMem-Stage3-v0",
    tasks: Annotated[str, typer.Option(help=f"Task source: {', '.join(SOURCES)}.")
                     ] = "synthetic",
    tasks_path: Annotated[Path | None, typer.Option(help="Dataset file or folder.")] = None,
    steps: Annotated[int, typer.Option(min=1, help="Optimiser updates.")] = 50,
    tasks_per_update: Annotated[int, typer.Option(min=1, help="Groups per update.")] = 4,
    group_size: Annotated[int, typer.Option(min=2, help="K rollouts per task.")] = 8,
    kl_coef: Annotated[float, typer.Option(min=0.0, help="KL weight (paper: 0.1).")] = 0.001,
    lr: Annotated[float | None, typer.Option(
        help="AdamW lr (default 1e-2 structured, 2e-5 llm).")] = None,
    epochs: Annotated[int, typer.Option(
        min=1, help="Passes over each batch (the clip acts from the second).")] = 2,
    micro_batch: Annotated[int | None, typer.Option(min=1, help="Episodes per backward.")] = None,
    loss_agg: Annotated[str, typer.Option(help="token-mean or step-mean.")] = "token-mean",
    preset: Annotated[str, typer.Option(
        help=f"Reward preset: {', '.join(PRESETS)}.")] = DEFAULT_PRESET,
    curriculum: Annotated[bool, typer.Option(
        help="Stage1 -> Stage2 -> target, or the full trajectory only.")] = False,
    embedder: Annotated[str, typer.Option(help=f"The env's embedder: {EMBEDDER_HELP}")
                        ] = "hashing",
    model: Annotated[str, typer.Option(help="LLM policy: smollm2, an HF id or a folder.")
                     ] = "smollm2",
    max_new_tokens: Annotated[int, typer.Option(min=1, help="LLM policy: tokens per step.")
                              ] = 128,
    rounds_per_stage: Annotated[int | None, typer.Option(min=1, help="Env round cap.")] = None,
    init: Annotated[Path | None, typer.Option(
        help="Warm start: a folder from `agemem train bc` (structured) or `agemem train sft` "
             "(llm).")] = None,
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("runs/grpo"),
    resume: Annotated[bool, typer.Option(help="Continue from OUT/checkpoint.")] = False,
    seed: Annotated[int, typer.Option(help="Run seed (weights, sampling, task seeds).")] = 0,
    checkpoint_every: Annotated[int, typer.Option(
        min=1, help="Save OUT/checkpoint and the curve every N updates (and after the last).")
                                ] = 10,
    threads: Annotated[int | None, typer.Option(
        min=1, help="torch CPU threads (default 1 for structured: tiny matmuls).")] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    verbose: VerboseOpt = False,
) -> None:
    """Train with step-wise GRPO; writes metrics.jsonl, learning_curve.png, checkpoint/.

    The structured policy learns on a CPU in minutes; an LLM policy wants a GPU (CPU
    times measured: README, "How long things take").
    """
    quiet_libraries(verbose)
    import torch

    from agents.grpo.config import GRPOConfig

    if policy not in DEFAULT_LR:
        fail(f"--policy must be structured or llm, got {policy!r}")
    env_id, embedder = check_env_id(env_id, ENV_IDS), check_embedder(embedder)
    if policy == "llm" and init is None:
        check_llm_model(model)
    threads = threads or (1 if policy == "structured" else None)
    if threads:
        torch.set_num_threads(threads)  # the CLI owns the process; a library would not
    env_kwargs = {"rounds_per_stage": rounds_per_stage} if rounds_per_stage else {}
    try:
        config = GRPOConfig(
            env_id=env_id, tasks=tasks, tasks_path=str(tasks_path) if tasks_path else None,
            env_kwargs=env_kwargs, embedder=embedder, reward_preset=preset,
            curriculum=curriculum, steps=steps, tasks_per_update=tasks_per_update,
            group_size=group_size, epochs=epochs,
            micro_batch=micro_batch or DEFAULT_MICRO_BATCH[policy],
            lr=lr or DEFAULT_LR[policy], kl_coef=kl_coef, loss_agg=loss_agg, seed=seed,
            checkpoint_every=checkpoint_every, progress=progress,
        )
        made = _make_policy(policy, seed, model, max_new_tokens, init)
    except (ValueError, ImportError, OSError) as err:
        fail(one_line(err))
    from agents.grpo.trainer import GRPOTrainer

    records = GRPOTrainer(made, config, out, resume=resume).train()
    if records:
        last = records[-1]
        typer.echo(f"update {last['update']}: reward {last['rollout/reward']:.3f}, "
                   f"answer F1 {last.get('answer/f1', float('nan')):.3f}")
    typer.echo(f"wrote {out}/metrics.jsonl, {out}/learning_curve.png, {out}/checkpoint; "
               f"evaluate with: agemem eval --agent grpo:{out}")


def _make_policy(kind: str, seed: int, model: str, max_new_tokens: int, init: Path | None):
    """A fresh or warm-started policy (its weights come from the checkpoint when resuming).

    A structured warm start is a saved policy folder (its network, also the KL reference);
    an LLM warm start is an SFT folder, whose merged model becomes the base model.
    """
    if init is not None and not init.is_dir():
        raise ValueError(f"--init {init} is not a folder")
    if kind == "structured":
        from agents.grpo.structured import StructuredConfig, StructuredPolicy

        if init is not None:
            return StructuredPolicy.load(init)
        return StructuredPolicy(StructuredConfig(init_seed=seed))
    from agents.grpo.llm_policy import LLMConfig, LLMPolicy

    if init is not None:
        merged = init / "merged"
        if not merged.is_dir():
            raise ValueError(f"--init {init} has no merged/ model; give an `agemem train sft` "
                             "output folder")
        model = str(merged)
    return LLMPolicy(LLMConfig(model=model, max_new_tokens=max_new_tokens, init_seed=seed))
