"""Behaviour cloning of the structured policy: a warm start before GRPO (AtomMem's recipe,
SFT then RL, in the structured policy's own action space).

The expert is a teacher that reads the gold task and picks among the same candidates the
policy is offered: store a turn that supports a gold fact (updating the closest memory
when that memory has gone stale), skip others; filter the Stage-2 distractors; retrieve
the question, then the entity the reader bridged to, then answer. The policy is trained
by cross-entropy on the teacher's picks, and saved as a ``grpo:DIR``-loadable folder whose
frozen reference is the cloned network, so that GRPO's KL term anchors to the warm start.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import torch
from tqdm.auto import tqdm

import agemem_env  # noqa: F401  (registers the ids)
from agemem_env.scoring.memory_quality import fact_support
from agemem_env.tasks import Task
from agents.grpo.candidates import Candidate
from agents.grpo.structured import StructuredConfig, StructuredPolicy
from agents.protocol import TaskInfo

SUPPORT = 0.6  # share of a gold fact's content words a turn must hold to count as it


@dataclass(frozen=True)
class BCConfig:
    """How many teacher episodes, and how the network is fitted to them."""

    env_id: str = "AgeMem-Stage3-v0"
    episodes: int = 200
    seed: int = 200_000
    """First episode seed: far from GRPO's (100000+) and eval's (0+) ranges."""
    embedder: str = "hashing"
    epochs: int = 10
    lr: float = 5e-3
    batch: int = 64
    init_seed: int = 0

    def __post_init__(self) -> None:
        if self.episodes < 1 or self.epochs < 1 or self.batch < 1:
            raise ValueError("BCConfig needs episodes, epochs and batch >= 1")


def teacher_choice(options: Sequence[Candidate], task: Task,
                   memories: dict[str, str], queried: Sequence[str]) -> int:
    """The gold-reading teacher's pick among one decision's candidates."""
    kinds = [o.kind for o in options]
    facts = task.supporting_facts
    if "skip" in kinds:  # a Stage-1 turn
        turn = options[0].text
        support = _support(turn, facts)
        if support < SUPPORT:
            return kinds.index("skip")
        for i, option in enumerate(options):
            if option.kind == "update" and option.scalars[1] > 0.5:
                # A similar memory that holds less of the gold than this turn is stale.
                target = memories.get(option.calls[0].arguments["memory_id"], "")
                if _support(target, facts) < support:
                    return i
        return kinds.index("add")
    if "keep" in kinds:  # a Stage-2 message
        text = options[0].text
        return kinds.index("filter" if text in task.distractors else "keep")
    if "end" in kinds:  # closing a session step: go on while turns arrive
        return kinds.index("continue" if options[0].scalars[3] else "end")
    retrieves = [i for i, o in enumerate(options) if o.kind == "retrieve"
                 and o.text not in queried]
    answer = kinds.index("answer")
    if not queried and retrieves:
        return retrieves[0]
    bridged = [i for i in retrieves if options[i].scalars[5]]
    return bridged[0] if bridged else answer


def collect(policy: StructuredPolicy, config: BCConfig, progress: bool = True
            ) -> list[tuple[torch.Tensor, int]]:
    """Play ``config.episodes`` teacher episodes; return (candidate features, pick) pairs."""
    env = gym.make(config.env_id, action_mode="structured", embedder=config.embedder)
    data: list[tuple[torch.Tensor, int]] = []
    try:
        for episode in tqdm(range(config.episodes), desc="teacher", unit="ep",
                            disable=not progress):
            seed = config.seed + episode
            obs, info = env.reset(seed=seed)
            task = env.unwrapped.task
            policy.reset(TaskInfo(config.env_id, "structured", seed))
            done = False
            while not done:
                policy.view.absorb(info)
                decisions = policy.builder.decisions(obs, policy.view)
                choices = [teacher_choice(o, task, policy.view.memories,
                                          policy.view.queried) for o in decisions]
                for options, choice in zip(decisions, choices, strict=True):
                    feats = torch.from_numpy(policy.builder.features(obs, options))
                    data.append((feats, choice))
                action = policy.take(decisions, choices)
                obs, _, terminated, truncated, info = env.step(action)
                done = terminated or truncated
    finally:
        env.close()
    return data


def fit(policy: StructuredPolicy, data: Sequence[tuple[torch.Tensor, int]], config: BCConfig,
        progress: bool = True) -> list[float]:
    """Cross-entropy of the teacher's picks, per epoch (mean over decisions)."""
    optimiser = torch.optim.AdamW(policy.net.parameters(), lr=config.lr)
    rng = random.Random(config.init_seed)
    order = list(range(len(data)))
    losses = []
    for _ in tqdm(range(config.epochs), desc="clone", unit="epoch", disable=not progress):
        rng.shuffle(order)
        total = 0.0
        for start in range(0, len(order), config.batch):
            batch = [data[i] for i in order[start:start + config.batch]]
            loss = torch.stack([
                -torch.log_softmax(policy.net(f).squeeze(-1) / policy.config.temperature,
                                   dim=-1)[c] for f, c in batch]).mean()
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            total += float(loss.detach()) * len(batch)
        losses.append(total / max(1, len(data)))
    return losses


def behaviour_clone(out: str | Path, config: BCConfig = BCConfig(), progress: bool = True
                    ) -> dict[str, Any]:
    """Collect teacher data, fit a fresh structured policy, save it to ``out``.

    Returns the summary also written to ``out/bc.json``: decisions seen, the loss per
    epoch and the teacher's share of picks per candidate kind.
    """
    torch.manual_seed(config.init_seed)
    policy = StructuredPolicy(StructuredConfig(init_seed=config.init_seed))
    data = collect(policy, config, progress)
    losses = fit(policy, data, config, progress)
    policy.reference.load_state_dict(policy.net.state_dict())
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    policy.save(out)
    summary = {"config": asdict(config), "decisions": len(data), "loss_per_epoch": losses}
    (out / "bc.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def _support(text: str, facts: Sequence[str]) -> float:
    return max((fact_support(text, fact) for fact in facts), default=0.0)
