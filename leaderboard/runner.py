"""Play every (agent, suite) pair and write one result file per pair.

Pairs run in parallel worker processes on one machine (``backend="process"``) or as tasks
on a Ray cluster (``backend="ray"``; a local one is started when none is running). A run
is resumable: a pair whose result file exists, passes ``check_result`` and matches the
current agent and suite is skipped. Wall-clock times go to the timing file beside the
results folder (``leaderboard.timing``), never into the result. A failure inside a pair
(an agent that does not import, an exception outside the episodes) is written into that
pair's result as status "failed"; the other pairs go on. A suite whose data set is
absent is skipped with a note.
"""

from __future__ import annotations

import logging
import os
import time
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from tqdm import tqdm

from leaderboard.checks import check_result
from leaderboard.provenance import code_provenance
from leaderboard.results import (
    AgentSpec,
    PairRun,
    ResultError,
    agent_spec,
    build_result,
    read_result,
    write_json,
)
from leaderboard.suites import DataMissing, Suite, dataset_hash, resolve_path, suite_tasks
from leaderboard.timing import write_timing

logger = logging.getLogger(__name__)

BACKENDS = ("process", "ray")


@dataclass(frozen=True)
class PairOutcome:
    """What became of one (agent, suite) pair."""

    agent: str
    suite: str
    status: str
    """"ok", "failed", "skipped" (data absent) or "cached" (a valid result was there)."""
    path: Path | None
    note: str | None = None


def result_path(results_dir: Path, agent_name: str, suite_name: str) -> Path:
    """``<results_dir>/<suite>__<agent>.json``: board names are file-safe as they are
    (``leaderboard.names``), so one name picks the file and labels the row."""
    return Path(results_dir) / f"{suite_name}__{agent_name}.json"


def missing_data(suite: Suite) -> str | None:
    """Why the suite's data is absent (a note for the report), or None when it is there."""
    try:
        resolve_path(suite.tasks.path)
    except DataMissing as err:
        return f"data absent: {err}"
    return None


def is_finished(path: Path, agent: AgentSpec, suite: Suite) -> bool:
    """A valid, successful result of this very agent and suite is already at ``path``."""
    if not path.is_file():
        return False
    try:
        result = read_result(path)
    except ResultError:
        return False
    return not check_result(result, {suite.name: suite}) and agent_spec(result) == agent


def run_pair(agent: AgentSpec, suite: Suite, results_dir: Path,
             progress: bool = False) -> PairOutcome:
    """Play ``agent`` on every seed of ``suite``, write the result, report the outcome.

    Never raises for a failure of the agent or the suite: it is written as a failed result.
    """
    path = result_path(results_dir, agent.name, suite.name)
    start = time.perf_counter()
    try:
        records, run = _play_suite(agent, suite, progress)
    except DataMissing as err:
        return PairOutcome(agent.name, suite.name, "skipped", None, f"data absent: {err}")
    except Exception as err:  # recorded in the pair's result, not fatal to the run
        logger.debug("pair %s/%s failed", agent.name, suite.name, exc_info=err)
        error = f"{type(err).__name__}: {err}"
        result = build_result(agent, suite, PairRun(), error=error + "\n"
                              + _short_traceback(err), provenance=code_provenance())
        write_json(result, path)
        return PairOutcome(agent.name, suite.name, "failed", path, error)
    result = build_result(agent, suite, run, records=records, provenance=code_provenance())
    write_json(result, path)
    write_timing(path, records, time.perf_counter() - start)
    return PairOutcome(agent.name, suite.name, result["status"], path,
                       result["error"] and result["error"].splitlines()[0])


def run_leaderboard(
    agents: Iterable[AgentSpec],
    suites: Iterable[Suite],
    results_dir: Path,
    *,
    workers: int = 1,
    backend: str = "process",
    resume: bool = True,
    progress: bool = True,
) -> list[PairOutcome]:
    """Run every (agent, suite) pair not already finished; outcomes in pair order.

    Args:
        agents: Who plays; ``suites``: on what.
        results_dir: Where result files are read (resume) and written.
        workers: Parallel processes (or Ray CPUs); 1 runs in this process.
        backend: "process" or "ray".
        resume: Skip pairs with a valid result file for the same agent and suite.
        progress: A tqdm bar over pairs (and over episodes when ``workers == 1``).
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    agents, suites = list(agents), list(suites)
    outcomes: dict[tuple[str, str], PairOutcome] = {}
    todo: list[tuple[AgentSpec, Suite]] = []
    for suite in suites:
        absent = missing_data(suite)
        for agent in agents:
            path = result_path(results_dir, agent.name, suite.name)
            if absent:
                outcomes[agent.name, suite.name] = PairOutcome(
                    agent.name, suite.name, "skipped", None, absent)
            elif resume and is_finished(path, agent, suite):
                outcomes[agent.name, suite.name] = PairOutcome(
                    agent.name, suite.name, "cached", path)
            else:
                todo.append((agent, suite))
    bar = tqdm(total=len(todo), desc="leaderboard", unit="pair", disable=not progress)
    with bar:
        def done(outcome: PairOutcome) -> None:
            outcomes[outcome.agent, outcome.suite] = outcome
            bar.set_postfix_str(f"{outcome.agent}/{outcome.suite}: {outcome.status}")
            bar.update(1)

        if backend == "ray":
            _run_ray(todo, results_dir, workers, done)
        elif workers == 1:
            for agent, suite in todo:
                done(run_pair(agent, suite, results_dir, progress=progress))
        else:
            _run_pool(todo, results_dir, workers, done)
    return [outcomes[a.name, s.name] for s in suites for a in agents]


# ----------------------------------------------------------------- one pair
def _play_suite(agent: AgentSpec, suite: Suite, progress: bool
                ) -> tuple[list[Any], PairRun]:
    """Records over every seed, and what the pair was played with."""
    from agemem_env.scoring.registry import make_judge
    from agents.protocol import is_privileged
    from agents.runner import run_episodes

    factory, first = _agent_factory(agent)
    action_mode = str(getattr(first, "action_mode", "text"))
    records, planned = [], 0
    for seed in suite.seeds:
        tasks = suite_tasks(suite, seed)
        planned += len(tasks)
        records += run_episodes(suite.env_id, factory, episodes=len(tasks), seed=seed,
                                env_kwargs=episode_env_kwargs(suite, tasks, action_mode),
                                progress=progress, task_indices=True)
    return records, PairRun(is_privileged(first), action_mode, dataset_hash(suite),
                            judge_id(make_judge(suite.judge)), planned)


def episode_env_kwargs(suite: Suite, tasks: list[Any], action_mode: str) -> dict[str, Any]:
    """The ``gym.make`` arguments of the suite's episodes (the same for a replay)."""
    return {**suite.env_kwargs(), "tasks": tasks, "action_mode": action_mode}


def judge_id(judge: Any) -> str:
    """A judge with its options: its ``id`` where it has one (the LoCoMo judge names its
    stemming and abstention rule), else ``name:score``."""
    return str(getattr(judge, "id", None) or f"{judge.name}:{getattr(judge, 'score', '')}")


def _agent_factory(agent: AgentSpec) -> tuple[Callable[[], Any], Any]:
    """A factory of fresh agents and the first one, made now, so a name that does not
    import fails the pair before any env starts (it is handed out first)."""
    from agents.registry import make_agent

    first = make_agent(agent.registry, **agent.kwargs)
    made = [first]

    def factory() -> Any:
        return made.pop() if made else make_agent(agent.registry, **agent.kwargs)

    return factory, first


# ----------------------------------------------------------------- backends
def _init_worker(threads: int) -> None:
    # Workers share the cores: one torch/BLAS pool each, not one per core per worker.
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[name] = str(threads)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _run_pool(todo: list[tuple[AgentSpec, Suite]], results_dir: Path, workers: int,
              done: Callable[[PairOutcome], None]) -> None:
    threads = max(1, (os.cpu_count() or 1) // workers)
    # spawn, not fork: a forked child of a process holding torch's thread pool can hang.
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn"),
                             initializer=_init_worker, initargs=(threads,)) as pool:
        futures = {pool.submit(run_pair, a, s, results_dir): (a, s) for a, s in todo}
        for future in as_completed(futures):
            agent, suite = futures[future]
            try:
                done(future.result())
            except Exception as err:  # the worker died (killed, out of memory) or the
                # outcome could not come back: the pair is failed, the run goes on
                done(_crashed(agent, suite, results_dir, err))


def _run_ray(todo: list[tuple[AgentSpec, Suite]], results_dir: Path, workers: int,
             done: Callable[[PairOutcome], None]) -> None:
    try:
        import ray
    except ImportError as err:
        raise RuntimeError("--backend ray needs ray: pip install 'agemem-gym[ray]'") from err
    started = not ray.is_initialized()
    if started:
        # A local cluster of `workers` CPUs; RAY_ADDRESS in the environment joins a real one.
        ray.init(num_cpus=None if os.environ.get("RAY_ADDRESS") else workers,
                 include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        remote = ray.remote(num_cpus=1, max_retries=0)(_run_pair_in_ray)
        pending = {remote.remote(a, s, str(results_dir)): (a, s) for a, s in todo}
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            agent, suite = pending.pop(ready[0])
            try:
                done(ray.get(ready[0]))
            except Exception as err:  # the task's process died
                done(_crashed(agent, suite, results_dir, err))
    finally:
        if started:
            ray.shutdown()


def _run_pair_in_ray(agent: AgentSpec, suite: Suite, results_dir: str) -> PairOutcome:
    _init_worker(1)
    return run_pair(agent, suite, Path(results_dir))


def _crashed(agent: AgentSpec, suite: Suite, results_dir: Path, err: BaseException
             ) -> PairOutcome:
    """The pair's worker died: write it down as a failed result."""
    error = f"worker died: {type(err).__name__}: {err}"
    path = result_path(results_dir, agent.name, suite.name)
    write_json(build_result(agent, suite, PairRun(), error=error,
                            provenance=code_provenance()), path)
    return PairOutcome(agent.name, suite.name, "failed", path, error)


def _short_traceback(err: BaseException, lines: int = 6) -> str:
    text = "".join(traceback.format_exception(err)).rstrip().splitlines()
    return "\n".join(text[-lines:])
