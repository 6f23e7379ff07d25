"""Train the SB3 and the CleanRL-style PPO for a fixed budget; score them, random and the
heuristic on the same held-out seeds; write the numbers and a learning-curve plot.

    python examples/rl_benchmark.py --total-timesteps 100000 --seed 0

Every agent plays seeds ``HELD_OUT .. HELD_OUT + eval_episodes - 1`` (the learners
trained on seeds below ``HELD_OUT``); random and the heuristic run through
``agents.runner.run_episodes`` on the same env settings. Means carry 95% CIs (normal
approximation, ``agents.runner.mean_ci``). Writes ``rl_benchmark.json``,
``rl_benchmark.md`` (the table docs/rl-libraries.md shows) and ``rl_learning_curves.png``
into ``--out-dir``. The reward is the env's default preset unless ``--reward-preset``.
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
from collections import Counter
from pathlib import Path

import cleanrl_ppo  # the two examples beside this file
import sb3_ppo

from agemem_env.envs.agemem import AgeMemEnv
from agents.registry import make_agent
from agents.runner import mean_ci, run_episodes, summarise

ENV_ID, HELD_OUT = sb3_ppo.ENV_ID, sb3_ppo.HELD_OUT
assert cleanrl_ppo.HELD_OUT == HELD_OUT  # both learners hold out the same seeds
LEARNERS = {"sb3-ppo": sb3_ppo.main, "cleanrl-ppo": cleanrl_ppo.main}
BASELINES = ("random", "heuristic")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Budget, seed, evaluation size, reward preset and output folder."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--total-timesteps", type=int, default=100_000, help="per learner")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--eval-episodes", type=int, default=200)
    p.add_argument("--reward-preset", default=None, help="default: the env's")
    p.add_argument("--out-dir", type=Path, default=Path("docs/rl-libraries"))
    return p.parse_args(argv)


def learner_row(results: dict) -> dict:
    """Held-out means with CIs and training time of one learner's results."""
    held = results["held_out"]
    verbs = Counter(v for h in held for v in h["verbs"])
    return {"return": mean_ci([h["return"] for h in held]),
            "answer_f1": mean_ci([h["answer_f1"] for h in held]),
            "train_seconds": results["train_seconds"],
            # What the greedy policy does: verbs per held-out episode.
            "verbs_per_episode": {v: n / max(1, len(held)) for v, n in verbs.most_common()},
            "held_out": held}


def baseline_row(name: str, args: argparse.Namespace) -> dict:
    """The same means for a registered agent over the same held-out seeds."""
    kwargs = {"embedder": "hashing"}
    if args.reward_preset is not None:
        kwargs["reward_preset"] = args.reward_preset
    agent_kwargs = {"seed": args.seed} if name == "random" else {}
    records = run_episodes(ENV_ID, lambda: make_agent(name, **agent_kwargs),
                           episodes=args.eval_episodes, seed=HELD_OUT, env_kwargs=kwargs,
                           progress=False)
    summary = summarise(records)
    return {"return": summary["return"], "answer_f1": summary["answer_f1"]}


def table(rows: dict[str, dict]) -> str:
    """A Markdown table: mean +- 95% CI per agent."""
    def cell(m: dict) -> str:
        return f"{m['mean']:.3f} ± {m['ci95']:.3f}"
    lines = ["| agent | held-out return | held-out answer F1 | training |", "|---|---|---|---|"]
    for name, row in rows.items():
        secs = row.get("train_seconds")
        lines.append(f"| {name} | {cell(row['return'])} | {cell(row['answer_f1'])} | "
                     f"{f'{secs:.0f} s' if secs is not None else '-'} |")
    return "\n".join(lines)


def plot(curves: dict[str, list], rows: dict[str, dict], path: Path, budget: int) -> None:
    """Training return per learner against the held-out return of random and heuristic."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for name, points in curves.items():
        if points:
            steps, returns = zip(*points, strict=True)
            line, = ax.plot(steps, returns, label=f"{name} (training, last 20 episodes)")
            ax.errorbar(budget, rows[name]["return"]["mean"], yerr=rows[name]["return"]["ci95"],
                        fmt="o", color=line.get_color(), capsize=3,
                        label=f"{name} (held-out, greedy)")
    for name, style in zip(BASELINES, (":", "--"), strict=True):
        ax.axhline(rows[name]["return"]["mean"], color="grey", linestyle=style,
                   label=f"{name} (held-out mean)")
    ax.set(xlabel="env steps", ylabel="episode return", xlim=(0, budget * 1.03),
           title=f"{ENV_ID}: PPO learning curves")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> dict:
    """Run every agent, then write the JSON, the table and the plot."""
    args = parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    common = ["--total-timesteps", str(args.total_timesteps), "--seed", str(args.seed),
              "--eval-episodes", str(args.eval_episodes)]
    if args.reward_preset is not None:
        common += ["--reward-preset", args.reward_preset]
    rows, curves = {}, {}
    for name, learn in LEARNERS.items():
        results = learn(common)
        rows[name], curves[name] = learner_row(results), results["curve"]
    for name in BASELINES:
        rows[name] = baseline_row(name, args)
    preset = args.reward_preset or inspect.signature(AgeMemEnv).parameters["reward_preset"].default
    report = {"env_id": ENV_ID, "reward_preset": preset, "embedder": "hashing",
              "total_timesteps": args.total_timesteps, "seed": args.seed,
              "held_out_seeds": [HELD_OUT, HELD_OUT + args.eval_episodes],
              "train_seeds": f"below {HELD_OUT}", "agents": rows, "curves": curves,
              "note": "the curves are the sampling policy's training returns; the held-out "
                      "numbers are the greedy policy's"}
    (args.out_dir / "rl_benchmark.json").write_text(json.dumps(report, indent=1))
    (args.out_dir / "rl_benchmark.md").write_text(table(rows) + "\n")
    plot(curves, rows, args.out_dir / "rl_learning_curves.png", args.total_timesteps)
    print(f"reward preset {preset!r}, {args.total_timesteps} steps per learner\n{table(rows)}")
    return report


if __name__ == "__main__":
    main(sys.argv[1:])
