"""Step-wise GRPO math as pure tensor functions: group advantages, their broadcast to
steps, the clipped surrogate, the k3 KL estimator and the loss aggregations.

A batch is flat: every scored unit (an LLM's generated token, or one pick of the
structured policy) is one entry of a 1-D tensor of length T; ``step_ids`` [T] says which
agent step each entry belongs to. Advantage estimators and aggregations are picked by name
from small registries, as verl's ``register_adv_est`` does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

AdvantageEstimator = Callable[..., torch.Tensor]
ADVANTAGE_ESTIMATORS: dict[str, AdvantageEstimator] = {}
AGGREGATIONS = ("token-mean", "step-mean")


def register_advantage(name: str) -> Callable[[AdvantageEstimator], AdvantageEstimator]:
    """Register an estimator ``f(rewards [G], eps) -> advantages [G]`` under ``name``."""

    def wrap(fn: AdvantageEstimator) -> AdvantageEstimator:
        ADVANTAGE_ESTIMATORS[name] = fn
        return fn

    return wrap


@register_advantage("grpo")
def group_advantages(rewards: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """GRPO outcome advantage: (r - mean) / (sample std + eps) within one group.

    Args:
        rewards: [G] terminal rewards of the G rollouts of one seeded task.
        eps: Keeps a group of equal rewards at advantage 0 rather than 0/0.

    Returns:
        [G] advantages (float32). The std has ddof=1, as in the paper's Eq. 3; a group
        of one has advantage 0.

    >>> group_advantages(torch.tensor([1.0, 0.0, 0.0, 1.0]), eps=0.0)
    tensor([ 0.8660, -0.8660, -0.8660,  0.8660])
    >>> group_advantages(torch.tensor([2.0, 2.0, 2.0]))
    tensor([0., 0., 0.])
    """
    rewards = rewards.to(torch.float32)
    if rewards.numel() < 2:
        return torch.zeros_like(rewards)
    centred = rewards - rewards.mean()
    return centred / (rewards.std(unbiased=True) + eps)


def compute_advantages(
    rewards: torch.Tensor, name: str = "grpo", eps: float = 1e-6
) -> torch.Tensor:
    """Advantages of [B, G] rewards (B groups of G), each row normalised on its own.

    >>> compute_advantages(torch.tensor([[1.0, 0.0], [3.0, 3.0]]))
    tensor([[ 0.7071, -0.7071],
            [ 0.0000,  0.0000]])
    """
    if name not in ADVANTAGE_ESTIMATORS:
        raise ValueError(f"unknown advantage estimator {name!r}; "
                         f"choose one of {sorted(ADVANTAGE_ESTIMATORS)}")
    if rewards.dim() != 2:
        raise ValueError(f"rewards must be [groups, group_size], got shape {tuple(rewards.shape)}")
    estimator = ADVANTAGE_ESTIMATORS[name]
    return torch.stack([estimator(row, eps=eps) for row in rewards])


def broadcast_to_units(values: Sequence[float] | torch.Tensor,
                       units_per_item: Sequence[int]) -> torch.Tensor:
    """Repeat item i's value ``units_per_item[i]`` times: a trajectory's advantage reaches
    every step of every stage, a step's reaches each of its tokens.

    >>> broadcast_to_units([0.5, -0.5], [3, 1])
    tensor([ 0.5000,  0.5000,  0.5000, -0.5000])
    """
    values = torch.as_tensor(values, dtype=torch.float32)
    counts = torch.as_tensor(list(units_per_item), dtype=torch.long)
    if values.numel() != counts.numel():
        raise ValueError(f"{values.numel()} values but {counts.numel()} counts")
    return torch.repeat_interleave(values, counts)


def clipped_surrogate(
    logp: torch.Tensor, logp_old: torch.Tensor, advantages: torch.Tensor, clip_eps: float = 0.2
) -> tuple[torch.Tensor, torch.Tensor]:
    """PPO/GRPO clipped objective, as a loss: -min(r A, clip(r, 1-eps, 1+eps) A).

    Args:
        logp, logp_old, advantages: [T] log-probs now, at sampling, and advantages.
        clip_eps: The ratio's clip range.

    Returns:
        ([T] per-unit loss, [T] bool: the clipped branch was the smaller one).

    >>> loss, clipped = clipped_surrogate(torch.log(torch.tensor([1.5, 0.5])),
    ...                                   torch.zeros(2), torch.tensor([1.0, 1.0]))
    >>> loss, clipped
    (tensor([-1.2000, -0.5000]), tensor([ True, False]))
    """
    ratio = torch.exp(logp - logp_old)
    unclipped = ratio * advantages
    clipped = torch.clamp(ratio, 1.0 - clip_eps, 1.0 + clip_eps) * advantages
    return -torch.minimum(unclipped, clipped), clipped < unclipped


def kl_k3(logp: torch.Tensor, logp_ref: torch.Tensor) -> torch.Tensor:
    """Schulman's k3 estimate of KL(pi || pi_ref) per unit: exp(d) - d - 1, d = ref - logp.

    Non-negative, unbiased for samples drawn from pi, zero where the policies agree.

    >>> kl_k3(torch.tensor([0.0, -1.0]), torch.tensor([0.0, 0.0]))
    tensor([0.0000, 0.7183])
    """
    delta = logp_ref - logp
    return torch.exp(delta) - delta - 1.0


def aggregate(values: torch.Tensor, step_ids: torch.Tensor, mode: str = "token-mean",
              n_tokens: int | None = None, n_steps: int | None = None) -> torch.Tensor:
    """Reduce [T] per-unit values to a scalar.

    "token-mean": sum / n_tokens (every token weighs the same). "step-mean": each step's
    units are averaged first, then steps sum / n_steps (every step weighs the same).
    Pass the whole batch's counts when ``values`` is one micro-batch of it, so summed
    micro-batch losses equal the full-batch loss.

    >>> v, ids = torch.tensor([1.0, 3.0, 5.0]), torch.tensor([0, 0, 1])
    >>> aggregate(v, ids, "token-mean"), aggregate(v, ids, "step-mean")
    (tensor(3.), tensor(3.5000))
    """
    if mode == "token-mean":
        return values.sum() / (n_tokens if n_tokens is not None else max(1, values.numel()))
    if mode == "step-mean":
        ids = torch.unique(step_ids, return_inverse=True)[1]
        n_local = int(ids.max()) + 1 if ids.numel() else 0
        zeros = torch.zeros(n_local, dtype=values.dtype, device=values.device)
        sums = zeros.index_add(0, ids, values)
        counts = zeros.index_add(0, ids, torch.ones_like(values))
        per_step = sums / counts.clamp_min(1.0)
        return per_step.sum() / (n_steps if n_steps is not None else max(1, n_local))
    raise ValueError(f"unknown loss aggregation {mode!r}; choose one of {AGGREGATIONS}")


def grpo_loss(
    logp: torch.Tensor,
    logp_old: torch.Tensor,
    logp_ref: torch.Tensor | None,
    advantages: torch.Tensor,
    step_ids: torch.Tensor,
    *,
    clip_eps: float = 0.2,
    kl_coef: float = 0.001,
    mode: str = "token-mean",
    n_tokens: int | None = None,
    n_steps: int | None = None,
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """The step-wise GRPO loss (paper Eq. 4): clipped surrogate plus kl_coef * k3 KL.

    Returns the scalar loss and detached per-unit ``kl`` and ``clipped`` for metrics.

    >>> loss, parts = grpo_loss(torch.zeros(2), torch.zeros(2), torch.zeros(2),
    ...                         torch.tensor([1.0, -1.0]), torch.tensor([0, 1]))
    >>> float(loss), parts["kl"].tolist()
    (0.0, [0.0, 0.0])
    """
    policy_loss, clipped = clipped_surrogate(logp, logp_old, advantages, clip_eps)
    kl = kl_k3(logp, logp_ref) if logp_ref is not None else torch.zeros_like(logp)
    per_unit = policy_loss + kl_coef * kl if logp_ref is not None and kl_coef else policy_loss
    loss = aggregate(per_unit, step_ids, mode, n_tokens, n_steps)
    return loss, {"kl": kl.detach(), "clipped": clipped.detach(),
                  "policy_loss": policy_loss.detach()}
