"""EmbodiedHeuristicAgent: memory rules for the embodied envs (AgeMem-BabyAI/SciWorld/ALFWorld).

Stage 1: each reported earlier-run turn is stored (Add_memory); chit-chat is filtered.
Stage 2: every message is filtered (other runs do not apply), then the stage is ended.
Stage 3: one retrieval with the mission as query; a stored route for the same mission
(and start, where the benchmark states one) is replayed, up to 16 commands a step. With
no route (or ``use_memory=False``, the no-memory baseline, which stores and retrieves
nothing) it explores: BabyAI, heads for the target once seen and wanders otherwise;
text worlds, walks through the doors it reads about.
"""

from __future__ import annotations

import re
from collections import deque
from typing import Any

import numpy as np

from agemem_env.actions.text import render_completion
from agemem_env.core import ToolCall
from agents.protocol import TaskInfo

MAX_CALLS = 16  # the parser runs at most 16 calls per completion
EXPERIENCE_TAG = "[earlier run]"
_MISSION_RE = re.compile(r"Your mission: (?P<mission>.*) You start (?P<start>.*)\. You may "
                         r"issue at most (?P<budget>\d+) commands", re.DOTALL)
_ROUTE_RE = re.compile(r"Successful route for '(?P<mission>.*)'(?: from the start "
                       r"(?P<start>.*?))? \(\d+ commands\): (?P<plan>.*)$", re.MULTILINE)
_SEEN_RE = re.compile(r"a (?P<what>[a-z ]+?) (?P<ahead>\d+) ahead(?: and (?P<side>\d+) "
                      r"(?P<dir>left|right))?|a (?P<what2>[a-z ]+?) (?P<side2>\d+) "
                      r"(?P<dir2>left|right)")
_DOOR_RE = re.compile(r"door to (?:the )?([a-z][a-z ]*?)\s*(?:\(|$|\n|,)", re.MULTILINE)


class EmbodiedHeuristicAgent:
    """Store the earlier run, retrieve its route, replay it (see the module docstring).

    Args:
        use_memory: False gives the no-memory baseline: nothing is stored or retrieved.
        seed: Seeds the exploration moves (together with the episode seed).

    >>> EmbodiedHeuristicAgent().name, EmbodiedHeuristicAgent(use_memory=False).name
    ('embodied-heuristic', 'embodied-no-memory')
    """

    def __init__(self, use_memory: bool = True, seed: int = 0) -> None:
        self.use_memory, self.seed = use_memory, seed
        self.name = "embodied-heuristic" if use_memory else "embodied-no-memory"
        self._plan: deque[str] = deque()
        self._route_state = "unread"  # unread -> retrieved -> read
        self._seen: set[str] = set()
        self._rng = np.random.default_rng(seed)

    def reset(self, task_info: TaskInfo) -> None:
        """Forget the previous episode; raises ValueError outside text mode."""
        if task_info.action_mode != "text":
            raise ValueError(f"{self.name} acts in text mode, not {task_info.action_mode!r}")
        self._plan, self._route_state, self._seen = deque(), "unread", set()
        self._rng = np.random.default_rng([self.seed, task_info.seed or 0])

    def act(self, observation: dict[str, Any], info: dict[str, Any]) -> str:
        """The completion for this observation."""
        messages, stage = observation["messages"], observation["stage"]
        if stage == 1:
            return self._store(messages)
        if stage == 2:
            users = [m["content"] for m in messages if m["role"] == "user"]
            calls = [ToolCall("Filter_context", {"criteria": text}) for text in users[:MAX_CALLS]]
            return render_completion(calls, answer="Done.", think="Other runs do not apply.")
        return self._play(messages)

    # ----------------------------------------------------------------- stage 1
    def _store(self, messages: list[dict[str, str]]) -> str:
        new = [t for t in _since_last_turn(messages, "user") if t not in self._seen]
        self._seen.update(new)
        if not new or not self.use_memory:
            return render_completion(answer="Noted.", think="Nothing more to store.")
        calls = [
            ToolCall("Add_memory", {"content": t[:3900], "memory_type": "experience"})
            if t.startswith(EXPERIENCE_TAG) else ToolCall("Filter_context", {"criteria": t})
            for t in new[:MAX_CALLS]
        ]
        return render_completion(calls, think="Keep what the earlier run taught.")

    # ----------------------------------------------------------------- stage 3
    def _play(self, messages: list[dict[str, str]]) -> str:
        goal = _mission(messages)
        if self.use_memory and self._route_state == "unread" and goal is not None:
            self._route_state = "retrieved"
            query = f"Successful route for '{goal[0]}' from the start {goal[1]}"
            call = ToolCall("Retrieve_memory", {"query": query, "top_k": 10})
            return render_completion([call], think="Look up the route I stored.")
        if self._route_state == "retrieved" and goal is not None:
            self._plan = deque(_route(messages, *goal))
            self._route_state = "read"  # a route is read once; afterwards, explore
        if self._plan:
            commands = [self._plan.popleft() for _ in range(min(MAX_CALLS, len(self._plan)))]
            calls = [ToolCall("Act", {"command": c}) for c in commands]
            return render_completion(calls, think="Replay the stored route.")
        command = self._explore(_latest_view(messages), goal[0] if goal else "")
        return render_completion([ToolCall("Act", {"command": command})], think="Explore.")

    def _explore(self, view: str, mission: str) -> str:
        """One exploration command from the latest observation."""
        if "You are at" in view:
            return _babyai_move(view, mission, self._rng)
        doors = _DOOR_RE.findall(view)
        if not doors:
            return "look around"
        room = doors[int(self._rng.integers(len(doors)))].strip()
        return str(self._rng.choice([f"open door to {room}", f"go to {room}", "look around"]))


# --------------------------------------------------------------------- helpers
def _since_last_turn(messages: list[dict[str, str]], role: str) -> list[str]:
    last = max((i for i, m in enumerate(messages) if m["role"] == "assistant"), default=-1)
    return [m["content"] for m in messages[last + 1 :] if m["role"] == role]


def _mission(messages: list[dict[str, str]]) -> tuple[str, str] | None:
    """(mission, start) from the Stage-3 question."""
    for message in messages:
        if message["role"] == "user" and (match := _MISSION_RE.search(message["content"])):
            return match["mission"].strip(), match["start"].strip()
    return None


def _route(messages: list[dict[str, str]], mission: str, start: str) -> list[str]:
    """The commands of a retrieved route for this mission (and start, when it names one)."""
    for message in reversed(messages):
        if message["role"] != "tool" or not message["content"].startswith("[Retrieve_memory]"):
            continue
        for match in _ROUTE_RE.finditer(message["content"]):
            same_start = match["start"] is None or match["start"].strip() == start
            if match["mission"] == mission and same_start:
                return [c.strip() for c in match["plan"].split(" | ") if c.strip()]
    return []


def _latest_view(messages: list[dict[str, str]]) -> str:
    for message in reversed(messages):
        text = message["content"]
        if text.startswith("[Act] (ok)") or text.startswith("Observation:"):
            return text
    return ""


def _babyai_move(view: str, mission: str, rng: np.random.Generator) -> str:
    """Head for a visible object named in the mission; otherwise wander, opening doors."""
    ahead_text = view.split("directly ahead: ", 1)[-1].split(".", 1)[0]
    target = mission.replace("go to", "").replace("pick up", "").strip()
    words = set(target.replace("the ", "").replace("a ", "").split())
    seen = view.split("You see:", 1)[-1]
    for match in _SEEN_RE.finditer(seen):
        what = match["what"] or match["what2"] or ""
        if not words or not words <= set(what.split()):
            continue
        ahead = int(match["ahead"] or 0)
        side = int(match["side"] or match["side2"] or 0)
        direction = match["dir"] or match["dir2"]
        if side == 0 and ahead <= 1:
            return "pick up" if mission.startswith("pick up") else "go forward"
        if ahead_text == "nothing" and (ahead > 1 or (ahead == 1 and side == 0)):
            return "go forward"
        return f"turn {direction}" if side else "turn left"
    if ahead_text.startswith("closed"):
        return "toggle"
    free = ahead_text == "nothing" or ahead_text.startswith("open")
    choices, weights = ["go forward", "turn left", "turn right"], [0.7, 0.15, 0.15]
    if not free:
        choices, weights = ["turn left", "turn right"], [0.5, 0.5]
    return str(rng.choice(choices, p=weights))


def no_memory_agent(seed: int = 0) -> EmbodiedHeuristicAgent:
    """The registry's "embodied-no-memory": the same agent with memory switched off."""
    return EmbodiedHeuristicAgent(use_memory=False, seed=seed)
