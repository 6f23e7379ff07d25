"""AgeMemEnv: an LLM agent manages long- and short-term memory through tool calls."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

import gymnasium as gym
import numpy as np

from agemem_env.actions.parse import parse_structured_action
from agemem_env.actions.spaces import structured_action_space, text_action_space
from agemem_env.actions.text import parse_text_action, render_completion
from agemem_env.core import MAX_TOP_K, MemoryHit, ParsedAction, ToolCall, ToolResult
from agemem_env.embed import Embedder, make_embedder
from agemem_env.envs import shared_messages  # noqa: F401  (async vector envs share messages)
from agemem_env.envs.observation import observation_space
from agemem_env.envs.prompts import PROMPT_STYLES, system_prompt
from agemem_env.envs.render import render_text
from agemem_env.envs.stages import mix_reminders, split_into_rounds
from agemem_env.memory import LongTermMemory, ShortTermMemory
from agemem_env.memory.summarise import Summariser, make_summariser
from agemem_env.rewards import (
    DEFAULT_PRESET,
    EpisodeSnapshot,
    EpisodeStats,
    Evaluation,
    Ledger,
    evaluate,
)
from agemem_env.rewards import make_reward_config as _reward_config
from agemem_env.scoring.judges import Judge
from agemem_env.scoring.memory_quality import GoldFacts, QualitySummary
from agemem_env.scoring.registry import (
    DEFAULT_THRESHOLDS,
    MemoryScorer,
    TokenScorer,
    make_judge,
    make_memory_scorer,
)
from agemem_env.tasks import SOURCES, SyntheticConfig, Task, generate_task, load_tasks
from agemem_env.tokens import TokenCounter, make_token_counter
from agemem_env.tools import Tool, ToolContext, ToolRegistry, execute, make_registry

_UNJUDGED = {"score": 0.0, "exact_match": 0.0, "f1": 0.0}

class AgeMemEnv(gym.Env):
    """The AgeMem three-stage memory-management environment.

    ## Description
    After "Agentic Memory" (Yu et al., 2026, arXiv:2601.01885). An episode runs stages
    1..``level`` of one task (Algorithms 3-5 of the paper). Stage 1 streams the task's
    information as user turns; the agent may store, update and delete long-term memory
    (LTM). The context (short-term memory, STM) is then reset; LTM persists. Stage 2
    injects distractors the agent should filter or summarise, mixed (at seeded positions)
    with the task's reminders, if any: turns that restate a fact in passing, sometimes at
    a stale value; they are no distractors. Stage 3 asks the question;
    the agent retrieves from LTM, manages its context and answers.

    ## Action Space
    ``action_mode="text"``: the raw completion, ``<think>..</think>`` then
    ``<tool_call>[{"name": ..., "arguments": {...}}, ...]</tool_call>`` or
    ``<answer>..</answer>``; several calls per step. ``action_mode="structured"``: a dict
    with ``tool`` in Discrete(7) plus argument slots (see ``actions.spaces``), a
    ``ToolCall``, or a list of them. ``tools=`` adds tools (indices 7 and up; see
    docs/architecture.md, "Write your own tool").

    | index | tool            | arguments                                   |
    |-------|-----------------|---------------------------------------------|
    | 0     | Add_memory      | content, memory_type?, metadata?            |
    | 1     | Update_memory   | memory_id, content, metadata?               |
    | 2     | Delete_memory   | memory_id, confirmation (must be true)      |
    | 3     | Retrieve_memory | query, top_k=3, metadata_filter?            |
    | 4     | Summary_context | span: "all" or "N" (the last N messages)    |
    | 5     | Filter_context  | criteria (drops messages with cos >= theta) |
    | 6     | Answer          | text                                        |

    ## Observation Space
    A dict: ``messages`` (system prompt with the tool schemas, then the context, ready for
    a chat template), ``stage`` (1-3), ``round`` (steps taken in this stage),
    ``context_tokens`` and ``ltm_size``. ``info`` says what the step did as data:
    ``step_results`` (per executed call: name, ok, the prose, and ids added / updated /
    deleted, retrieved hits, messages removed) and ``auto_retrieved`` (the memories Stage 1
    showed beside the new turns), so agents never parse ids out of the text.

    ## Rewards
    Zero until the last step, then R = w_task R_task + gate (w_context R_context + w_memory
    R_memory + w_tool R_tool) + penalties (Eq. 16); ``reward_mode="dense"`` pays the change
    of R at every step instead, summing to the same total. Every term is in
    ``info["reward_terms"]`` every step (the table: ``agemem_env.rewards.TERMS``; the
    rules and their red-team audit: docs/reward.md). task (Eq. 17): the judge's score, -1
    without an answer (levels 1-2: memory F1, and the share of noise removed at level 2).
    The paper's context terms: compression (Eq. 19), preventive (Eq. 20), preservation
    (Eq. 21, graded); its memory terms: storage (Eq. 23), maintenance (Eq. 24), relevance
    (Eq. 25). The grounded terms, which pay only for effects that served the task:
    noise_removed, overflow_prevented, facts_in_context; precision, fixes,
    retrieval_precision (and memory/stale, reported). Support is value-aware: a memory with
    a superseded value is stale, not support. The default preset ``grounded`` weighs the
    grounded terms 0.25 per group and gates them by the answer's score; ``paper`` is Eq.
    16-26 literally. Penalties (Eq. 26): round cap -1, overflow -0.5, -0.1 per malformed
    completion or invalid call (floor -1; -0.4 under grounded).

    ## Starting State
    The seed picks the task (or generates one), the order of the distractors and where
    the reminders fall among them. The
    context holds the system prompt and the first round of the start stage.

    ## Episode End
    Terminated: an answer in Stage 3, or the last stage of a level-1/2 episode is over.
    Truncated: Stage 3 reached its round cap without an answer (round penalty applies).
    In Stages 1-2 an answer ends the stage early (``answer_ends_stage``).

    ## Arguments
    | parameter         | type               | default      | meaning                              |
    |-------------------|--------------------|--------------|--------------------------------------|
    | level             | int                | 3            | run stages 1..level                  |
    | tasks             | str or list[Task]  | "synthetic"  | task source name or Task objects     |
    | tasks_path        | str                | None         | file or folder for a dataset source  |
    | task_config       | dict               | None         | SyntheticConfig fields               |
    | action_mode       | str                | "text"       | "text" or "structured"               |
    | embedder          | str or Embedder    | "minilm"     | "minilm", "hashing", a model name    |
    | embed_cache_size  | int                | None         | texts whose vectors are kept (None:  |
    |                   |                    |              | 100,000, ~250 MB; 0: no cache)       |
    | token_counter     | str or counter     | "cl100k_base"| tiktoken encoding or a tokenizer     |
    | token_budget      | int                | 8192         | context budget T_max                 |
    | rounds_per_stage  | int                | 5            | round cap N_max of each stage        |
    | top_k             | int                | 3            | Retrieve_memory default              |
    | filter_threshold  | float              | 0.6          | Filter_context theta                 |
    | reward_preset     | str                | "grounded"   | a name in agemem_env.rewards.PRESETS |
    | reward_weights    | dict               | None         | RewardConfig fields to override      |
    | reward_mode       | str                | "terminal"   | "terminal" or "dense"                |
    | summariser        | str or Summariser  | "extractive" | Summary_context back-end             |
    | judge             | str or Judge       | "f1"         | "f1", "em", "locomo" or a Judge      |
    | memory_scorer     | str or callable    | "tokens"     | "tokens", "embedding", LLM judge     |
    | support_threshold | float              | 0.6 / 0.7    | support cut-off of the scorer        |
    | ltm_path          | str                | None         | SQLite file for a durable LTM        |
    | ltm_reset         | bool               | True         | clear LTM at every reset             |
    | ltm_namespace     | str                | None         | namespace in ltm_path (None: first   |
    |                   |                    |              | free of default, default-2, ...)     |
    | start_stage       | int                | 1            | begin at a later stage               |
    | prefill           | str                | "none"       | "none", "oracle", "information"      |
    | auto_retrieve     | bool               | True         | Stage-1 retrieval per turn (Alg. 3)  |
    | answer_ends_stage | bool               | True         | <answer> ends Stages 1-2 early       |
    | overflow_policy   | str                | "truncate"   | drop oldest messages, or "keep"      |
    | max_action_chars  | int                | 16384        | longest accepted completion          |
    | tools             | list[Tool]         | None         | the tools (None: the seven above)    |
    | prompt_style      | str                | "full"       | or "compact": one line per tool      |
    | reward_check      | bool               | False        | debug: rescore the store every step  |
    |                   |                    |              | and assert the tally agrees          |

    ## Version History
    * v0: initial release. Later in v0, Stage 2 mixes in a task's reminders; the default
      synthetic tasks gained paraphrased turns and reminders (``paraphrase``,
      ``reminder_rate``), so default-synthetic scores differ from earlier v0 runs.
    * v0, 2026-12: the default reward preset is ``grounded`` (was ``paper``, still
      available); memory support is value-aware and memory precision is per-memory focus,
      so every memory-quality number differs from earlier runs; preventive counts a
      reduction before the overflow its own step's reveal causes, and ignores overflows at
      reset; overflow truncation never drops the question or the newest user turn; summaries
      drop tool status lines and never nest. The id stays v0 (the product's documented id);
      results before this change are not comparable and were regenerated.

    >>> import gymnasium as gym, agemem_env
    >>> env = gym.make("AgeMem-Stage3-v0", embedder="hashing")
    >>> obs, info = env.reset(seed=0)
    >>> obs["stage"], obs["messages"][0]["role"]
    (1, 'system')
    """

    metadata = {"render_modes": ["ansi", "human"], "render_fps": 4}

    def __init__(
        self,
        *,
        level: int = 3,
        tasks: str | Sequence[Task] = "synthetic",
        tasks_path: str | os.PathLike | None = None,
        task_config: Mapping[str, Any] | None = None,
        action_mode: str = "text",
        embedder: str | Embedder | None = None,
        embed_cache_size: int | None = None,
        token_counter: str | TokenCounter | Any = None,
        token_budget: int = 8192,
        rounds_per_stage: int = 5,
        top_k: int = 3,
        filter_threshold: float = 0.6,
        reward_preset: str = DEFAULT_PRESET,
        reward_weights: Mapping[str, Any] | None = None,
        reward_mode: str = "terminal",
        summariser: str | Summariser | None = None,
        judge: str | Judge | None = None,
        memory_scorer: str | MemoryScorer | None = None,
        support_threshold: float | None = None,
        ltm_path: str | os.PathLike | None = None,
        ltm_reset: bool = True,
        ltm_namespace: str | None = None,
        start_stage: int = 1,
        prefill: str = "none",
        auto_retrieve: bool = True,
        answer_ends_stage: bool = True,
        overflow_policy: str = "truncate",
        max_action_chars: int = 16384,
        reward_check: bool = False,
        tools: ToolRegistry | Sequence[Tool] | None = None,
        prompt_style: str = "full",
        render_mode: str | None = None,
    ):
        _check_choice("level", level, (1, 2, 3))
        _check_choice("start_stage", start_stage, tuple(range(1, level + 1)))
        _check_choice("action_mode", action_mode, ("text", "structured"))
        _check_choice("reward_mode", reward_mode, ("terminal", "dense"))
        _check_choice("prefill", prefill, ("none", "oracle", "information"))
        _check_choice("overflow_policy", overflow_policy, ("truncate", "keep"))
        _check_choice("render_mode", render_mode, (None, *self.metadata["render_modes"]))
        _check_choice("prompt_style", prompt_style, PROMPT_STYLES)
        _check_range("token_budget", token_budget, 256, 10_000_000)
        _check_range("rounds_per_stage", rounds_per_stage, 1, 1000)
        _check_range("top_k", top_k, 1, MAX_TOP_K)
        _check_range("max_action_chars", max_action_chars, 64, 10_000_000)
        if not 0.0 < filter_threshold <= 1.0:
            raise ValueError(f"filter_threshold must be in (0, 1], got {filter_threshold}")
        if support_threshold is not None and not 0.0 < support_threshold <= 1.0:
            raise ValueError(f"support_threshold must be in (0, 1], got {support_threshold}")
        if start_stage > 1 and prefill == "none":
            raise ValueError(f"start_stage={start_stage} skips Stage 1; pass prefill='oracle' "
                             "or 'information' to build the memory it would have built")
        self.level, self.start_stage, self.prefill = level, start_stage, prefill
        self.action_mode, self.reward_mode = action_mode, reward_mode
        self.token_budget, self.rounds_per_stage = token_budget, rounds_per_stage
        self.top_k, self.filter_threshold = top_k, filter_threshold
        self.ltm_path, self.ltm_reset, self.ltm_namespace = ltm_path, ltm_reset, ltm_namespace
        self.auto_retrieve, self.answer_ends_stage = auto_retrieve, answer_ends_stage
        self.overflow_policy, self.max_action_chars = overflow_policy, max_action_chars
        self.render_mode, self.reward_check = render_mode, reward_check
        self.prompt_style = prompt_style
        self.tools = make_registry(tools)
        self.reward_config = _reward_config(reward_preset, reward_weights)
        self.task_config = SyntheticConfig(**(task_config or {}))
        self._task_source, self._tasks_path = _check_tasks(tasks, tasks_path), tasks_path
        # Factories only: models load on first use, the SQLite file opens at first reset.
        self.embedder = make_embedder(embedder, cache_size=embed_cache_size)
        self.token_counter = make_token_counter(token_counter)
        self.summariser = make_summariser(summariser)
        self.judge = make_judge(judge)
        self.memory_scorer = make_memory_scorer(memory_scorer, self.embedder, support_threshold)
        # The ledger's word rule (context accounting, grounded terms) uses the same cut-off.
        self._support_threshold = support_threshold or DEFAULT_THRESHOLDS["tokens"]
        self.action_space = (
            text_action_space(max_action_chars)
            if action_mode == "text"
            else structured_action_space(max_action_chars, MAX_TOP_K, len(self.tools))
        )
        self.observation_space = observation_space(rounds_per_stage)
        self._tasks: list[Task] | None = None
        self.ltm: LongTermMemory | None = None
        self.stm: ShortTermMemory | None = None
        self.task: Task | None = None
        self.stage = self.round = self.steps = 0
        self.stats = EpisodeStats()
        self.ledger: Ledger | None = None
        self._gold: GoldFacts | None = None
        self._contents: dict[str, str] = {}  # id -> content of every stored memory
        self._dropped: list[str] = []  # kinds of messages overflow dropped this step
        self._chunks: list[list[tuple[str, str]]] = []  # per round: (text, message kind)
        self._stage2: list[tuple[str, str]] = []
        self._episode_seed: int | None = None
        self._last: Evaluation | None = None
        self._last_results: tuple[ToolResult, ...] = ()
        self._last_errors: tuple[str, ...] = ()
        self._shown: list[MemoryHit] = []  # Stage-1 auto-retrieval hits since the last step
        self._total = 0.0
        self._done = False

    # ----------------------------------------------------------------- episode story
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """Pick the task, clear or keep LTM, and open the start stage."""
        super().reset(seed=seed)
        options = options or {}
        self.task = self._pick_task(options)
        if self.ltm is None:
            self.ltm = LongTermMemory(self.embedder, path=self.ltm_path,
                                      namespace=self.ltm_namespace)
            self.ltm.watch(self._store_changed)
        if self.ltm_reset:
            # A fresh memory per episode: ids restart, so an episode never depends on
            # what the env played before.
            self.ltm.clear(restart_ids=True)
        if not getattr(self.embedder, "batch_invariant", True) and hasattr(self.embedder, "clear"):
            # A model's vectors differ in the last bits with the batch a text came in: cached
            # from another episode, they would make this one depend on the past.
            self.embedder.clear()
        self._prefill()
        self._contents = {record.id: record.content for record in self.ltm.records()}
        self.stm = ShortTermMemory(self.token_counter, self.token_budget)
        self.stm.append("system", self._system_prompt(), "system")
        self.stats, self.steps, self._total, self._done = EpisodeStats(), 0, 0.0, False
        self._gold = GoldFacts.of(self.task)
        self.ledger = Ledger(self._gold, self._support_threshold)
        for memory_id, content in self._contents.items():  # what ltm_reset=False or prefill kept
            self.ledger.store.set(memory_id, content)
        self._last_results, self._last_errors, self._shown, self._dropped = (), (), [], []
        self._stage2 = mix_reminders(self._order_distractors(), self.task.reminders,
                                     self.np_random)
        self._begin_stage(self.start_stage)
        self._last = self._evaluate()
        if self.render_mode == "human":
            self.render()
        return self._observation(), self._info()

    def step(self, action: Any):
        """Run the step's tool calls, record its answer, and move the episode on."""
        if self.task is None or self._done:
            raise RuntimeError("step() called before reset() or after the episode ended; "
                               "call reset() first")
        _check_action_type(action, self.action_mode)
        self.steps += 1
        self.round += 1
        self._shown, self._dropped = [], []
        parsed = (parse_text_action(action, self.max_action_chars) if self.action_mode == "text"
                  else parse_structured_action(action, self.tools))
        before = self._context_texts()
        results, answer = self._execute(parsed)
        if any(r.ok and r.effects.context_reduced for r in results):
            self.ledger.reduced(before, self._context_texts())
        self._record(parsed, results)
        self._append_turn(action, parsed, results, answer)
        terminated, truncated = self._advance(answer)
        self._done = terminated or truncated
        self._last = self._evaluate()
        total = self._last.terms["total"]
        if self.reward_mode == "dense":
            reward, self._total = total - self._total, total
        else:
            reward = total if self._done else 0.0
        if self.render_mode == "human":
            self.render()
        return self._observation(), float(reward), terminated, truncated, self._info()

    def _advance(self, answer: str | None) -> tuple[bool, bool]:
        """End the stage on an answer or at the round cap; open the next one or finish."""
        ends_on_answer = answer is not None and (self.stage == 3 or self.answer_ends_stage)
        if not ends_on_answer and self.round < self.rounds_per_stage:
            self._reveal(self.round)
            return False, False
        if self.stage == 3 and answer is None:
            self.stats.rounds_exceeded = True
            return False, True
        if self.stage < self.level:
            self._begin_stage(self.stage + 1)
            return False, False
        return True, False

    def _begin_stage(self, stage: int) -> None:
        """Stage 2 resets the context (Alg. 1, line 11); Stage 3 poses the question."""
        self.stage, self.round = stage, 0
        if stage == 1:
            turns = [(turn, "information") for turn in self.task.information]
            self._chunks = split_into_rounds(turns, self.rounds_per_stage)
            self.ledger.stage_begun(self.stm.total_tokens)
        elif stage == 2:
            self.stm.reset()
            self._chunks = split_into_rounds(self._stage2, self.rounds_per_stage)
            self.ledger.stage_begun(self.stm.total_tokens)
        else:
            self._chunks = []
            # Temporal questions (LongMemEval) are asked on a date of their own.
            date = self.task.metadata.get("question_date")
            question = f"[{date}] {self.task.question}" if date else self.task.question
            self._show(question, "question")
        self._reveal(0)

    def _reveal(self, round_index: int) -> None:
        """Show this round's turns; in Stage 1 each comes with related memories (Alg. 3)."""
        chunk = self._chunks[round_index] if round_index < len(self._chunks) else []
        queries = [turn[: self.ltm.max_content_chars] for turn, _ in chunk]
        if (self.stage == 1 and self.auto_retrieve and len(self.ltm) and len(queries) > 1
                and hasattr(self.embedder, "max_entries")):
            self.embedder.embed(queries)  # one batch for the round's searches, then cache hits
        for turn, kind in chunk:
            self._show(turn, kind)
            if self.stage == 1:
                if self.auto_retrieve and len(self.ltm):
                    # A long turn (a LoCoMo session) is cut to the query limit; the
                    # embedder reads only its first few hundred tokens anyway.
                    query = turn[: self.ltm.max_content_chars]
                    hits = self.ltm.search(query, top_k=self.top_k)
                    self._shown.extend(MemoryHit(rec.id, score, rec.content)
                                       for rec, score in hits)
                    lines = "\n".join(f"{rec.id}: {rec.content}" for rec, _ in hits)
                    self.stm.append("tool", f"Related memories:\n{lines}", "retrieval")
        self._check_overflow(phase=2)

    def _show(self, text: str, kind: str) -> None:
        """A user turn from the env: into the context, and into the reward's ledger."""
        message = self.stm.append("user", text, kind)
        self.ledger.shown(text, message.tokens, self.stage, self.token_budget,
                          noise_candidate=kind != "question")

    def _context_texts(self) -> list[str]:
        """The user and tool messages of the context (what the env and the tools put there),
        but the question: it names what it asks about and so would count as support."""
        return [m.content for m in self.stm.messages
                if m.role in ("user", "tool") and m.kind != "question"]

    # ----------------------------------------------------------------- step helpers
    def _tool_context(self) -> ToolContext:
        return ToolContext(
            ltm=self.ltm,
            stm=self.stm,
            embedder=self.embedder,
            summariser=self.summariser,
            step=self.steps,
            default_top_k=self.top_k,
            max_top_k=MAX_TOP_K,
            filter_threshold=self.filter_threshold,
        )

    def _system_prompt(self) -> str:
        """The system message (a hook: the embodied envs describe their own episode)."""
        return system_prompt(self.tools, self.rounds_per_stage, self.token_budget,
                             self.prompt_style)

    def _execute(self, parsed: ParsedAction) -> tuple[Sequence[ToolResult], str | None]:
        """Run the step's tool calls; return their results and the step's answer, if any."""
        report = execute(parsed.calls, self._tool_context(), self.tools)
        return report.results, parsed.answer if parsed.answer is not None else report.answer

    def _record(self, parsed: ParsedAction, results: Sequence[ToolResult]) -> None:
        """Tally what the reward needs: calls, errors, edits, retrieval support."""
        stats = self.stats
        stats.parse_errors += len(parsed.errors)
        stats.agent_steps += 1
        stats.write_steps += any(r.ok and r.effects.writes_memory for r in results)
        for result in results:
            stats.tool_calls[result.name] += 1
            if not result.ok:
                stats.tool_errors += 1
                continue
            stats.tool_ok += 1
            effects = result.effects
            stats.added_ids.extend(effects.added)
            stats.n_updates += len(effects.updated)
            stats.n_deletes += len(effects.deleted)
            if effects.searched:
                contents = [hit.content for hit in effects.retrieved]
                stats.retrieval_support.append(self._support_share(contents))
                self.ledger.retrieved(contents)
            if effects.context_reduced and stats.first_reduction_step is None:
                stats.first_reduction_step = self.steps
        self._record_memory(results)
        self._last_results, self._last_errors = tuple(results), parsed.errors

    def _record_memory(self, results: Sequence[ToolResult]) -> None:
        """The step's writes for the ledger: what each edited memory held before the step
        and holds now, and the latest content of the memories this episode wrote."""
        effects = [r.effects for r in results if r.ok]
        changed = {i for e in effects for i in (*e.added, *e.updated)}
        deleted = {i for e in effects for i in e.deleted}
        before = {i: self._contents.get(i, "") for i in changed | deleted}  # not yet updated
        for mem_id in changed - deleted:
            record = self.ltm.get(mem_id)
            if record is not None:
                self._contents[mem_id] = record.content
        for mem_id in deleted:
            self._contents.pop(mem_id, None)
        for e in effects:
            for mem_id in e.updated:
                self.ledger.edited(before[mem_id], self._contents.get(mem_id))
            for mem_id in e.deleted:
                self.ledger.edited(before[mem_id], None)
        own = set(self.stats.added_ids)
        self.ledger.written_memories({i: self._contents[i] for i in changed & own
                                      if i in self._contents})

    def _support_share(self, contents: Sequence[str]) -> float:
        if not contents:
            return 0.0
        quality = self.memory_scorer(contents, self._gold)
        return sum(quality.supporting) / len(contents)

    def _append_turn(self, action, parsed, results, answer) -> None:
        """The agent's message, then one tool message per result or format error."""
        if self.action_mode == "text" and isinstance(action, str):
            completion = action[: self.max_action_chars]
        else:
            completion = _rendered(parsed, answer)
        self.stm.append("assistant", completion, "assistant")
        for result in results:
            kind = "retrieval" if result.ok and result.effects.searched else "tool"
            self.stm.append("tool", result.render(), kind)
        for error in parsed.errors:
            self.stm.append("tool", f"[format error] {error}", "tool")
        if answer is not None and self.stage == 3:
            self.stats.answer = answer
            self.stats.tokens_at_answer = self.stm.total_tokens
            self.ledger.answered(self._context_texts())
        self._check_overflow(phase=1)

    def _check_overflow(self, phase: int) -> None:
        """Past the budget: note when (step and phase, see EpisodeStats), then drop the
        oldest messages (never the system prompt, the question or the newest user turn)."""
        if not self.stm.over_budget:
            return
        stats = self.stats
        if stats.first_overflow_step is None:
            stats.first_overflow_step = self.steps
        acted = self.steps > 0
        if acted and stats.first_agent_overflow is None:
            stats.first_agent_overflow = (self.steps, phase)
        self.ledger.overflowed(after_action=acted)
        if self.overflow_policy == "truncate":
            self._dropped.extend(m.kind for m in self.stm.truncate_oldest())

    # ----------------------------------------------------------------- task choice
    def _pick_task(self, options: Mapping[str, Any]) -> Task:
        """From options, a list, or a source; the synthetic source makes one per seed."""
        rng = self.np_random
        self._episode_seed = int(rng.integers(2**63 - 1))
        if isinstance(options.get("task"), Task):
            return options["task"]
        if self._task_source == "synthetic" and "task_index" not in options:
            return generate_task(np.random.default_rng(self._episode_seed), self.task_config)
        tasks = self._load_tasks()
        index = options.get("task_index", int(rng.integers(len(tasks))))
        if not isinstance(index, int) or not 0 <= index < len(tasks):
            raise ValueError(f"options['task_index'] must be an int in 0..{len(tasks) - 1}, "
                             f"got {index!r}")
        return tasks[index]

    def _load_tasks(self) -> list[Task]:
        if self._tasks is None:
            if isinstance(self._task_source, str):
                self._tasks = load_tasks(self._task_source, path=self._tasks_path)
                if not self._tasks:
                    raise ValueError(f"{self._task_source} at {self._tasks_path} holds no "
                                     "tasks")
            else:
                self._tasks = list(self._task_source)
        return self._tasks

    def _order_distractors(self) -> list[str]:
        order = self.np_random.permutation(len(self.task.distractors))
        return [self.task.distractors[i] for i in order]

    def _prefill(self) -> None:
        if self.prefill == "none":
            return
        facts = self.task.supporting_facts if self.prefill == "oracle" else self.task.information
        for fact in facts:
            self.ltm.add(fact, memory_type="fact", metadata={"prefill": self.prefill})

    # ----------------------------------------------------------------- reporting
    def _store_changed(self, event: str, memory_id: str | None, content: str | None) -> None:
        if self.ledger is not None:
            self.ledger.store_changed(event, memory_id, content)

    def _evaluate(self) -> Evaluation:
        """Every reward term now. With the default scorer, memory quality comes from the
        ledger's running tally (a step costs the same at 10 and 100,000 memories); other
        scorers (embedding, an LLM judge) score the store again. ``reward_check`` does both
        and insists they agree."""
        messages = self.stm.messages
        snap = EpisodeSnapshot(
            context_text="\n".join(m.content for m in messages if m.role != "system"),
            context_texts=self._context_texts(),
            context_tokens=self.stm.total_tokens,
        )
        tallied = isinstance(self.memory_scorer, TokenScorer) and (
            self.memory_scorer.threshold == self._support_threshold)
        quality = (self.ledger.store.summary(), self.ledger.store.own_summary()) if tallied \
            else self._scored_quality()
        evaluation = self._evaluate_with(snap, *quality)
        if self.reward_check:
            again = self._evaluate_with(snap, *self._scored_quality())
            if (again.terms, again.quality) != (evaluation.terms, evaluation.quality):
                diff = {k: (v, again.terms[k]) for k, v in evaluation.terms.items()
                        if again.terms[k] != v}
                raise AssertionError(f"tallied and rescored reward terms differ: {diff}; "
                                     f"quality {evaluation.quality} vs {again.quality}")
        return evaluation

    def _scored_quality(self) -> tuple[QualitySummary, QualitySummary]:
        """The scorer's verdict on the whole store and on the agent's surviving memories."""
        records = self.ltm.records()
        own = set(self.stats.added_ids)
        every = self.memory_scorer([r.content for r in records], self._gold).summary()
        mine = self.memory_scorer([r.content for r in records if r.id in own], self._gold)
        return every, mine.summary()

    def _evaluate_with(self, snap: EpisodeSnapshot, quality: QualitySummary,
                       own: QualitySummary) -> Evaluation:
        return evaluate(self.stats, snap, self.ledger, self.task, level=self.level,
                        budget=self.token_budget, judge=self.judge, config=self.reward_config,
                        quality=quality, own_quality=own)

    def _observation(self) -> dict[str, Any]:
        return {
            "messages": self.stm.to_chat(),
            "stage": self.stage,
            "round": self.round,
            "context_tokens": self.stm.total_tokens,
            "ltm_size": len(self.ltm),
        }

    def _info(self) -> dict[str, Any]:
        ev, stats = self._last, self.stats
        return {
            "task_id": self.task.id,
            "seed": self._episode_seed,
            "stage": self.stage,
            "round": self.round,
            "reward_terms": dict(ev.terms),
            "tool_calls": dict(sorted(stats.tool_calls.items())),
            "tool_errors": stats.tool_errors,
            "parse_errors": stats.parse_errors,
            "step_results": [result.to_info() for result in self._last_results],
            "step_errors": list(self._last_errors),
            "error": _error_code(self._last_errors, self._last_results),
            "auto_retrieved": [asdict(hit) for hit in self._shown],
            "context_tokens": self.stm.total_tokens,
            "ltm_size": len(self.ltm),
            "ltm_namespace": self.ltm.namespace,
            "overflow": stats.first_overflow_step is not None,
            "answer": stats.answer,
            # Always a dict of one shape (make_vec merges infos key by key): "judged" says
            # whether an answer was judged; the scores are 0 until then.
            "judge": {"judged": ev.judge is not None,
                      **(vars(ev.judge) if ev.judge is not None else _UNJUDGED)},
            "memory_quality": {
                "precision": ev.quality.precision,
                "recall": ev.quality.recall,
                "f1": ev.quality.f1,
                "stale": ev.quality.n_stale,
            },
            "context_dropped": list(self._dropped),
        }

    def render(self) -> str | None:
        """'ansi' returns the context, the memory and the reward terms as text; 'human'
        writes the same to stdout."""
        if self.render_mode is None:
            gym.logger.warn("render() called without a render_mode; pass render_mode='ansi'")
            return None
        text = render_text(self.stage, self.round, self.stm, self.ltm, self._last)
        if self.render_mode == "ansi":
            return text
        import sys

        sys.stdout.write(text + "\n")
        return None

    def close(self) -> None:
        """Close the SQLite store, if any."""
        if self.ltm is not None:
            self.ltm.close()
            self.ltm = None


def _check_choice(name: str, value: Any, choices: tuple) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")


def _check_range(name: str, value: Any, low: int, high: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValueError(f"{name} must be an int in {low}..{high}, got {value!r}")


def _check_tasks(tasks: Any, path: Any) -> str | tuple[Task, ...]:
    """The task source, checked up front: a known name, and for a dataset a path that
    exists (the file itself is read at the first reset)."""
    if isinstance(tasks, str):
        if tasks not in SOURCES:
            raise ValueError(f"tasks must be one of {list(SOURCES)} or a list of Task, got "
                             f"{tasks!r}")
        if tasks == "synthetic" and path is not None:
            raise ValueError("tasks_path does not apply to tasks='synthetic'")
        if path is not None and not os.path.exists(path):
            raise FileNotFoundError(f"tasks_path {str(path)!r} does not exist (the {tasks} "
                                    "data file or folder)")
        return tasks
    if isinstance(tasks, Task):
        tasks = (tasks,)
    tasks = tuple(tasks)
    if not tasks or not all(isinstance(t, Task) for t in tasks):
        raise TypeError("tasks must be a source name (e.g. 'synthetic') or a non-empty list "
                        "of agemem_env.tasks.Task")
    return tasks


def _check_action_type(action: Any, mode: str) -> None:
    """Refuse, before any state changes, a text-mode action that is no str: it has no
    completion to show in the context. Everything else (any str; in structured mode any
    value at all) is parsed and its problems reported as format errors."""
    if mode == "text" and not isinstance(action, str):
        raise TypeError(f"a text-mode action is a str (the completion), got "
                        f"{type(action).__name__}")


def _rendered(parsed: ParsedAction, answer: str | None) -> str:
    """The canonical completion of a structured step; arguments JSON cannot hold (numpy
    values, sets, nesting past Python's limit) are shown by name only."""
    try:
        return render_completion(parsed.calls, answer=answer)
    except (TypeError, ValueError, RecursionError):
        shown = [ToolCall(str(call.name), {"arguments": "(not JSON)"}) for call in parsed.calls]
        return render_completion(shown, answer=answer if isinstance(answer, str) else None)


def _error_code(parse_errors: Sequence[str], results: Sequence[ToolResult]) -> str:
    """"" (none), "format" (the action did not parse), "tool" (a call failed), or both."""
    codes = [code for code, hit in (("format", bool(parse_errors)),
                                    ("tool", any(not r.ok for r in results))) if hit]
    return "+".join(codes)
