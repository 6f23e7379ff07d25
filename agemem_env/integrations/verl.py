"""verl adapter: an agent loop (registered as ``"agemem"``) that plays AgeMem episodes.

verl's rollout workers run one ``AgentLoopBase.run(sampling_params, **row)`` per sample:
it talks to the rollout server in token ids and returns an ``AgentLoopOutput`` (prompt
ids, response ids, a response mask that is 1 on model tokens and 0 on tool/env tokens,
the reward, the number of turns). Here each model turn is one env step in the env's
text protocol (``<tool_call>[...]</tool_call>`` or ``<answer>..</answer>``); the env's
feedback is appended as a user turn whose tokens are masked 0; the env's return is the
trajectory's ``reward_score``.

When verl is installed (``verl.experimental.agent_loop``, verl >= 0.5), ``AgeMemAgentLoop``
subclasses its ``AgentLoopBase`` and registers under ``"agemem"``. Without verl the same
class runs on a small stand-in base with the constructor contract verl uses, so the
loop can be tested with a scripted rollout server; ``AgentLoopOutput`` is then this
module's dataclass with verl's field names.

The token sequence is append-only, as verl trains one sequence per trajectory:
Summary_context and Filter_context change the env's context (which the reward scores)
but not the tokens the model already saw.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

from agemem_env.integrations.session import EpisodeSession

logger = logging.getLogger(__name__)

AGENT_NAME = "agemem"
DEFAULT_ENV_ID = "AgeMem-Stage3-v0"
# The dummy turn that measures how the chat template wraps one more user message.
_PROBE = [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}]


@dataclass
class EpisodeTokens:
    """One rolled-out episode in token ids (verl's AgentLoopOutput fields, plus extras)."""

    prompt_ids: list[int]
    response_ids: list[int] = field(default_factory=list)
    response_mask: list[int] = field(default_factory=list)
    response_logprobs: list[float] | None = None
    reward_score: float = 0.0
    num_turns: int = 1
    reward_terms: dict[str, float] = field(default_factory=dict)
    done: bool = False


def _ids(encoded: Any) -> list[int]:
    """apply_chat_template's result as a flat id list (transformers 5 may return a dict)."""
    if isinstance(encoded, Mapping):
        encoded = encoded["input_ids"]
    return list(encoded)


def chat_ids(tokenizer: Any, messages: Sequence[Mapping[str, str]], generation: bool) -> list[int]:
    """Token ids of messages under the tokenizer's chat template."""
    return _ids(tokenizer.apply_chat_template(
        list(messages), add_generation_prompt=generation, tokenize=True, return_dict=False
    ))


def observation_ids(tokenizer: Any, text: str) -> list[int]:
    """Ids that close the model's turn, add ``text`` as a user turn and open the next turn.

    Measured as the difference between the template with and without the extra turn,
    cut after the end-of-turn token, so it matches what the template would render.
    """
    prefix = chat_ids(tokenizer, _PROBE, generation=False)
    full = chat_ids(tokenizer, [*_PROBE, {"role": "user", "content": text}], generation=True)
    eos = tokenizer.eos_token_id
    ends = [i for i, tok in enumerate(prefix) if tok == eos]
    if ends:
        # Templates such as ChatML write "<|im_end|>\n": the model stops at <|im_end|>.
        prefix = prefix[: ends[-1] + 1]
    if full[: len(prefix)] != prefix:
        raise ValueError("the chat template does not render the conversation prefix-stably; "
                         "use a template whose earlier turns do not change when one is added")
    return full[len(prefix):]


async def rollout_episode(
    session: EpisodeSession,
    server: Any,
    tokenizer: Any,
    sampling_params: Mapping[str, Any],
    *,
    seed: int | None,
    response_length: int,
    max_turns: int | None = None,
    options: Mapping[str, Any] | None = None,
) -> EpisodeTokens:
    """Play one episode against a rollout server and collect its tokens and reward.

    Args:
        session: Wraps an AgeMem env in ``action_mode="text"``.
        server: Has ``async generate(request_id=, prompt_ids=, sampling_params=)``
            returning token ids or an object with ``token_ids`` (and ``log_probs``).
        tokenizer: A Hugging Face tokenizer with a chat template.
        sampling_params: Passed to the server unchanged.
        seed: Fixes the episode, so a GRPO group shares it.
        response_length: Token cap of the whole response (model and env tokens).
        max_turns: Cap on model turns; ``None`` lets the episode end itself.
        options: ``env.reset`` options (e.g. ``{"task_index": 3}`` for dataset tasks).
    """
    session.start(seed=seed, options=options)
    messages = session.observation["messages"]  # the env's system prompt and opening turns
    out = EpisodeTokens(prompt_ids=chat_ids(tokenizer, messages, generation=True))
    logprobs: list[float] | None = []
    request_id = uuid4().hex
    turns = 0
    while len(out.response_ids) < response_length and (max_turns is None or turns < max_turns):
        result = await server.generate(request_id=request_id,
                                       prompt_ids=out.prompt_ids + out.response_ids,
                                       sampling_params=dict(sampling_params))
        token_ids = list(getattr(result, "token_ids", result))
        token_lp = getattr(result, "log_probs", None)
        out.response_ids += token_ids
        out.response_mask += [1] * len(token_ids)
        # Log-probs only if the server gave them every turn: zeros would skew verl's
        # importance-sampling correction.
        logprobs = logprobs + list(token_lp) if logprobs is not None and token_lp else None
        turns += 1
        feedback = session.step(tokenizer.decode(token_ids, skip_special_tokens=True))
        if session.done:
            break
        env_ids = observation_ids(tokenizer, feedback)
        if not token_ids or token_ids[-1] != tokenizer.eos_token_id:
            env_ids = [tokenizer.eos_token_id, *env_ids]  # cut off by the length cap
        out.response_ids += env_ids
        out.response_mask += [0] * len(env_ids)
        if logprobs is not None:
            logprobs += [0.0] * len(env_ids)
    out.response_ids = out.response_ids[:response_length]
    out.response_mask = out.response_mask[:response_length]
    out.response_logprobs = None if logprobs is None else logprobs[:response_length]
    # verl counts user, assistant and tool turns; env feedback is one turn per step.
    out.num_turns = 1 + turns + max(turns - int(session.done), 0)
    out.reward_score, out.reward_terms = session.reward(), session.reward_terms
    out.done = session.done
    return out


def seed_rows(n: int, *, start: int = 0) -> list[dict[str, Any]]:
    """Rows for verl's RLHFDataset (write them to parquet): row i plays seed ``start + i``.

    ``prompt`` is a placeholder verl's dataset requires; the env supplies the real one.
    """
    if n < 1:
        raise ValueError(f"n must be a positive number of rows, got {n}")
    return [
        {
            "data_source": "agemem",
            "agent_name": AGENT_NAME,
            "prompt": [{"role": "user", "content": "AgeMem episode"}],
            "reward_model": {"style": "env", "ground_truth": ""},
            "extra_info": {"seed": seed, "index": seed},
        }
        for seed in range(start, start + n)
    ]


def _episode_seed(row: Mapping[str, Any]) -> int | None:
    """The row's ``seed`` column, or ``extra_info["seed"]`` (verl's usual extras field)."""
    seed = row.get("seed")
    if seed is None and isinstance(row.get("extra_info"), Mapping):
        seed = row["extra_info"].get("seed")
    return None if seed is None else int(seed)


# ---------------------------------------------------------------------- verl or stand-in
def _load_verl() -> tuple[Any, Any, Any] | None:
    if importlib.util.find_spec("verl") is None:
        return None
    try:
        from verl.experimental.agent_loop.agent_loop import (
            AgentLoopBase,
            AgentLoopOutput,
            register,
        )
    except ImportError as err:  # installed but unusable: say so, run on the stand-in
        logger.warning("verl is installed but its agent loop did not import (%s); "
                       "AgeMemAgentLoop uses the stand-in base", err)
        return None
    return AgentLoopBase, AgentLoopOutput, register


@dataclass
class AgentLoopOutput:
    """Stand-in for verl's ``AgentLoopOutput`` (same field names) when verl is absent."""

    prompt_ids: list[int]
    response_ids: list[int]
    response_mask: list[int]
    response_logprobs: list[float] | None = None
    reward_score: float | None = None
    num_turns: int = 0
    metrics: dict[str, Any] = field(default_factory=dict)
    extra_fields: dict[str, Any] = field(default_factory=dict)


class _StandInAgentLoopBase:
    """What ``AgeMemAgentLoop`` uses of verl's ``AgentLoopBase``, for use without verl.

    Args:
        trainer_config: Has ``.config``, the trainer config (attribute or key access).
        server_manager: The rollout server client (``async generate``).
        tokenizer: A Hugging Face tokenizer with a chat template.
    """

    def __init__(self, trainer_config: Any, server_manager: Any, tokenizer: Any, **_: Any):
        self.config = trainer_config.config
        self.rollout_config = _get(_get(self.config, "actor_rollout_ref"), "rollout")
        self.server_manager = server_manager
        self.tokenizer = tokenizer


def _get(config: Any, key: str, default: Any = None) -> Any:
    """Key from an OmegaConf node, a dict or an object."""
    if config is None:
        return default
    if isinstance(config, Mapping):
        return config.get(key, default)
    return getattr(config, key, default)


_VERL = _load_verl()
if _VERL is None:
    _Base, _Output = _StandInAgentLoopBase, AgentLoopOutput

    def _register(name: str):  # noqa: D103  (no registry without verl)
        return lambda cls: cls
else:
    _Base, _Output, _register = _VERL
HAS_VERL = _VERL is not None


@_register(AGENT_NAME)
class AgeMemAgentLoop(_Base):
    """verl agent loop that plays one AgeMem episode per sample.

    Extra keys of its entry in ``agent_loop_config_path`` arrive as keyword arguments:

    Args:
        env_id: Registered AgeMem id (default ``AgeMem-Stage3-v0``).
        env_kwargs: ``gym.make`` keyword arguments (``action_mode`` is always "text").
        max_turns: Cap on model turns; default: the config's
            ``rollout.multi_turn.max_assistant_turns``, else until the episode ends.
    """

    def __init__(self, *args: Any, env_id: str = DEFAULT_ENV_ID,
                 env_kwargs: Mapping[str, Any] | None = None, max_turns: int | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        import gymnasium as gym

        import agemem_env  # noqa: F401  (registers the ids)

        env_kwargs = dict(env_kwargs or {})
        if env_kwargs.setdefault("action_mode", "text") != "text":
            raise ValueError("AgeMemAgentLoop feeds the model's text to the env; "
                             "drop action_mode from env_kwargs (it is always 'text')")
        self.session = EpisodeSession(gym.make(env_id, **env_kwargs))
        multi_turn = _get(self.rollout_config, "multi_turn")
        self.max_turns = max_turns or _get(multi_turn, "max_assistant_turns")
        self.response_length = int(_get(self.rollout_config, "response_length", 4096))

    async def run(self, sampling_params: dict[str, Any], **kwargs: Any) -> Any:
        """Play the episode of the row's seed; return verl's AgentLoopOutput."""
        options = kwargs.get("env_options")
        episode = await rollout_episode(
            self.session, self.server_manager, self.tokenizer, sampling_params,
            seed=_episode_seed(kwargs), response_length=self.response_length,
            max_turns=self.max_turns, options=options if isinstance(options, Mapping) else None,
        )
        return _Output(
            prompt_ids=episode.prompt_ids,
            response_ids=episode.response_ids,
            response_mask=episode.response_mask,
            response_logprobs=episode.response_logprobs,
            reward_score=episode.reward_score,
            num_turns=episode.num_turns,
            metrics={},
            extra_fields={
                "turn_scores": [],
                "tool_rewards": [],
                "agemem_reward_terms": episode.reward_terms,
                "agemem_done": episode.done,
            },
        )
