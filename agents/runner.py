"""Run an agent over seeded episodes, on one env or over Gymnasium vector envs, and
summarise the records.

Episode ``i`` is reset with seed ``seed + i`` (and ``options={"task_index": i}`` for dataset
sources) whichever env slot runs it, so every mode gives the same record per seed for a
deterministic agent. An exception in ``agent.reset``, ``agent.act`` or ``env.step`` ends
only its own episode: its record keeps the error, and later episodes run.

Over vector envs, the slots ready to act are asked in one ``agents.protocol.act_batch``
call per step, so agents with a batch form (LLM agents sharing one back-end) generate
together. The LLM calls an agent logs in ``llm_usage`` (``agents.llm.usage``) are
totalled per episode in its record (``llm_*``), and every action is kept in JSON form
(``EpisodeRecord.actions``) so the episode can be replayed.

Only agents that declare ``privileged = True`` (``agents.protocol.is_privileged``) get the
gold task in ``TaskInfo.task``; every other agent gets None there.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from tqdm import tqdm

import agemem_env  # noqa: F401  (registers the ids)
from agemem_env.core import ToolCall
from agents.episode import Episode, EpisodeRecord
from agents.protocol import Agent, TaskInfo, act_batch, is_privileged
from agents.summary import SUMMARY_METRICS, mean_ci, summarise

__all__ = ["VECTOR_MODES", "EpisodeRecord", "SUMMARY_METRICS", "mean_ci", "run_episodes",
           "summarise"]  # the record and the summary live apart; imported from here too

logger = logging.getLogger(__name__)

VECTOR_MODES = ("none", "sync", "async")
# (episode index, reset seed, reset options)
PlanItem = tuple[int, int, dict[str, Any] | None]
EnvFactory = Callable[[], gym.Env]
# Takes each finished record (keeps it, writes it, counts it).
Sink = Callable[[EpisodeRecord], None]
# A padding episode (a slot with no work left) must still be stepped; this ends it fast.
IDLE_ACTIONS = {"text": "<answer>idle</answer>", "structured": ToolCall("Answer", {"text": "idle"})}


def run_episodes(
    env_id: str,
    agent_factory: Callable[[], Agent],
    *,
    episodes: int,
    seed: int = 0,
    env_kwargs: dict[str, Any] | None = None,
    num_envs: int = 1,
    vector: str = "none",
    progress: bool = True,
    out: str | Path | None = None,
    task_indices: bool = False,
) -> list[EpisodeRecord]:
    """Play ``episodes`` episodes and return their records, ordered by episode index.

    Args:
        env_id: A registered id, e.g. "AgeMem-Stage3-v0"; ``env_kwargs`` go to ``gym.make``.
        agent_factory: Makes a fresh agent: called once, or once per vector slot.
        episodes: How many; episode ``i`` is reset with seed ``seed + i``.
        num_envs: Slots of the vector env (at most ``episodes`` are made).
        vector: "none" (one env), "sync" (SyncVectorEnv) or "async" (AsyncVectorEnv).
        progress: Show a tqdm bar over episodes.
        out: JSONL file; each record is appended and flushed as its episode ends.
        task_indices: Reset episode ``i`` with ``options={"task_index": i}`` (dataset
            sources: episode i plays task i).

    Raises:
        ValueError: A bad mode or count, or ``num_envs > 1`` with ``vector="none"``.
    """
    if vector not in VECTOR_MODES:
        raise ValueError(f"vector must be one of {VECTOR_MODES}, got {vector!r}")
    if episodes < 0 or num_envs < 1:
        raise ValueError(f"need episodes >= 0 and num_envs >= 1, got {episodes}, {num_envs}")
    if vector == "none" and num_envs != 1:
        raise ValueError(f"num_envs={num_envs} needs vector='sync' or 'async'")
    agent_factory, env_kwargs = _honour_action_mode(agent_factory, dict(env_kwargs or {}))
    make_env = partial(gym.make, env_id, **env_kwargs)
    plan: list[PlanItem] = [
        (i, seed + i, {"task_index": i} if task_indices else None) for i in range(episodes)
    ]
    records: list[EpisodeRecord] = []
    with _sink(records, out, tqdm(total=episodes, desc=env_id, unit="ep",
                                  disable=not progress)) as sink:
        if plan and vector == "none":
            _run_sequential(env_id, make_env, agent_factory, plan, sink)
        elif plan:
            _VectorRun(env_id, make_env, agent_factory, plan, sink, num_envs, vector).run()
    return sorted(records, key=lambda r: r.episode)


# ----------------------------------------------------------------- one env
def _run_sequential(
    env_id: str, make_env: EnvFactory, agent_factory: Callable[[], Agent],
    plan: list[PlanItem], sink: Sink,
) -> None:
    """One env, one agent, episodes in order."""
    env, agent = make_env(), agent_factory()
    try:
        for index, seed, options in plan:
            start = time.perf_counter()
            obs, info = env.reset(seed=seed, options=options)
            ep = _begin_episode(index, agent, env_id, env.unwrapped.action_mode, seed,
                                env.unwrapped.task, info, start, env.action_space)
            sink(_play(env, env_id, ep, obs, info))
    finally:
        env.close()


def _play(env: gym.Env, env_id: str, ep: Episode, obs: dict, info: dict) -> EpisodeRecord:
    try:
        ep.begin()
        done = False
        while not done:
            ep.prompt_tokens.append(int(obs["context_tokens"]))
            action = ep.agent.act(obs, info)
            ep.chose(action)
            obs, reward, terminated, truncated, info = env.step(action)
            ep.advance(reward, terminated, truncated, info)
            done = terminated or truncated
    except Exception as err:  # recorded, not fatal: later episodes still run
        return _failed(ep, env_id, err)
    return ep.record(env_id)


# ----------------------------------------------------------------- vector envs
@dataclass(frozen=True)
class _Packet:
    """A sub-env's info boxed whole, so the vector env passes it through unmerged (its
    per-key merging would coerce dtypes and choke on judge None vs dict)."""

    info: dict[str, Any]
    task: Any = None
    error: str | None = None


class _AnyAction(gym.Space):
    """The env's action space, opaque to the vector env: each agent's action is handed
    through as is (Dict batching would reject ToolCalls and lists of calls)."""

    def __init__(self, inner: gym.Space):
        self.inner = inner
        super().__init__(dtype=object)

    def sample(self, mask: Any = None, probability: Any = None) -> Any:
        return self.inner.sample()

    def contains(self, x: Any) -> bool:  # the env itself judges actions
        return True

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _AnyAction) and other.inner == self.inner


class _SlotEnv(gym.Wrapper):
    """What a vector slot runs: infos boxed in a ``_Packet``, the task sent at reset, and
    an exception in ``step`` returned as a finished step carrying the error, so one env's
    failure ends only its episode (in a worker process too)."""

    def __init__(self, make_env: EnvFactory):
        super().__init__(make_env())
        self.action_space = _AnyAction(self.env.action_space)
        self._last: tuple[Any, dict[str, Any]] = (None, {})

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None
              ) -> tuple[Any, dict[str, Any]]:
        """Reset; the info carries the episode's task."""
        obs, info = self.env.reset(seed=seed, options=options)
        self._last = (obs, info)
        return obs, {"slot": _Packet(info, task=self.env.unwrapped.task)}

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        """Step; an exception becomes a terminated step with the error."""
        try:
            obs, reward, terminated, truncated, info = self.env.step(action)
        except Exception as err:  # reported to the runner, which records it
            obs, info = self._last
            return obs, 0.0, True, False, {"slot": _Packet(info, error=_describe(err))}
        self._last = (obs, info)
        return obs, reward, terminated, truncated, {"slot": _Packet(info)}


class _VectorRun:
    """Episodes spread over vector-env slots, each with its own agent.

    Autoreset is off: the runner resets a finished slot itself, with the next episode's
    seed and options (a partial reset through ``options["reset_mask"]``). A slot with no
    work left plays padding episodes with an idle action, as every slot is stepped.
    """

    def __init__(self, env_id: str, make_env: EnvFactory, agent_factory: Callable[[], Agent],
                 plan: list[PlanItem], sink: Sink, num_envs: int, mode: str):
        n = min(num_envs, len(plan))
        fns = [partial(_SlotEnv, make_env) for _ in range(n)]
        options = {"copy": False, "autoreset_mode": gym.vector.AutoresetMode.DISABLED}
        self.vec = (  # custom spaces cannot live in shared memory
            gym.vector.SyncVectorEnv(fns, **options) if mode == "sync"
            else gym.vector.AsyncVectorEnv(fns, shared_memory=False, **options)
        )
        self.env_id, self.sink, self.n = env_id, sink, n
        self.pending: deque[PlanItem] = deque(plan)
        self.agents = [agent_factory() for _ in range(n)]
        self.episodes: list[Episode | None] = [None] * n  # None: padding
        self.items: list[PlanItem] = [plan[0]] * n
        self.obs: list[dict[str, Any]] = [{} for _ in range(n)]
        self.action_mode = self.vec.get_attr("action_mode")[0]
        self.action_space = self.vec.single_action_space.inner

    def run(self) -> None:
        """Play every planned episode."""
        try:
            first = [self.pending.popleft() for _ in range(self.n)]
            # A full reset first: partial resets need every slot to hold an observation.
            self.vec.reset(seed=[item[1] for item in first])
            for i, item in enumerate(first):
                self._reset(i, item)
            while any(ep is not None for ep in self.episodes):
                self._step()
        finally:
            self.vec.close()

    def _step(self) -> None:
        actions = self._actions()
        obs, rewards, terminations, truncations, infos = self.vec.step(actions)
        done = []
        for i in range(self.n):
            packet: _Packet = infos["slot"][i]
            self.obs[i] = _unbatch(obs, i)
            ep = self.episodes[i]
            if ep is not None and packet.error is None:  # a failed step did not happen
                ep.advance(rewards[i], terminations[i], truncations[i], packet.info)
            if terminations[i] or truncations[i]:
                if ep is not None:
                    self.sink(ep.record(self.env_id, packet.error))
                done.append(i)
        self._assign(done)

    def _actions(self) -> list[Any]:
        """Every slot's action: the ready slots asked together through ``act_batch``.

        An agent that raises (in reset or act) ends its episode; its slot moves on to the
        next episode and is asked again. A slot without work plays the idle action.
        """
        actions: list[Any] = [IDLE_ACTIONS[self.action_mode]] * self.n
        asking = list(range(self.n))
        while asking:
            ready = [i for i in asking if self._ready(i)]
            results = act_batch([self.episodes[i].agent for i in ready],
                                [self.obs[i] for i in ready],
                                [self.episodes[i].info for i in ready])
            asking = []
            for i, result in zip(ready, results, strict=True):
                if isinstance(result, Exception):
                    asking.append(self._fail(i, result))
                else:
                    actions[i] = result
                    self.episodes[i].chose(result)
        return actions

    def _ready(self, i: int) -> bool:
        """Start slot i's episode if needed; False when the slot is idle. A failed start
        ends that episode and tries the slot's next one."""
        while (ep := self.episodes[i]) is not None:
            try:
                if not ep.agent_ready:
                    ep.begin()
                ep.prompt_tokens.append(int(self.obs[i]["context_tokens"]))
                return True
            except Exception as err:  # recorded, not fatal: later episodes still run
                self._fail(i, err)
        return False

    def _fail(self, i: int, err: Exception) -> int:
        """Record slot i's episode as failed and give the slot its next episode."""
        ep = self.episodes[i]
        assert ep is not None
        self.sink(_failed(ep, self.env_id, err))
        self._assign([i])
        return i

    def _assign(self, slots: list[int]) -> None:
        for i in slots:
            self._reset(i, self.pending.popleft() if self.pending else None)

    def _reset(self, i: int, item: PlanItem | None) -> None:
        """Partial reset of slot i to the item's episode, or to padding (its last seed
        again, known to be valid). One slot per call: reset options differ per slot."""
        index, seed, options = self.items[i] = item or self.items[i]
        mask = np.arange(self.n) == i
        start = time.perf_counter()
        obs, infos = self.vec.reset(seed=[seed if m else None for m in mask],
                                    options=dict(options or {}, reset_mask=mask))
        packet: _Packet = infos["slot"][i]
        self.obs[i] = _unbatch(obs, i)
        self.episodes[i] = None if item is None else _begin_episode(
            index, self.agents[i], self.env_id, self.action_mode, seed, packet.task,
            packet.info, start, self.action_space)


# ----------------------------------------------------------------- helpers
def _begin_episode(index: int, agent: Agent, env_id: str, action_mode: str, seed: int,
                   task: Any, info: dict[str, Any], start: float, action_space: gym.Space
                   ) -> Episode:
    """An episode's state; its agent is told the gold task only if privileged."""
    task_info = TaskInfo(env_id, action_mode, seed, task if is_privileged(agent) else None,
                         extra={"action_space": action_space})
    return Episode(index, agent, task_info, info, start, source=getattr(task, "source", None))


def _honour_action_mode(factory: Callable[[], Agent], env_kwargs: dict[str, Any]
                        ) -> tuple[Callable[[], Agent], dict[str, Any]]:
    """An agent with an ``action_mode`` attribute (a trained structured policy) gets envs
    of that mode. The agent made to ask is handed out first, so none is built twice.

    Raises:
        ValueError: ``env_kwargs`` asks for another action mode than the agent's.
    """
    first = factory()
    mode = getattr(first, "action_mode", None)
    if mode is not None:
        asked = env_kwargs.setdefault("action_mode", mode)
        if asked != mode:
            raise ValueError(f"agent {getattr(first, 'name', first)!r} acts in {mode!r} mode "
                             f"but env_kwargs set action_mode={asked!r}")
    made = [first]

    def again() -> Agent:
        return made.pop() if made else factory()

    return again, env_kwargs


@contextmanager
def _sink(records: list[EpisodeRecord], out: str | Path | None, bar: tqdm) -> Iterator[Sink]:
    """A callback taking each finished record: kept, appended to ``out``, counted."""
    if out is not None:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
    # Append: records of an interrupted run survive, and runs can share one file.
    with bar, (open(out, "a", encoding="utf-8") if out is not None else nullcontext()) as stream:

        def sink(record: EpisodeRecord) -> None:
            records.append(record)
            if stream is not None:
                stream.write(record.to_json() + "\n")  # one write per line, then flush
                stream.flush()
            bar.update(1)

        yield sink


def _unbatch(obs: dict[str, Any], i: int) -> dict[str, Any]:
    """Slot i's observation, with numpy scalars back to Python ints as the env gave them."""
    return {k: (v[i].item() if isinstance(v[i], np.generic) else v[i]) for k, v in obs.items()}


def _describe(err: BaseException) -> str:
    return f"{type(err).__name__}: {err}"


def _failed(ep: Episode, env_id: str, err: BaseException) -> EpisodeRecord:
    logger.debug("episode %d traceback", ep.index, exc_info=err)  # record() warns
    return ep.record(env_id, _describe(err))
