"""Tests for the seeded synthetic task generator and load_tasks."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from agemem_env.tasks import (
    CHITCHAT,
    SyntheticConfig,
    Task,
    chitchat_lines,
    generate_task,
    generate_tasks,
    load_tasks,
)
from agemem_env.tasks.synthetic_paraphrase import FORMS, LEADS, STALE_FRAMES
from agemem_env.tasks.synthetic_vocab import (
    COMPANY_PREFIXES,
    COMPANY_SUFFIXES,
    COUNTRY_OF,
    FIRST_NAMES,
    PET_NAMES,
    PREFERENCES,
    RELATIONS,
    RETRACTIONS,
    SURNAMES,
)

REPO = Path(__file__).resolve().parents[2]
# A stiff setting: every kind of noise at once, so the invariants are tested under pressure.
HARD = SyntheticConfig(
    hops=3, num_related_facts=10, num_updates=3, num_retractions=2, num_distractors=20
)
CONFIGS = [SyntheticConfig(), HARD, SyntheticConfig(hops=1, num_updates=0, num_retractions=3)]
STOPWORDS = frozenset(
    "a an the is are was were be in at on of to and or s it its has have had i my me you your"
    " that this for with by from as".split()
)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _content_words(text: str) -> set[str]:
    return {w for w in _words(text) if w not in STOPWORDS}


def _mentions(text: str, phrase: str) -> bool:
    """Whole-word, case-insensitive: "blue" is not mentioned by "blues"."""
    return re.search(rf"\b{re.escape(phrase.lower())}\b", text.lower()) is not None


def _tasks(config: SyntheticConfig, n: int = 60, seed: int = 11) -> list[Task]:
    return generate_tasks(n, seed, config)


def _all_tasks() -> list[Task]:
    return [t for cfg in CONFIGS for t in _tasks(cfg)]


# --- determinism -----------------------------------------------------------------------


def test_same_seed_gives_identical_tasks() -> None:
    assert generate_tasks(30, 5, HARD) == generate_tasks(30, 5, HARD)
    rng_a, rng_b = np.random.default_rng(9), np.random.default_rng(9)
    assert generate_task(rng_a, HARD) == generate_task(rng_b, HARD)


def test_different_seeds_give_different_tasks() -> None:
    ids_a = [t.id for t in generate_tasks(20, 1)]
    ids_b = [t.id for t in generate_tasks(20, 2)]
    assert not set(ids_a) & set(ids_b)
    assert len(set(ids_a)) == 20  # and tasks within a seed differ too


def test_longer_list_extends_shorter_one() -> None:
    assert generate_tasks(10, 3)[:4] == generate_tasks(4, 3)


def test_global_random_state_untouched() -> None:
    np.random.seed(123)
    random.seed(123)
    before_np, before_py = np.random.get_state()[1].copy(), random.getstate()
    generate_tasks(10, 0, HARD)
    assert np.array_equal(np.random.get_state()[1], before_np)
    assert random.getstate() == before_py


def test_fresh_process_gives_same_ids() -> None:
    code = (
        "from agemem_env.tasks import generate_tasks, SyntheticConfig\n"
        "cfg = SyntheticConfig(hops=3, num_related_facts=10, num_updates=3,"
        " num_retractions=2, num_distractors=20)\n"
        "print(' '.join(t.id for t in generate_tasks(15, 4, cfg)))\n"
    )
    expected = " ".join(t.id for t in generate_tasks(15, 4, HARD))
    for hash_seed in ("1", "987"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run(
            [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True
        )
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == expected


def test_explicit_task_id_is_used() -> None:
    task = generate_task(np.random.default_rng(0), task_id="mine-1")
    assert task.id == "mine-1"
    assert generate_task(np.random.default_rng(0)).id.startswith("synthetic-")


# --- config validation -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("hops", 0),
        ("hops", 4),
        ("hops", 2.0),
        ("num_related_facts", -1),
        ("num_related_facts", 21),
        ("num_updates", 4),
        ("num_updates", True),
        ("num_retractions", -1),
        ("num_distractors", 41),
        ("distractor_similarity", 1.5),
        ("distractor_similarity", -0.1),
        ("filler_turns", 11),
        ("question_kinds", ()),
        ("question_kinds", ("trivia",)),
        ("question_kinds", "multihop"),
    ],
)
def test_config_rejects_bad_values(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=field):
        SyntheticConfig(**{field: value})


def test_config_accepts_bounds_and_lists() -> None:
    cfg = SyntheticConfig(
        hops=3, num_updates=0, distractor_similarity=1, question_kinds=["multihop"]
    )
    assert cfg.question_kinds == ("multihop",)


# --- answers, distractors, supporting facts ---------------------------------------------


def test_answer_is_stated_and_unambiguous() -> None:
    for task in _all_tasks():
        answer = task.answers[0]
        assert any(_mentions(turn, answer) for turn in task.information), task.id
        facts = task.metadata["facts"]
        last = facts[task.metadata["chain"][-1]]
        assert last["value"] == answer
        others = [f for i, f in enumerate(facts) if i != task.metadata["chain"][-1]]
        # No other fact has (or had) the answer as its value.
        assert all(answer != f["value"] and answer not in f["history"] for f in others)


def test_distractors_never_state_answer_or_chain_entities() -> None:
    for task in _all_tasks():
        chain = [task.metadata["facts"][i] for i in task.metadata["chain"]]
        entities = {f["subject"] for f in chain if f["subject"] != "the user"}
        entities |= {f["value"] for f in chain} | {v for f in chain for v in f["history"]}
        for line in task.distractors:
            assert not any(_mentions(line, e) for e in entities), (task.id, line)
            assert not _mentions(line, task.answers[0])


def test_supporting_facts_are_covered_by_the_turn_that_states_them() -> None:
    for task in _all_tasks():
        roles = task.metadata["turn_roles"]
        kept = [t for t, r in zip(task.information, roles, strict=True) if r != "retracted"]
        facts = [task.metadata["facts"][i] for i in task.metadata["chain"]]
        for sentence, fact in zip(task.supporting_facts, facts, strict=True):
            words = _content_words(sentence)
            best = max(len(words & _content_words(turn)) / len(words) for turn in kept)
            assert best >= 0.6, (task.id, sentence)
            # Key words verbatim: the names and the current value.
            for key in (fact["subject"], fact["value"]):
                if key != "the user":
                    assert any(_mentions(turn, key) for turn in kept), (task.id, key)


def test_every_template_repeats_the_facts_content_words() -> None:
    for name, rel in RELATIONS.items():
        subject = "Dana Ortiz" if rel.subject_kind != "city" else "Porto"
        words = _content_words(rel.fact.format(s=subject, o="Zyx"))
        for line in (*rel.says, *rel.changes):
            said = _content_words(line.format(s=subject, o="Zyx", old="Qwv"))
            assert len(words & said) / len(words) >= 0.6, (name, line)


# --- updates and retractions ------------------------------------------------------------


def _turn_index(task: Task, fact: int, role: str) -> list[int]:
    """Turns that state ``fact`` in ``role`` (a turn may state several facts)."""
    meta = task.metadata
    return [
        k
        for k, (roles, facts) in enumerate(zip(meta["turn_roles"], meta["turn_facts"], strict=True))
        if (role, fact) in zip(roles.split("+"), facts, strict=False)  # filler: no facts
    ]


def _role_counts(task: Task) -> dict[str, int]:
    parts = [r for roles in task.metadata["turn_roles"] for r in roles.split("+")]
    return {r: parts.count(r) for r in set(parts)}


def test_updates_follow_the_fact_they_change_and_gold_has_new_value() -> None:
    seen_update = False
    for task in _tasks(HARD) + _tasks(SyntheticConfig(num_updates=1)):
        meta = task.metadata
        for i, fact in enumerate(meta["facts"]):
            if not fact["history"]:
                continue
            seen_update = True
            first = _turn_index(task, i, fact["role"])
            updates = _turn_index(task, i, "update")
            assert len(first) == 1 and len(updates) == len(fact["history"])
            assert first[0] < min(updates)
            assert _mentions(task.information[first[0]], fact["history"][0])
            assert _mentions(task.information[updates[-1]], fact["value"])
            if i in meta["chain"]:
                assert any(_mentions(s, fact["value"]) for s in task.supporting_facts)
                for old in fact["history"]:
                    assert not any(_mentions(s, old) for s in task.supporting_facts)
    assert seen_update


def test_first_update_hits_the_chain_and_question_asks_now() -> None:
    for task in _tasks(SyntheticConfig(num_updates=1)):
        chain = [task.metadata["facts"][i] for i in task.metadata["chain"]]
        assert sum(len(f["history"]) for f in chain) == 1
        assert task.question.endswith(" now?")
    for task in _tasks(SyntheticConfig(num_updates=0)):
        assert task.metadata["num_updates"] == 0
        assert "update" not in task.metadata["turn_roles"]


def test_stale_chain_link_leads_to_a_wrong_answer() -> None:
    checked = 0
    cfg = SyntheticConfig(hops=3, num_updates=3, question_kinds=("multihop",))
    for task in _tasks(cfg, n=80):
        chain = [task.metadata["facts"][i] for i in task.metadata["chain"]]
        for fact, nxt in zip(chain, chain[1:], strict=False):
            derive = RELATIONS[nxt["relation"]].derive
            if derive is not None and fact["history"]:
                checked += 1
                # Following a stale city must give another country than the answer.
                assert all(derive[old] != nxt["value"] for old in fact["history"])
    assert checked


def test_preference_update_example() -> None:
    cfg = SyntheticConfig(question_kinds=("preference",), num_updates=1)
    for task in _tasks(cfg, n=20):
        fact = task.metadata["facts"][task.metadata["chain"][0]]
        assert task.answers == (fact["value"],) and len(fact["history"]) == 1
        assert task.question.startswith("What is my favourite")
        assert task.supporting_facts[0].startswith("The user's favourite")


def test_retractions_come_after_the_retracted_statement() -> None:
    cfg = SyntheticConfig(num_retractions=3)
    for task in _tasks(cfg):
        retracted = [i for i, f in enumerate(task.metadata["facts"]) if f["role"] == "retracted"]
        assert len(retracted) == 3
        for i in retracted:
            (said,) = _turn_index(task, i, "retracted")
            (withdrawn,) = _turn_index(task, i, "retraction")
            assert said < withdrawn
            assert task.metadata["facts"][i]["value"] not in task.answers


# --- shape knobs ------------------------------------------------------------------------


@pytest.mark.parametrize("hops", [1, 2, 3])
def test_hops_give_chain_length(hops: int) -> None:
    cfg = SyntheticConfig(hops=hops, question_kinds=("multihop",))
    for task in _tasks(cfg, n=30):
        assert task.metadata["hops"] == hops
        assert len(task.supporting_facts) == hops == len(task.metadata["chain"])
        chain = [task.metadata["facts"][i] for i in task.metadata["chain"]]
        # Each link's value is the next link's subject.
        assert all(a["value"] == b["subject"] for a, b in zip(chain, chain[1:], strict=False))


def test_turn_counts_match_config() -> None:
    for task in _tasks(HARD, n=20):
        roles = task.metadata["turn_roles"]
        assert len(roles) == len(task.information) == len(task.metadata["turn_facts"])
        counts = _role_counts(task)
        assert counts["filler"] == HARD.filler_turns
        assert counts["related"] == HARD.num_related_facts
        assert counts["retraction"] == HARD.num_retractions
        assert counts["update"] == HARD.num_updates == task.metadata["num_updates"]
        assert len(task.distractors) == HARD.num_distractors
        assert task.metadata["config"]["hops"] == 3


def test_similarity_zero_gives_only_chitchat() -> None:
    for task in _tasks(SyntheticConfig(distractor_similarity=0.0), n=20):
        assert task.distractors and all(d in CHITCHAT for d in task.distractors)


def test_similarity_one_gives_only_related_distractors() -> None:
    for task in _tasks(SyntheticConfig(distractor_similarity=1.0), n=20):
        assert not any(d in CHITCHAT for d in task.distractors)
        assert set(task.metadata["distractor_roles"]) == {"related"}


# --- vocabulary -------------------------------------------------------------------------


def test_pools_are_word_disjoint_and_chitchat_names_nothing() -> None:
    pools = {
        "names": set(FIRST_NAMES) | set(SURNAMES),
        "companies": set(COMPANY_PREFIXES) | set(COMPANY_SUFFIXES),
        "places": set(COUNTRY_OF) | set(COUNTRY_OF.values()),
        "pets": set(PET_NAMES),
        **{cat: set(values) for cat, values in PREFERENCES.items()},
    }
    owner: dict[str, str] = {}
    for pool, values in pools.items():
        for word in {w for v in values for w in _words(v)}:
            assert owner.setdefault(word, pool) == pool, (word, pool, owner[word])
    for line in CHITCHAT:
        clash = set(_words(line)) & set(owner)
        assert not clash, (line, clash)


def test_chitchat_lines_draws_without_repeats_first() -> None:
    rng = np.random.default_rng(0)
    lines = chitchat_lines(rng, len(CHITCHAT))
    assert sorted(lines) == sorted(CHITCHAT)
    assert len(chitchat_lines(rng, len(CHITCHAT) + 5)) == len(CHITCHAT) + 5
    with pytest.raises(ValueError, match="n"):
        chitchat_lines(rng, -1)


# --- load_tasks -------------------------------------------------------------------------


def test_load_tasks_synthetic_matches_generator() -> None:
    assert load_tasks(limit=5, seed=2, hops=3) == generate_tasks(5, 2, SyntheticConfig(hops=3))
    assert len(load_tasks()) == 100
    assert load_tasks(limit=3) == generate_tasks(3, 0)


def test_load_tasks_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="hotpotqa"):
        load_tasks("squad")
    with pytest.raises(TypeError, match="hopz"):
        load_tasks(hopz=2)
    with pytest.raises(ValueError, match="path"):
        load_tasks("synthetic", path="x.json")
    with pytest.raises(ValueError, match="hops"):
        load_tasks(hops=9)
    with pytest.raises(ValueError, match="seed"):
        generate_tasks(2, -1)


def test_information_tokens_pads_the_stream_without_changing_the_task():
    from agemem_env.tokens import make_token_counter

    counter = make_token_counter()
    plain = generate_task(np.random.default_rng(5), SyntheticConfig())
    padded = generate_task(np.random.default_rng(5), SyntheticConfig(information_tokens=12000))
    tokens = sum(counter.count(turn) for turn in padded.information)
    assert 0.9 * 12000 <= tokens <= 1.15 * 12000
    assert (padded.question, padded.answers, padded.supporting_facts) == (
        plain.question,
        plain.answers,
        plain.supporting_facts,
    )
    kept = [turn for turn in padded.information if turn in plain.information]
    assert kept == list(plain.information)  # originals keep their order, updates stay late


# --- paraphrase -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("paraphrase", -0.1),
        ("paraphrase", 1.5),
        ("paraphrase", "0.5"),
        ("reminder_rate", -1),
        ("reminder_rate", 3.5),
        ("reminder_rate", None),
    ],
)
def test_config_rejects_bad_paraphrase_and_reminder_values(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=rf"{field} must be float in"):
        SyntheticConfig(**{field: value})


def _plain_forms(task: Task, k: int) -> set[str]:
    """Every plain-template text turn ``k`` could have (its single role and fact)."""
    (role,), (i,) = task.metadata["turn_roles"][k].split("+"), task.metadata["turn_facts"][k]
    fact = task.metadata["facts"][i]
    rel, values = RELATIONS[fact["relation"]], [*fact["history"], fact["value"]]
    if role == "retraction":
        topic = rel.topic.format(s=fact["subject"])
        return {line.format(topic=topic) for line in RETRACTIONS}
    if role == "update":
        pairs = list(zip(values, values[1:], strict=False))
        return {c.format(s=fact["subject"], old=a, o=b) for c in rel.changes for a, b in pairs}
    return {line.format(s=fact["subject"], o=values[0]) for line in rel.says}


def _fact_turns(task: Task) -> list[int]:
    return [k for k, facts in enumerate(task.metadata["turn_facts"]) if facts]


def test_paraphrase_zero_keeps_the_plain_templates() -> None:
    for task in _tasks(SyntheticConfig(paraphrase=0.0, num_retractions=2), n=30):
        for k in _fact_turns(task):
            assert task.information[k] in _plain_forms(task, k), task.information[k]


def test_paraphrase_varies_turns_and_joins_statements() -> None:
    tasks = _tasks(SyntheticConfig(paraphrase=1.0, num_retractions=2), n=30)
    single = [
        (t, k) for t in tasks for k in _fact_turns(t) if len(t.metadata["turn_facts"][k]) == 1
    ]
    varied = [t.information[k] not in _plain_forms(t, k) for t, k in single]
    assert all(turn[:1].isupper() for t in tasks for turn in t.information)
    # Wraps keep the plain sentence inside, so not every varied turn differs from plain.
    assert sum(varied) / len(varied) > 0.6
    joined = [(t, k) for t in tasks for k in _fact_turns(t) if len(t.metadata["turn_facts"][k]) > 1]
    assert joined
    for task, k in joined:
        roles = task.metadata["turn_roles"][k].split("+")
        assert len(roles) == 2 and set(roles) <= {"chain", "related"}
        for i in task.metadata["turn_facts"][k]:
            fact = task.metadata["facts"][i]
            assert _mentions(task.information[k], ([*fact["history"], fact["value"]])[0])


def test_paraphrase_changes_the_surface_not_the_facts() -> None:
    for seed in range(15):
        rng_a, rng_b = np.random.default_rng(seed), np.random.default_rng(seed)
        plain = generate_task(rng_a, SyntheticConfig(paraphrase=0.0))
        varied = generate_task(rng_b, SyntheticConfig(paraphrase=0.9))
        for key in ("facts", "chain", "distractor_roles", "reminder_facts", "reminder_stale"):
            assert plain.metadata[key] == varied.metadata[key]
        assert (plain.question, plain.answers, plain.supporting_facts) == (
            varied.question,
            varied.answers,
            varied.supporting_facts,
        )
        assert (plain.distractors, plain.reminders) == (varied.distractors, varied.reminders)

        def flat(task: Task) -> list[tuple[str, int]]:
            meta = task.metadata
            return [
                (role, i)
                for roles, facts in zip(meta["turn_roles"], meta["turn_facts"], strict=True)
                for role, i in zip(roles.split("+"), facts, strict=False)
            ]

        # Same statements in the same order; only wording and turn boundaries differ.
        assert flat(plain) == flat(varied)
        assert plain.information != varied.information or seed  # the seed-0 task changes


def test_every_paraphrase_form_repeats_the_facts_content_words() -> None:
    for name, forms in FORMS.items():
        rel = RELATIONS[name]
        subject = {"city": "Porto", "user": "the user"}.get(rel.subject_kind, "Dana Ortiz")
        words = _content_words(rel.fact.format(s=subject, o="Zyx")) - {"user"}
        leads = forms.lead or LEADS[rel.subject_kind]
        lines = [
            *forms.alt,
            *(f"{lead} {tail}" for lead in leads for tail in forms.tail),
            *forms.corrections,
        ]
        for line in lines:
            said = _content_words(line.format(s=subject, o="Zyx", old="Qwv"))
            assert "zyx" in said, (name, line)
            assert len(words & said) / len(words) >= 0.6, (name, line)


# --- reminders --------------------------------------------------------------------------


def test_reminders_per_chain_fact_follow_the_rate() -> None:
    for rate, expected in ((0.0, 0), (1.0, 1), (2.0, 2)):
        for task in _tasks(SyntheticConfig(reminder_rate=rate, hops=2), n=20):
            per_fact = len(task.reminders) / len(task.metadata["chain"])
            assert per_fact == expected, (rate, task.reminders)
            assert set(task.metadata["reminder_facts"]) <= set(task.metadata["chain"])
    half = [len(t.reminders) for t in _tasks(SyntheticConfig(reminder_rate=0.5, hops=1), n=200)]
    assert set(half) == {0, 1} and 70 <= sum(half) <= 130


def test_reminders_restate_current_or_earlier_values() -> None:
    stale_seen = current_seen = 0
    for task in _tasks(SyntheticConfig(reminder_rate=2.0, num_updates=2), n=40):
        meta = task.metadata
        reminders = zip(task.reminders, meta["reminder_facts"], meta["reminder_stale"], strict=True)
        for text, i, stale in reminders:
            fact = meta["facts"][i]
            if fact["subject"] != "the user":
                assert _mentions(text, fact["subject"])
            if stale:
                stale_seen += 1
                assert fact["history"] and any(_mentions(text, old) for old in fact["history"])
                assert not _mentions(text, fact["value"])
                assert any(text.startswith(f.split("{")[0]) for f in STALE_FRAMES)
            else:
                current_seen += 1
                assert _mentions(text, fact["value"])
                assert not any(_mentions(text, old) for old in fact["history"])
    assert stale_seen and current_seen


def test_reminders_are_deterministic_and_separate_from_distractors() -> None:
    cfg = SyntheticConfig(reminder_rate=1.5)
    assert [t.reminders for t in generate_tasks(20, 8, cfg)] == [
        t.reminders for t in generate_tasks(20, 8, cfg)
    ]
    for task in generate_tasks(20, 8, SyntheticConfig(reminder_rate=3.0)):
        assert len(set(task.reminders)) == len(task.reminders)  # no word-for-word repeats
    for task in generate_tasks(20, 8, cfg):
        assert not set(task.reminders) & set(task.distractors)
        assert len(task.distractors) == cfg.num_distractors


def test_defaults_paraphrase_and_remind() -> None:
    tasks = generate_tasks(40, 0)
    assert all(t.metadata["config"]["paraphrase"] == 0.7 for t in tasks)
    assert sum(len(t.reminders) for t in tasks) > 40
    assert any("+" in role for t in tasks for role in t.metadata["turn_roles"])
