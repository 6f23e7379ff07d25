"""Expert trajectories as chat data: record any agent's episodes, keep the good ones, and
write them as JSON lines or a ``datasets.Dataset`` for supervised warm starts.

An agent step is one example: the messages the env showed (system prompt with the tool
schemas, then the context with earlier tool results) followed by the agent's completion as
an assistant message. That is the step-wise shape the env and the GRPO trainer use: the
context changes between steps (stages reset it, Filter and Summary rewrite it), so one
long conversation per episode would show the model contexts it never sees. Structured
actions are rendered to the canonical completion text, so a structured expert (the
oracle) teaches an LLM the same format it must produce.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from agemem_env.actions.text import render_completion
from agemem_env.core import ToolCall
from agents.protocol import Agent, TaskInfo
from agents.runner import EpisodeRecord, run_episodes


@dataclass
class Trajectory:
    """One episode: what the agent saw and wrote at each step, and how it scored."""

    seed: int | None
    steps: list[dict[str, Any]] = field(default_factory=list)
    """Per step: ``messages`` (the observation's chat) and ``completion`` (the action)."""
    record: EpisodeRecord | None = None

    def examples(self) -> list[dict[str, Any]]:
        """One chat example per step, with the episode's scores as metadata."""
        meta = _metadata(self.record)
        return [
            {
                "messages": [*step["messages"], {"role": "assistant",
                                                 "content": step["completion"]}],
                "metadata": {**meta, "step": i, "stage": step["stage"]},
            }
            for i, step in enumerate(self.steps)
        ]


class RecordingAgent:
    """Wraps an agent and keeps every (observation, action) pair it plays.

    A fresh ``Trajectory`` starts at each ``reset``; the runner is unchanged, so vector
    envs and failures behave exactly as in ``agemem eval``.
    """

    def __init__(self, inner: Agent):
        self.inner = inner
        self.name = inner.name
        self.trajectories: list[Trajectory] = []
        if hasattr(inner, "action_mode"):  # the runner makes envs in the agent's mode
            self.action_mode = inner.action_mode

    def reset(self, task_info: TaskInfo) -> None:
        self.trajectories.append(Trajectory(seed=task_info.seed))
        self.inner.reset(task_info)

    def act(self, observation: dict[str, Any], info: dict[str, Any]) -> Any:
        action = self.inner.act(observation, info)
        self.trajectories[-1].steps.append({
            "messages": [{"role": m["role"], "content": m["content"]}
                         for m in observation["messages"]],
            "completion": completion_text(action),
            "stage": int(observation["stage"]),
        })
        return action


def completion_text(action: Any) -> str:
    """The text completion of an action of either mode.

    >>> completion_text(ToolCall("Answer", {"text": "Paris"}))
    '<answer>Paris</answer>'
    >>> completion_text({"tool": "Retrieve_memory", "query": "capital"})[:11]
    '<tool_call>'
    """
    if isinstance(action, str):
        return action
    from agemem_env.actions.parse import structured_call

    items = action if isinstance(action, list | tuple) else [action]
    calls = [item if isinstance(item, ToolCall) else structured_call(item) for item in items]
    answers = [c for c in calls if c.name == "Answer"]
    if answers and len(calls) == 1:
        return render_completion(answer=str(answers[0].arguments.get("text", "")))
    return render_completion(calls)


def record_trajectories(
    env_id: str,
    agent_factory: Callable[[], Agent],
    *,
    episodes: int,
    seed: int = 0,
    env_kwargs: dict[str, Any] | None = None,
    task_indices: bool = False,
    progress: bool = True,
) -> list[Trajectory]:
    """Play ``episodes`` seeded episodes (as ``run_episodes``) and keep their steps.

    Episodes that failed are dropped: their steps stop mid-way.
    """
    recorders: list[RecordingAgent] = []

    def factory() -> RecordingAgent:
        recorders.append(RecordingAgent(agent_factory()))
        return recorders[-1]

    records = run_episodes(env_id, factory, episodes=episodes, seed=seed,
                           env_kwargs=env_kwargs, task_indices=task_indices, progress=progress)
    by_seed = {t.seed: t for r in recorders for t in r.trajectories}
    kept = []
    for record in records:
        if record.error is None and record.seed in by_seed:
            by_seed[record.seed].record = record
            kept.append(by_seed[record.seed])
    return kept


def select(
    trajectories: Iterable[Trajectory],
    *,
    min_return: float | None = None,
    min_answer_f1: float | None = None,
) -> list[Trajectory]:
    """The trajectories whose episode return and answer F1 reach the given floors."""
    def good(t: Trajectory) -> bool:
        r = t.record
        if r is None:
            return False
        if min_return is not None and r.episode_return < min_return:
            return False
        return min_answer_f1 is None or (r.judge_f1 or 0.0) >= min_answer_f1

    return [t for t in trajectories if good(t)]


def write_jsonl(trajectories: Sequence[Trajectory], path: str | Path) -> int:
    """Write one chat example per line; returns how many."""
    examples = [e for t in trajectories for e in t.examples()]
    with Path(path).open("w", encoding="utf-8") as fh:
        for example in examples:
            fh.write(json.dumps(example, ensure_ascii=False) + "\n")
    return len(examples)


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """The examples ``write_jsonl`` wrote; a malformed line names its line number."""
    examples = []
    with Path(path).open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                example = json.loads(line)
            except json.JSONDecodeError as err:
                raise ValueError(f"{path}:{number}: not JSON ({err.msg})") from err
            messages = example.get("messages") if isinstance(example, dict) else None
            if not isinstance(messages, list) or not messages or any(
                    not isinstance(m, dict) or not {"role", "content"} <= m.keys()
                    for m in messages):
                raise ValueError(f"{path}:{number}: needs 'messages', a non-empty list of "
                                 "{role, content} objects")
            if messages[-1]["role"] != "assistant":
                raise ValueError(f"{path}:{number}: the last message must be the assistant's")
            examples.append(example)
    return examples


def to_dataset(examples: Sequence[dict[str, Any]]) -> Any:
    """The examples as a Hugging Face ``datasets.Dataset`` (columns messages, metadata)."""
    try:
        from datasets import Dataset
    except ImportError as err:
        raise ImportError("to_dataset needs the `datasets` package: pip install datasets") \
            from err
    return Dataset.from_list(list(examples))


def _metadata(record: EpisodeRecord | None) -> dict[str, Any]:
    if record is None:
        return {}
    keep = ("agent", "env_id", "seed", "task_id", "episode_return", "judge_em", "judge_f1",
            "memory_f1", "terms")
    return {k: v for k, v in asdict(record).items() if k in keep}
