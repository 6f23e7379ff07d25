"""Leaderboard figures (PNG, matplotlib's Agg back-end, no display needed): answer score
per suite with 95% CI error bars, answer score against prompt tokens, and each agent's
mix of memory tools."""

from __future__ import annotations

from pathlib import Path

from leaderboard.results import MEMORY_TOOLS
from leaderboard.tables import Board, pooled_tools

PLOTS = ("scores.png", "score_vs_tokens.png", "tool_mix.png")


def write_plots(board: Board, out_dir: Path) -> list[Path]:
    """Draw every figure into ``out_dir``; returns the files written (none for no data)."""
    if not board.agents or not board.suites:
        return []
    import matplotlib

    matplotlib.use("Agg")  # files only: never open a window
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / name for name in PLOTS]
    for draw, path in zip((score_bars, score_vs_tokens, tool_mix), paths, strict=True):
        draw(board, path)
    return paths


def score_bars(board: Board, path: Path) -> None:
    """Grouped bars: one group per suite, one bar per agent, 95% CI error bars."""
    import matplotlib.pyplot as plt

    width = 0.8 / len(board.agents)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.6 * len(board.suites) + 2), 4.2))
    for k, agent in enumerate(board.agents):
        cells = [board.cell(agent, s) for s in board.suites]
        means = [c["answer_score"]["mean"] or 0.0 if c else 0.0 for c in cells]
        errors = [c["answer_score"]["ci95"] or 0.0 if c else 0.0 for c in cells]
        xs = [i - 0.4 + width * (k + 0.5) for i in range(len(board.suites))]
        ax.bar(xs, means, width, yerr=errors, capsize=2, label=agent)
    ax.set_xticks(range(len(board.suites)), board.suites, rotation=15)
    ax.set_ylabel("answer score (mean, 95% CI)")
    ax.set_ylim(0, 1.3)  # headroom for the legend above the bars
    ax.axhline(1.0, color="grey", linewidth=0.5)
    ax.legend(fontsize=7, ncol=min(5, len(board.agents)), loc="upper center")
    _save(fig, path)


def score_vs_tokens(board: Board, path: Path) -> None:
    """One point per (agent, suite): prompt tokens per episode against answer score."""
    import matplotlib.pyplot as plt

    markers = "osD^v<>Pp*"
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    for k, agent in enumerate(board.agents):
        label: str | None = agent  # on the agent's first point only
        for j, suite in enumerate(board.suites):
            cell = board.cell(agent, suite)
            if cell and cell["answer_score"]["mean"] is not None:
                ax.scatter(cell["prompt_tokens"]["mean"], cell["answer_score"]["mean"],
                           color=f"C{k % 10}", marker=markers[j % len(markers)], label=label)
                label = None
    ax.set_xscale("log")
    ax.set_xlabel("prompt tokens per episode (log)")
    ax.set_ylabel("answer score")
    ax.set_title("Score vs cost (marker = suite: " + ", ".join(
        f"{markers[j % len(markers)]} {s}" for j, s in enumerate(board.suites)) + ")",
        fontsize=7)
    ax.legend(fontsize=7, ncol=2)
    _save(fig, path)


def tool_mix(board: Board, path: Path) -> None:
    """Stacked bars: memory-tool calls per episode of each agent, pooled over suites."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(max(6.0, 0.7 * len(board.agents) + 2), 4.2))
    bottoms = [0.0] * len(board.agents)
    mixes = [pooled_tools(board, a) for a in board.agents]
    for tool in MEMORY_TOOLS:
        heights = [mix[tool] for mix in mixes]
        ax.bar(range(len(board.agents)), heights, bottom=bottoms, label=tool)
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    ax.set_xticks(range(len(board.agents)), board.agents, rotation=30, ha="right")
    ax.set_ylabel("tool calls per episode")
    ax.legend(fontsize=7)
    _save(fig, path)


def _save(fig: object, path: Path) -> None:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
