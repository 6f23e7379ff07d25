"""Stage-2 distractors: neighbours from other tasks, LLM-written statements, small talk."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest

from agemem_env.embed import HashingEmbedder
from agemem_env.scoring.memory_quality import fact_support
from agemem_env.scoring.text import normalize_answer
from agemem_env.tasks import CHITCHAT, Task, load_tasks
from agemem_env.tasks.distractors import (
    LLMDistractorGenerator,
    add_distractors,
    leaks_gold,
    parse_statements,
    trim_passage,
)


def _task(task_id, information, question, answer, facts, **kwargs):
    return Task(
        task_id, tuple(information), question, (answer,), tuple(facts), source="demo", **kwargs
    )


# Four topics, two tasks each, so every task has a same-topic neighbour in another task.
POOL = [
    _task(
        "river-1",
        [
            "The Danube flows through Vienna and Budapest.",
            "The Danube is the second-longest river in Europe.",
        ],
        "Which river flows through Vienna?",
        "Danube",
        ["The Danube flows through Vienna and Budapest."],
    ),
    _task(
        "river-2",
        [
            "The Rhine flows through Basel, Cologne and Rotterdam.",
            "The Rhine river rises in the Swiss Alps.",
        ],
        "Which river flows through Cologne?",
        "Rhine",
        ["The Rhine flows through Basel, Cologne and Rotterdam."],
    ),
    _task(
        "composer-1",
        ["Ludwig van Beethoven composed nine symphonies.", "Beethoven was born in Bonn in 1770."],
        "In which city was the composer Beethoven born?",
        "Bonn",
        ["Beethoven was born in Bonn in 1770."],
    ),
    _task(
        "composer-2",
        [
            "Wolfgang Amadeus Mozart composed the opera Don Giovanni.",
            "Mozart was born in Salzburg in 1756.",
        ],
        "In which city was the composer Mozart born?",
        "Salzburg",
        ["Mozart was born in Salzburg in 1756."],
    ),
    _task(
        "chem-1",
        [
            "Sodium chloride is the chemical compound of table salt.",
            "The chemical symbol of sodium is Na.",
        ],
        "What is the chemical symbol of sodium?",
        "Na",
        ["The chemical symbol of sodium is Na."],
    ),
    _task(
        "chem-2",
        [
            "Potassium is a soft chemical element that reacts with water.",
            "The chemical symbol of potassium is K.",
        ],
        "What is the chemical symbol of potassium?",
        "K",
        ["The chemical symbol of potassium is K."],
    ),
    _task(
        "football-1",
        [
            "Real Madrid play their home games at the Bernabeu stadium.",
            "Real Madrid football club was founded in 1902.",
        ],
        "In which year was the football club Real Madrid founded?",
        "1902",
        ["Real Madrid football club was founded in 1902."],
    ),
    _task(
        "football-2",
        [
            "FC Barcelona play their home games at the Camp Nou stadium.",
            "FC Barcelona football club was founded in 1899.",
        ],
        "In which year was the football club FC Barcelona founded?",
        "1899",
        ["FC Barcelona football club was founded in 1899."],
    ),
]


def _related(task):
    roles = task.metadata["distractor_roles"]
    return [text for text, role in zip(task.distractors, roles, strict=True) if role == "related"]


def test_related_distractors_are_on_topic_passages_of_other_tasks():
    out = add_distractors(POOL, n_related=2, n_chitchat=0)
    for before, after in zip(POOL, out, strict=True):
        related = _related(after)
        assert len(related) == 2
        others = {turn for t in POOL if t.id != before.id for turn in t.information}
        assert set(related) <= others
        assert not set(related) & set(before.information)
        topic = before.id.split("-")[0]
        partner = next(t for t in POOL if t.id.startswith(topic) and t.id != before.id)
        # The nearest passage is the same-topic task's.
        assert related and set(related) & set(partner.information), (before.id, related)
    assert [t.id for t in out] == [t.id for t in POOL]


def test_distractors_never_hold_gold_facts_or_answer():
    # Traps: another task repeats this task's fact, paraphrases it, or names its answer;
    # all three are the nearest passages and must still be skipped.
    target = POOL[0]
    trap = _task(
        "trap",
        [
            "The Danube flows through Vienna and Budapest.",
            "Vienna sits on the Danube, which flows through Budapest too.",
            "Danube cruises leave from Passau.",
            "Vienna has a famous river port and many bridges.",
        ],
        "Where do river cruises start?",
        "Passau",
        ["Danube cruises leave from Passau."],
    )
    out = add_distractors([target, *POOL[1:], trap], n_related=4, n_chitchat=0)
    assert "Vienna has a famous river port and many bridges." in out[0].distractors
    for task in out:
        assert len(task.distractors) == 4
        gold = [normalize_answer(a) for a in task.answers]
        for text in task.distractors:
            assert text not in task.information
            assert all(fact_support(text, fact) < 0.6 for fact in task.supporting_facts)
            assert not any(f" {g} " in f" {normalize_answer(text)} " for g in gold), text


def test_neighbours_are_nearer_than_random_passages():
    tasks = [
        dataclasses.replace(t, distractors=()) for t in load_tasks("synthetic", limit=120, seed=3)
    ]
    out = add_distractors(tasks, n_related=4, n_chitchat=0)
    embedder = HashingEmbedder()
    rng = np.random.default_rng(0)
    chosen, random = [], []
    for i, task in enumerate(out):
        query = embedder.embed([" ".join((task.question, *task.supporting_facts))])[0]
        others = [turn for j, t in enumerate(tasks) if j != i for turn in t.information]
        picks = [others[k] for k in rng.choice(len(others), size=4, replace=False)]
        chosen.append(float(np.mean(embedder.embed(list(task.distractors)) @ query)))
        random.append(float(np.mean(embedder.embed(picks) @ query)))
    assert np.mean(chosen) > np.mean(random) + 0.1


def test_deterministic_and_seed_only_moves_small_talk():
    first = add_distractors(POOL, n_related=2, n_chitchat=2, seed=5)
    assert first == add_distractors(POOL, n_related=2, n_chitchat=2, seed=5)
    other = add_distractors(POOL, n_related=2, n_chitchat=2, seed=6)
    assert [sorted(_related(t)) for t in first] == [sorted(_related(t)) for t in other]
    assert [t.distractors for t in first] != [t.distractors for t in other]


@pytest.mark.parametrize("n_chitchat", [0, 1, 3])
def test_chitchat_count_and_pool(n_chitchat):
    for task in add_distractors(POOL, n_related=1, n_chitchat=n_chitchat):
        roles = task.metadata["distractor_roles"]
        assert roles.count("chitchat") == n_chitchat and roles.count("related") == 1
        small_talk = [t for t, r in zip(task.distractors, roles, strict=True) if r == "chitchat"]
        assert set(small_talk) <= set(CHITCHAT)


def test_existing_distractors_are_kept_unless_replace():
    kept = dataclasses.replace(POOL[0], distractors=("I had a busy day.",))
    tasks = [kept, *POOL[1:]]
    out = add_distractors(tasks, n_related=2, n_chitchat=1)
    assert out[0] is kept
    assert all(len(t.distractors) == 3 for t in out[1:])
    redone = add_distractors(tasks, n_related=2, n_chitchat=1, replace=True)
    assert len(redone[0].distractors) == 3 and "I had a busy day." not in redone[0].distractors


def test_single_task_gets_only_small_talk():
    out = add_distractors(POOL[:1], n_related=3, n_chitchat=2)
    assert out[0].metadata["distractor_roles"].count("chitchat") == 2
    assert len(out[0].distractors) == 2


def test_long_passages_are_trimmed_at_a_sentence():
    long_turn = "Bonn lies on the Rhine river. " * 40
    tasks = [
        POOL[0],
        _task("long", [long_turn.strip()], "What is in Bonn?", "museums", ["Bonn has museums."]),
    ]
    out = add_distractors(tasks, n_related=1, n_chitchat=0, max_chars=100)
    (text,) = out[0].distractors
    assert len(text) <= 100 and text.endswith("river.")
    assert trim_passage("Short enough.", 100) == "Short enough."


def test_bad_arguments():
    with pytest.raises(ValueError, match="n_related"):
        add_distractors(POOL, n_related=-1)
    with pytest.raises(TypeError, match="sequence of Task"):
        add_distractors(POOL[0])


class ScriptedModel:
    """Returns canned replies in turn and records the messages it was sent."""

    def __init__(self, *replies):
        self.replies = list(replies)
        self.calls = []

    def __call__(self, messages):
        self.calls.append(messages)
        return self.replies.pop(0) if self.replies else ""


def test_llm_generator_parses_lines_and_drops_the_answer():
    model = ScriptedModel(
        "Here are the statements:\n"
        "1. Beethoven moved to Vienna in 1792.\n"
        "2. Beethoven was born in bonn.\n"  # the answer: dropped
        "- Beethoven wrote a single opera, Fidelio.\n"
        "3. Beethoven moved to Vienna in 1792.\n",  # a repeat: dropped
        "* Beethoven began to lose his hearing in his late twenties.\n",
    )
    generator = LLMDistractorGenerator(model, n_per_call=3)
    statements = generator(POOL[2], 3)
    assert statements == [
        "Beethoven moved to Vienna in 1792.",
        "Beethoven wrote a single opera, Fidelio.",
        "Beethoven began to lose his hearing in his late twenties.",
    ]
    assert len(model.calls) == 2
    first_prompt = model.calls[0][-1]["content"]
    assert POOL[2].question in first_prompt and "Write 3 " in first_prompt
    second_prompt = model.calls[1][-1]["content"]
    assert "Write 1 " in second_prompt and "Do not repeat" in second_prompt


def test_llm_generator_stops_after_its_call_budget():
    model = ScriptedModel()  # always answers ""
    assert LLMDistractorGenerator(model, n_per_call=4, extra_calls=1)(POOL[0], 4) == []
    assert len(model.calls) == 2
    assert LLMDistractorGenerator(model)(POOL[0], 0) == []


def test_generator_statements_replace_neighbours_and_are_screened():
    reply = (
        "The Danube delta is in Romania.\nThe Danube flows through Vienna.\n"
        "The Danube flows through Vienna and Budapest.\nThe Danube is blue."
    )
    model = ScriptedModel(reply, reply)
    generator = LLMDistractorGenerator(model, n_per_call=8, extra_calls=0)
    # An embedder spec that cannot be built proves the neighbour search is not run.
    unbuildable: Any = object()
    out = add_distractors(
        POOL[:2], n_related=3, n_chitchat=1, generator=generator, embedder=unbuildable
    )
    # Answer "Danube" is in every line, so all are dropped for river-1 ...
    assert _related(out[0]) == []
    # ... and river-2 (answer "Rhine") gets the first three usable ones.
    assert len(model.calls) == 2
    assert set(_related(out[1])) == {
        "The Danube delta is in Romania.",
        "The Danube flows through Vienna.",
        "The Danube flows through Vienna and Budapest.",
    }

    def leaky(task, n):
        return [task.supporting_facts[0], "An unrelated but on-topic line.", ""]

    out = add_distractors(POOL[:1], n_related=2, n_chitchat=0, generator=leaky)
    assert out[0].distractors == ("An unrelated but on-topic line.",)


def test_helpers():
    assert parse_statements('1) "One."\n(2) Two.\n\n•  Three') == ["One.", "Two.", "Three"]
    assert leaks_gold("The Danube is long.", POOL[0])
    assert not leaks_gold("Yes, rivers are long.", dataclasses.replace(POOL[0], answers=("yes",)))
    # An answer made of stopwords only cannot be screened without rejecting everything.
    assert not leaks_gold("That is nice.", dataclasses.replace(POOL[0], answers=('"That"',)))
