"""Leaderboard figures (PNG, matplotlib's Agg back-end, no display needed): answer score
per suite with 95% t-interval error bars, answer score against prompt tokens (one panel
per suite), and each agent's mix of memory tools.

Every agent has its own style (``agent_style``): one of 20 colours and, past 20 agents,
a hatch and marker of its own, so no two agents share a look; references are drawn
hatched and faded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from leaderboard.results import MEMORY_TOOLS
from leaderboard.tables import Board, pooled_tools

PLOTS = ("scores.png", "score_vs_tokens.png", "tool_mix.png")
_MARKERS = "osD^v<>Ph*Xd"
_HATCHES = ("", "..", "xx", "--", "++", "oo")


@dataclass(frozen=True)
class Style:
    """How one agent is drawn."""

    color: tuple[float, ...]
    marker: str
    hatch: str
    alpha: float


def agent_style(k: int, reference: bool) -> Style:
    """The k-th agent's style: distinct (colour, marker, hatch) for k < 240.

    >>> len({(agent_style(k, False).color, agent_style(k, False).marker) for k in range(40)})
    40
    """
    from matplotlib import colormaps

    color = colormaps["tab20"](k % 20)
    hatch = "//" if reference else _HATCHES[(k // 20) % len(_HATCHES)]
    return Style(color, _MARKERS[(k + k // 20) % len(_MARKERS)], hatch,
                 0.55 if reference else 1.0)


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


def _styles(board: Board) -> list[Style]:
    return [agent_style(k, a in board.references) for k, a in enumerate(board.agents)]


def _label(board: Board, agent: str) -> str:
    return f"{agent} (ref)" if agent in board.references else agent


def score_bars(board: Board, path: Path) -> None:
    """Grouped bars: one group per suite, one bar per agent (ranked), 95% t intervals."""
    import matplotlib.pyplot as plt

    width = 0.8 / len(board.agents)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.8 * len(board.suites) + 2), 4.6))
    for k, (agent, style) in enumerate(zip(board.agents, _styles(board), strict=True)):
        cells = [board.cell(agent, s) for s in board.suites]
        means = [(c["answer_score"]["mean"] or 0.0) if c else 0.0 for c in cells]
        errors = [_clipped_error(c) for c in cells]
        xs = [i - 0.4 + width * (k + 0.5) for i in range(len(board.suites))]
        ax.bar(xs, means, width, yerr=list(zip(*errors, strict=True)), capsize=2,
               label=_label(board, agent), color=style.color, hatch=style.hatch,
               alpha=style.alpha, edgecolor="grey", linewidth=0.4)
    ax.set_xticks(range(len(board.suites)), board.suites, rotation=15)
    ax.set_ylabel("answer score (mean, 95% t interval)")
    ax.set_ylim(0, 1.05)
    ax.axhline(1.0, color="grey", linewidth=0.5)
    # Outside, right of the bars: one line per agent, in rank order, never over a bar.
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    _save(fig, path)


def _clipped_error(cell: dict | None) -> tuple[float, float]:
    """(below, above) the mean, the interval clipped to 0..1 (none below n=2)."""
    if not cell or cell["answer_score"]["mean"] is None or cell["answer_score"]["ci95"] is None:
        return 0.0, 0.0
    mean, half = cell["answer_score"]["mean"], cell["answer_score"]["ci95"]
    return mean - max(0.0, mean - half), min(1.0, mean + half) - mean


def score_vs_tokens(board: Board, path: Path) -> None:
    """One panel per suite: each agent's prompt tokens per episode against its score."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter

    n = len(board.suites)
    fig, axes = plt.subplots(1, n, figsize=(max(6.4, 3.2 * n), 4.0), squeeze=False,
                             sharey=True)
    styles = _styles(board)
    for ax, suite in zip(axes[0], board.suites, strict=True):
        for agent, style in zip(board.agents, styles, strict=True):
            cell = board.cell(agent, suite)
            if cell and cell["answer_score"]["mean"] is not None:
                ax.scatter(max(cell["prompt_tokens"]["mean"] or 1.0, 1.0),
                           cell["answer_score"]["mean"], color=style.color,
                           marker=style.marker, alpha=style.alpha, edgecolors="black",
                           linewidths=0.3, label=_label(board, agent))
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(NullFormatter())  # minor labels overlap on short axes
        ax.set_title(suite, fontsize=8)
        ax.set_xlabel("prompt tokens / episode (log)", fontsize=7)
    axes[0][0].set_ylabel("answer score")
    handles, labels = axes[0][0].get_legend_handles_labels()
    for ax in axes[0][1:]:  # an agent missing from the first suite still gets its entry
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    fig.legend(handles, labels, fontsize=7, ncol=min(6, len(labels)), loc="lower center",
               bbox_to_anchor=(0.5, 1.0))
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
    ax.set_xticks(range(len(board.agents)), [_label(board, a) for a in board.agents],
                  rotation=30, ha="right")
    ax.set_ylabel("tool calls per episode")
    ax.legend(fontsize=7)
    _save(fig, path)


def _save(fig: object, path: Path) -> None:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    # No software/date metadata: a re-run of unchanged results writes the same bytes.
    fig.savefig(path, dpi=120, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
