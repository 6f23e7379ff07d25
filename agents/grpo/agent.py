"""A trained GRPO policy as an ``Agent``: ``make_agent("grpo:DIR")`` and
``agemem eval --agent grpo:DIR`` load it from the output folder of ``agemem train grpo``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agents.grpo.policy import POLICY_FILE, Policy, read_policy_file
from agents.protocol import Agent, TaskInfo


class GRPOAgent:
    """Plays a policy: greedy (its most likely choice) by default, or sampled with a seed.

    ``action_mode`` tells the runner which env action mode to make (the structured policy
    needs ``action_mode="structured"``, the LLM policy text).
    """

    name = "grpo"

    def __init__(self, policy: Policy, greedy: bool = True, seed: int = 0):
        self.policy, self.greedy, self.seed = policy, greedy, int(seed)
        self.action_mode = policy.action_mode
        self._generator: Any = None

    def reset(self, task_info: TaskInfo) -> None:
        """Forget the episode; sampling restarts from (seed, episode seed)."""
        import torch

        self.policy.reset(task_info)
        episode = 0 if task_info.seed is None else int(task_info.seed)
        self._generator = torch.Generator().manual_seed(self.seed * 1_000_003 + episode)

    def act(self, observation: dict[str, Any], info: dict[str, Any]) -> Any:
        """The policy's action for this observation."""
        action, _ = self.policy.act(observation, info, generator=self._generator,
                                    greedy=self.greedy)
        return action


def load_policy(folder: str | Path, **overrides: Any) -> Policy:
    """Rebuild a saved policy: ``structured`` or ``llm``, from its folder.

    Raises:
        FileNotFoundError: no policy file.
        ValueError: an unknown policy kind.
    """
    folder = Path(folder)
    kind, config = read_policy_file(folder)
    if kind == "structured":
        from agents.grpo.structured import StructuredPolicy

        return StructuredPolicy.load(folder, **overrides)
    if kind == "llm":
        from agents.grpo.llm_policy import LLMPolicy

        return LLMPolicy.load(folder, **overrides)
    raise ValueError(f"unknown policy kind {kind!r} in {folder / POLICY_FILE}; "
                     "expected 'structured' or 'llm'")


def policy_folder(path: str | Path) -> Path:
    """The saved policy inside a training output folder (or the folder itself)."""
    root = Path(path)
    for folder in (root / "checkpoint" / "policy", root):
        if (folder / POLICY_FILE).is_file():
            return folder
    raise FileNotFoundError(f"no trained policy in {root}: expected {root}/checkpoint/policy/"
                            f"{POLICY_FILE} (the --out folder of `agemem train grpo`)")


def load_agent(path: str, greedy: bool = True, seed: int = 0, **overrides: Any) -> Agent:
    """The agent of a trained policy; ``overrides`` go to the policy config (e.g.
    ``temperature``).

    Raises:
        FileNotFoundError: ``path`` holds no trained policy.
    """
    policy = load_policy(policy_folder(path), **overrides)
    policy.train(False)
    return GRPOAgent(policy, greedy=greedy, seed=seed)
