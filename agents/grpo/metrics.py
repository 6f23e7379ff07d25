"""What a GRPO run logs: per-update metrics from the rollouts' final infos, as JSON lines,
and a learning-curve PNG."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from agemem_env.tools import TOOL_NAMES


def rollout_metrics(rewards: Sequence[float], infos: Sequence[dict[str, Any]],
                    steps: Sequence[int], tokens: Sequence[int]) -> dict[str, float]:
    """Means over episodes: reward, each reward term, tool calls per tool, answer F1 (0
    for an unanswered question; absent below Stage 3), memory-quality F1, steps, tokens."""
    n = max(1, len(rewards))
    out: dict[str, float] = {
        "rollout/reward": float(np.mean(rewards)),
        "rollout/reward_std": float(np.std(rewards)),
        "rollout/steps": float(np.mean(steps)),
        "rollout/tokens": float(np.mean(tokens)),
    }
    terms = sorted({k for info in infos for k in info.get("reward_terms", {})})
    for term in terms:
        values = [info.get("reward_terms", {}).get(term, 0.0) for info in infos]
        out[f"terms/{term}"] = float(np.mean(values))
    for tool in TOOL_NAMES[:-1]:
        out[f"tools/{tool}"] = sum(info.get("tool_calls", {}).get(tool, 0) for info in infos) / n
    out["tools/errors"] = sum(info.get("tool_errors", 0) for info in infos) / n
    asked = [info for info in infos if info.get("stage") == 3]
    if asked:
        out["answer/f1"] = float(np.mean([(info.get("judge") or {}).get("f1", 0.0)
                                          for info in asked]))
    out["memory/f1"] = float(np.mean([info.get("memory_quality", {}).get("f1", 0.0)
                                      for info in infos]))
    return out


def append_jsonl(path: Path, record: dict[str, Any]) -> None:
    """One line per update, flushed so a crashed run keeps its history."""
    with path.open("a", encoding="utf-8") as stream:
        stream.write(json.dumps(record) + "\n")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The records of a metrics file ([] when there is none)."""
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def keep_before(path: Path, update: int) -> None:
    """On resume: drop records of updates that will be redone."""
    records = [r for r in read_jsonl(path) if r.get("update", 0) < update]
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def plot_learning_curve(records: Sequence[dict[str, Any]], path: Path) -> None:
    """Reward, answer F1 and KL against the update index (Agg backend, no display)."""
    plot_learning_curves({"": records}, path)


def plot_learning_curves(runs: dict[str, Sequence[dict[str, Any]]], path: Path) -> None:
    """Several runs' curves on shared panels (e.g. GRPO from scratch and warm-started),
    each run as its raw line and, with 5+ points, a moving average in the same colour."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [("rollout/reward", "mean reward"), ("answer/f1", "answer F1"),
              ("loss/kl", "KL to reference")]
    fig, axes = plt.subplots(1, len(panels), figsize=(12, 3.2))
    for ax, (key, label) in zip(axes, panels, strict=True):
        for n, (name, records) in enumerate(runs.items()):
            points = [(r["update"], r[key]) for r in records if key in r]
            if not points:
                continue
            x, y = zip(*points, strict=True)
            colour = f"C{n}"
            ax.plot(x, y, lw=1, alpha=0.35, color=colour, label=None if len(y) >= 5 else name)
            if len(y) >= 5:  # a moving average shows the trend through GRPO's noise
                w = max(2, len(y) // 10)
                ax.plot(x[w - 1:], np.convolve(y, np.ones(w) / w, mode="valid"), lw=2,
                        color=colour, label=name)
        ax.set_title(label)
        ax.set_xlabel("update")
        if ax.get_legend_handles_labels()[0]:  # a panel no run logged has nothing to name
            ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def updates_to_reach(records: Sequence[dict[str, Any]], reward: float, window: int = 5
                     ) -> int | None:
    """The first update whose trailing mean reward (over ``window`` updates) reaches
    ``reward``; None if it never does.

    >>> updates_to_reach([{"update": i, "rollout/reward": i / 10} for i in range(10)], 0.5, 3)
    6
    """
    rewards = [(r["update"], r["rollout/reward"]) for r in records if "rollout/reward" in r]
    for i in range(len(rewards)):
        recent = [v for _, v in rewards[max(0, i - window + 1): i + 1]]
        if len(recent) == min(window, i + 1) and i + 1 >= window and \
                sum(recent) / len(recent) >= reward:
            return rewards[i][0]
    return None
