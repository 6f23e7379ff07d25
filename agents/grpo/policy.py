"""The contract between the step-wise GRPO trainer and a policy, whatever it scores.

A policy turns one observation into one env action and a ``StepSample``: the scored units
of that step (an LLM's generated tokens, or the structured policy's picks) with the
log-probabilities they had when sampled. The trainer never looks inside ``payload``; it
hands samples back to ``score`` and ``reference_logprobs`` to recompute log-probs with the
current weights and with the frozen reference.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import torch

POLICY_FILE = "policy.json"  # {"kind": ..., "config": {...}} beside the weights


@dataclass
class StepSample:
    """One agent step as sampled: ``logp`` [n_units] of the chosen units (detached), the
    count of generated tokens (0 for a structured policy), and what ``score`` needs."""

    logp: torch.Tensor
    tokens: int
    payload: Any

    @property
    def n_units(self) -> int:
        """Scored units of this step (tokens or picks)."""
        return int(self.logp.numel())


@dataclass
class Scored:
    """Recomputed ``logp`` [T] (with grad) and ``entropy`` [T] (detached), T the units of
    the samples concatenated in order."""

    logp: torch.Tensor
    entropy: torch.Tensor


@runtime_checkable
class Policy(Protocol):
    """What the trainer needs from a policy.

    ``act`` samples at the policy's temperature (``greedy`` picks the mode, for
    evaluation); a seeded ``generator`` makes a rollout reproducible. ``score`` must return
    the same log-probs as ``act`` recorded when the weights have not changed.
    """

    kind: str
    action_mode: str

    def reset(self, task_info: Any) -> None:
        """Forget the previous episode."""
        ...

    def act(self, observation: dict[str, Any], info: dict[str, Any], *,
            generator: torch.Generator | None = None, greedy: bool = False
            ) -> tuple[Any, StepSample]:
        """The env action for this observation and its sample record."""
        ...

    def score(self, samples: Sequence[StepSample]) -> Scored:
        """Log-probs (differentiable) and entropies of the samples' units now."""
        ...

    def reference_logprobs(self, samples: Sequence[StepSample]) -> torch.Tensor:
        """[T] log-probs of the units under the frozen reference policy (no grad)."""
        ...

    def trainable_parameters(self) -> Iterable[torch.nn.Parameter]:
        """What the optimiser updates."""
        ...

    def train(self, mode: bool = True) -> Any:
        """Switch dropout and friends; rollouts run in eval mode."""
        ...

    def save(self, folder: Path) -> None:
        """Write ``policy.json`` and the weights into ``folder``."""
        ...

    def load_weights(self, folder: Path) -> None:
        """Read back what ``save`` wrote into this policy (resume)."""
        ...


def write_policy_file(folder: Path, kind: str, config: dict[str, Any]) -> None:
    """``folder/policy.json``: which policy class and the config that rebuilds it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / POLICY_FILE).write_text(json.dumps({"kind": kind, "config": config}, indent=2))


def read_policy_file(folder: Path) -> tuple[str, dict[str, Any]]:
    """(kind, config) from ``folder/policy.json``; a clear error when it is missing."""
    path = folder / POLICY_FILE
    if not path.is_file():
        raise FileNotFoundError(f"no {POLICY_FILE} in {folder}: pass the --out folder of "
                                "`agemem train grpo` or its checkpoint/policy folder")
    data = json.loads(path.read_text())
    if not isinstance(data, dict) or "kind" not in data:
        raise ValueError(f"{path} is not a policy file (no 'kind')")
    return str(data["kind"]), dict(data.get("config") or {})


def cat_samples(samples: Sequence[StepSample]) -> torch.Tensor:
    """[T] the recorded log-probs of the samples, concatenated."""
    if not samples:
        return torch.zeros(0)
    return torch.cat([s.logp.reshape(-1).float().cpu() for s in samples])
