"""What an honest agent reads off an observation besides the chat itself: the settings the
system prompt states, and the creation order of memory ids.

>>> messages = [{"role": "system", "content": "Your context holds at most 4096 tokens. "
...              "Each stage allows at most 3 steps."}]
>>> token_budget(messages), rounds_per_stage(messages), rounds_per_stage([])
(4096, 3, 5)
>>> memory_id_number("mem_12"), memory_id_number("note")
(12, 0)
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_BUDGET_RE = re.compile(r"holds at most (\d+) tokens")
_ROUNDS_RE = re.compile(r"allows at most (\d+) steps")


def stated_setting(messages: Sequence[dict[str, str]], pattern: re.Pattern[str],
                   default: int) -> int:
    """The number ``pattern`` captures in a system message, else ``default``."""
    for message in messages:
        if message["role"] == "system" and (match := pattern.search(message["content"])):
            return int(match.group(1))
    return default


def token_budget(messages: Sequence[dict[str, str]], default: int = 8192) -> int:
    """The context's token budget as the system prompt states it."""
    return stated_setting(messages, _BUDGET_RE, default)


def rounds_per_stage(messages: Sequence[dict[str, str]], default: int = 5) -> int:
    """The steps each stage allows, as the system prompt states them."""
    return stated_setting(messages, _ROUNDS_RE, default)


def memory_id_number(memory_id: str) -> int:
    """The number of a ``mem_N`` id (0 for anything else): ids grow with creation."""
    digits = memory_id.rpartition("_")[2]
    return int(digits) if digits.isdigit() else 0
