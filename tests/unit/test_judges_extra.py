"""Unit tests for agemem_env.scoring (LoCoMo, LLM judges, embedding memory quality)."""

from __future__ import annotations

import pickle

import pytest

from agemem_env.embed import HashingEmbedder
from agemem_env.scoring.abstention import is_abstention
from agemem_env.scoring.judges import Judge, JudgeResult
from agemem_env.scoring.llm_judges import LLMJudge, LLMMemoryJudge, parse_score, parse_yes_no
from agemem_env.scoring.locomo import LoCoMoJudge, locomo_f1, locomo_multi_f1, locomo_normalize
from agemem_env.scoring.memory_quality import (
    MemoryQuality,
    embedding_memory_quality,
    memory_quality,
)

# --- is_abstention ---


@pytest.mark.parametrize(
    "text",
    [
        "Not mentioned in the conversation",
        "That was never mentioned.",
        "There is no information about that.",
        "The information is not available.",
        "I don't know.",
        "I do not know who that is",
        "It cannot be determined from our chats.",
        "Unknown",
        "The date is unknown.",
        "I'm not sure.",
        "The conversation doesn't mention a sister.",
        "I couldn’t find that in my memory",
        "No idea!",
    ],
)
def test_is_abstention_true(text: str) -> None:
    assert is_abstention(text)


@pytest.mark.parametrize(
    "text",
    [
        "the cello",
        "No",
        "No, she did not.",
        "7 May 2023",
        "She has not given up on painting.",
        "He knows the unknown soldier memorial",
        "",
    ],
)
def test_is_abstention_false(text: str) -> None:
    assert not is_abstention(text)


# --- LoCoMo scoring ---


def test_locomo_normalize_drops_and_and_commas() -> None:
    assert locomo_normalize("Paris, and the Rome.") == "paris rome"
    assert locomo_f1("Paris and Rome", "Paris, Rome") == 1.0


def test_locomo_multi_f1_averages_over_gold_parts() -> None:
    # Gold parts: dog -> 1.0 (from "a dog"), cat -> 0.0: mean 0.5.
    assert locomo_multi_f1("a dog, a hamster", "a dog, a cat") == 0.5
    assert locomo_multi_f1("cat, dog", "a dog, a cat") == 1.0


def test_locomo_judge_is_a_judge() -> None:
    judge = LoCoMoJudge()
    assert isinstance(judge, Judge)
    assert judge.name == "locomo_f1"
    assert pickle.loads(pickle.dumps(judge)).name == "locomo_f1"


def test_locomo_judge_by_category() -> None:
    judge = LoCoMoJudge()
    assert judge("a dog", ["a dog, a cat"], category=1) == JudgeResult(0.5, 0.0, 0.5)
    # Without the category, the whole gold is one answer: F1 of 1 token vs 2.
    assert judge("a dog", ["a dog, a cat"]).score == pytest.approx(2 / 3)
    assert judge("The 7 May 2023.", ["7 May 2023"], category=2) == JudgeResult(1.0, 1.0, 1.0)
    # Category 3 scores against the gold text before ";".
    result = judge("likely yes", ["Likely yes; she plays the cello"], category=3)
    assert result == JudgeResult(1.0, 1.0, 1.0)
    assert judge("cello", ["the cello"], category=4).score == 1.0
    assert judge("violin", ["the cello"], category=4).score == 0.0


def test_locomo_judge_best_over_golds() -> None:
    result = LoCoMoJudge()("Rome", ["Paris", "Rome"], category=4)
    assert result == JudgeResult(1.0, 1.0, 1.0)


@pytest.mark.parametrize(("kwargs"), [{"category": 5}, {"abstention": True}])
def test_locomo_judge_adversarial_rewards_abstention(kwargs) -> None:
    judge = LoCoMoJudge()
    gold = ["Not mentioned in the conversation"]
    assert judge("That was not mentioned.", gold, **kwargs) == JudgeResult(1.0, 1.0, 1.0)
    # The trap answer scores nothing, even though it shares no words with the gold anyway.
    assert judge("the cello", gold, **kwargs) == JudgeResult(0.0, 0.0, 0.0)


def test_locomo_judge_rejects_bad_inputs() -> None:
    judge = LoCoMoJudge()
    with pytest.raises(TypeError, match="single str"):
        judge("x", "x")
    with pytest.raises(ValueError, match="empty"):
        judge("x", [])
    with pytest.raises(TypeError, match="prediction"):
        judge(None, ["x"])  # type: ignore[arg-type]


def test_locomo_judge_stems_by_default_as_the_official_script() -> None:
    judge = LoCoMoJudge()
    assert judge("paintings", ["painting"], category=4).score == 1.0
    assert judge("she was hiking", ["hikes"], category=2).score == 0.5  # hike = hike
    assert LoCoMoJudge(stem=False)("paintings", ["painting"], category=4).score == 0.0
    assert judge.id == "locomo_f1(stem=porter,abstention=official)"


def test_locomo_abstention_official_rule_and_the_broad_option() -> None:
    gold = ["Not mentioned in the conversation"]
    official, broad = LoCoMoJudge(), LoCoMoJudge(abstention="broad")
    for text in ("No information available.", "That was NOT MENTIONED"):
        assert official(text, gold, category=5).score == 1.0 == broad(text, gold, category=5).score
    for text in ("I don't know", "Unknown", "This cannot be determined"):
        assert official(text, gold, category=5).score == 0.0
        assert broad(text, gold, category=5).score == 1.0
    assert broad.id.endswith("abstention=broad)")
    with pytest.raises(ValueError, match="abstention must be one of"):
        LoCoMoJudge(abstention="lenient")


def test_locomo_judge_stemming_without_nltk_names_the_install(monkeypatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "nltk", None)
    monkeypatch.setitem(sys.modules, "nltk.stem", None)
    with pytest.raises(ImportError, match="pip install nltk"):
        LoCoMoJudge(stem=True)


# --- LLM answer judge ---


class Scripted:
    """A fake model: replies from a list, recording every prompt."""

    def __init__(self, *replies: str) -> None:
        self.replies = list(replies)
        self.prompts: list[list[dict[str, str]]] = []

    def __call__(self, messages: list[dict[str, str]]) -> str:
        self.prompts.append(messages)
        return self.replies.pop(0)


@pytest.mark.parametrize(
    ("reply", "score"),
    [
        ('{"score": 0.8}', 0.8),
        ('```json\n{"score": 1}\n```', 1.0),
        ("Score: 0.5", 0.5),
        ("score = 0.2 (mostly wrong)", 0.2),
        ("0.8/1", 0.8),
        ("8/10", 0.8),
        ("The answer names 2 of 3 pets, so 0.5.", 0.5),
        ("0", 0.0),
        ("Score: 1.0", 1.0),
    ],
)
def test_parse_score(reply: str, score: float) -> None:
    assert parse_score(reply) == pytest.approx(score)


@pytest.mark.parametrize("reply", ["", "great answer", "Score: 8", '{"score": 5}', "-0.5"])
def test_parse_score_refuses_unreadable_replies(reply: str) -> None:
    with pytest.raises(ValueError, match="no score in"):
        parse_score(reply)


def test_llm_judge_scores_with_the_model_and_reports_em_f1_offline() -> None:
    model = Scripted('{"score": 0.8}')
    judge = LLMJudge(model, name="gpt-judge")
    assert isinstance(judge, Judge) and judge.name == "gpt-judge"
    result = judge("Rex, a dog", ["a dog named Rex", "Rex"], question="What is Ben's pet?")
    assert result.score == 0.8
    assert result.exact_match == 0.0
    assert result.f1 == pytest.approx(0.8)  # vs "a dog named Rex": 2 shared of 2 and 3
    (messages,) = model.prompts
    assert [m["role"] for m in messages] == ["system", "user"]
    assert "0.8" in messages[0]["content"] and "0.2" in messages[0]["content"]
    user = messages[1]["content"]
    for part in (
        "What is Ben's pet?",
        "- a dog named Rex",
        "- Rex",
        "Candidate answer: Rex, a dog",
    ):
        assert part in user


def test_llm_judge_unparseable_reply_raises_naming_it() -> None:
    judge = LLMJudge(Scripted("I think it is fine"))
    with pytest.raises(ValueError, match="I think it is fine"):
        judge("Rex", ["Rex"])


def test_llm_judge_needs_a_callable() -> None:
    with pytest.raises(TypeError, match="callable"):
        LLMJudge("gpt-4o")  # type: ignore[arg-type]


# --- LLM memory judge ---


def test_parse_yes_no() -> None:
    assert parse_yes_no("YES") is True
    assert parse_yes_no("No. The memory is about the weather.") is False
    with pytest.raises(ValueError, match="unsure"):
        parse_yes_no("unsure")


def test_llm_memory_judge_precision_recall_and_prompts() -> None:
    memories = ["Ana plays the cello", "It rained today", "Ben has a dog named Rex"]
    facts = ["Ana plays the cello.", "Ben adopted Rex in 2022.", "Ben has a cat named Miso."]
    # Three memory questions, then three fact questions.
    model = Scripted("Yes", "no", "yes.", "Yes", "Answer: yes", "No")
    quality = LLMMemoryJudge(model)(memories, facts)
    assert quality.supporting == (True, False, True)
    assert quality.precision == pytest.approx(2 / 3)
    assert quality.recall == pytest.approx(2 / 3)
    assert quality.f1 == pytest.approx(2 / 3)
    assert len(model.prompts) == 6
    first = model.prompts[0][1]["content"]
    assert "Memory: Ana plays the cello" in first and "- Ben has a cat named Miso." in first
    last = model.prompts[5][1]["content"]
    assert "Fact: Ben has a cat named Miso." in last and "- It rained today" in last


def test_llm_memory_judge_empty_inputs_make_no_calls() -> None:
    model = Scripted()
    judge = LLMMemoryJudge(model)
    assert judge([], ["Ana plays the cello."]) == MemoryQuality(0.0, 0.0, 0.0, (), ())
    # A fact without content tokens is left out, as in memory_quality.
    assert judge(["x"], ["it is"]) == MemoryQuality(0.0, 0.0, 0.0, (False,), (False,))
    assert model.prompts == []


def test_llm_memory_judge_unparseable_reply_raises() -> None:
    with pytest.raises(ValueError, match="perhaps"):
        LLMMemoryJudge(Scripted("perhaps"))(["a memory"], ["Ana plays the cello."])


def test_llm_memory_judge_rejects_a_single_string() -> None:
    with pytest.raises(TypeError, match="single str"):
        LLMMemoryJudge(Scripted())("Ana plays the cello", ["Ana plays the cello."])


# --- embedding memory quality ---


def test_embedding_memory_quality_matches_by_sentence() -> None:
    embedder = HashingEmbedder()
    memories = [
        "Chat notes. Ana plays the cello in a community orchestra.",
        "The weather was grey and rainy on Tuesday.",
    ]
    facts = ["Ana plays the cello in a community orchestra.", "Ben adopted a dog named Rex."]
    quality = embedding_memory_quality(memories, facts, embedder)
    assert quality == MemoryQuality(0.5, 0.5, 0.5, (True, False), (False, False), (1.0, 0.0))


def test_embedding_memory_quality_agrees_with_lexical_on_exact_copies() -> None:
    facts = ["Ana plays the cello.", "Ben has a cat named Miso.", "Dev ran three marathons."]
    memories = [facts[0], facts[2], "Nothing to see here at all."]
    got = embedding_memory_quality(memories, facts, HashingEmbedder())
    assert got == memory_quality(memories, facts)


def test_embedding_memory_quality_threshold_and_empty_inputs() -> None:
    embedder = HashingEmbedder()
    facts = ["Ana plays the cello."]
    loose = embedding_memory_quality(["Ana plays violin"], facts, embedder, threshold=0.1)
    strict = embedding_memory_quality(["Ana plays violin"], facts, embedder, threshold=0.99)
    assert loose.supporting == (True,) and strict.supporting == (False,)
    assert embedding_memory_quality([], facts, embedder).f1 == 0.0
    assert embedding_memory_quality(["x"], [], embedder).supporting == (False,)
    with pytest.raises(ValueError, match="threshold"):
        embedding_memory_quality(["x"], facts, embedder, threshold=0.0)
    with pytest.raises(TypeError, match="single str"):
        embedding_memory_quality(["x"], "Ana plays the cello.", embedder)
