"""The extractive reader on hand-written synthetic-like and HotpotQA-like passages."""

from __future__ import annotations

import doctest

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import agents.reader
from agents.reader import (
    UNKNOWN,
    answer_question,
    clean_passage,
    entity_spans,
    has_change_cue,
    read,
    split_sentences,
    stem,
)


def test_doctests_pass():
    # pytest's --doctest-modules only walks agemem_env/, so run this module's here.
    result = doctest.testmod(agents.reader)
    assert result.attempted > 0 and result.failed == 0


# --------------------------------------------------------------------- synthetic-like
def test_two_hop_question_bridges_through_the_company():
    passages = ["My friend Dana Ortiz works at Veltrix Labs.",
                "The weather was lovely today.",
                "I read that Veltrix Labs is headquartered in Porto."]
    question = "In which city is the company Dana Ortiz works for headquartered?"
    reading = read(question, passages)
    assert reading.answer == "Porto"
    assert reading.chain == ("Veltrix Labs", "Porto")


def test_three_hop_question_reaches_the_country():
    passages = ["Veltrix Labs has its headquarters in Lyon.",
                "Did I mention that Dana Ortiz got a job at Veltrix Labs?",
                "Fun fact: Lyon is in France, I always mix that up."]
    question = ("In which country is the city where the company Dana Ortiz works for "
                "is headquartered?")
    assert answer_question(question, passages) == "France"


def test_one_hop_question_does_not_wander_past_the_answer():
    passages = ["My cousin Mei Xu lives in Osaka.", "Sapporo is in Japan, right? Yes, I checked."]
    assert answer_question("In which city does Mei Xu live?", passages) == "Osaka"


@pytest.mark.parametrize(
    ("update", "answer"),
    [
        ("Update: I've gone off sushi, my favourite food is tacos now.", "tacos"),
        ("Actually my favourite food is now tacos, not sushi.", "tacos"),
        ("Funny, tacos has replaced sushi as my favourite food.", "tacos"),
    ],
)
def test_changed_preference_gives_the_new_value_not_the_old(update, answer):
    passages = ["My favourite food? Easy, sushi.", update]
    assert answer_question("What is my favourite food now?", passages) == answer


def test_a_move_supersedes_the_earlier_city_even_when_it_ranks_lower():
    # The old sentence shares more words with the question; the move names it as old.
    passages = ["My cousin Mateo Toivonen lives in Coimbra.",
                "Mateo Toivonen moved from Coimbra to Utrecht.",
                "Utrecht is in Netherlands, right? Yes, I checked."]
    question = "In which country is the city Mateo Toivonen lives in now?"
    assert answer_question(question, passages) == "Netherlands"


def test_job_change_with_no_longer_at():
    passages = ["My friend Dana Ortiz works at Veltrix Labs.",
                "Update on Dana Ortiz: no longer at Veltrix Labs, works at Norvane Systems now."]
    assert answer_question("Which company does Dana Ortiz work for now?", passages) == (
        "Norvane Systems"
    )


def test_look_alike_name_loses_to_the_full_name():
    passages = ["Did I mention that Marta Hassan got a job at Calyra Foods?",
                "My friend Marta Pereira works at Driftwell Labs."]
    assert answer_question("Which company does Marta Hassan work for?", passages) == (
        "Calyra Foods"
    )


def test_first_person_question_prefers_the_users_own_statement():
    passages = ["If you ask me, hockey is my favourite sport by far.",
                "Elena Abara's favourite sport is surfing, apparently."]
    assert answer_question("What is my favourite sport?", passages) == "hockey"


def test_third_person_preference_and_pet_name():
    passages = ["Tariq Lopez can't stop talking about moussaka, it's their favourite food.",
                "My neighbour Olga Ibrahim has a dog named Ziggy."]
    assert answer_question("What is Tariq Lopez's favourite food?", passages) == "moussaka"
    assert answer_question("What is the name of Olga Ibrahim's dog?", passages) == "Ziggy"


def test_nothing_overlapping_means_i_dont_know():
    assert answer_question("Which company does Dana work for?", []) == UNKNOWN
    passages = ["I burnt the toast again this morning."]
    assert answer_question("Which company does Dana work for?", passages) == UNKNOWN


def test_retrieval_output_is_cleaned_before_reading():
    tool_text = ("[Retrieve_memory] (ok) 2 memories:\n"
                 "mem_1 (0.82): Dana works at Veltrix Labs.\n"
                 "mem_4 (0.40): Veltrix Labs is headquartered in Porto.")
    assert clean_passage(tool_text).splitlines()[0] == "Dana works at Veltrix Labs."
    question = "In which city is the company Dana works for headquartered?"
    assert answer_question(question, [tool_text]) == "Porto"


# --------------------------------------------------------------------- HotpotQA-like
HOTPOT = [
    "Fun fact about Jane Roe: Jane Roe (March 3, 1921 – August 19, 1974) was an American "
    "chemist. She studied at Fooville University and later taught in Boston.",
    "I was reading about Fooville University earlier: Fooville University is a public "
    "research university located in Springfield. It was founded in 1870.",
    "Oh, and about John Doe: John Doe (born 12 May 1950) is a British painter.",
]


def test_hotpot_bridge_question():
    question = "In which city is the university that Jane Roe studied at located?"
    assert answer_question(question, HOTPOT) == "Springfield"


def test_hotpot_year_and_date_questions():
    assert answer_question("In what year was Fooville University founded?", HOTPOT) == "1870"
    assert answer_question("When was John Doe born?", HOTPOT) == "12 May 1950"


def test_hotpot_comparison_picks_the_earlier_by_year():
    question = "Who was born first, John Doe or Jane Roe?"
    assert answer_question(question, HOTPOT) == "Jane Roe"
    later = "Who was born later, Jane Roe or John Doe?"
    assert answer_question(later, HOTPOT) == "John Doe"


def test_hotpot_yes_no_question_answers_yes():
    assert answer_question("Are Jane Roe and John Doe both chemists?", HOTPOT) == "yes"


# --------------------------------------------------------------------- pieces
def test_stem_joins_inflections():
    assert stem("lives") == stem("live") == stem("lived")
    assert stem("headquartered") == stem("headquarters")


def test_sentences_keep_abbreviations_and_question_fragments():
    text = "Dr. S. P. L. Sorensen was a chemist. He was born in 1868. My pet? Easy, Kiwi."
    assert split_sentences(text) == [
        "Dr. S. P. L. Sorensen was a chemist.", "He was born in 1868.", "My pet? Easy, Kiwi."
    ]


def test_short_last_words_still_end_sentences():
    # "up." is no abbreviation: the padded small talk must split into its sentences.
    assert split_sentences("My umbrella gave up. The heating is on. Kiwi sat on it.") == [
        "My umbrella gave up.", "The heating is on.", "Kiwi sat on it."
    ]


def test_entity_spans_skip_conversational_capitals():
    assert entity_spans("Funny, I read that Tottenham Hotspur moved. Update: ok.") == [
        "Tottenham Hotspur"
    ]


def test_change_cues():
    assert has_change_cue("Dana is no longer at Veltrix.")
    assert has_change_cue("My favourite colour is now teal.")
    assert not has_change_cue("My favourite colour is teal.")


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=60), st.lists(st.text(max_size=120), max_size=4))
def test_answer_question_never_raises(question, passages):
    answer = answer_question(question, passages)
    assert isinstance(answer, str) and answer
