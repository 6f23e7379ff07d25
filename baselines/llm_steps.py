"""The LLM steps of a baseline (extract, decide, answer): one prompt, a JSON reply read
leniently, and a rule fallback counted per step when the reply is unusable.

Each call is logged in ``llm_usage`` (``agents.llm.usage``) under its step name, and goes
through ``agents.llm.batching.generate``: in a vector run the baselines of all slots act
in threads and their calls reach the shared back-end in batches.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from agemem_env.actions.lenient_json import load_json_values
from agents.llm import BackendError, ChatBackend, batching, make_backend
from agents.llm.usage import LLMCall, LLMUsage
from agents.reader import UNKNOWN, answer_question

logger = logging.getLogger(__name__)
_T = TypeVar("_T")

ANSWER_SYSTEM = ("Answer the question from the memories and messages given. Reply with the "
                 "short answer only (a name, value or yes/no), no sentence.")
MAX_PASSAGE_CHARS = 3000  # keep a small model's prompt short


class BadReply(ValueError):
    """The LLM's reply does not have the shape a step needs."""


@dataclass
class LLMSteps:
    """Runs a baseline's LLM steps on a chat back-end, falling back to rules per step.

    ``usage`` sums every call; ``llm_usage`` lists them (step, tokens, seconds) and only
    grows: read an episode's calls from a mark taken at its start (``agents.llm.usage``).

    Args:
        backend: A ChatBackend or a spec for ``agents.llm.make_backend``.
        max_new_tokens: Longest reply of a JSON step.
        answer_tokens: Longest reply of the answer step.
    """

    # agents.protocol.batch_act_of: an agent holding these steps as ``llm`` may act in a
    # thread beside other agents, its calls batched with theirs.
    thread_batching: ClassVar[bool] = True

    backend: ChatBackend | str
    max_new_tokens: int = 64
    answer_tokens: int = 16
    usage: LLMUsage = field(default_factory=LLMUsage)
    fallbacks: Counter[str] = field(default_factory=Counter)
    llm_usage: list[LLMCall] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.max_new_tokens < 1 or self.answer_tokens < 1:
            raise ValueError("max_new_tokens and answer_tokens must be >= 1, got "
                             f"{self.max_new_tokens} and {self.answer_tokens}")
        self.backend = make_backend(self.backend)

    def ask(self, step: str, system: str, user: str, read: Callable[[Any], _T],
            fallback: Callable[[], _T], max_new_tokens: int | None = None) -> _T:
        """``read`` applied to the first JSON value of the reply; on no JSON, a BadReply
        from ``read`` or a back-end error, ``fallback()`` instead, counted under ``step``."""
        try:
            text = self._generate(step, system, user, max_new_tokens or self.max_new_tokens)
            value = first_json(text)
            return read(value)
        except (BadReply, BackendError, KeyError, TypeError) as err:
            logger.debug("LLM step %s fell back to rules: %s", step, err)
            self.fallbacks[step] += 1
            return fallback()

    def answer(self, question: str, passages: Sequence[str]) -> str:
        """A short answer from the LLM; the extractive reader's when the reply is empty,
        runs on, or the back-end fails."""
        context = "\n".join(passages)[-MAX_PASSAGE_CHARS:]
        user = f"Memories and messages:\n{context}\n\nQuestion: {question}\nAnswer:"
        try:
            text = self._generate("answer", ANSWER_SYSTEM, user, self.answer_tokens).strip()
        except BackendError as err:
            logger.debug("LLM answer fell back to the reader: %s", err)
            text = ""
        line = text.splitlines()[0].strip(" .\"'") if text else ""
        if not line or len(line.split()) > 12 or "<" in line or "{" in line:
            self.fallbacks["answer"] += 1
            return answer_question(question, passages)
        return line if line.lower() != "unknown" else UNKNOWN

    def _generate(self, step: str, system: str, user: str, max_new_tokens: int) -> str:
        messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        # constrained=False: these replies are JSON or a short answer, not env actions
        completion = batching.generate(self.backend, messages, max_new_tokens=max_new_tokens,
                                       constrained=False)
        self.usage.record(completion)
        self.llm_usage.append(LLMCall.of(step, completion))
        return completion.text


def first_json(text: str) -> Any:
    """The first JSON object or array in ``text`` (code fences and prose around it are
    skipped, truncation repaired); BadReply when there is none.

    >>> first_json('Sure! ```json\\n{"facts": ["Ana lives in Porto",]}\\n```')
    {'facts': ['Ana lives in Porto']}
    """
    starts = [i for i in (text.find("{"), text.find("[")) if i >= 0]
    if not starts:
        raise BadReply("no JSON in the reply")
    body = text[min(starts):].replace("```", " ")
    values, _ = load_json_values(body)
    if not values or not isinstance(values[0], dict | list):
        raise BadReply("no JSON object or array in the reply")
    return values[0]


def string_list(value: Any, key: str) -> list[str]:
    """``value[key]`` (or ``value`` itself) as a list of non-empty strings; BadReply else.

    >>> string_list({"facts": ["a", " b "]}, "facts")
    ['a', 'b']
    """
    items = value.get(key) if isinstance(value, dict) else value
    if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
        raise BadReply(f"expected a list of strings under {key!r}")
    return [x.strip() for x in items if x.strip()]
