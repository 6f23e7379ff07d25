"""Dated passages: session stamps, relative dates, and the reader's when/clause/list answers."""

from __future__ import annotations

import datetime as dt
import doctest

import pytest

import agents.reader_dates
from agents.reader import answer_question
from agents.reader_dates import dated, parse_stamp, resolve_when, session_date

SAID = dt.date(2023, 5, 8)
SESSION = "(Session 1, 1:56 pm on 8 May, 2023)"


def test_doctests_pass():
    result = doctest.testmod(agents.reader_dates)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize(("line", "day", "rest"), [
    (SESSION, SAID, ""),
    ("(8 May 2023) Caroline: hi", SAID, "Caroline: hi"),
    ("[2023/05/08 (Mon) 20:21] user: hi", SAID, "user: hi"),
    ("(Session 4) Caroline: hi", None, "(Session 4) Caroline: hi"),
    ("(31 April, 2023) no such day", None, "(31 April, 2023) no such day"),
])
def test_parse_stamp_reads_every_stamp_form_and_nothing_else(line, day, rest):
    assert parse_stamp(line) == (day, rest)


def test_a_dated_memory_round_trips_through_its_stamp():
    assert session_date(f"{SESSION}\nCaroline: I went hiking.") == "8 May 2023"
    assert parse_stamp(dated("Caroline: I went hiking.", "8 May 2023")) == (
        SAID, "Caroline: I went hiking.")
    assert dated("no date", None) == "no date"


@pytest.mark.parametrize(("sentence", "when"), [
    ("I went to a support group yesterday.", "7 May 2023"),
    ("Last Saturday I ran a charity race.", "The saturday before 8 May 2023"),
    ("I gave a talk at a school last week.", "The week before 8 May 2023"),
    ("We went biking last weekend.", "The weekend before 8 May 2023"),
    ("I applied to agencies this week.", "The week of 8 May 2023"),
    ("We went camping two weekends ago.", "two weekends before 8 May 2023"),
    ("I moved here 4 years ago.", "2019"),
    ("My friend adopted a child last year.", "2022"),
    ("I lost my job last month.", "April 2023"),
    ("I painted it back in 2021.", "2021"),
    ("I signed up for a pottery class.", "8 May 2023"),
])
def test_relative_dates_are_made_absolute_as_locomo_spells_them(sentence, when):
    assert resolve_when(sentence, SAID) == when


def test_last_month_in_january_is_december_of_the_year_before():
    assert resolve_when("It happened last month.", dt.date(2024, 1, 15)) == "December 2023"


def test_when_questions_read_the_date_of_the_sentence_that_answers():
    passages = [f"{SESSION}\nCaroline: I went to a LGBTQ support group yesterday.",
                "(Session 2, 1:14 pm on 25 May, 2023)\nMelanie: I ran a charity race last Sunday."]
    assert answer_question("When did Caroline go to the LGBTQ support group?",
                           passages) == "7 May 2023"
    assert answer_question("When did Melanie run a charity race?",
                           passages) == "The sunday before 25 May 2023"


def test_an_undated_when_question_keeps_the_span_answer():
    assert answer_question("When was Ana born?", ["Ana was born in 1950 in Porto."]) == "1950"


def test_clause_questions_answer_with_the_clause_not_one_word():
    answer = answer_question("What did the charity race raise awareness for?",
                             ["Melanie: I ran a charity race for mental health last Saturday."])
    assert "mental health" in answer
    why = answer_question("Why did Caroline choose the adoption agency?",
                          ["Caroline: I chose them because they help LGBTQ+ folks."])
    assert "help" in why and "LGBTQ+" in why


def test_plural_questions_answer_with_a_list_from_several_sentences():
    answer = answer_question("What instruments does Melanie play?",
                             ["Melanie: Yeah, I play clarinet!",
                              "Melanie: I play violin to relax."])
    assert answer.count(",") >= 1
    assert "clarinet" in answer and "violin" in answer
