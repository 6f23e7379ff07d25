"""Batched greedy or sampled decoding for the transformers back-end.

Every prompt of a batch usually starts with the same tokens (the env's system prompt with
the tool schemas, ~1,000 SmolLM2 tokens). That shared prefix is encoded once, at batch
size 1, kept for the next batch, and repeated across the batch; each row's own suffix is
then fed left-padded (pads sit between the prefix and the suffix, masked out, with
positions that continue from the prefix), so the last column holds every row's next-token
logits. Rows stop on their own (end of sequence or their ``max_new_tokens``) and leave
the batch, so finished rows cost nothing.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Row:
    """One prompt (token ids) and how to continue it.

    ``constraint`` (an ``agents.llm.constraint.ActionConstraint``) restricts each token
    to the ones it allows, log-probs renormalised over them. ``logprob_temperature``:
    log-probs of ``logits / logprob_temperature`` (a policy's sampling distribution)
    instead of the raw logits.
    ``keep_stop``: the end token and its log-prob end the row's output (stopping is a
    choice a policy is scored on). ``generator`` overrides the one ``seed`` makes.
    """

    prompt: list[int]
    max_new_tokens: int
    temperature: float = 0.0
    seed: int | None = None
    constraint: Any = None
    logprob_temperature: float | None = None
    keep_stop: bool = False
    generator: Any = None


@dataclass
class Prefix:
    """A batch-1 KV cache and the token ids it holds keys and values for."""

    ids: list[int]
    cache: Any


def decode_batch(
    model: Any, rows: Sequence[Row], eos: frozenset[int], pad_id: int, kept: Prefix | None,
) -> tuple[list[tuple[list[int], list[float]]], Prefix | None]:
    """Each row's generated tokens and their log-probs, and the shared prefix to keep.

    ``kept`` (the last batch's prefix) is reused for the tokens it shares with this
    batch's prefix; it is never modified.
    """
    import torch

    prefix_len = _common_prefix(rows)
    with torch.inference_mode():
        prefix = _encode_prefix(model, rows[0].prompt[:prefix_len], kept)
        cache = _expanded(prefix, len(rows))
        ids, mask, positions = _left_padded(rows, prefix_len, pad_id, model.device)
        generators = [_generator(row, model.device) for row in rows]
        out: list[tuple[list[int], list[float]]] = [([], []) for _ in rows]
        active = list(range(len(rows)))
        while active:
            logits, cache = forward(model, cache, input_ids=ids, attention_mask=mask,
                                    position_ids=positions)
            keep, tokens = [], []
            for b, r in enumerate(active):
                token, logprob = _choose(logits[b], rows[r], generators[r])
                if token in eos:
                    if rows[r].keep_stop:
                        out[r][0].append(token)
                        out[r][1].append(logprob)
                    continue
                out[r][0].append(token)
                out[r][1].append(logprob)
                if len(out[r][0]) < rows[r].max_new_tokens:
                    keep.append(b)
                    tokens.append(token)
            if not keep:
                break
            if len(keep) < len(active):
                index = torch.tensor(keep, device=model.device)
                cache.batch_select_indices(index)
                mask, positions = mask[index], positions[index]
            active = [active[b] for b in keep]
            ids = torch.tensor(tokens, device=model.device).unsqueeze(1)
            mask = torch.cat([mask, mask.new_ones((len(active), 1))], dim=1)
            positions = positions[:, -1:] + 1
    return out, prefix


def _common_prefix(rows: Sequence[Row]) -> int:
    """Tokens every prompt starts with, leaving each at least one of its own to feed."""
    limit = min(len(row.prompt) for row in rows) - 1
    first = rows[0].prompt
    shared = 0
    while shared < limit and all(row.prompt[shared] == first[shared] for row in rows):
        shared += 1
    return shared


def _encode_prefix(model: Any, ids: list[int], kept: Prefix | None) -> Prefix | None:
    """A batch-1 cache of ``ids``, from ``kept`` where it agrees (a copy), else fresh."""
    import torch

    if not ids:
        return None
    reused = 0
    cache = None
    if kept is not None and hasattr(kept.cache, "crop"):
        limit = min(len(kept.ids), len(ids))
        while reused < limit and kept.ids[reused] == ids[reused]:
            reused += 1
        if reused:
            cache = copy.deepcopy(kept.cache)
            if reused < len(kept.ids):
                cache.crop(reused - len(kept.ids))
    if reused < len(ids):
        rest = torch.tensor([ids[reused:]], device=model.device)
        _, cache = forward(model, cache, input_ids=rest)
    return Prefix(list(ids), cache)


def _expanded(prefix: Prefix | None, batch: int) -> Any:
    """A batch-size copy of the prefix cache (None without a prefix)."""
    if prefix is None:
        return None
    cache = copy.deepcopy(prefix.cache)
    if batch > 1:
        cache.batch_repeat_interleave(batch)
    return cache


def _left_padded(rows: Sequence[Row], prefix_len: int, pad_id: int, device: Any):
    """Suffix ids (padded on the left), the attention mask over prefix + suffix, and the
    suffix positions (continuing from the prefix; pads repeat a masked position)."""
    import torch

    suffixes = [row.prompt[prefix_len:] for row in rows]
    width = max(len(s) for s in suffixes)
    ids = torch.tensor([[pad_id] * (width - len(s)) + s for s in suffixes], device=device)
    own = torch.tensor([[0] * (width - len(s)) + [1] * len(s) for s in suffixes], device=device)
    mask = torch.cat([own.new_ones((len(rows), prefix_len)), own], dim=1)
    positions = (mask.cumsum(dim=1) - 1).clamp(min=0)[:, prefix_len:]
    return ids, mask, positions


def _generator(row: Row, device: Any) -> Any:
    import torch

    if row.generator is not None:
        return row.generator
    if row.temperature > 0 and row.seed is not None:
        return torch.Generator(device=device).manual_seed(row.seed)
    return None


def _choose(logits: Any, row: Row, generator: Any) -> tuple[int, float]:
    """The next token (greedy at temperature 0) and its log-prob: under the raw logits,
    or ``logits / row.logprob_temperature``, renormalised over what the constraint
    allows."""
    import torch

    if row.constraint is not None:
        allowed = row.constraint.allowed().to(logits.device)
        logits = logits.masked_fill(~allowed, float("-inf"))
    if row.temperature > 0:
        probs = torch.softmax(logits / row.temperature, dim=-1)
        if generator is not None and probs.device != generator.device:
            probs = probs.to(generator.device)
        token = int(torch.multinomial(probs, 1, generator=generator))
    else:
        token = int(torch.argmax(logits))
    scaled = logits if row.logprob_temperature is None else logits / row.logprob_temperature
    if row.constraint is not None:
        row.constraint.consume(token)
    return token, float(torch.log_softmax(scaled, dim=-1)[token])


def forward(model: Any, cache: Any, **inputs: Any) -> tuple[Any, Any]:
    """One forward pass: the last position's logits (float32, one row per batch row)
    and the updated KV cache."""
    kwargs = _forward_kwargs(model)
    result = model(**inputs, **{kwargs["cache"]: cache}, use_cache=True, **kwargs["last"])
    new_cache = getattr(result, "cache", None)
    if new_cache is None:
        new_cache = result.past_key_values
    return result.logits[:, -1].float(), new_cache


def _forward_kwargs(model: Any) -> dict[str, Any]:
    """The names this transformers version uses, looked up once per model class.

    The cache goes in as ``cache`` (transformers >= 5.2x, which deprecates the old name)
    or ``past_key_values``. Only the last position's logits are asked for: a full
    prompt's logits cost a (tokens x vocab) matmul and tensor, for SmolLM2 (49k
    vocabulary) a fifth of a prompt's forward pass and 200 MB for 1,100 tokens.
    """
    found = _KWARGS.get(type(model))
    if found is None:
        import inspect

        parameters = inspect.signature(model.forward).parameters
        last = next(({name: 1} for name in ("logits_to_keep", "num_logits_to_keep")
                     if name in parameters), {})
        cache = "cache" if "cache" in parameters else "past_key_values"
        found = _KWARGS[type(model)] = {"cache": cache, "last": last}
    return found


_KWARGS: dict[type, dict[str, Any]] = {}
