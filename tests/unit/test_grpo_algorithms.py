"""Step-wise GRPO math on hand-computed numbers (agents/grpo/algorithms.py)."""

from __future__ import annotations

import math

import pytest
import torch

from agents.grpo.algorithms import (
    aggregate,
    broadcast_to_units,
    clipped_surrogate,
    compute_advantages,
    group_advantages,
    grpo_loss,
    kl_k3,
)


def test_group_advantages_use_mean_and_sample_std():
    # mean 3, centred (-2, -1, 0, 3), sample std sqrt(14 / 3) = 2.16025
    adv = group_advantages(torch.tensor([1.0, 2.0, 3.0, 6.0]), eps=0.0)
    expected = [-2 / math.sqrt(14 / 3), -1 / math.sqrt(14 / 3), 0.0, 3 / math.sqrt(14 / 3)]
    assert adv.tolist() == pytest.approx(expected, abs=1e-6)


def test_eps_keeps_equal_rewards_at_zero_and_rows_are_independent():
    adv = compute_advantages(torch.tensor([[2.0, 2.0, 2.0], [0.0, 1.0, 2.0]]), eps=1e-6)
    assert adv[0].tolist() == [0.0, 0.0, 0.0]
    assert adv[1].tolist() == pytest.approx([-1.0, 0.0, 1.0], abs=1e-5)  # std 1


def test_compute_advantages_rejects_bad_input():
    with pytest.raises(ValueError, match="unknown advantage estimator"):
        compute_advantages(torch.zeros(1, 2), name="nope")
    with pytest.raises(ValueError, match=r"\[groups, group_size\]"):
        compute_advantages(torch.zeros(4))


def test_trajectory_advantage_reaches_every_unit_of_every_step():
    # Two episodes with advantages 0.5 and -1.5; episode 0 has 2 steps (3 and 1 units),
    # episode 1 one step of 2 units.
    per_step = broadcast_to_units(torch.tensor([0.5, -1.5]), [2, 1])
    per_unit = broadcast_to_units(per_step, [3, 1, 2])
    assert per_step.tolist() == [0.5, 0.5, -1.5]
    assert per_unit.tolist() == [0.5, 0.5, 0.5, 0.5, -1.5, -1.5]
    with pytest.raises(ValueError, match="2 values but 3 counts"):
        broadcast_to_units([1.0, 2.0], [1, 1, 1])


def test_clipped_surrogate_on_known_ratios():
    ratio = torch.tensor([1.5, 0.5, 1.1, 0.7])
    adv = torch.tensor([1.0, 1.0, -1.0, -1.0])
    loss, clipped = clipped_surrogate(torch.log(ratio), torch.zeros(4), adv, clip_eps=0.2)
    # min(r A, clip(r) A): 1.2 (clipped), 0.5, -1.1, -0.8 (clipped); loss is the negative.
    assert loss.tolist() == pytest.approx([-1.2, -0.5, 1.1, 0.8], abs=1e-6)
    assert clipped.tolist() == [True, False, False, True]


def test_k3_kl_on_known_numbers():
    # logp = log 0.5, ref = log 0.25: d = log 0.5; exp(d) - d - 1 = 0.5 + ln 2 - 1
    kl = kl_k3(torch.log(torch.tensor([0.5, 0.3])), torch.log(torch.tensor([0.25, 0.3])))
    assert kl.tolist() == pytest.approx([math.log(2) - 0.5, 0.0], abs=1e-6)


def test_aggregations_and_micro_batches_sum_to_the_full_batch():
    values = torch.tensor([1.0, 3.0, 5.0, 7.0])
    steps = torch.tensor([0, 0, 1, 2])
    assert float(aggregate(values, steps, "token-mean")) == pytest.approx(4.0)
    # step means 2, 5, 7 -> 14 / 3
    assert float(aggregate(values, steps, "step-mean")) == pytest.approx(14 / 3)
    for mode in ("token-mean", "step-mean"):
        halves = (aggregate(values[:2], steps[:2], mode, n_tokens=4, n_steps=3)
                  + aggregate(values[2:], steps[2:], mode, n_tokens=4, n_steps=3))
        assert float(halves) == pytest.approx(float(aggregate(values, steps, mode)))
    with pytest.raises(ValueError, match="unknown loss aggregation"):
        aggregate(values, steps, "sum")


def test_grpo_loss_adds_the_weighted_kl():
    logp = torch.log(torch.tensor([0.5, 0.5]))
    ref = torch.log(torch.tensor([0.25, 0.5]))
    adv = torch.tensor([1.0, -1.0])
    loss, parts = grpo_loss(logp, logp, ref, adv, torch.tensor([0, 1]), kl_coef=0.1)
    # ratio 1: policy loss (-1, +1) averages to 0; KL (ln2 - 0.5, 0) averages to half.
    assert float(loss) == pytest.approx(0.1 * (math.log(2) - 0.5) / 2, abs=1e-6)
    assert parts["clipped"].tolist() == [False, False]


def test_a_gradient_step_raises_the_logp_of_a_positive_advantage():
    logits = torch.zeros(3, requires_grad=True)
    logp = torch.log_softmax(logits, 0)[[0, 1]]
    loss, _ = grpo_loss(logp, logp.detach(), None, torch.tensor([1.0, -1.0]),
                        torch.tensor([0, 1]))
    loss.backward()
    assert logits.grad[0] < 0 < logits.grad[1]  # descent raises unit 0, lowers unit 1
