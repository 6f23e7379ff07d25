"""Short-term memory: the context window as a list of chat messages with token counts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from agemem_env.tokens import TokenCounter

__all__ = ["MESSAGE_KINDS", "MESSAGE_OVERHEAD_TOKENS", "ROLES", "ContextMessage", "ShortTermMemory"]

# Per-message cost of the chat format (role and separators), as in OpenAI's chat accounting.
MESSAGE_OVERHEAD_TOKENS = 4
ROLES = frozenset({"system", "user", "assistant", "tool"})
MESSAGE_KINDS = frozenset(
    {
        "system",
        "information",
        "distractor",
        "question",
        "assistant",
        "tool",
        "retrieval",
        "summary",
        "chat",
    }
)


@dataclass(frozen=True)
class ContextMessage:
    """One message in the context.

    Attributes:
        role: ``"system"``, ``"user"``, ``"assistant"`` or ``"tool"``.
        content: Message text.
        kind: Where it came from (see ``MESSAGE_KINDS``), used by rewards and analysis.
        tokens: ``count(content) + MESSAGE_OVERHEAD_TOKENS``.
    """

    role: str
    content: str
    kind: str
    tokens: int


class ShortTermMemory:
    """The agent's context: messages, their token counts, and a token budget.

    System messages are pinned: ``remove``, ``replace``, ``reset`` and ``truncate_oldest``
    never drop them.

    Args:
        token_counter: Counts the tokens of a message's content.
        budget: Context size the agent should stay within, in tokens.
    """

    def __init__(self, token_counter: TokenCounter, budget: int = 8192) -> None:
        if isinstance(budget, bool) or not isinstance(budget, int) or budget < 1:
            raise ValueError(f"budget must be a positive int, got {budget!r}")
        self.token_counter = token_counter
        self.budget = budget
        self._messages: list[ContextMessage] = []
        self._total = 0  # kept incrementally: read every step, so no re-summing

    @property
    def messages(self) -> tuple[ContextMessage, ...]:
        """The context, oldest first."""
        return tuple(self._messages)

    @property
    def total_tokens(self) -> int:
        """Sum of the messages' token counts."""
        return self._total

    @property
    def over_budget(self) -> bool:
        """Whether the context is larger than the budget."""
        return self._total > self.budget

    def __len__(self) -> int:
        return len(self._messages)

    def _make(self, role: str, content: str, kind: str) -> ContextMessage:
        if role not in ROLES:
            raise ValueError(f"role must be one of {sorted(ROLES)}, got {role!r}")
        if kind not in MESSAGE_KINDS:
            raise ValueError(f"kind must be one of {sorted(MESSAGE_KINDS)}, got {kind!r}")
        if not isinstance(content, str):
            raise TypeError(f"message content must be a str, got {type(content).__name__}")
        tokens = self.token_counter.count(content) + MESSAGE_OVERHEAD_TOKENS
        return ContextMessage(role, content, kind, tokens)

    def append(self, role: str, content: str, kind: str) -> ContextMessage:
        """Add a message at the end and return it."""
        message = self._make(role, content, kind)
        self._messages.append(message)
        self._total += message.tokens
        return message

    def _check_indices(self, indices: Iterable[int]) -> list[int]:
        chosen = list(indices)
        for i in chosen:
            if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < len(self._messages):
                raise IndexError(
                    f"message index {i!r} is out of range; the context has "
                    f"{len(self._messages)} messages"
                )
        if len(set(chosen)) != len(chosen):
            raise ValueError(f"message indices repeat: {chosen}")
        if pinned := [i for i in chosen if self._messages[i].role == "system"]:
            raise ValueError(f"system messages cannot be removed (indices {pinned})")
        return sorted(chosen)

    def remove(self, indices: Iterable[int]) -> list[ContextMessage]:
        """Remove the messages at ``indices``; return them in context order."""
        chosen = self._check_indices(indices)
        removed = [self._messages[i] for i in chosen]
        drop = set(chosen)
        self._messages = [m for i, m in enumerate(self._messages) if i not in drop]
        self._total -= sum(m.tokens for m in removed)
        return removed

    def replace(self, indices: Iterable[int], role: str, content: str, kind: str) -> ContextMessage:
        """Replace the messages at ``indices`` by one message, placed where the first was."""
        chosen = self._check_indices(indices)
        if not chosen:
            raise ValueError("replace needs at least one message index")
        message = self._make(role, content, kind)  # validated before anything is removed
        self.remove(chosen)
        self._messages.insert(chosen[0], message)
        self._total += message.tokens
        return message

    def non_system_indices(self) -> list[int]:
        """Indices of every message that may be removed."""
        return [i for i, m in enumerate(self._messages) if m.role != "system"]

    def reset(self) -> None:
        """Drop every non-system message (the STM reset between stages)."""
        self._messages = [m for m in self._messages if m.role == "system"]
        self._total = sum(m.tokens for m in self._messages)

    def truncate_oldest(self, keep_kinds: frozenset[str] = frozenset({"question"})
                        ) -> list[ContextMessage]:
        """Drop the oldest messages until within budget; return what was dropped.

        Never dropped: system messages, messages of ``keep_kinds`` (the question), and the
        newest user message (the turn the agent must answer next). When only those are
        left the context stays over budget.
        """
        dropped: list[ContextMessage] = []
        while self.over_budget:
            users = [i for i, m in enumerate(self._messages) if m.role == "user"]
            newest = users[-1] if users else None
            candidates = [i for i in self.non_system_indices()
                          if i != newest and self._messages[i].kind not in keep_kinds]
            if not candidates:
                break  # only pinned messages left: nothing more may go
            dropped.extend(self.remove([candidates[0]]))
        return dropped

    def to_chat(self) -> list[dict[str, str]]:
        """The context as chat messages: ``[{"role": ..., "content": ...}, ...]``."""
        return [{"role": m.role, "content": m.content} for m in self._messages]
