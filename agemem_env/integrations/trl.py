"""TRL adapter: AgeMem as a ``GRPOTrainer(environment_factory=...)`` environment.

TRL (>= 1.0, with transformers >= 5.2) builds one environment per rollout, calls
``reset(**row)`` with the dataset row, appends the string it returns to the last user
message, exposes every other public method as a function-calling tool (schema from the
type hints and Google docstring), runs the model's tool calls in a loop, and finally
calls ``get_reward()``. Here each tool call is one env step, so the model moves through
the three AgeMem stages by calling tools; ``Answer`` ends the episode in Stage 3.

Because TRL lists *every* public function of the class as a tool, helpers here are
private or properties. TRL and ``datasets`` are imported only where used.

Example::

    from trl import GRPOConfig, GRPOTrainer
    from agemem_env.integrations.trl import AgeMemToolEnv, reward_term_funcs, seed_dataset

    terms = reward_term_funcs()
    trainer = GRPOTrainer(
        model=model,
        reward_funcs=terms,  # logged only: weight 0 below
        args=GRPOConfig(reward_weights=[0.0] * len(terms), num_generations=4, ...),
        train_dataset=seed_dataset(64),
        processing_class=tokenizer,
        environment_factory=AgeMemToolEnv.factory(embedder="hashing"),
    )
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from agemem_env.integrations.session import FUNCTION_CALLING_PROMPT, EpisodeSession

DEFAULT_ENV_ID = "AgeMem-Stage3-v0"
# Reported per rollout as zero-weight reward functions, i.e. logged as
# ``rewards/agemem_<term>/mean``; "total" is what get_reward pays.
DEFAULT_TERMS = ("task", "context", "memory", "tool", "penalty", "total")


class AgeMemToolEnv:
    """One AgeMem episode behind TRL's environment interface.

    Args:
        env_id: A registered AgeMem id (default ``AgeMem-Stage3-v0``).
        **env_kwargs: Passed to ``gym.make`` (``embedder="hashing"``, ``tasks=...``,
            ``reward_preset=...``); ``action_mode`` is always ``"structured"``.
    """

    def __init__(self, env_id: str = DEFAULT_ENV_ID, **env_kwargs: Any) -> None:
        import gymnasium as gym

        import agemem_env  # noqa: F401  (registers the ids)

        if env_kwargs.get("action_mode", "structured") != "structured":
            raise ValueError("AgeMemToolEnv runs tool calls as structured actions; "
                             "drop action_mode (it is always 'structured')")
        env_kwargs["action_mode"] = "structured"
        self._session = EpisodeSession(gym.make(env_id, **env_kwargs))
        self._started = False

    @classmethod
    def factory(
        cls, env_id: str = DEFAULT_ENV_ID, **env_kwargs: Any
    ) -> Callable[[], AgeMemToolEnv]:
        """A zero-argument callable for ``GRPOTrainer(environment_factory=...)``."""
        return functools.partial(cls, env_id, **env_kwargs)

    # ------------------------------------------------------------------ TRL contract
    def reset(self, seed: int | None = None, task_index: int | None = None, **row: Any) -> str:
        """Start the episode of ``seed`` (a dataset column); other columns are ignored.

        Every member of a GRPO group gets the same row, hence the same seed and episode.
        Returns the opening messages, which TRL appends to the prompt's last message.
        """
        if seed is None:
            # Without a seed each rollout would draw its own task: a GRPO group would
            # then compare different episodes.
            raise ValueError("AgeMemToolEnv.reset needs a 'seed' dataset column; build the "
                             "dataset with agemem_env.integrations.trl.seed_dataset")
        options = {"task_index": int(task_index)} if task_index is not None else None
        text = self._session.start(seed=int(seed), options=options)
        self._started = True
        return "\n\n" + text

    def get_reward(self) -> float:
        """The env's terminal reward (or the current total if the model stopped early)."""
        self._require_started()
        return self._session.reward()

    # ------------------------------------------------------------------ tools
    def Add_memory(  # noqa: N802  (tool names match the env's)
        self, content: str, memory_type: str | None = None, metadata: dict | None = None
    ) -> str:
        """Adds new information to the long-term memory store for future reference.

        Args:
            content: The content to store in memory.
            memory_type: The type of memory being stored, e.g. 'fact'.
            metadata: Optional metadata tags to categorise and filter.
        """
        return self._call("Add_memory", content=content, memory_type=memory_type,
                          metadata=metadata)

    def Update_memory(  # noqa: N802
        self, memory_id: str, content: str, metadata: dict | None = None
    ) -> str:
        """Updates an existing memory. Requires a memory_id from a prior retrieval.

        Args:
            memory_id: Id of the memory to update, e.g. 'mem_3'.
            content: The new content replacing the old one.
            metadata: Updated metadata for the memory.
        """
        return self._call("Update_memory", memory_id=memory_id, content=content,
                          metadata=metadata)

    def Delete_memory(self, memory_id: str, confirmation: bool) -> str:  # noqa: N802
        """Removes a memory from the store. Requires confirmation.

        Args:
            memory_id: Id of the memory to delete, e.g. 'mem_3'.
            confirmation: Must be true to delete permanently.
        """
        return self._call("Delete_memory", memory_id=memory_id, confirmation=confirmation)

    def Retrieve_memory(  # noqa: N802
        self, query: str, top_k: int | None = None, metadata_filter: dict | None = None
    ) -> str:
        """Retrieves relevant memories and adds them to the current context.

        Args:
            query: What information is needed.
            top_k: Maximum number of memories to retrieve (default 3).
            metadata_filter: Only memories whose metadata match, e.g. {'type': 'user_info'}.
        """
        return self._call("Retrieve_memory", query=query, top_k=top_k,
                          metadata_filter=metadata_filter)

    def Summary_context(self, span: str) -> str:  # noqa: N802
        """Summarises context messages to reduce tokens while keeping key information.

        Args:
            span: 'all' for every non-system message, or a number N for the last N messages.
        """
        return self._call("Summary_context", span=span)

    def Filter_context(self, criteria: str) -> str:  # noqa: N802
        """Filters out irrelevant or outdated content from the conversation context.

        Args:
            criteria: What to remove: keywords, phrases or a description.
        """
        return self._call("Filter_context", criteria=criteria)

    def Answer(self, text: str) -> str:  # noqa: N802
        """Gives the final answer; in phases 1 and 2 it ends the phase early.

        Args:
            text: The answer.
        """
        return self._call("Answer", text=text)

    # ------------------------------------------------------------------ helpers
    @property
    def session(self) -> EpisodeSession:
        """The running episode (env, info, reward terms)."""
        return self._session

    @property
    def reward_terms(self) -> dict[str, float]:
        """The env's reward terms as they stand (final once the episode is over)."""
        return self._session.reward_terms

    def _call(self, name: str, **arguments: Any) -> str:
        self._require_started()
        return self._session.call(name, arguments)

    def _require_started(self) -> None:
        if not self._started:
            raise RuntimeError("call reset(seed=...) before the tools or get_reward()")


def reward_term_funcs(terms: Sequence[str] = DEFAULT_TERMS) -> list[Callable[..., list]]:
    """Reward functions that report env reward terms, for logging with weight 0.

    GRPOTrainer passes ``environments`` to every reward function and logs each one as
    ``rewards/<name>/mean``; give these weight 0 in ``GRPOConfig.reward_weights`` so
    only ``get_reward`` (weight 1, logged as ``rewards/AgeMemToolEnv/mean``) trains.
    """

    def make(term: str) -> Callable[..., list]:
        def term_reward(environments: Sequence[AgeMemToolEnv] | None = None, **_: Any) -> list:
            if environments is None:
                raise ValueError("reward_term_funcs need GRPOTrainer(environment_factory=...)")
            # None (logged as NaN, ignored) for an env of another kind or a missing term.
            return [
                env.reward_terms.get(term) if isinstance(env, AgeMemToolEnv) else None
                for env in environments
            ]

        term_reward.__name__ = f"agemem_{term.replace('/', '_')}"
        return term_reward

    return [make(term) for term in terms]


def seed_prompt(system_prompt: str = FUNCTION_CALLING_PROMPT) -> list[dict[str, str]]:
    """The conversational prompt of every row; ``reset`` appends the episode's opening."""
    return [{"role": "system", "content": system_prompt}, {"role": "user", "content": ""}]


def seed_dataset(
    n: int, *, start: int = 0, system_prompt: str = FUNCTION_CALLING_PROMPT
) -> Any:
    """A ``datasets.Dataset`` of ``n`` rows with columns ``prompt`` and ``seed``.

    Row i carries seed ``start + i``; GRPO repeats a row ``num_generations`` times, so
    a group shares the episode. Needs ``pip install datasets`` (TRL depends on it).
    """
    try:
        from datasets import Dataset
    except ImportError as err:
        raise ImportError("seed_dataset needs datasets: pip install 'agemem-gym[trl]'") from err
    if n < 1:
        raise ValueError(f"n must be a positive number of rows, got {n}")
    prompt = seed_prompt(system_prompt)
    return Dataset.from_dict({"prompt": [prompt] * n, "seed": list(range(start, start + n))})
