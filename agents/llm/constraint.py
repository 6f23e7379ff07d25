"""Constrained decoding: a local model may only write completions the env parses cleanly.

The grammar (Lark, with the tools' JSON schemas inline) is the paper's format: an
optional ``<think>`` block, then one ``<tool_call>`` block holding a JSON array of calls,
each ``{"name": <a tool>, "arguments": <that tool's schema>}``, or one ``<answer>``
block. The token masks come from llguidance (``pip install llguidance``): a maintained
Rust engine (the one behind vLLM's, SGLang's and llama.cpp's grammar options) with a
prebuilt wheel, no torch.compile, ~0.3 ms per token on a CPU, and an exact
forced-token API; outlines and transformers-cfg wrap ``generate`` (our decoder is our
own loop), lm-format-enforcer has no grammar with embedded JSON schemas.

The token budget is part of the constraint, so a cut-off completion never happens:
think text gets at most a quarter of it, and once the shortest way to close the action
(a greedy walk through closing tokens, checked when few tokens are left) needs all but
``SLACK`` of the remaining tokens, that way is forced (so budgets under ~64 tokens leave
little free text). Where one token is forced (by the grammar or the
budget) it is the only allowed token. Everything here depends only on the tokens so far,
so ``allowed_masks`` replays exactly what ``ActionConstraint`` allowed while sampling:
log-probs renormalised over the allowed tokens are the same at act and score time.
"""

from __future__ import annotations

import importlib.util
import json
import threading
from typing import Any

from agemem_env.tools import DEFAULT_TOOLS, ToolRegistry

INSTALL = "pip install llguidance"
# The closing is forced once it needs all but SLACK of the tokens left: one free token
# (starting a tool_call block, another call, a key) adds at most ~20 closing tokens.
SLACK = 24
# Look for the closing only when this few tokens are left (it is at most ~40 long).
RESERVE = 64
# Tokens that close what is open, best first: a string, objects, the array, a tag.
_CLOSERS = ('"}}]', '"}]', '"}}', '"}', '"', '}}]', '}]', '}}', '}', ']')
_TAG_CLOSERS = ("</", "<")
_LOCK = threading.Lock()
_TOKENIZERS: dict[int, tuple[Any, Any, dict[str, int]]] = {}  # id -> (tokenizer, ...)


def require_llguidance() -> None:
    """Raises ImportError with the install command when llguidance is missing."""
    if importlib.util.find_spec("llguidance") is None:
        raise ImportError(f"constrained decoding needs llguidance: {INSTALL}")


def action_grammar(max_new_tokens: int, tools: ToolRegistry = DEFAULT_TOOLS,
                   max_calls: int = 4) -> str:
    """The Lark grammar of one action within ``max_new_tokens`` tokens.

    >>> "%json" in action_grammar(64) and "think_text[max_tokens=16]" in action_grammar(64)
    True
    """
    calls = {"type": "array", "minItems": 1, "maxItems": max_calls,
             "items": {"anyOf": [_call_schema(s) for s in tools.schemas()]},
             # render_completion's separators: more forced tokens, the SFT data's layout
             "x-guidance": {"whitespace_flexible": False, "item_separator": ", ",
                            "key_separator": ": "}}
    think = max_new_tokens // 4
    head = f'start: think? body\nthink: "<think>" think_text "</think>\\n"\n' \
           f'think_text[max_tokens={think}]: /[^<]*/\n' if think >= 4 else "start: body\n"
    return (head + "body: calls | answer\n"
            f'calls: "<tool_call>" %json {json.dumps(calls)} "</tool_call>"\n'
            'answer: "<answer>" /[^<]+/ "</answer>"\n')


def _call_schema(schema: dict[str, Any]) -> dict[str, Any]:
    arguments = {**schema["parameters"], "additionalProperties": False}
    return {"type": "object", "properties": {"name": {"const": schema["name"]},
                                             "arguments": arguments},
            "required": ["name", "arguments"], "additionalProperties": False}


class ActionConstraint:
    """One completion's constraint: ``allowed()`` before each token, ``consume`` after.

    Args:
        tokenizer: The model's (fast) Hugging Face tokenizer.
        vocab_size: Width of the model's logits (may exceed the tokenizer's).
        max_new_tokens: The completion's token budget (its end-of-sequence aside).
        tools: The tools the env offers.
    """

    def __init__(self, tokenizer: Any, vocab_size: int, max_new_tokens: int,
                 tools: ToolRegistry = DEFAULT_TOOLS):
        import llguidance

        self._lltok, self._closers = _wrapped(tokenizer)
        self.vocab_size, self.budget = vocab_size, max_new_tokens
        self._history: list[int] = []
        self._matcher = llguidance.LLMatcher(
            self._lltok, action_grammar(max_new_tokens, tools))
        if self._matcher.is_error():
            raise ValueError(f"action grammar rejected: {self._matcher.get_error()}")

    def allowed(self) -> Any:
        """Bool tensor [vocab_size]: the tokens that may come next."""
        import torch

        forced = self._forced()
        if forced is not None:
            mask = torch.zeros(self.vocab_size, dtype=torch.bool)
            mask[forced] = True
            return mask
        return self._mask(self._matcher)

    def consume(self, token: int) -> None:
        """Advance past ``token`` (which ``allowed`` allowed)."""
        if not self._matcher.consume_token(token):
            raise ValueError(f"token {token} breaks the action grammar: "
                             f"{self._matcher.get_error()}")
        self._history.append(token)

    def _forced(self) -> int | None:
        """The one token the grammar or the budget leaves, else None."""
        forced = self._matcher.compute_ff_tokens()
        if forced:
            return forced[0]
        left = self.budget - len(self._history)
        if left > RESERVE or self._matcher.is_accepting():
            return None
        path = self._closing_path(left)
        return path[0] if path and len(path) + SLACK >= left else None

    def _closing_path(self, limit: int) -> list[int]:
        """The tokens of a greedy shortest closing, at most ``limit`` + 1 of them."""
        import torch

        walker, path = self._matcher.deep_copy(), []
        text = self._lltok.decode_str(self._history)
        order = (_CLOSERS + _TAG_CLOSERS if "<tool_call>" in text and "</tool_call>" not in text
                 else _TAG_CLOSERS + _CLOSERS)
        while not walker.is_accepting() and len(path) <= limit:
            forced = walker.compute_ff_tokens()
            if forced:
                token = forced[0]
            else:
                mask = self._mask(walker)
                token = next((self._closers[s] for s in order
                              if s in self._closers and mask[self._closers[s]]),
                             int(torch.nonzero(mask)[0]))
            if not walker.consume_token(token):
                break
            path.append(token)
        return path

    def _mask(self, matcher: Any) -> Any:
        import torch
        from llguidance.torch import allocate_token_bitmask, fill_next_token_bitmask

        bits = allocate_token_bitmask(1, self._lltok.vocab_size)
        fill_next_token_bitmask(matcher, bits)
        shifts = torch.arange(32, dtype=torch.int32)
        mask = ((bits[0].unsqueeze(-1) >> shifts) & 1).reshape(-1).bool()
        out = torch.zeros(self.vocab_size, dtype=torch.bool)
        n = min(self.vocab_size, mask.numel())
        out[:n] = mask[:n]
        return out


def allowed_masks(tokenizer: Any, vocab_size: int, max_new_tokens: int,
                  tokens: list[int], tools: ToolRegistry = DEFAULT_TOOLS) -> Any:
    """Bool tensor [len(tokens), vocab_size]: what ``ActionConstraint`` allowed before
    each of ``tokens`` (the last may be the end-of-sequence token)."""
    import torch

    constraint = ActionConstraint(tokenizer, vocab_size, max_new_tokens, tools)
    masks = []
    for token in tokens:
        masks.append(constraint.allowed())
        constraint.consume(token)  # an end token too: the grammar accepts it at the end
    return torch.stack(masks) if masks else torch.zeros((0, vocab_size), dtype=torch.bool)


def _wrapped(tokenizer: Any) -> tuple[Any, dict[str, int]]:
    """llguidance's view of the tokenizer (~1 s to build, so once per tokenizer) and the
    ids of the closing tokens."""
    with _LOCK:
        found = _TOKENIZERS.get(id(tokenizer))
        if found is None or found[0] is not tokenizer:
            import llguidance.hf

            lltok = llguidance.hf.from_tokenizer(tokenizer)
            closers = {}
            for text in _CLOSERS + _TAG_CLOSERS:
                ids = tokenizer(text, add_special_tokens=False)["input_ids"]
                if len(ids) == 1:
                    closers[text] = ids[0]
            found = _TOKENIZERS[id(tokenizer)] = (tokenizer, lltok, closers)
        return found[1], found[2]
