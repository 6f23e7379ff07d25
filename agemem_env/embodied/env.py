"""EmbodiedEnv: the AgeMem three-stage episode around an interactive text benchmark."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import gymnasium as gym

from agemem_env.core import ToolError, ToolResult
from agemem_env.embodied.act import ACT, ActTool
from agemem_env.embodied.alfworld import ALFWorldBackend
from agemem_env.embodied.babyai import BabyAIBackend
from agemem_env.embodied.backend import Backend, Instance, Outcome
from agemem_env.embodied.experience import build_task
from agemem_env.embodied.prompt import embodied_system_prompt
from agemem_env.embodied.sciworld import ScienceWorldBackend
from agemem_env.envs.agemem import AgeMemEnv
from agemem_env.envs.observation import observation_space
from agemem_env.scoring.judges import JudgeResult
from agemem_env.tools import make_registry

BACKENDS: dict[str, type] = {
    "babyai": BabyAIBackend,
    "scienceworld": ScienceWorldBackend,
    "alfworld": ALFWorldBackend,
}
# Core arguments the embodied env sets itself.
_FIXED = ("level", "tasks", "tasks_path", "task_config", "judge")
_MAX_INSTANCE_SEED = 2**31 - 1


class BenchmarkJudge:
    """The task term of an embodied episode: the benchmark's own score, not the answer.

    The env updates ``score`` and ``success`` as commands run; the answer text is ignored.
    """

    name = "benchmark"

    def __init__(self) -> None:
        self.score, self.success = 0.0, False

    def __call__(self, prediction: str, answers: Sequence[str], question: str = "",
                 **_: Any) -> JudgeResult:
        """Score the episode as it stands: progress in [0, 1], exact match = success."""
        return JudgeResult(score=self.score, exact_match=float(self.success), f1=self.score)


class EmbodiedEnv(AgeMemEnv):
    """AgeMem's three stages mapped onto an interactive text benchmark.

    ## Description
    Stage 1 replays an earlier, successful run of the same instance (its mission, where
    the target was, the commands that worked) as user turns to store. The context is
    reset; Stage 2 brings runs of sibling instances (other seeds or variations, which do
    not apply) and chit-chat. Stage 3 is the evaluated episode: the benchmark restarts the
    instance and the agent has a command budget, by default the known solution's length
    plus ``budget_slack``, too small to explore; retrieving the stored route helps.
    See docs/embodied.md.

    ## Action Space
    The core env's text and structured modes plus one tool, ``Act(command)``, which runs a
    text command of the benchmark (structured index 7; ``text`` holds the command). Act is
    refused outside Stage 3, after the budget is spent, and after the benchmark ended.

    ## Observation Space
    As ``AgeMemEnv``; command results arrive as ``[Act] (ok) <observation>`` tool messages.

    ## Rewards
    As ``AgeMemEnv`` (context and memory terms, penalties), except the task term: the
    benchmark's score in [0, 1] at the end (BabyAI and ALFWorld: success; ScienceWorld:
    score / 100), -1 before it ends. ``info["embodied"]`` reports score, success,
    commands used and the budget. The gold supporting facts are the instance's facts.

    ## Starting State
    The seed picks the instance (BabyAI seed, ScienceWorld variation, ALFWorld game),
    the sibling instances and the chit-chat.

    ## Episode End
    Terminated: the benchmark ended (success or failure) or the agent answered in Stage 3.
    Truncated: the command budget is spent, or Stage 3 reached ``stage3_rounds`` steps
    (round penalty). The task term is the benchmark's score in every case.

    ## Arguments
    | parameter         | type  | default | meaning                                       |
    |-------------------|-------|---------|-----------------------------------------------|
    | benchmark         | str   | -       | "babyai", "scienceworld" or "alfworld"        |
    | benchmark_kwargs  | dict  | None    | backend options (env_name, task_name, ...)    |
    | act_budget        | int   | None    | Stage-3 commands; None: solution + slack      |
    | budget_slack      | int   | 4       | commands beyond the known solution's length   |
    | stage3_rounds     | int   | 200     | agent steps allowed in Stage 3 (> budget)     |
    | n_siblings        | int   | 2       | sibling runs among the Stage-2 distractors    |
    | n_chitchat        | int   | 4       | chit-chat lines over Stages 1 and 2           |
    | (others)          |       |         | every AgeMemEnv argument except level, tasks, |
    |                   |       |         | tasks_path, task_config and judge             |

    ## Version History
    * v0: initial release.

    >>> import gymnasium as gym, agemem_env
    >>> env = gym.make("AgeMem-BabyAI-v0", embedder="hashing")
    >>> obs, info = env.reset(seed=0)
    >>> obs["stage"], info["embodied"]["budget"] > 0
    (1, True)
    """

    def __init__(
        self,
        *,
        benchmark: str,
        benchmark_kwargs: Mapping[str, Any] | None = None,
        act_budget: int | None = None,
        budget_slack: int = 4,
        stage3_rounds: int = 200,
        n_siblings: int = 2,
        n_chitchat: int = 4,
        **kwargs: Any,
    ):
        fixed = sorted(set(kwargs) & set(_FIXED))
        if fixed:
            raise TypeError(f"EmbodiedEnv sets {fixed} itself; the benchmark gives the tasks "
                            "and judges them")
        if benchmark not in BACKENDS:
            raise ValueError(f"benchmark must be one of {sorted(BACKENDS)}, got {benchmark!r}")
        for name, value, low in (("budget_slack", budget_slack, 0), ("stage3_rounds",
                                 stage3_rounds, 1), ("n_siblings", n_siblings, 0),
                                 ("n_chitchat", n_chitchat, 0)):
            _check_int(name, value, low)
        if act_budget is not None:
            _check_int("act_budget", act_budget, 1)
        self.benchmark_judge = BenchmarkJudge()
        # Act comes after the env's tools: structured index 7 with the default seven.
        tools = make_registry(kwargs.pop("tools", None)).with_tools(ActTool(self))
        super().__init__(level=3, judge=self.benchmark_judge, tools=tools, **kwargs)
        self.benchmark = benchmark
        self.backend: Backend = BACKENDS[benchmark](**dict(benchmark_kwargs or {}))
        self.act_budget, self.budget_slack = act_budget, budget_slack
        self.stage3_rounds, self.n_siblings, self.n_chitchat = stage3_rounds, n_siblings, n_chitchat
        self.observation_space = observation_space(max(self.rounds_per_stage, stage3_rounds))
        self.instance: Instance | None = None
        self.budget = self.commands = 0
        self.outcome: Outcome | None = None

    # ----------------------------------------------------------------- episode story
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """Load the seed's instance, lay it out as a task, and run the core reset.

        ``options={"instance_seed": n}`` plays the benchmark's seed/variation n directly.
        """
        gym.Env.reset(self, seed=seed)  # the instance is drawn before the core reset
        options = dict(options or {})
        rng = self.np_random
        chosen = options.pop("instance_seed", None)
        instance_seed = int(rng.integers(_MAX_INSTANCE_SEED)) if chosen is None else int(chosen)
        self.instance = self.backend.load(instance_seed)
        siblings = [self.backend.sibling(instance_seed + i) for i in range(1, self.n_siblings + 1)]
        solution = len(self.instance.solution)
        self.budget = self.act_budget or solution + self.budget_slack
        options["task"] = build_task(self.instance, siblings, rng, budget=self.budget,
                                     n_chitchat=self.n_chitchat, source=self.backend.name)
        return super().reset(seed=seed, options=options)

    def _system_prompt(self) -> str:
        """The core prompt speaks of a question; ours of a mission, the phases and Act."""
        return embodied_system_prompt(self.tools, self.backend.commands_help,
                                      self.rounds_per_stage, self.stage3_rounds,
                                      self.token_budget)

    def _advance(self, answer: str | None) -> tuple[bool, bool]:
        """Stages 1-2 as the core; Stage 3 ends with the benchmark, the budget or the cap."""
        if self.stage < 3:
            return super()._advance(answer)
        ended = self.outcome is not None and self.outcome.done
        if ended or answer is not None:
            self._finish(answer)
            return True, False
        if self.commands >= self.budget or self.round >= self.stage3_rounds:
            self.stats.rounds_exceeded = self.commands < self.budget
            self._finish(answer)
            return False, True
        return False, False

    def _begin_stage(self, stage: int) -> None:
        """The core stage change; Stage 3 also restarts the benchmark's instance."""
        super()._begin_stage(stage)
        if stage == 3:
            self.commands, self.outcome = 0, None
            self.benchmark_judge.score, self.benchmark_judge.success = 0.0, False
            self.stm.append("user", f"Observation: {self.backend.start()}", "information")

    # ----------------------------------------------------------------- commands
    def run_command(self, command: str) -> ToolResult:
        """One command of the Act tool, if the stage, the budget and the benchmark allow it.

        Raises:
            ToolError: outside Stage 3, after the benchmark ended, or with the budget spent.
        """
        if self.stage != 3:
            raise ToolError(f"{ACT}: commands run only in phase 3 (this is phase {self.stage})")
        if self.outcome is not None and self.outcome.done:
            raise ToolError(f"{ACT}: the episode is over; nothing was run")
        if self.commands >= self.budget:
            raise ToolError(f"{ACT}: the budget of {self.budget} commands is spent")
        self.commands += 1
        self.outcome = self.backend.act(command)
        judge = self.benchmark_judge
        judge.score, judge.success = self.outcome.score, self.outcome.success
        left = self.budget - self.commands
        return ToolResult(ACT, True, f"{self.outcome.observation} ({left} commands left)")

    def _finish(self, answer: str | None) -> None:
        """Record the end: the judge then scores the benchmark's outcome."""
        self.stats.answer = answer if answer is not None else _summary(self.outcome)
        if self.stats.tokens_at_answer is None:
            self.stats.tokens_at_answer = self.stm.total_tokens

    # ----------------------------------------------------------------- reporting
    def _info(self) -> dict[str, Any]:
        info = super()._info()
        info["embodied"] = {
            "benchmark": self.benchmark,
            "instance": self.instance.id if self.instance else None,
            "score": self.benchmark_judge.score,
            "success": self.benchmark_judge.success,
            "commands": self.commands,
            "budget": self.budget,
        }
        return info

    def close(self) -> None:
        """Close the benchmark's simulator and the memory store."""
        self.backend.close()
        super().close()


def _summary(outcome: Outcome | None) -> str:
    if outcome is None:
        return "no command was run"
    return "success" if outcome.success else f"ended with score {outcome.score:.2f}"


def _check_int(name: str, value: Any, low: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
