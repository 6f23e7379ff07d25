"""Unit tests for agemem_env.memory.summarise."""

from __future__ import annotations

import pytest

from agemem_env.memory.summarise import (
    EMPTY_SUMMARY,
    SUMMARY_INSTRUCTION,
    ExtractiveSummariser,
    LLMSummariser,
    Summariser,
    make_summariser,
    sentence_information,
    split_sentences,
)

CONVERSATION = [
    "Hi there! How are you?",
    "Good morning :)",
    "By the way, my flight to Tokyo leaves on 12 March at 9:40.",
    "Thanks!",
    "my flight to Tokyo leaves on 12 March at 9:40!",
    "I also need to book a hotel near Shinjuku for 3 nights.",
    "The weather is nice today.",
    "ok",
    "My manager Priya approved a budget of 1200 dollars.",
]


def test_split_sentences() -> None:
    assert split_sentences(["A b. C d? E!\n\nF", "", "  G  "]) == ["A b.", "C d?", "E!", "F", "G"]


def test_sentence_information_prefers_names_and_numbers() -> None:
    assert sentence_information("Priya approved 1200 dollars for Tokyo.") > sentence_information(
        "the weather is nice today and I like it a lot."
    )
    assert sentence_information("") == 0.0


def test_extractive_drops_filler_and_duplicates_keeps_order() -> None:
    summary = ExtractiveSummariser(ratio=1.0)(CONVERSATION)
    assert summary == (
        "Summary: By the way, my flight to Tokyo leaves on 12 March at 9:40. "
        "I also need to book a hotel near Shinjuku for 3 nights. "
        "The weather is nice today. "
        "My manager Priya approved a budget of 1200 dollars."
    )


def test_extractive_keeps_top_ratio() -> None:
    # 4 candidates after filler and duplicates; ceil(0.4 * 4) = 2 most informative
    # (Tokyo: 2 names, 2 numbers; Shinjuku: 1 name, 1 number and 7 content tokens
    # beat Priya's 6).
    summary = ExtractiveSummariser()(CONVERSATION)
    assert summary == (
        "Summary: By the way, my flight to Tokyo leaves on 12 March at 9:40. "
        "I also need to book a hotel near Shinjuku for 3 nights."
    )


def test_extractive_bounds() -> None:
    assert ExtractiveSummariser(ratio=0.01)(CONVERSATION).count(".") >= 1
    many = [f"Item {i} costs {i} euros in Lisbon." for i in range(40)]
    kept = ExtractiveSummariser(ratio=1.0, max_sentences=5)(many)
    assert kept.count("Item") == 5


def test_extractive_empty_and_filler_only() -> None:
    summariser = ExtractiveSummariser()
    assert summariser([]) == EMPTY_SUMMARY == "Summary: (nothing to summarise)"
    assert summariser(["", "  "]) == EMPTY_SUMMARY
    assert summariser(["Hi!", "Thanks, bye."]) == EMPTY_SUMMARY


def test_extractive_is_deterministic() -> None:
    summariser = ExtractiveSummariser(ratio=0.5)
    assert summariser(CONVERSATION) == summariser(list(CONVERSATION))


def test_extractive_validates() -> None:
    with pytest.raises(ValueError, match="ratio"):
        ExtractiveSummariser(ratio=0.0)
    with pytest.raises(ValueError, match="ratio"):
        ExtractiveSummariser(ratio=1.5)
    with pytest.raises(ValueError, match="max_sentences"):
        ExtractiveSummariser(max_sentences=0)
    with pytest.raises(TypeError, match="single str"):
        ExtractiveSummariser()("Hello. Ana lives in Porto.")  # type: ignore[arg-type]


class ScriptedModel:
    """A generate function that records the messages it got and replies from a script."""

    def __init__(self, *replies: object) -> None:
        self.replies = list(replies)
        self.calls: list[list[dict[str, str]]] = []

    def __call__(self, messages: list[dict[str, str]]) -> str:
        self.calls.append(messages)
        return self.replies.pop(0)  # type: ignore[return-value]


def test_llm_summariser_messages_and_reply() -> None:
    model = ScriptedModel("  Ana moved to Porto in 2019.\n")
    summariser = LLMSummariser(model)
    assert summariser(["user: Hi!", "user: I moved to Porto in 2019."]) == (
        "Summary: Ana moved to Porto in 2019."
    )
    assert model.calls == [
        [
            {"role": "system", "content": SUMMARY_INSTRUCTION},
            {"role": "user", "content": "user: Hi!\nuser: I moved to Porto in 2019."},
        ]
    ]
    assert summariser.name == "llm"
    assert isinstance(summariser, Summariser)


def test_llm_summariser_instruction_asks_for_facts_not_filler() -> None:
    instruction = SUMMARY_INSTRUCTION.lower()
    for word in ("fact", "name", "number", "decision", "open question", "greeting", "filler"):
        assert word in instruction


def test_llm_summariser_strips_echoed_label_and_truncates() -> None:
    assert LLMSummariser(ScriptedModel("Summary: short"))(["x"]) == "Summary: short"
    assert LLMSummariser(ScriptedModel("abcdef"), max_chars=3)(["x"]) == "Summary: abc"
    assert LLMSummariser(ScriptedModel("   "))(["x"]) == "Summary: (empty)"


def test_llm_summariser_empty_input_skips_model() -> None:
    model = ScriptedModel()
    assert LLMSummariser(model)(["", " "]) == EMPTY_SUMMARY
    assert model.calls == []


def test_llm_summariser_validates() -> None:
    with pytest.raises(TypeError, match="callable"):
        LLMSummariser("gpt")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_chars"):
        LLMSummariser(ScriptedModel(), max_chars=0)
    with pytest.raises(TypeError, match="returned int"):
        LLMSummariser(ScriptedModel(3))(["x"])


def test_make_summariser() -> None:
    assert make_summariser(None) == ExtractiveSummariser()
    assert make_summariser("extractive").name == "extractive"
    custom = LLMSummariser(ScriptedModel())
    assert make_summariser(custom) is custom
    with pytest.raises(ValueError, match="'extractive'"):
        make_summariser("abstractive")
    with pytest.raises(ValueError, match=r"LLMSummariser\(generate\)"):
        make_summariser("llm")
    with pytest.raises(TypeError):
        make_summariser(3)  # type: ignore[arg-type]


def test_summaries_never_nest_and_status_lines_never_outrank_facts() -> None:
    import gymnasium as gym

    import agemem_env  # noqa: F401  (registers the ids)
    from agemem_env.actions import render_completion
    from agemem_env.core import ToolCall

    env = gym.make("AgeMem-Stage3-v0", embedder="hashing")
    env.reset(seed=4)
    noop = ToolCall("Filter_context", {"criteria": "zzqx qqvz"})
    summary = ToolCall("Summary_context", {"span": "all"})
    for _ in range(3):
        env.step(render_completion([noop, summary]))
    texts = [m.content for m in env.unwrapped.stm.messages if m.kind == "summary"]
    assert texts and all(t.count("Summary:") == 1 for t in texts)
    assert not any("removed 0 messages" in t or "highest similarity" in t for t in texts)
