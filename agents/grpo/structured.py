"""A compact structured policy: a small MLP scores candidate actions, softmax per decision.

It acts in the env's structured action mode (``gym.make(..., action_mode="structured")``):
each step is a list of ``ToolCall``s plus, maybe, an ``Answer``. The candidates come from
``agents.grpo.candidates``; each decision's pick is one scored unit for GRPO, so a step
with three decisions contributes three log-probs. Trains on a CPU in minutes.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from agemem_env.core import ToolCall
from agents.grpo.candidates import Candidate, CandidateBuilder, EpisodeView
from agents.grpo.policy import Scored, StepSample, read_policy_file, write_policy_file

WEIGHTS, REFERENCE = "weights.pt", "reference.pt"


@dataclass
class StructuredConfig:
    """Architecture and sampling of the structured policy."""

    hidden: int = 64
    """Width of the MLP's hidden layer."""
    hash_dim: int = 64
    """Buckets of the hashed bag of words of each candidate's text."""
    temperature: float = 1.0
    """Softmax temperature of sampling (and of the recorded log-probs)."""
    init_seed: int = 0
    """Seed of the initial weights."""

    def __post_init__(self) -> None:
        if self.hidden < 1 or self.hash_dim < 8:
            raise ValueError(f"need hidden >= 1 and hash_dim >= 8, got {self.hidden}, "
                             f"{self.hash_dim}")
        if self.temperature <= 0:
            raise ValueError(f"temperature must be > 0, got {self.temperature}")


@dataclass
class _Pick:
    """One decision as sampled: candidate features [C, F] and the chosen index."""

    features: torch.Tensor
    choice: int


class StructuredPolicy(nn.Module):
    """Scores candidates with ``MLP(features) / temperature`` and samples one per decision.

    The reference policy (for the KL term) is a frozen copy of the initial network.

    >>> policy = StructuredPolicy()
    >>> policy.kind, policy.action_mode
    ('structured', 'structured')
    """

    kind = "structured"
    action_mode = "structured"

    def __init__(self, config: StructuredConfig | None = None):
        super().__init__()
        self.config = config or StructuredConfig()
        self.builder = CandidateBuilder(self.config.hash_dim)
        with torch.random.fork_rng(devices=[]):  # weights from the config's seed only
            torch.manual_seed(self.config.init_seed)
            self.net = nn.Sequential(
                nn.Linear(self.builder.feature_dim, self.config.hidden), nn.Tanh(),
                nn.Linear(self.config.hidden, 1),
            )
            nn.init.zeros_(self.net[2].weight)  # start uniform over each decision's options
            nn.init.zeros_(self.net[2].bias)
        self.reference = copy.deepcopy(self.net).requires_grad_(False)
        self.view = EpisodeView()

    # ----------------------------------------------------------------- acting
    def reset(self, task_info: Any = None) -> None:
        """Forget the previous episode; the env must be in structured mode."""
        mode = getattr(task_info, "action_mode", "structured")
        if mode != "structured":
            raise ValueError(f"StructuredPolicy acts in structured mode, not {mode!r}; make "
                             "the env with action_mode='structured'")
        self.view = EpisodeView()

    @torch.no_grad()
    def act(self, observation: dict[str, Any], info: dict[str, Any], *,
            generator: torch.Generator | None = None, greedy: bool = False
            ) -> tuple[list[ToolCall], StepSample]:
        """Pick one candidate per decision; the action is their calls, answer last."""
        self.view.absorb(info)
        decisions = self.builder.decisions(observation, self.view)
        feats = [torch.from_numpy(self.builder.features(observation, o)) for o in decisions]
        # One forward for all of the step's decisions, then a softmax per decision.
        scores = self._scores(self.net, torch.cat(feats)).split([len(f) for f in feats])
        picks, logps, choices = [], [], []
        for feat, score in zip(feats, scores, strict=True):
            logp = torch.log_softmax(score, dim=-1)
            if greedy:
                choice = int(torch.argmax(logp))
            else:
                choice = int(torch.multinomial(logp.exp(), 1, generator=generator))
            picks.append(_Pick(feat, choice))
            logps.append(logp[choice])
            choices.append(choice)
        return self.take(decisions, choices), StepSample(torch.stack(logps), 0, picks)

    def take(self, decisions: Sequence[Sequence[Candidate]], choices: Sequence[int]
             ) -> list[ToolCall]:
        """The action of one chosen candidate per decision: their calls, the answer last.
        Remembers the calls (and the queries asked), so the next ``act`` can read their
        results."""
        calls: list[ToolCall] = []
        answer: str | None = None
        for options, choice in zip(decisions, choices, strict=True):
            chosen = options[choice]
            calls.extend(chosen.calls)
            answer = chosen.answer if chosen.answer is not None else answer
        self.view.last_calls = list(calls)
        self.view.queried.extend(c.arguments["query"] for c in calls
                                 if c.name == "Retrieve_memory")
        return calls + ([ToolCall("Answer", {"text": answer})] if answer is not None else [])

    def _scores(self, net: nn.Module, feats: torch.Tensor) -> torch.Tensor:
        return net(feats).squeeze(-1) / self.config.temperature

    # ----------------------------------------------------------------- scoring
    def score(self, samples: Sequence[StepSample]) -> Scored:
        """Log-probs (with grad) and entropies of every pick, in order."""
        logp_all = self._log_softmax_padded(self.net, samples)
        logp, entropy = self._gather(logp_all, samples)
        return Scored(logp, entropy.detach())

    def reference_logprobs(self, samples: Sequence[StepSample]) -> torch.Tensor:
        """[T] pick log-probs under the frozen initial network."""
        with torch.no_grad():
            return self._gather(self._log_softmax_padded(self.reference, samples), samples)[0]

    def _log_softmax_padded(self, net: nn.Module, samples: Sequence[StepSample]) -> torch.Tensor:
        """[P, Cmax] log-softmax over each pick's candidates (padding is -inf)."""
        picks = [p for s in samples for p in s.payload]
        width = max(p.features.shape[0] for p in picks)
        dim = picks[0].features.shape[1]
        feats = torch.zeros(len(picks), width, dim)
        mask = torch.zeros(len(picks), width, dtype=torch.bool)
        for i, p in enumerate(picks):
            feats[i, : p.features.shape[0]] = p.features
            mask[i, : p.features.shape[0]] = True
        scores = self._scores(net, feats).masked_fill(~mask, float("-inf"))
        return torch.log_softmax(scores, dim=-1)

    @staticmethod
    def _gather(logp_all: torch.Tensor, samples: Sequence[StepSample]
                ) -> tuple[torch.Tensor, torch.Tensor]:
        choices = torch.tensor([p.choice for s in samples for p in s.payload])
        logp = logp_all.gather(1, choices[:, None]).squeeze(1)
        probs = logp_all.exp()
        entropy = -(probs * logp_all.masked_fill(probs == 0, 0.0)).sum(-1)
        return logp, entropy

    def trainable_parameters(self) -> Iterable[nn.Parameter]:
        """The MLP's weights (the reference is frozen)."""
        return self.net.parameters()

    # ----------------------------------------------------------------- saving
    def save(self, folder: Path) -> None:
        """``policy.json``, the weights and the reference's weights."""
        folder = Path(folder)
        write_policy_file(folder, self.kind, asdict(self.config))
        torch.save(self.net.state_dict(), folder / WEIGHTS)
        torch.save(self.reference.state_dict(), folder / REFERENCE)

    @classmethod
    def load(cls, folder: str | Path, **overrides: Any) -> StructuredPolicy:
        """The policy ``save`` wrote; ``overrides`` replace config fields (temperature)."""
        folder = Path(folder)
        _, config = read_policy_file(folder)
        policy = cls(StructuredConfig(**{**config, **overrides}))
        policy.load_weights(folder)
        return policy

    def load_weights(self, folder: str | Path) -> None:
        """Weights (and reference) from a folder ``save`` wrote, into this policy."""
        folder = Path(folder)
        # weights_only: a checkpoint is data, never code to unpickle.
        self.net.load_state_dict(torch.load(folder / WEIGHTS, weights_only=True))
        if (folder / REFERENCE).is_file():
            self.reference.load_state_dict(torch.load(folder / REFERENCE, weights_only=True))


def parameter_vector(policy: StructuredPolicy) -> np.ndarray:
    """All trainable weights as one flat array (tests compare before/after)."""
    return torch.cat([p.detach().reshape(-1) for p in policy.trainable_parameters()]).numpy()
