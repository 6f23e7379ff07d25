"""What ``agemem play`` shows between the player's moves: one status line (stage and the
round being played, counted from 1 as the prompt counts it), the turns that arrived since
the last move, each on its own, and at the end why the reward is what it is."""

from __future__ import annotations

import textwrap
from typing import Any

from agemem_env.cli.reward_view import explain_reward
from agemem_env.envs.stages import STAGE_NAMES

WIDTH = 96
Seen = list[tuple[str, str, str]]


def round_cap(env: Any, stage: int) -> int:
    """Steps the stage allows (an embodied env's Stage 3 has its own cap)."""
    base = env.unwrapped
    return getattr(base, "stage3_rounds", base.rounds_per_stage) if stage == 3 else \
        base.rounds_per_stage


def status(env: Any, obs: dict[str, Any], over: bool = False) -> str:
    """``Stage 1 (memory construction), round 1 of 5 | context ... | N memories``: the
    round about to be played, or once the episode is ``over`` the rounds played."""
    stage, played = int(obs["stage"]), int(obs["round"])
    rounds = f"{played} of {round_cap(env, stage)} rounds played" if over else \
        f"round {played + 1} of {round_cap(env, stage)}"
    return (f"Stage {stage} ({STAGE_NAMES[stage]}), {rounds} | context {obs['context_tokens']}/"
            f"{env.unwrapped.stm.budget} tokens | {obs['ltm_size']} memories")


def full_view(env: Any, obs: dict[str, Any], over: bool = False) -> str:
    """The env's ansi render with its header replaced by ``status`` (the render counts
    rounds played, from 0; the player needs the round being played)."""
    lines = env.render().splitlines()
    if len(lines) > 1:
        lines[1] = status(env, obs, over)
    return "\n".join(lines)


def context_of(env: Any) -> Seen:
    """The context as (role, kind, content) triples, to spot what is new after a step."""
    return [(m.role, m.kind, m.content) for m in env.unwrapped.stm.messages]


def new_turns(before: Seen, after: Seen) -> list[str]:
    """Lines for the user turns in ``after`` that were not in ``before``, one block each,
    blocks separated by a blank line."""
    left = list(before)
    lines: list[str] = []
    for item in after:
        if item in left:
            left.remove(item)
            continue
        role, kind, content = item
        if role != "user":
            continue  # the player's own move and its tool results are shown already
        if lines:
            lines.append("")
        lines.extend(textwrap.wrap(content, WIDTH, initial_indent=f"  [{kind}] ",
                                   subsequent_indent="      ") or [f"  [{kind}]"])
    return lines


def arrivals(before: Seen, after: Seen, info: dict[str, Any]) -> list[str]:
    """The new turns under a heading, then the memories the env showed with them."""
    turns = new_turns(before, after)
    lines = [f"new turns ({sum(1 for line in turns if line.startswith('  ['))}):", *turns] \
        if turns else []
    hits = {hit["id"]: hit["content"] for hit in info.get("auto_retrieved") or []}
    if hits:
        lines.append("  related memories shown with them: " + ", ".join(
            f"{memory_id} ({content[:40]})" for memory_id, content in hits.items()))
    return lines


def results(info: dict[str, Any]) -> list[str]:
    """What each call of the move did, and each error, continuation lines indented."""
    lines = [f"  -> {r['name']}: {r['content']}" for r in info["step_results"]]
    lines += [f"  ! {error}" for error in info["step_errors"]]
    return [part for line in lines for part in line.replace("\n", "\n     ").splitlines()]


def episode_end(env: Any, info: dict[str, Any], reward: float, preset: str) -> list[str]:
    """The verdict and the table of terms that made the total (``preset``: the reward
    preset the env was made with)."""
    base = env.unwrapped
    verdict = info.get("judge") or {}
    gold = base.task.answers[0] if base.task.answers else ""
    score = verdict.get("score")
    lines = [
        f"episode over: answer {info.get('answer')!r}, gold {gold!r}, judge score "
        f"{'-' if score is None else f'{score:.2f}'}; last step's reward {reward:+.3f}, "
        f"total {info['reward_terms'].get('total', 0.0):+.3f}",
        f"why (reward preset {preset}; weights: `agemem info`):",
    ]
    return lines + explain_reward(info["reward_terms"], base.reward_config)
