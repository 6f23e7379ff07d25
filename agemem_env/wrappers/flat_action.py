"""FlatToolAction: a policy that outputs numbers picks a tool, a target and a top_k; the
wrapper builds the valid tool call from what the episode has shown."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from agemem_env.actions.text import render_completion
from agemem_env.core import ToolCall
from agemem_env.wrappers.array_observation import check_chat_space
from agemem_env.wrappers.episode_view import QUESTION_STAGE, EpisodeView
from agemem_env.wrappers.span_answer import best_span

# The verbs, in the order of the env's default tools (index 0-6), then "wait" (no call).
VERBS = ("add", "update", "delete", "retrieve", "summary", "filter", "answer", "wait")
_TARGETED = frozenset({"add", "update", "delete", "filter"})
_NEEDS_TOOL = {"add": "Add_memory", "update": "Update_memory", "delete": "Delete_memory",
               "retrieve": "Retrieve_memory", "summary": "Summary_context",
               "filter": "Filter_context", "answer": "Answer"}
STAGE_END_ANSWER = "Done."
TEXT_WAIT = "<think>wait</think>"
AnswerFn = Callable[[str, Sequence[str]], str]
"""(question, passages) -> answer text; passages are retrieved memories, then user turns."""


@dataclass(frozen=True)
class Choice:
    """One decoded action: the verb, the target index and the top_k it was given."""

    verb: str
    target: int = 0
    top_k: int = 0


class FlatToolAction(gym.ActionWrapper):
    """``MultiDiscrete([8, targets, len(top_ks)])`` or ``Discrete(len(menu))`` -> a tool call.

    | verb | call it makes | target j |
    |---|---|---|
    | add | Add_memory(content = user turn j) | j-th newest user turn |
    | update | Update_memory(listed memory j, content = newest user turn) | j-th listed memory |
    | delete | Delete_memory(listed memory j, confirmation = true) | j-th listed memory |
    | retrieve | Retrieve_memory(the question; before Stage 3 the newest turn, top_k) | - |
    | summary | Summary_context(span = "all") | - |
    | filter | Filter_context(criteria = user turn j) | j-th newest user turn |
    | answer | Answer(answer_fn(question, passages)); "Done." before Stage 3 | - |
    | wait | no call: the round moves on (text mode: ``TEXT_WAIT``, a format error) | - |

    *Listed memories* are the latest hits the env reported in ``info`` (a Retrieve's, else
    Stage 1's auto-retrieval), best first: the ``listing`` block of ``FeatureObservation``.
    User turns exclude the Stage-3 question. A target past the end takes the last one
    there is; a verb with nothing to act on (no turn, no listed memory) waits. What was
    decoded and sent is in ``info["flat_action"]``.

    ``discrete=True`` offers the ``menu``: every verb once per target where it has one,
    retrieve once per top_k (18 choices by default). Wrap this innermost, under the
    observation wrappers: it reads the chat observation.

    Args:
        env: An AgeMem env in either action mode (text mode gets a rendered completion).
        targets: Turns / memories a targeted verb can choose between.
        top_ks: The top_k values retrieve can choose between.
        discrete: ``Discrete`` menu instead of ``MultiDiscrete``.
        answer_fn: The Stage-3 answer; default a minimal extractive span
            (``span_answer.best_span``); ``agents.reader.answer_question`` reads better.

    >>> import gymnasium as gym, agemem_env
    >>> from agemem_env.wrappers.flat_action import FlatToolAction
    >>> env = FlatToolAction(gym.make("AgeMem-Stage3-v0", embedder="hashing",
    ...                                action_mode="structured"))
    >>> _ = env.reset(seed=0)
    >>> _, _, _, _, info = env.step(np.array([0, 0, 0]))  # add the newest turn
    >>> info["flat_action"]["calls"][0]["name"], info["step_results"][0]["added"]
    ('Add_memory', ['mem_1'])
    """

    def __init__(self, env: gym.Env, targets: int = 3, top_ks: Sequence[int] = (1, 3, 5),
                 discrete: bool = False, answer_fn: AnswerFn | None = None):
        super().__init__(env)
        check_chat_space(env.observation_space, "FlatToolAction")
        if not isinstance(targets, int) or targets < 1:
            raise ValueError(f"targets must be an int >= 1, got {targets!r}")
        self.top_ks = _check_top_ks(top_ks, env)
        _check_tools(env)
        self.targets, self.discrete = targets, discrete
        self.answer_fn = answer_fn or best_span
        self.menu = _menu(targets, self.top_ks)
        self.action_space = (spaces.Discrete(len(self.menu)) if discrete
                             else spaces.MultiDiscrete([len(VERBS), targets, len(self.top_ks)]))
        self.view = EpisodeView()
        self._mode = getattr(env.unwrapped, "action_mode", "structured")

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """Reset the env and the episode view."""
        obs, info = self.env.reset(seed=seed, options=options)
        self.view = EpisodeView()
        self.view.update(obs, info)
        self._stage = obs["stage"]
        return obs, info

    def step(self, action: Any):
        """Decode, send the call, and record both in ``info["flat_action"]``."""
        choice = self.decode(action)
        calls = self.calls(choice)
        obs, reward, terminated, truncated, info = self.env.step(self._render(calls))
        self.view.update(obs, info)
        self._stage = obs["stage"]
        sent = [{"name": c.name, "arguments": c.arguments} for c in calls]
        info = {**info, "flat_action": {**asdict(choice), "calls": sent}}
        return obs, reward, terminated, truncated, info

    def action(self, action: Any) -> Any:
        """The env action this flat action means now."""
        return self._render(self.calls(self.decode(action)))

    def decode(self, action: Any) -> Choice:
        """A flat action -> ``Choice``; raises ValueError naming what is out of range."""
        if not self.action_space.contains(np.asarray(action, dtype=np.int64)):
            raise ValueError(f"action {action!r} is not in {self.action_space}")
        if self.discrete:
            return self.menu[int(np.asarray(action))]
        verb, target, k = (int(a) for a in np.asarray(action).reshape(-1))
        return Choice(VERBS[verb], target, self.top_ks[k] if VERBS[verb] == "retrieve" else 0)

    def calls(self, choice: Choice) -> list[ToolCall]:
        """The tool calls of ``choice`` in the current state ([] means wait)."""
        view = self.view
        turn = _pick(view.turns, choice.target)
        memory = _pick(view.listing, choice.target)
        query = view.question or (view.turns[0] if view.turns else "")
        verb = choice.verb
        if verb == "add" and turn is not None:
            return [ToolCall("Add_memory", {"content": turn})]
        if verb == "filter" and turn is not None:
            return [ToolCall("Filter_context", {"criteria": turn})]
        if verb == "update" and memory is not None and view.turns:
            return [ToolCall("Update_memory", {"memory_id": memory.id,
                                               "content": view.turns[0]})]
        if verb == "delete" and memory is not None:
            return [ToolCall("Delete_memory", {"memory_id": memory.id, "confirmation": True})]
        if verb == "retrieve" and query:
            return [ToolCall("Retrieve_memory", {"query": query, "top_k": choice.top_k})]
        if verb == "summary":
            return [ToolCall("Summary_context", {"span": "all"})]
        if verb == "answer":
            return [ToolCall("Answer", {"text": self._answer()})]
        return []  # wait, or nothing to act on

    def _answer(self) -> str:
        if self._stage != QUESTION_STAGE or self.view.question is None:
            return STAGE_END_ANSWER
        return self.answer_fn(self.view.question, self.view.passages())

    def _render(self, calls: list[ToolCall]) -> Any:
        if self._mode == "structured":
            return calls
        if not calls:  # text mode has no empty step: the env counts this a format error
            return TEXT_WAIT
        answer = next((c.arguments["text"] for c in calls if c.name == "Answer"), None)
        return render_completion([c for c in calls if c.name != "Answer"], answer=answer)


def _menu(targets: int, top_ks: Sequence[int]) -> list[Choice]:
    """Each verb once per target where it takes one, retrieve once per top_k."""
    menu: list[Choice] = []
    for verb in VERBS:
        if verb == "retrieve":
            menu += [Choice(verb, 0, k) for k in top_ks]
        elif verb in _TARGETED:
            menu += [Choice(verb, t) for t in range(targets)]
        else:
            menu.append(Choice(verb))
    return menu


def _pick(items: Sequence[Any], index: int) -> Any:
    """Item ``index``, the last one when past the end, None when empty."""
    return items[min(index, len(items) - 1)] if items else None


def _check_top_ks(top_ks: Sequence[int], env: gym.Env) -> tuple[int, ...]:
    out = tuple(top_ks)
    limit = env.action_space["top_k"].n - 1 if isinstance(env.action_space, spaces.Dict) else 20
    if not out or any(not isinstance(k, int) or not 1 <= k <= limit for k in out):
        raise ValueError(f"top_ks must be ints in 1..{limit}, got {top_ks!r}")
    return out


def _check_tools(env: gym.Env) -> None:
    tools = getattr(env.unwrapped, "tools", None)
    names = {tool.spec.name for tool in tools} if tools is not None else set()
    missing = sorted(set(_NEEDS_TOOL.values()) - names)
    if missing:
        raise ValueError(f"FlatToolAction needs the tools {missing}, which the env lacks")
