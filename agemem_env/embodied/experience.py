"""Lay an interactive instance out as an AgeMem Task: experience, distractors, mission.

Stage 1 (information): the earlier successful run of the same instance, as a few user
turns, with light chit-chat between them. Stage 2 (distractors): runs of sibling
instances (other seeds or variations of the same family, which look alike but do not
apply) and chit-chat. Stage 3 (question): the mission, with the command budget.
The gold supporting facts are the instance's facts, so the memory terms reward storing
(and retrieving) exactly what makes the mission solvable.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from agemem_env.embodied.backend import Instance
from agemem_env.tasks import Task
from agemem_env.tasks.synthetic_vocab import chitchat_lines

SUCCESS = "success"


def experience_turns(instance: Instance, label: str) -> list[str]:
    """An instance's run told as user turns, facts first; ``label`` says whose run it is."""
    return [f"[{label}] {text}" for text in (*instance.facts, *instance.notes)]


def build_task(
    instance: Instance,
    siblings: Sequence[Instance],
    rng: np.random.Generator,
    *,
    budget: int,
    n_chitchat: int = 4,
    source: str = "embodied",
) -> Task:
    """The Task of one embodied episode (see the module docstring).

    Args:
        instance: The loaded instance that Stage 3 will play.
        siblings: Other instances of its family; their runs are Stage-2 distractors.
        rng: Draws the chit-chat and the order of the distractors.
        budget: Commands allowed in Stage 3 (stated in the question).
        n_chitchat: Chit-chat lines, split between Stages 1 and 2.
        source: Task source name (the backend's).
    """
    chat = chitchat_lines(rng, n_chitchat)
    half = len(chat) // 2
    information = [*experience_turns(instance, "earlier run"), *chat[:half]]
    others = [t for s in siblings for t in experience_turns(s, "another run")]
    distractors = [*others, *chat[half:]]
    question = (f"New episode. Your mission: {instance.mission} You start {instance.start}. "
                f"You may issue at most {budget} commands.")
    return Task(
        id=instance.id,
        information=tuple(information),
        question=question,
        answers=(SUCCESS,),
        supporting_facts=instance.facts,
        distractors=tuple(distractors),
        source=source,
        metadata={"mission": instance.mission, "solution_length": len(instance.solution),
                  "budget": budget},
    )
