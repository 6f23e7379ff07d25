"""The verl agent loop on a scripted rollout server: shapes, masks, rewards, turns.

verl itself is not needed: without it ``AgeMemAgentLoop`` runs on the stand-in base
with verl's constructor contract and ``AgentLoopOutput`` field names.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from types import SimpleNamespace

import gymnasium as gym
import pytest

import agemem_env  # noqa: F401
from agemem_env.integrations.session import EpisodeSession
from agemem_env.integrations.verl import (
    HAS_VERL,
    AgeMemAgentLoop,
    observation_ids,
    rollout_episode,
    seed_rows,
)

ENV_KWARGS = {"embedder": "hashing", "start_stage": 3, "prefill": "oracle"}
SEED = 3
RETRIEVE = ('<tool_call>[{"name": "Retrieve_memory", "arguments": {"query": "favourite sport"}}]'
            "</tool_call>")
SPECIAL = {"<|im_end|>": 1, "<|im_start|>": 2}


class CharTokenizer:
    """ChatML over characters: one id per character, two special tokens."""

    eos_token_id = 1

    def encode(self, text: str) -> list[int]:
        ids, i = [], 0
        while i < len(text):
            for token, tid in SPECIAL.items():
                if text.startswith(token, i):
                    ids.append(tid)
                    i += len(token)
                    break
            else:
                ids.append(ord(text[i]) + 10)
                i += 1
        return ids

    def decode(self, ids, skip_special_tokens: bool = False) -> str:
        names = {v: k for k, v in SPECIAL.items()}
        return "".join("" if i in names and skip_special_tokens else names.get(i) or chr(i - 10)
                       for i in ids)

    def apply_chat_template(self, messages, add_generation_prompt=False, tokenize=True,
                            return_dict=False):
        text = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)
        if add_generation_prompt:
            text += "<|im_start|>assistant\n"
        return self.encode(text) if tokenize else text


@dataclass
class TokenOutput:
    token_ids: list[int]
    log_probs: list[float] | None = None


class ScriptedServer:
    """Answers each generate call with the next scripted completion (ending in EOS)."""

    def __init__(self, tokenizer, completions, logprobs=True):
        self.tokenizer, self.completions, self.logprobs = tokenizer, list(completions), logprobs
        self.prompts: list[list[int]] = []

    async def generate(self, *, request_id, prompt_ids, sampling_params, **_):
        self.prompts.append(list(prompt_ids))
        ids = self.tokenizer.encode(self.completions[len(self.prompts) - 1] + "<|im_end|>")
        return TokenOutput(ids, [-0.5] * len(ids)) if self.logprobs else ids


def _gold() -> str:
    env = gym.make("AgeMem-Stage3-v0", **ENV_KWARGS)
    env.reset(seed=SEED)
    return env.unwrapped.task.answers[0]


def _rollout(completions, response_length=4096, logprobs=True, seed=SEED):
    tok = CharTokenizer()
    server = ScriptedServer(tok, completions, logprobs)
    session = EpisodeSession(gym.make("AgeMem-Stage3-v0", action_mode="text", **ENV_KWARGS))
    episode = asyncio.run(rollout_episode(session, server, tok, {"temperature": 1.0}, seed=seed,
                                          response_length=response_length))
    return episode, server, tok


def test_masks_cover_model_tokens_and_hide_env_tokens():
    completions = [RETRIEVE, f"<answer>{_gold()}</answer>"]
    episode, server, tok = _rollout(completions)
    n = len(episode.response_ids)
    assert len(episode.response_mask) == len(episode.response_logprobs) == n
    model = [t for t, m in zip(episode.response_ids, episode.response_mask, strict=True) if m]
    env = [t for t, m in zip(episode.response_ids, episode.response_mask, strict=True) if not m]
    assert tok.decode(model) == "".join(c + "<|im_end|>" for c in completions)
    env_text = tok.decode(env)
    assert "[Retrieve_memory] (ok)" in env_text and env_text.endswith("<|im_start|>assistant\n")
    # Model log-probs where the model wrote, zeros on env tokens.
    assert all(lp == -0.5 for lp, m in zip(episode.response_logprobs, episode.response_mask,
                                           strict=True) if m)
    # Append-only: each generate call sees the prompt plus everything so far.
    assert server.prompts[0] == episode.prompt_ids
    assert server.prompts[1] == episode.prompt_ids + episode.response_ids[: len(server.prompts[1])
                                                                          - len(episode.prompt_ids)]


def test_reward_is_the_env_terminal_reward():
    completions = [RETRIEVE, f"<answer>{_gold()}</answer>"]
    episode, _, _ = _rollout(completions)
    assert episode.done and episode.num_turns == 4  # user, assistant, env, assistant
    replay = gym.make("AgeMem-Stage3-v0", action_mode="text", **ENV_KWARGS)
    replay.reset(seed=SEED)
    replay.step(completions[0])
    _, reward, terminated, _, info = replay.step(completions[1])
    assert terminated
    assert episode.reward_score == pytest.approx(reward)
    assert episode.reward_terms["task"] == 1.0 == info["reward_terms"]["task"]


def test_same_seed_same_prompt():
    first, _, _ = _rollout(["<answer>x</answer>"])
    again, _, _ = _rollout(["<answer>x</answer>"])
    assert first.prompt_ids == again.prompt_ids
    assert first.reward_score == again.reward_score


def test_response_length_caps_the_trajectory():
    episode, _, _ = _rollout([RETRIEVE] * 5, response_length=150)
    assert len(episode.response_ids) == len(episode.response_mask) == 150
    assert not episode.done
    assert episode.reward_terms["task"] == -1.0  # no answer yet
    assert episode.reward_score == pytest.approx(episode.reward_terms["total"])


def test_server_without_logprobs_gives_none():
    episode, _, _ = _rollout(["<answer>x</answer>"], logprobs=False)
    assert episode.response_logprobs is None
    assert episode.response_mask == [1] * len(episode.response_ids)


@pytest.mark.skipif(HAS_VERL, reason="verl installed: its base class is tested below")
def test_agent_loop_returns_verl_output_fields():
    tok = CharTokenizer()
    config = {"actor_rollout_ref": {"rollout": {"response_length": 2048,
                                                "multi_turn": {"max_assistant_turns": 2}}}}
    loop = AgeMemAgentLoop(SimpleNamespace(config=config),
                           ScriptedServer(tok, [RETRIEVE, RETRIEVE, RETRIEVE]), tok,
                           env_kwargs=ENV_KWARGS)
    out = asyncio.run(loop.run({"temperature": 1.0}, raw_prompt=[], extra_info={"seed": SEED}))
    assert len(out.response_ids) == len(out.response_mask) > 0
    assert out.num_turns == 5  # the prompt, two assistant turns (the cap), two env replies
    assert out.reward_score == pytest.approx(out.extra_fields["agemem_reward_terms"]["total"])
    assert out.extra_fields["agemem_done"] is False


@pytest.mark.skipif(HAS_VERL, reason="verl installed: its base class needs more arguments")
def test_agent_loop_rejects_structured_mode():
    tok = CharTokenizer()
    with pytest.raises(ValueError, match="action_mode"):
        AgeMemAgentLoop(SimpleNamespace(config={}), ScriptedServer(tok, []), tok,
                        env_kwargs={"action_mode": "structured"})


def test_observation_ids_follow_the_template():
    tok = CharTokenizer()
    ids = observation_ids(tok, "User: hi")
    assert tok.decode(ids) == "\n<|im_start|>user\nUser: hi<|im_end|>\n<|im_start|>assistant\n"


def test_seed_rows():
    rows = seed_rows(3, start=10)
    assert [r["extra_info"]["seed"] for r in rows] == [10, 11, 12]
    assert {r["agent_name"] for r in rows} == {"agemem"}
    with pytest.raises(ValueError):
        seed_rows(0)


@pytest.mark.skipif(not HAS_VERL, reason="needs verl (pip install 'agemem-gym[verl]')")
def test_real_verl_agent_loop():
    """Built the way verl's AgentLoopWorker builds it: hydra on the registry entry."""
    import hydra
    from omegaconf import OmegaConf
    from verl.experimental.agent_loop.agent_loop import (
        AgentLoopOutput,
        DictConfigWrap,
        _agent_loop_registry,
    )

    tok = _real_tokenizer()
    config = OmegaConf.create({"actor_rollout_ref": {"rollout": {
        "prompt_length": 4096, "response_length": 2048,
        "multi_turn": {"max_assistant_turns": 5}}}, "data": {}})
    completions = [RETRIEVE, f"<answer>{_gold()}</answer>"]
    loop = hydra.utils.instantiate(
        config=_agent_loop_registry["agemem"], trainer_config=DictConfigWrap(config=config),
        server_manager=HFServer(tok, completions), tokenizer=tok, processor=None,
        hf_model_type="llama", dataset_cls=None, data_config=DictConfigWrap(config.data),
        env_kwargs=ENV_KWARGS,
    )
    out = asyncio.run(loop.run({"temperature": 1.0}, raw_prompt=[], extra_info={"seed": SEED}))
    assert isinstance(out, AgentLoopOutput)
    tensors = out.as_dict()
    assert tensors["responses"].shape == tensors["response_mask"].shape
    assert float(tensors["rm_scores"][-1]) == pytest.approx(out.reward_score, rel=1e-6)
    assert out.extra_fields["agemem_reward_terms"]["task"] == 1.0
    model = [t for t, m in zip(out.response_ids, out.response_mask, strict=True) if m]
    assert tok.decode(model) == "".join(c + "<|im_end|>" for c in completions)


def _real_tokenizer():
    from transformers import AutoTokenizer

    from agents.llm import smollm2

    try:
        folder = smollm2.cached_folder()
        if folder is not None:
            return AutoTokenizer.from_pretrained(folder)
        path = smollm2.gguf_path()
    except ImportError as err:
        pytest.skip(str(err))
    return AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)


class HFServer(ScriptedServer):
    """ScriptedServer for a Hugging Face tokenizer, answering with verl's TokenOutput."""

    async def generate(self, *, request_id, prompt_ids, sampling_params, **_):
        from verl.workers.rollout.replica import TokenOutput

        self.prompts.append(list(prompt_ids))
        text = self.completions[len(self.prompts) - 1] + "<|im_end|>"
        ids = self.tokenizer.encode(text, add_special_tokens=False)
        return TokenOutput(token_ids=ids, log_probs=[-0.5] * len(ids))
