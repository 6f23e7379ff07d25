"""Text views of an episode for render modes 'ansi' and 'human'."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from agemem_env.envs.stages import STAGE_NAMES

if TYPE_CHECKING:
    from agemem_env.memory import LongTermMemory, ShortTermMemory
    from agemem_env.rewards import Evaluation

WIDTH = 96
SNIPPET = 300


def render_text(
    stage: int,
    round_: int,
    stm: ShortTermMemory,
    ltm: LongTermMemory,
    evaluation: Evaluation | None,
) -> str:
    """Context (without the long system prompt), memory records, and the reward terms."""
    lines = [
        "=" * WIDTH,
        f"Stage {stage} ({STAGE_NAMES[stage]}), round {round_} | context "
        f"{stm.total_tokens}/{stm.budget} tokens | {len(ltm)} memories",
        "-" * WIDTH,
        "CONTEXT",
    ]
    for i, message in enumerate(stm.messages):
        if message.role == "system":
            lines.append(f"  [{i}] system: (prompt, {message.tokens} tokens)")
            continue
        body = message.content
        if len(body) > SNIPPET:
            body = body[:SNIPPET] + " ..."
        head = f"  [{i}] {message.role}/{message.kind} ({message.tokens} tok): "
        lines.extend(_wrap(head, body))
    lines += ["-" * WIDTH, "LONG-TERM MEMORY"]
    records = ltm.records()
    if not records:
        lines.append("  (empty)")
    for record in records:
        lines.extend(_wrap(f"  {record.id} [{record.memory_type}]: ", record.content))
    if evaluation is not None:
        lines += ["-" * WIDTH, "REWARD TERMS"]
        items = [f"{k}={v:+.3f}" for k, v in evaluation.terms.items()]
        lines.extend(textwrap.wrap("  ".join(items), WIDTH, initial_indent="  ",
                                   subsequent_indent="  "))
    lines.append("=" * WIDTH)
    return "\n".join(lines)


def _wrap(head: str, body: str) -> list[str]:
    return textwrap.wrap(
        body.replace("\n", " / "),
        WIDTH,
        initial_indent=head,
        subsequent_indent=" " * min(len(head), 12),
    ) or [head]
