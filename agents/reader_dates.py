"""When a thing was said, and when it happened: date stamps and relative dates.

A conversation's sessions open with a stamp (LoCoMo: "(Session 2, 1:14 pm on 25 May,
2023)", LongMemEval: "[2023/05/25 (Thu) 20:21]"), and a memory that kept the date of what
it holds carries one in front ("(25 May 2023) Caroline: ..."; see ``dated``). "Yesterday"
in a sentence said on 25 May 2023 is 24 May 2023; LoCoMo's gold answers spell the vaguer
ones as "The week before 25 May 2023", which is how ``resolve_when`` spells them too.

>>> day, rest = parse_stamp("(Session 2, 1:14 pm on 25 May, 2023)")
>>> resolve_when("I went to a support group yesterday.", day), rest
('24 May 2023', '')
"""

from __future__ import annotations

import datetime as dt
import re

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
_WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_DAY_MONTH_YEAR = r"(?P<d>\d{1,2}) (?P<m>[A-Z][a-z]+),? (?P<y>\d{4})"
_STAMP_RES = (
    re.compile(rf"^\s*[(\[](?:Session \d+, )?(?:[^()\[\]]*? on )?{_DAY_MONTH_YEAR}[)\]]\s*"),
    re.compile(r"^\s*\[(?P<y>\d{4})/(?P<m>\d{2})/(?P<d>\d{2})(?: \(\w+\))?(?: [\d:]+)?\]\s*"),
)
_COUNTS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
           "a few": 3, "a couple of": 2}
_AGO_RE = re.compile(rf"\b({'|'.join(_COUNTS)}|\d+) (day|week|weekend|month|year)s? ago\b")
_YEAR_SAID_RE = re.compile(r"\b(?:in|since|back in|of) ((?:19|20)\d\d)\b")


def parse_stamp(line: str) -> tuple[dt.date | None, str]:
    """The date a line opens with (None if it opens with none) and the rest of the line.

    >>> parse_stamp("[2023/05/25 (Thu) 20:21] user: hi")
    (datetime.date(2023, 5, 25), 'user: hi')
    >>> parse_stamp("(Session 1) Hello")
    (None, '(Session 1) Hello')
    """
    for regex in _STAMP_RES:
        match = regex.match(line)
        if match:
            day = _date(match["y"], match["m"], match["d"])
            if day is not None:
                return day, line[match.end():]
    return None, line


def _date(year: str, month: str, day: str) -> dt.date | None:
    number = int(month) if month.isdigit() else (
        MONTHS.index(month) + 1 if month in MONTHS else 0)
    try:
        return dt.date(int(year), number, int(day))
    except ValueError:  # "May" spelt otherwise, or 31 April: no stamp
        return None


def session_date(turn: str) -> str | None:
    """The date a session turn opens with, as ``format_date`` writes it; None without one.

    >>> session_date("(Session 3, 9:00 am on 2 June, 2023)\\nCaroline: Hi!")
    '2 June 2023'
    """
    day, _ = parse_stamp(turn.lstrip().split("\n", 1)[0])
    return None if day is None else format_date(day)


def dated(text: str, date: str | None) -> str:
    """A memory's text with the date it was said in front, in the form ``parse_stamp``
    reads back; the text itself without a date.

    >>> dated("Caroline: I went hiking.", "2 June 2023")
    '(2 June 2023) Caroline: I went hiking.'
    """
    return f"({date}) {text}" if date else text


def format_date(day: dt.date) -> str:
    """'7 May 2023'."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _month(day: dt.date, shift: int) -> str:
    index = day.year * 12 + day.month - 1 + shift
    return f"{MONTHS[index % 12]} {index // 12}"


def resolve_when(sentence: str, said: dt.date) -> str:
    """When the event of ``sentence`` happened, for a sentence said on ``said``: a year it
    names, else its relative expression made absolute, else the day it was said.

    >>> day = dt.date(2023, 7, 15)
    >>> [resolve_when(s, day) for s in ("Last Friday I met them.", "We moved in 2019.",
    ...  "I went camping two weekends ago.", "It happened last month.")]
    ['The friday before 15 July 2023', '2019', 'two weekends before 15 July 2023', 'June 2023']
    """
    low, when = sentence.lower(), format_date(said)
    if match := _YEAR_SAID_RE.search(low):
        return match.group(1)
    if re.search(r"\b(?:yesterday|last night)\b", low):
        return format_date(said - dt.timedelta(days=1))
    if match := re.search(rf"\blast ({_WEEKDAYS})\b", low):
        return f"The {match.group(1)} before {when}"
    if re.search(r"\b(?:last|past) weekend\b", low):
        return f"The weekend before {when}"
    if re.search(r"\blast week\b", low):
        return f"The week before {when}"
    if re.search(r"\bthis week\b", low):
        return f"The week of {when}"
    if match := _AGO_RE.search(low):
        count, unit = match.groups()
        n = int(count) if count.isdigit() else _COUNTS[count]
        if unit == "year":
            return str(said.year - n)
        return _month(said, -n) if unit == "month" else f"{count} {unit}s before {when}"
    for phrase, value in (("last month", _month(said, -1)), ("next month", _month(said, 1)),
                          ("last year", str(said.year - 1)), ("next year", str(said.year + 1))):
        if phrase in low:
            return value
    return when
