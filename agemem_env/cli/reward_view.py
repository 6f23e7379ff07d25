"""Why a reward is what it is: the top-level terms of ``info["reward_terms"]`` with their
weights and what each adds to ``total``, and the leaf terms that made each group."""

from __future__ import annotations

from collections.abc import Mapping

from agemem_env.rewards import TERMS, RewardConfig


def explain_reward(terms: Mapping[str, float], config: RewardConfig) -> list[str]:
    """Lines of a small table: term, value, weight, weight x value, and its parts.

    The "adds" column sums to ``total`` (Eq. 16); a weight of 0 means the term is reported
    but does not pay in this preset.
    """
    lines = [f"  {'term':<9}{'value':>8}{'weight':>8}{'adds':>8}  made of"]
    for term in (t for t in TERMS if t.group is None):
        value, weight = terms.get(term.name, 0.0) + 0.0, term.weight(config)  # no -0.000
        parts = ", ".join(
            f"{leaf.name.partition('/')[2]} {terms.get(leaf.name, 0.0) + 0.0:+.2f} x "
            f"{leaf.weight(config):.2f}"
            for leaf in TERMS if leaf.group == term.name
        )
        lines.append(f"  {term.name:<9}{value:>+8.3f}{weight:>8.2f}{weight * value:>+8.3f}"
                     f"  {parts}".rstrip())
    lines.append(f"  {'total':<25}{terms.get('total', 0.0):>+8.3f}")
    return lines
