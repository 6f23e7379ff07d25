"""Supervised warm start with the real SmolLM2-135M: only completion tokens are labelled,
and a short LoRA run trains, saves an adapter and a merged model that loads back."""

from __future__ import annotations

import json

import pytest

from agents.registry import make_agent
from agents.warm_start.sft import IGNORE_INDEX, SFTConfig, encode_example, train_sft
from agents.warm_start.trajectories import record_trajectories

pytest.importorskip("peft")


@pytest.fixture(scope="module")
def tokenizer():
    from agents.llm.transformers_backend import TransformersBackend

    return TransformersBackend("smollm2", device="cpu").load().tokenizer


@pytest.fixture(scope="module")
def examples():
    trajectories = record_trajectories("AgeMem-Stage3-v0", lambda: make_agent("oracle"),
                                       episodes=2, env_kwargs={"embedder": "hashing"},
                                       progress=False)
    return [e for t in trajectories for e in t.examples()]


def test_only_the_completion_is_labelled(tokenizer, examples):
    messages = examples[0]["messages"]
    ids, labels = encode_example(tokenizer, messages, max_length=4096)
    labelled = [i for i, label in zip(ids, labels, strict=True) if label != IGNORE_INDEX]
    first = labels.index(next(label for label in labels if label != IGNORE_INDEX))
    assert all(label == IGNORE_INDEX for label in labels[:first])
    assert labels[first:] == ids[first:]
    text = tokenizer.decode(labelled)
    assert text.startswith(messages[-1]["content"])
    assert messages[0]["content"][:40] not in text


def test_truncation_keeps_the_start_and_the_whole_completion(tokenizer, examples):
    messages = examples[-1]["messages"]
    full, full_labels = encode_example(tokenizer, messages, max_length=4096)
    ids, labels = encode_example(tokenizer, messages, max_length=300)
    n_completion = sum(label != IGNORE_INDEX for label in full_labels)
    assert len(ids) == 300
    assert ids[:50] == full[:50] and ids[-n_completion:] == full[-n_completion:]
    assert sum(label != IGNORE_INDEX for label in labels) == n_completion


def test_an_example_must_end_with_the_assistant(tokenizer):
    with pytest.raises(ValueError, match="assistant"):
        encode_example(tokenizer, [{"role": "user", "content": "hi"}], max_length=64)


@pytest.mark.slow
def test_two_lora_steps_train_save_and_reload(examples, tmp_path):
    from safetensors.torch import load_file

    from agents.llm import make_backend

    config = SFTConfig(max_steps=2, grad_accumulation=1, max_length=320, learning_rate=1e-3)
    result = train_sft(examples[:2], tmp_path, config, heldout_examples=examples[2:3],
                       progress=False)
    assert result.steps == 2
    assert result.heldout_loss_before is not None and result.heldout_loss_after is not None
    lora = load_file(tmp_path / "adapter" / "adapter_model.safetensors")
    # LoRA's B matrices start at zero: any non-zero value means the adapter trained.
    assert any(float(t.abs().sum()) > 0 for name, t in lora.items() if "lora_B" in name)
    lines = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [line["step"] for line in lines] == [1, 2]
    assert (tmp_path / "loss.png").stat().st_size > 0
    backend = make_backend(f"hf:{tmp_path / 'merged'}")
    completion = backend.generate(examples[0]["messages"][:-1], max_new_tokens=4)
    assert completion.completion_tokens >= 1
