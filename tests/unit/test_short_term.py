"""Short-term memory: token accounting, pinned system messages, removal, replacement, truncation."""

from __future__ import annotations

import pytest

from agemem_env.memory.short_term import MESSAGE_OVERHEAD_TOKENS, ShortTermMemory
from agemem_env.tokens import TiktokenCounter


class WordCounter:
    name = "words"

    def count(self, text: str) -> int:
        return len(text.split())


def context(budget: int = 100) -> ShortTermMemory:
    stm = ShortTermMemory(WordCounter(), budget=budget)
    stm.append("system", "you are helpful", "system")  # 3 + 4
    stm.append("user", "one two", "information")  # 2 + 4
    stm.append("user", "three four five", "distractor")  # 3 + 4
    stm.append("assistant", "six", "assistant")  # 1 + 4
    return stm


def test_tokens_include_message_overhead_and_total_is_kept() -> None:
    stm = context()
    assert [m.tokens for m in stm.messages] == [7, 6, 7, 5]
    assert stm.total_tokens == 25 == sum(m.tokens for m in stm.messages)
    assert MESSAGE_OVERHEAD_TOKENS == 4


def test_tiktoken_counts() -> None:
    stm = ShortTermMemory(TiktokenCounter())
    assert stm.append("user", "hello world", "chat").tokens == 2 + MESSAGE_OVERHEAD_TOKENS


def test_over_budget() -> None:
    stm = context(budget=25)
    assert not stm.over_budget
    stm.append("user", "x", "chat")
    assert stm.over_budget


def test_remove_returns_messages_and_pins_system() -> None:
    stm = context()
    removed = stm.remove([3, 1])
    assert [m.content for m in removed] == ["one two", "six"]
    assert [m.content for m in stm.messages] == ["you are helpful", "three four five"]
    assert stm.total_tokens == 14
    with pytest.raises(ValueError, match="system messages cannot be removed"):
        stm.remove([0, 1])
    with pytest.raises(IndexError, match="out of range"):
        stm.remove([5])
    with pytest.raises(ValueError, match="repeat"):
        stm.remove([1, 1])
    assert len(stm) == 2 and stm.total_tokens == 14  # failed calls changed nothing


def test_replace_puts_new_message_where_first_removed_was() -> None:
    stm = context()
    summary = stm.replace([2, 1], "assistant", "summary of two", "summary")
    assert [m.kind for m in stm.messages] == ["system", "summary", "assistant"]
    assert stm.messages[1] is summary and stm.total_tokens == 7 + 7 + 5
    with pytest.raises(ValueError, match="system"):
        stm.replace([0], "user", "x", "chat")
    with pytest.raises(ValueError, match="kind"):
        stm.replace([1], "user", "x", "nonsense")
    assert len(stm) == 3  # nothing removed by the failed calls


def test_reset_keeps_only_system() -> None:
    stm = context()
    stm.reset()
    assert [m.role for m in stm.messages] == ["system"] and stm.total_tokens == 7
    assert stm.non_system_indices() == []


def test_truncate_oldest_drops_until_within_budget() -> None:
    stm = context(budget=15)
    dropped = stm.truncate_oldest()
    # The newest user turn stays: the oldest messages around it go.
    assert [m.content for m in dropped] == ["one two", "six"]
    assert stm.total_tokens == 14 and not stm.over_budget
    tiny = context(budget=1)
    tiny.truncate_oldest()
    # Over budget, but the system prompt and the newest user turn stay.
    assert [m.content for m in tiny.messages] == ["you are helpful", "three four five"]


def test_truncation_never_drops_the_question() -> None:
    stm = context(budget=20)
    stm.append("user", "where is it", "question")
    stm.append("tool", "a long tool result with many words in it", "tool")
    stm.append("user", "a newer turn", "information")
    stm.truncate_oldest()
    kinds = [m.kind for m in stm.messages]
    assert "question" in kinds and stm.messages[-1].content == "a newer turn"


def test_validation_and_chat_format() -> None:
    stm = context()
    with pytest.raises(ValueError, match="role"):
        stm.append("robot", "hi", "chat")
    with pytest.raises(TypeError, match="str"):
        stm.append("user", None, "chat")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="budget"):
        ShortTermMemory(WordCounter(), budget=0)
    assert stm.to_chat()[1] == {"role": "user", "content": "one two"}
    assert isinstance(stm.messages, tuple) and stm.non_system_indices() == [1, 2, 3]
