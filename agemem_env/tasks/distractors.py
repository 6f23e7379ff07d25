"""Stage-2 distractors for dataset tasks: nearby passages of other tasks, or model-written
statements, plus small talk.

The dataset loaders (HotpotQA, LoCoMo, LongMemEval) leave ``Task.distractors`` empty;
:func:`add_distractors` fills it. A *related* distractor is on the task's topic but must not
help answer it, so every candidate is checked against the task's gold material: it may not
be one of the task's own turns, restate a gold supporting fact (``fact_support`` >= 0.6, as
memory quality counts support) or mention a gold answer.

>>> from agemem_env.tasks.task import Task
>>> tasks = [
...     Task("a", ("Ana lives in Porto.",), "Where does Ana live?", ("Porto",),
...          ("Ana lives in Porto.",), source="demo"),
...     Task("b", ("Ana works at a bakery in Lyon.",), "Where does Ana work?", ("a bakery",),
...          ("Ana works at a bakery in Lyon.",), source="demo"),
... ]
>>> out = add_distractors(tasks, n_related=1, n_chitchat=0)
>>> out[0].distractors
('Ana works at a bakery in Lyon.',)
"""

from __future__ import annotations

import dataclasses
import logging
import math
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

import numpy as np

from agemem_env.embed import CachedEmbedder, Embedder, make_embedder
from agemem_env.scoring.text import STOPWORDS, content_tokens, normalize_answer
from agemem_env.tasks.synthetic_vocab import chitchat_lines
from agemem_env.tasks.task import Task

__all__ = [
    "DistractorGenerator",
    "GenerateFn",
    "LLMDistractorGenerator",
    "add_distractors",
    "distractor_messages",
    "leaks_gold",
    "parse_statements",
    "trim_passage",
]

logger = logging.getLogger(__name__)

# Same threshold as memory_quality: a passage holding this share of a fact's content tokens
# "supports" the fact, so it would be information, not a distractor.
SUPPORT_THRESHOLD = 0.6
# Answers too generic to screen for: "no" would reject every passage that says "no".
_UNSCREENED_ANSWERS = frozenset({"", "yes", "no"})
_EMBED_CHUNK = 2048
# Similarity cells per block of queries (float32): 2**24 cells = 64 MiB.
_BLOCK_CELLS = 2**24
# Sentence end: ., ! or ? (then any closing quotes or brackets) before whitespace or the end.
_SENTENCE_END_RE = re.compile(r"[.!?][\"')\]]*(?=\s|$)")
# Leading list markers a model puts on lines: "-", "*", "•", "1.", "2)", "(3)".
_LIST_MARKER_RE = re.compile(r"^(?:[-*•]+|\(?\d+[.):]|\(\d+\))\s*")

# Contract of a chat model: OpenAI-style messages ({"role", "content"}) -> completion text.
GenerateFn = Callable[[list[dict[str, str]]], str]


class DistractorGenerator(Protocol):
    """Writes ``n`` related-but-unhelpful statements for a task (fewer if it cannot)."""

    def __call__(self, task: Task, n: int) -> list[str]:
        """Return up to ``n`` distractor statements for ``task``."""
        ...


def add_distractors(
    tasks: Sequence[Task],
    *,
    n_related: int = 4,
    n_chitchat: int = 2,
    embedder: Embedder | str | None = "hashing",
    seed: int = 0,
    generator: DistractorGenerator | None = None,
    replace: bool = False,
    max_chars: int | None = 600,
) -> list[Task]:
    """Give each task Stage-2 distractors: related passages and small talk, interleaved.

    Related distractors are, without a ``generator``, the information turns of the *other*
    tasks in ``tasks`` nearest (cosine) to this task's question plus supporting facts,
    skipping any that :func:`leaks_gold` flags; ties go to the passage seen first. With a
    ``generator``, its statements (screened the same way) are used instead. Small talk comes
    from the project's pool. ``np.random.default_rng(seed + i)`` for the task at position
    ``i`` draws the small talk and the interleaving; nothing else is random. The new task's
    metadata gains ``distractor_roles`` ("related" / "chitchat" per turn), as synthetic
    tasks have.

    Args:
        tasks: The tasks; their information turns are the pool of related passages.
        n_related: Related distractors per task (fewer when the pool runs out).
        n_chitchat: Small-talk lines per task.
        embedder: Embedder or ``make_embedder`` spec (``None`` means MiniLM there); not built
            when a ``generator`` is given or ``n_related`` is 0.
        seed: Base seed for small talk and order.
        generator: Writes related statements instead of picking neighbours.
        replace: Also redo tasks that already have distractors (kept by default).
        max_chars: Related passages longer than this are cut at a sentence end; ``None``
            keeps them whole.

    Returns:
        New tasks, in the input order; tasks left alone are the same objects.
    """
    if isinstance(tasks, str | Task):
        raise TypeError("add_distractors takes a sequence of Task, not a single item")
    for name, value in (("n_related", n_related), ("n_chitchat", n_chitchat)):
        if not isinstance(value, int) or value < 0:
            raise ValueError(f"add_distractors: {name} must be an int >= 0, got {value!r}")
    if max_chars is not None and max_chars < 1:
        raise ValueError(f"add_distractors: max_chars must be >= 1 or None, got {max_chars!r}")
    tasks = list(tasks)
    todo = [i for i, task in enumerate(tasks) if replace or not task.distractors]
    if not todo or n_related == 0:
        related: dict[int, list[str]] = {i: [] for i in todo}
    elif generator is not None:
        related = {i: _generated(generator, tasks[i], n_related) for i in todo}
    else:
        related = _nearest_passages(tasks, todo, n_related, _embedder(embedder))
    out = list(tasks)
    for i in todo:
        rng = np.random.default_rng(seed + i)
        passages = [trim_passage(text, max_chars) for text in related[i]]
        out[i] = _with_distractors(tasks[i], passages, chitchat_lines(rng, n_chitchat), rng)
    return out


def _embedder(spec: Embedder | str | None) -> Embedder:
    resolved = make_embedder(spec)
    # A cache made just for this call only doubles memory: each passage is embedded once.
    if not isinstance(spec, CachedEmbedder) and isinstance(resolved, CachedEmbedder):
        return resolved.inner
    return resolved


def _with_distractors(
    task: Task, related: list[str], chitchat: list[str], rng: np.random.Generator
) -> Task:
    turns = related + chitchat
    roles = ["related"] * len(related) + ["chitchat"] * len(chitchat)
    order = rng.permutation(len(turns))
    metadata = {**task.metadata, "distractor_roles": tuple(roles[k] for k in order)}
    return dataclasses.replace(task, distractors=tuple(turns[k] for k in order), metadata=metadata)


def leaks_gold(text: str, task: Task) -> bool:
    """Whether ``text`` would help answer ``task`` (so it cannot be a distractor).

    True when it is one of the task's information turns, restates a supporting fact
    (identical after normalisation, or ``fact_support`` >= 0.6) or mentions a gold answer
    as whole words after normalisation (answers "yes", "no" and ones made only of
    stopwords are not screened).

    >>> task = Task("t", ("Ana lives in Porto.",), "Where does Ana live?", ("Porto",),
    ...             ("Ana lives in Porto.",))
    >>> leaks_gold("Porto has a lovely old bridge.", task)
    True
    >>> leaks_gold("Ana has a cat called Miso.", task)
    False
    """
    return _leaks(text, _normalised(text), task)


def _normalised(text: str) -> tuple[str, frozenset[str]]:
    """``normalize_answer(text)`` and its content tokens (as ``content_tokens``)."""
    normalised = normalize_answer(text)
    return normalised, frozenset(normalised.split()) - STOPWORDS


def _leaks(text: str, normalised: tuple[str, frozenset[str]], task: Task) -> bool:
    """``leaks_gold`` with the text's normalisation computed once by the caller."""
    if text in task.information:
        return True
    flat, tokens = normalised
    for fact in task.supporting_facts:
        fact_flat, fact_tokens = _normalised(fact)
        if flat == fact_flat:
            return True
        # fact_support(text, fact), from the tokens already at hand.
        if fact_tokens and len(fact_tokens & tokens) / len(fact_tokens) >= SUPPORT_THRESHOLD:
            return True
    return _mentions_answer(flat, task.answers)


def _mentions_answer(normalised_text: str, answers: Sequence[str]) -> bool:
    padded = f" {normalised_text} "
    for answer in answers:
        gold = normalize_answer(answer)
        # "yes", "no" or a stopword answer ("That") would reject nearly every passage.
        if gold in _UNSCREENED_ANSWERS or not content_tokens(gold):
            continue
        if f" {gold} " in padded:
            return True
    return False


def _generated(generator: DistractorGenerator, task: Task, n: int) -> list[str]:
    kept: list[str] = []
    for text in generator(task, n):
        text = text.strip()
        if text and text not in kept and not leaks_gold(text, task):
            kept.append(text)
    if len(kept) < n:
        logger.debug("task %s: generator gave %d of %d usable distractors", task.id, len(kept), n)
    return kept[:n]


def _nearest_passages(
    tasks: list[Task], todo: list[int], n: int, embedder: Embedder
) -> dict[int, list[str]]:
    """For each task in ``todo``, the ``n`` nearest non-leaking passages of the pool."""
    passages = list(dict.fromkeys(turn for task in tasks for turn in task.information))
    related: dict[int, list[str]] = {i: [] for i in todo}
    if not passages:
        return related
    vectors = _embed_all(embedder, passages)
    queries = [" ".join((tasks[i].question, *tasks[i].supporting_facts)) for i in todo]
    block = max(1, _BLOCK_CELLS // len(passages))
    normalised: dict[int, tuple[str, frozenset[str]]] = {}  # filled as passages are screened
    for start in range(0, len(todo), block):
        chunk = todo[start : start + block]
        # Rows are L2-normalised, so the product is cosine similarity; rounding makes
        # near-equal floats true ties, broken by passage order whatever the BLAS kernel.
        sims = np.round(_embed_all(embedder, queries[start : start + block]) @ vectors.T, 5)
        for row, i in zip(sims, chunk, strict=True):
            budget = n + len(tasks[i].information) + 32  # own turns rank high and are skipped
            for k in _ranking(row, budget):
                if k not in normalised:
                    normalised[k] = _normalised(passages[k])
                if not _leaks(passages[k], normalised[k], tasks[i]):
                    related[i].append(passages[k])
                    if len(related[i]) == n:
                        break
    return related


def _embed_all(embedder: Embedder, texts: list[str]) -> np.ndarray:
    starts = range(0, len(texts), _EMBED_CHUNK)
    parts = [embedder.embed(texts[k : k + _EMBED_CHUNK]) for k in starts]
    return np.concatenate(parts).astype(np.float32, copy=False)


def _ranking(row: np.ndarray, top: int) -> Iterator[int]:
    """Indices by descending value, ties by index; sorts the top ``top`` first, then the rest."""
    if top < len(row):
        cutoff = np.partition(row, len(row) - top)[len(row) - top]
        groups = [np.flatnonzero(row >= cutoff), np.flatnonzero(row < cutoff)]
    else:
        groups = [np.arange(len(row))]
    for indices in groups:
        # flatnonzero is ascending, so a stable sort keeps ties in index order.
        for k in indices[np.argsort(-row[indices], kind="stable")]:
            yield int(k)


def trim_passage(text: str, max_chars: int | None = 600) -> str:
    """Cut ``text`` to at most ``max_chars`` at a sentence end (at a word, with "...", if
    the first sentence is already too long).

    >>> trim_passage("One. Two two. Three three three.", 16)
    'One. Two two.'
    >>> trim_passage("Supercalifragilistic words here", 16)
    'Supercalifra...'
    >>> trim_passage("Short.", None)
    'Short.'
    """
    if max_chars is None or len(text) <= max_chars:
        return text
    ends = [m.end() for m in _SENTENCE_END_RE.finditer(text, 0, max_chars + 1)]
    ends = [end for end in ends if end <= max_chars]
    if ends:
        return text[: ends[-1]]
    head = text[: max(1, max_chars - 3)]
    if " " in head.strip():
        head = head.rstrip().rsplit(" ", 1)[0]
    return head.rstrip() + "..."


class LLMDistractorGenerator:
    """Asks a chat model for plausible statements on the question's topic that do not
    answer it.

    Each call asks for up to ``n_per_call`` statements, one per line; lines are parsed with
    :func:`parse_statements`, and repeats and lines mentioning a gold answer are dropped.
    Calls repeat until ``n`` statements are kept or ``extra_calls`` calls beyond the needed
    ones were spent.

    Args:
        generate: The model: chat messages in, completion text out (see ``GenerateFn``).
        n_per_call: Most statements asked for in one call.
        extra_calls: Calls allowed beyond ``ceil(n / n_per_call)`` to make up dropped lines.

    >>> def model(messages):
    ...     return "1. Ana once visited Lisbon.\\n2. Ana moved to Porto in 2019.\\n- Ana likes tea."
    >>> task = Task("t", ("Ana lives in Porto.",), "Where does Ana live?", ("Porto",), ())
    >>> LLMDistractorGenerator(model)(task, 2)
    ['Ana once visited Lisbon.', 'Ana likes tea.']
    """

    def __init__(self, generate: GenerateFn, n_per_call: int = 8, extra_calls: int = 2) -> None:
        if not callable(generate):
            raise TypeError(f"generate must be callable, got {type(generate).__name__}")
        if not isinstance(n_per_call, int) or n_per_call < 1:
            raise ValueError(f"n_per_call must be an int >= 1, got {n_per_call!r}")
        if not isinstance(extra_calls, int) or extra_calls < 0:
            raise ValueError(f"extra_calls must be an int >= 0, got {extra_calls!r}")
        self.generate = generate
        self.n_per_call = n_per_call
        self.extra_calls = extra_calls

    def __call__(self, task: Task, n: int) -> list[str]:
        """Return up to ``n`` statements for ``task``; see the class docstring."""
        kept: list[str] = []
        seen: set[str] = set()
        calls = 0
        max_calls = math.ceil(n / self.n_per_call) + self.extra_calls if n > 0 else 0
        while len(kept) < n and calls < max_calls:
            want = min(self.n_per_call, n - len(kept))
            reply = self.generate(distractor_messages(task, want, avoid=kept))
            calls += 1
            if not isinstance(reply, str):
                raise TypeError(f"generate returned {type(reply).__name__}, expected str")
            for line in parse_statements(reply):
                key = normalize_answer(line)
                if key and key not in seen and not _mentions_answer(key, task.answers):
                    seen.add(key)
                    kept.append(line)
        return kept[:n]


_SYSTEM_PROMPT = (
    "You write distractor statements for a memory test. A distractor is about the same "
    "topic as a question (the same or similar people, places, things or events) and sounds "
    "plausible, but it does not answer the question and gives no clue to the answer."
)


def distractor_messages(task: Task, n: int, avoid: Sequence[str] = ()) -> list[dict[str, str]]:
    """The chat messages asking a model for ``n`` distractor statements for ``task``.

    >>> task = Task("t", ("x",), "Where does Ana live?", ("Porto",), ())
    >>> [m["role"] for m in distractor_messages(task, 3)]
    ['system', 'user']
    """
    lines = [
        f"Question: {task.question}",
        f"Answer (never state or hint at it): {'; '.join(task.answers)}",
        "",
        f"Write {n} short, self-contained statements related to the topic of this question "
        "that do NOT answer it. Write one statement per line, with no numbering, no "
        "introduction and nothing else.",
    ]
    if avoid:
        lines += ["", "Do not repeat these statements:", *(f"- {text}" for text in avoid)]
    return [
        {"role": "system", "content": _SYSTEM_PROMPT},
        {"role": "user", "content": "\n".join(lines)},
    ]


def parse_statements(text: str) -> list[str]:
    """One statement per non-empty line, without list markers or surrounding quotes;
    heading lines (ending in ":") are dropped.

    >>> parse_statements('Here are three:\\n1. "Ana likes tea."\\n\\n* Bo runs.\\n(3) Cy sings.')
    ['Ana likes tea.', 'Bo runs.', 'Cy sings.']
    """
    statements = []
    for raw in text.splitlines():
        line = _LIST_MARKER_RE.sub("", raw.strip()).strip().strip("\"'“”").strip()
        if line and not line.endswith(":"):
            statements.append(line)
    return statements
