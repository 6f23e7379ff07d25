"""Scripted oracle vs no-memory on seeded Stage-3 episodes: a quick end-to-end check.

Run: ``python -m agents.demo --episodes 20``. Prints mean reward terms per script.
"""

from __future__ import annotations

import argparse
from collections import defaultdict

import gymnasium as gym
import numpy as np
from rich.console import Console
from rich.table import Table
from tqdm import tqdm

import agemem_env  # noqa: F401  (registers the ids)
from agents.scripted import NoMemoryScript, OracleScript, play

SHOWN = ("total", "task", "context", "memory", "penalty", "memory/storage", "memory/relevance")


def main(argv: list[str] | None = None) -> None:
    """Play both scripts on the same seeds and print their mean terms."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--env", default="AgeMem-Stage3-v0")
    parser.add_argument("--episodes", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--embedder", default="minilm")
    parser.add_argument("--tasks", default="synthetic", help="task source name")
    parser.add_argument("--tasks-path", default=None, help="file or folder of a dataset")
    parser.add_argument("--information-tokens", type=int, default=0,
                        help="synthetic only: pad Stage 1 to about this many tokens")
    args = parser.parse_args(argv)
    config = {"tasks": args.tasks, "tasks_path": args.tasks_path}
    if args.information_tokens:
        config["task_config"] = {"information_tokens": args.information_tokens}
    env = gym.make(args.env, embedder=args.embedder, **config)
    scripts = {"oracle": OracleScript, "no-memory": NoMemoryScript}
    means: dict[str, dict[str, float]] = {}
    for name, script in scripts.items():
        rows = defaultdict(list)
        for episode in tqdm(range(args.episodes), desc=name):
            # Datasets: one episode per task in file order; synthetic: a task per seed.
            options = None if args.tasks == "synthetic" else {"task_index": episode}
            _, info = play(env, script, args.seed + episode, options)
            for key in SHOWN:
                rows[key].append(info["reward_terms"][key])
            rows["answer F1"].append((info["judge"] or {}).get("f1", 0.0))
            rows["answer EM"].append((info["judge"] or {}).get("exact_match", 0.0))
            rows["memory recall"].append(info["memory_quality"]["recall"])
            rows["overflow"].append(float(info["overflow"]))
        means[name] = {key: float(np.mean(values)) for key, values in rows.items()}
    env.close()
    table = Table(title=f"{args.env} on {args.tasks}: mean over {args.episodes} episodes")
    table.add_column("term")
    for name in scripts:
        table.add_column(name, justify="right")
    for key in means["oracle"]:
        table.add_row(key, *(f"{means[name][key]:+.3f}" for name in scripts))
    Console().print(table)


if __name__ == "__main__":
    main()
