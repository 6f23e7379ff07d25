"""Names on the board, and text made safe for each report format.

Agent and suite names are one to 64 characters of ``A-Z a-z 0-9 . _ + @ -``, starting
with a letter or digit: the same string picks the result file (``<suite>__<agent>.json``)
and labels the row, so no two names can share a file and no name can carry markup.
Free text (descriptions, notes, errors) is escaped where it is written.

>>> check_name("llm@smollm2", "agent")
'llm@smollm2'
>>> check_name("heuristic/", "agent")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
ValueError: agent name 'heuristic/' is not allowed: ...
"""

from __future__ import annotations

import html
import re

NAME_CHARS = "A-Z a-z 0-9 . _ + @ -"
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+@-]{0,63}")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_MARKDOWN_SPECIAL_RE = re.compile(r"([\\`*_\[\]<>|~])")  # what can start markup mid-line


def check_name(name: object, what: str) -> str:
    """``name`` if it is a valid board name; ValueError (one line) otherwise."""
    if isinstance(name, str) and NAME_RE.fullmatch(name) and "__" not in name:
        return name
    raise ValueError(f"{what} name {name!r} is not allowed: use 1-64 characters of "
                     f"{NAME_CHARS}, starting with a letter or digit, without '__'")


def safe_name(text: str) -> str:
    """Text made a valid name by replacing every other run of characters with "-".

    >>> safe_name("openai:http://127.0.0.1:8000/v1#smollm2")
    'openai-http-127.0.0.1-8000-v1-smollm2'
    """
    cleaned = re.sub(r"[^A-Za-z0-9._+@]+|_{2,}", "-", text).strip("-._+@")
    return cleaned[:64] or "unnamed"


def one_line(text: object) -> str:
    """Text on one line: control characters and line breaks become spaces.

    >>> one_line("two\\nlines\\x1b[31m")
    'two lines [31m'
    """
    return " ".join(_CONTROL_RE.sub(" ", str(text)).split())


def markdown_text(text: object) -> str:
    """One line of Markdown that shows ``text`` literally (tables, links, HTML escaped).

    >>> markdown_text("a|b <script>")
    'a\\\\|b \\\\<script\\\\>'
    """
    return _MARKDOWN_SPECIAL_RE.sub(r"\\\1", one_line(text))


def html_text(text: object) -> str:
    """One line of HTML-escaped text.

    >>> html_text("<b>x</b>")
    '&lt;b&gt;x&lt;/b&gt;'
    """
    return html.escape(one_line(text))
