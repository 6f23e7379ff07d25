"""RandomAgent: a random tool with random-ish arguments drawn from the observation.

Meant to exercise every tool and the parser, not to do well: most of its calls parse
(so memory and context really change), a share is garbage (so format penalties fire).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from agemem_env.actions.text import render_completion
from agemem_env.core import ToolCall
from agemem_env.tools import TOOL_NAMES
from agents.protocol import TaskInfo

# No "<" or ">": garbage must never contain a tag the parser would accept.
_GARBAGE_CHARS = "abcdefghijklmnopqrstuvwxyz ABCDEFXYZ0123456789.,;:!?{}[]\"'"


class RandomAgent:
    """Uniform over the seven tools; arguments are snippets of the visible messages.

    Args:
        seed: Base seed; each episode's generator is ``default_rng([seed, episode seed])``,
            so the same seeds give the same actions.
        garbage_rate: Share of steps that emit garbage: in text mode random characters
            with no tags (a format error); in structured mode a sample of
            ``TaskInfo.extra["action_space"]`` (random slots, mostly invalid calls).

    Text mode returns completions; structured mode returns dicts of the structured
    action space (tool index plus argument slots).

    >>> RandomAgent(seed=3).name
    'random'
    """

    name = "random"

    def __init__(self, seed: int = 0, garbage_rate: float = 0.1) -> None:
        if not 0.0 <= garbage_rate <= 1.0:
            raise ValueError(f"garbage_rate must be in [0, 1], got {garbage_rate!r}")
        self.seed = int(seed)
        self.garbage_rate = garbage_rate
        self._rng = np.random.default_rng(self.seed)
        self._mode = "text"
        self._space: Any = None
        self._ids: set[str] = set()  # memory ids the env reported this episode

    def reset(self, task_info: TaskInfo) -> None:
        """A fresh generator from the agent seed and the episode seed."""
        if task_info.action_mode not in ("text", "structured"):
            raise ValueError(f"unknown action_mode {task_info.action_mode!r}")
        entropy = [self.seed] if task_info.seed is None else [self.seed, int(task_info.seed)]
        self._rng = np.random.default_rng(entropy)
        self._mode = task_info.action_mode
        self._space = task_info.extra.get("action_space")
        self._ids = set()

    def act(self, observation: dict[str, Any], info: dict[str, Any]) -> Any:
        """A random action of the episode's action mode."""
        self._ids.update(_reported_ids(info))
        if self._rng.random() < self.garbage_rate:
            return self._garbage()
        tool = TOOL_NAMES[int(self._rng.integers(len(TOOL_NAMES)))]
        texts = [m["content"] for m in observation["messages"] if m["role"] != "system"]
        args = self._arguments(tool, texts)
        if self._mode == "structured":
            return _structured(tool, args)
        if tool == "Answer":
            return render_completion(answer=args["text"], think="A guess.")
        return render_completion([ToolCall(tool, args)], think="Try something.")

    def _snippet(self, texts: list[str], longest: int) -> str:
        """A run of 1..longest words from a random visible message."""
        words = texts[int(self._rng.integers(len(texts)))].split() if texts else []
        if not words:
            return "hello"
        size = int(self._rng.integers(1, longest + 1))
        start = int(self._rng.integers(max(1, len(words) - size + 1)))
        return " ".join(words[start : start + size])

    def _memory_id(self) -> str:
        """Half the time an id the env reported, else a made-up one (likely unknown)."""
        seen = sorted(self._ids)
        if seen and self._rng.random() < 0.5:
            return seen[int(self._rng.integers(len(seen)))]
        return f"mem_{int(self._rng.integers(1, 20))}"

    def _arguments(self, tool: str, texts: list[str]) -> dict[str, Any]:
        if tool == "Add_memory":
            return {"content": self._snippet(texts, 12)}
        if tool == "Update_memory":
            return {"memory_id": self._memory_id(), "content": self._snippet(texts, 12)}
        if tool == "Delete_memory":
            return {"memory_id": self._memory_id(),
                    "confirmation": bool(self._rng.random() < 0.8)}
        if tool == "Retrieve_memory":
            return {"query": self._snippet(texts, 8), "top_k": int(self._rng.integers(1, 8))}
        if tool == "Summary_context":
            span = "all" if self._rng.random() < 0.5 else str(int(self._rng.integers(1, 6)))
            return {"span": span}
        if tool == "Filter_context":
            return {"criteria": self._snippet(texts, 8)}
        return {"text": self._snippet(texts, 3)}

    def _garbage(self) -> Any:
        """Text: random characters with no tags (a format error). Structured: a sample of
        the env's space with 12-character texts (random slots, mostly invalid calls)."""
        if self._mode == "structured":
            if isinstance(self._space, spaces.Dict):
                self._space.seed(int(self._rng.integers(2**31 - 1)))
                # Short texts: a full-length sample would flood the context.
                mask = {key: (12, None) if isinstance(sub, spaces.Text) else None
                        for key, sub in self._space.spaces.items()}
                return self._space.sample(mask=mask)
            return {"tool": int(self._rng.integers(len(TOOL_NAMES), 10))}
        size = int(self._rng.integers(1, 40))
        return "".join(self._rng.choice(list(_GARBAGE_CHARS), size=size))


def _reported_ids(info: dict[str, Any]) -> set[str]:
    """Memory ids in the step's data: results' added / updated / deleted / retrieved ids and
    the memories Stage 1 showed."""
    ids: set[str] = set()
    for result in info.get("step_results") or []:
        for key in ("added", "updated", "deleted"):
            ids.update(result.get(key) or [])
        ids.update(hit["id"] for hit in result.get("retrieved") or [])
    ids.update(hit["id"] for hit in info.get("auto_retrieved") or [])
    return ids


def _structured(tool: str, args: dict[str, Any]) -> dict[str, Any]:
    """The structured action-space dict for ``tool`` and its arguments."""
    text = next((str(args[k]) for k in ("content", "query", "span", "criteria", "text")
                 if k in args), "")
    return {
        "tool": TOOL_NAMES.index(tool),
        "text": text,
        "memory_id": args.get("memory_id", ""),
        "memory_type": "",
        "metadata": "",
        "top_k": int(args.get("top_k", 0)),
        "confirmation": int(bool(args.get("confirmation", False))),
    }
