"""Unit tests for agemem_env.scoring.memory_quality."""

from __future__ import annotations

import pytest

from agemem_env.scoring.memory_quality import (
    GoldFacts,
    MemoryQuality,
    fact_support,
    memory_quality,
)
from agemem_env.scoring.text import QUESTION_WORDS, STOPWORDS, content_tokens, key_terms

FACTS = ["Ana lives in Porto.", "Ana works as a nurse at Santo Antonio hospital."]


def test_content_tokens_normalise_and_drop_stopwords() -> None:
    assert content_tokens("The capital of France is PARIS!") == {"capital", "france", "paris"}
    assert content_tokens("it is what it is") == {"what"}
    assert content_tokens("") == frozenset()
    assert "the" in STOPWORDS and "which" in QUESTION_WORDS


def test_fact_support() -> None:
    assert fact_support("ana lives in porto", "Ana lives in Porto.") == 1.0
    assert fact_support("Ana moved to Porto", "Ana lives in Porto") == pytest.approx(2 / 3)
    assert fact_support("", "Ana lives in Porto") == 0.0


def test_fact_without_content_tokens_is_unsupported() -> None:
    assert fact_support("anything at all", "it is") == 0.0
    assert fact_support("anything", "") == 0.0


def test_memory_quality_precision_recall() -> None:
    memories = [
        "User says Ana lives in Porto",
        "Likes sunny weather",
        "Ana: nurse at Santo Antonio",
    ]
    quality = memory_quality(memories, FACTS)
    # fact 2 tokens: ana works nurse santo antonio hospital; memory 3 has 4 of 6 = 0.67.
    assert quality.supporting == (True, False, True)
    # Precision is the mean focus: 3 of memory 1's 5 content words are fact words ("user"
    # and "says" are not), all 4 of memory 3's are.
    assert quality.focus == pytest.approx((0.6, 0.0, 1.0))
    assert quality.precision == pytest.approx(1.6 / 3)
    assert quality.recall == 1.0
    assert quality.f1 == pytest.approx(2 * (1.6 / 3) / (1.6 / 3 + 1))


def test_threshold() -> None:
    memories = ["Ana: nurse at Santo Antonio"]
    assert memory_quality(memories, FACTS, threshold=0.6).recall == 0.5
    assert memory_quality(memories, FACTS, threshold=0.7).recall == 0.0
    assert memory_quality(memories, FACTS, threshold=1.0).supporting == (False,)
    for bad in (0.0, -0.1, 1.5):
        with pytest.raises(ValueError, match="threshold"):
            memory_quality(memories, FACTS, threshold=bad)


def test_empty_memories_and_facts() -> None:
    assert memory_quality([], FACTS) == MemoryQuality(0.0, 0.0, 0.0, (), (), ())
    assert memory_quality(["Ana lives in Porto"], []) == MemoryQuality(
        0.0, 0.0, 0.0, (False,), (False,), (0.0,))
    # Facts without content tokens are left out of recall.
    quality = memory_quality(["Ana lives in Porto"], ["Ana lives in Porto", "it is"])
    assert (quality.precision, quality.recall, quality.f1) == (1.0, 1.0, 1.0)


def test_one_memory_supports_several_facts() -> None:
    memory = "Ana lives in Porto and works as a nurse at Santo Antonio hospital"
    quality = memory_quality([memory], FACTS)
    assert quality == MemoryQuality(1.0, 1.0, 1.0, (True,), (False,), (1.0,))


def test_single_str_rejected() -> None:
    with pytest.raises(TypeError, match="memories"):
        memory_quality("Ana lives in Porto", FACTS)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="facts"):
        memory_quality(["Ana"], "Ana lives in Porto")  # type: ignore[arg-type]


# --- value-aware support ----------------------------------------------------------------
SPORT = GoldFacts(("The user's favourite sport is climbing.",), ("climbing",),
                  ("The user's favourite sport is surfing.",), ("surfing",))


def test_a_stale_value_is_not_support_but_stale() -> None:
    # Before values were checked, 2 of 3 content words made this support the gold fact.
    quality = memory_quality(["The user's favourite sport is surfing."], SPORT)
    assert quality.supporting == (False,) and quality.stale == (True,)
    assert (quality.precision, quality.recall, quality.n_stale) == (0.0, 0.0, 1)


def test_the_current_value_supports_even_beside_the_old_one() -> None:
    quality = memory_quality(["My favourite sport is climbing now, not surfing."], SPORT)
    assert quality.supporting == (True,) and quality.stale == (False,)


def test_a_retracted_claim_is_stale() -> None:
    gold = GoldFacts(("Ana lives in Porto.",), ("Porto",), ("Aarhus is in Denmark.",),
                     ("Denmark",))
    assert memory_quality(["Aarhus is in Denmark"], gold).stale == (True,)
    assert memory_quality(["Aarhus is lovely"], gold).stale == (False,)


def test_a_task_is_gold_with_its_values() -> None:
    import numpy as np

    from agemem_env.tasks import SyntheticConfig, generate_task

    task = generate_task(np.random.default_rng(5), SyntheticConfig(num_updates=1))
    assert task.stale_facts and task.supporting_values == task.answers
    stale = memory_quality([task.stale_facts[0]], task)
    current = memory_quality([task.supporting_facts[0]], task)
    assert stale.stale == (True,) and current.supporting == (True,)


def test_one_dump_that_holds_everything_is_not_precise() -> None:
    facts = [f"Person {n} lives in City{n}." for n in range(4)]
    noise = [f"Small talk line {n} about weather number {n}." for n in range(16)]
    dump = " ".join(facts + noise)
    one = memory_quality([dump], facts)
    each = memory_quality(facts, facts)
    assert one.recall == 1.0 and one.precision < 0.3
    assert each.precision == 1.0


def test_key_terms() -> None:
    assert key_terms("Which city did Ana move to in 2019?") == ("city", "ana", "move", "2019")
    assert key_terms("Where does the Eiffel Tower stand, and where is the Eiffel Tower?") == (
        "eiffel",
        "tower",
        "stand",
    )
    assert key_terms("What is it?") == ()


def test_key_terms_are_content_tokens() -> None:
    question = "How many nights is Ana staying at the Shinjuku hotel?"
    context = "Ana books 3 nights at a hotel in Shinjuku."
    assert set(key_terms(question)) <= content_tokens(question)
    assert set(key_terms(question)) - content_tokens(context) == {"staying"}
