"""The action grammar as token masks: every completion parses, and masks replay exactly.

Uses SmolLM2's tokenizer (no model weights) from its cache folder; random logits stand
in for a model, the worst case for a constraint."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("llguidance")

from agemem_env.actions.text import parse_completion  # noqa: E402
from agents.llm.constraint import ActionConstraint, action_grammar, allowed_masks  # noqa: E402


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    from agents.llm import smollm2

    try:
        folder = smollm2.cached_folder()
    except (ImportError, FileNotFoundError) as err:
        pytest.skip(f"SmolLM2 is not installed: {err}")
    if folder is None:
        pytest.skip("SmolLM2's cached folder is not built yet (run any SmolLM2 test once)")
    return AutoTokenizer.from_pretrained(folder)


def _sample(tokenizer, budget: int, seed: int) -> tuple[list[int], list]:
    """Random-logit sampling under the constraint; the tokens (end token included) and
    the masks it allowed before each."""
    vocab = len(tokenizer)
    generator = torch.Generator().manual_seed(seed)
    constraint = ActionConstraint(tokenizer, vocab, budget)
    tokens, masks = [], []
    while len(tokens) < budget:
        masks.append(constraint.allowed())
        logits = (torch.randn(vocab, generator=generator) * 3).masked_fill(~masks[-1], -1e9)
        token = int(torch.multinomial(torch.softmax(logits, -1), 1, generator=generator))
        constraint.consume(token)
        tokens.append(token)
        if token == tokenizer.eos_token_id:
            break
    return tokens, masks


@pytest.mark.parametrize("budget", [32, 64, 128])
def test_every_constrained_completion_parses_within_its_budget(tokenizer, budget):
    for seed in range(4):
        tokens, _ = _sample(tokenizer, budget, seed)
        text = tokenizer.decode([t for t in tokens if t != tokenizer.eos_token_id])
        assert len(tokens) <= budget
        assert parse_completion(text).errors == (), text
        assert "<tool_call>" in text or "<answer>" in text


def test_the_masks_replay_exactly_from_the_tokens(tokenizer):
    tokens, masks = _sample(tokenizer, 64, seed=5)
    assert torch.equal(allowed_masks(tokenizer, len(tokenizer), 64, tokens), torch.stack(masks))


def test_a_padded_vocabulary_never_allows_the_padding(tokenizer):
    mask = ActionConstraint(tokenizer, len(tokenizer) + 64, 64).allowed()
    assert mask.shape == (len(tokenizer) + 64,) and not mask[len(tokenizer):].any()


def test_short_budgets_leave_out_the_think_block():
    assert "think" not in action_grammar(12) and "think_text" in action_grammar(64)
