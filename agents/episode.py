"""One episode's record (``EpisodeRecord``) and what the runner gathers while it is played
(``Episode``): the agent's actions as JSON (``agents.action_log``), the context shown at
each step, and the LLM calls the agent made (``agents.llm.usage``)."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from agents.action_log import encode_action
from agents.llm.usage import LLMCall, summed, usage_log
from agents.protocol import Agent, TaskInfo

logger = logging.getLogger(__name__)


@dataclass
class EpisodeRecord:
    """One finished (or failed) episode. ``judge_*`` are None when no question was asked
    (levels 1-2); an unanswered question scores 0.

    ``actions`` holds every step's action in JSON form (``agents.action_log``), so the
    episode can be replayed; ``llm_*`` total the LLM calls the agent itself made (its
    own prompts and completions, beside the env's context in ``prompt_tokens``).
    """

    env_id: str
    agent: str
    episode: int
    seed: int
    task_id: str | None
    source: str | None
    steps: int
    episode_return: float
    terms: dict[str, float]
    answer: str | None
    judge_score: float | None
    judge_em: float | None
    judge_f1: float | None
    memory_precision: float
    memory_recall: float
    memory_f1: float
    prompt_tokens: list[int]
    prompt_tokens_total: int
    tool_calls: dict[str, int]
    tool_errors: int
    parse_errors: int
    overflow: bool
    terminated: bool
    truncated: bool
    wall_seconds: float
    error: str | None = None
    actions: list[Any] = field(default_factory=list)
    llm_calls: int = 0
    llm_prompt_tokens: int = 0
    llm_completion_tokens: int = 0
    llm_seconds: float = 0.0

    def to_json(self) -> str:
        """One JSON line (no newline); keys are the field names."""
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, line: str) -> EpisodeRecord:
        """The record ``to_json`` wrote (lines of older versions lack the later fields)."""
        data = json.loads(line)
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class Episode:
    """An episode in progress: what its record needs, gathered step by step.

    ``source`` is the task's source, kept here because an honest agent's ``task_info``
    holds no task.
    """

    index: int
    agent: Agent
    task_info: TaskInfo
    info: dict[str, Any]
    start: float
    source: str | None = None
    steps: int = 0
    total: float = 0.0
    prompt_tokens: list[int] = field(default_factory=list)
    actions: list[Any] = field(default_factory=list)
    agent_ready: bool = False
    terminated: bool = False
    truncated: bool = False
    # This episode's LLM calls, read from the agent's usage log when the episode ends;
    # usage_mark is the log's length after agent.reset.
    llm_calls: list[LLMCall] = field(default_factory=list)
    usage_mark: int = 0

    def begin(self) -> None:
        """Reset the agent for this episode and mark where its LLM calls begin."""
        self.agent.reset(self.task_info)
        self.agent_ready = True
        self.usage_mark = len(usage_log(self.agent) or ())

    def chose(self, action: Any) -> None:
        """Keep the action the agent chose for this step (before the env sees it)."""
        self.actions.append(encode_action(action, self.task_info.action_mode))

    def advance(self, reward: float, terminated: bool, truncated: bool, info: dict) -> None:
        """Take the outcome of one env step."""
        self.steps += 1
        self.total += float(reward)
        self.terminated, self.truncated, self.info = bool(terminated), bool(truncated), info

    def record(self, env_id: str, error: str | None = None) -> EpisodeRecord:
        """The record, read from the last info seen."""
        if error is not None:  # one line per failure; the traceback is logged at DEBUG
            logger.warning("episode %d (seed %s) failed: %s", self.index, self.task_info.seed,
                           error)
        if self.agent_ready:
            self.llm_calls = list((usage_log(self.agent) or [])[self.usage_mark :])
        info = self.info
        # judge is None until an answer exists; once the question is out (stage 3) that
        # is an unanswered question, which scores 0. Levels 1-2 ask none: None stays.
        judge = info.get("judge") or {}
        if not judge.get("judged", True):
            judge = dict.fromkeys(("score", "exact_match", "f1") if info.get("stage") == 3
                                  else (), 0.0)
        quality = {k: float(v) for k, v in (info.get("memory_quality") or {}).items()}
        llm = summed(self.llm_calls)
        return EpisodeRecord(
            env_id=env_id, agent=str(getattr(self.agent, "name", type(self.agent).__name__)),
            episode=self.index, seed=self.task_info.seed, task_id=info.get("task_id"),
            source=self.source, steps=self.steps, episode_return=self.total,
            terms={k: float(v) for k, v in info.get("reward_terms", {}).items()},
            answer=info.get("answer"), judge_score=judge.get("score"),
            judge_em=judge.get("exact_match"), judge_f1=judge.get("f1"),
            memory_precision=quality.get("precision", 0.0),
            memory_recall=quality.get("recall", 0.0), memory_f1=quality.get("f1", 0.0),
            prompt_tokens=list(self.prompt_tokens), prompt_tokens_total=sum(self.prompt_tokens),
            tool_calls={k: int(v) for k, v in info.get("tool_calls", {}).items()},
            tool_errors=int(info.get("tool_errors", 0)),
            parse_errors=int(info.get("parse_errors", 0)),
            overflow=bool(info.get("overflow", False)), terminated=self.terminated,
            truncated=self.truncated, wall_seconds=time.perf_counter() - self.start,
            error=error, actions=list(self.actions), llm_calls=int(llm["calls"]),
            llm_prompt_tokens=int(llm["prompt_tokens"]),
            llm_completion_tokens=int(llm["completion_tokens"]),
            llm_seconds=float(llm["seconds"]),
        )
