"""Embedding misses and token counts, before and after the memoised/cached versions.

Run: ``.venv/bin/python -m pytest tests/benchmarks/test_embed_bench.py --benchmark-only``.
Texts are those of synthetic tasks (information, distractors, question), embedded one at a
time as CachedEmbedder asks for a step's misses. ``reference`` is the hashing embedder as it
was (kept verbatim in tests/unit/test_embed.py); ``memoised`` the current one, warm (its
word memo filled by an earlier pass, as in a long run) and cold (a fresh embedder).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from agemem_env.embed import HashingEmbedder
from agemem_env.tasks.synthetic import generate_tasks
from agemem_env.tokens import TiktokenCounter


def _reference_class() -> type:
    path = Path(__file__).resolve().parents[1] / "unit" / "test_embed.py"
    spec = importlib.util.spec_from_file_location("_reference_embed", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ReferenceHashingEmbedder


def _texts(n_tasks: int = 200) -> list[str]:
    texts: dict[str, None] = {}
    for task in generate_tasks(n_tasks, seed=0):
        texts.update(dict.fromkeys((*task.information, *task.distractors, task.question)))
    return list(texts)


TEXTS = _texts()


def _per_text(benchmark, report, label: str, embed, fresh=None) -> None:
    """One round embeds every text once, singly; reports us per text."""
    def one_pass():
        model = fresh() if fresh else None
        for text in TEXTS:
            (model.embed if model else embed)([text])

    benchmark.pedantic(one_pass, rounds=5, iterations=1, warmup_rounds=1)
    per_text = benchmark.stats.stats.median / len(TEXTS) * 1e6
    benchmark.extra_info["us_per_text"] = per_text
    report("hashing embedder: one miss (us per text, median of 5 passes)",
           f"{label:<22} {per_text:7.1f} us  over {len(TEXTS)} distinct task texts")


@pytest.mark.parametrize("variant", ["reference", "memoised-warm", "memoised-cold"])
def test_hashing_miss(benchmark, report, variant: str) -> None:
    benchmark.group = "hashing embedder"
    if variant == "reference":
        _per_text(benchmark, report, variant, _reference_class()().embed)
    elif variant == "memoised-warm":
        _per_text(benchmark, report, variant, HashingEmbedder().embed)
    else:
        _per_text(benchmark, report, variant, None, fresh=HashingEmbedder)


@pytest.mark.parametrize("cache_size", [0, 4096])
def test_token_count_of_an_episode(benchmark, report, cache_size: int) -> None:
    """Counting what an episode appends: the system prompt and a task's texts, in order.

    Every round is a new task, so only what recurs across episodes (the prompt, chit-chat
    and distractor lines) can hit the cache.
    """
    import gymnasium as gym

    import agemem_env  # noqa: F401

    env = gym.make("AgeMem-Stage3-v0", embedder="hashing")
    env.reset(seed=0)
    prompt = env.unwrapped.stm.messages[0].content  # the ~4,000-character system prompt
    env.close()
    counter = TiktokenCounter(cache_size=cache_size)
    counter.count("warm up")  # loads the encoding
    episodes = iter(generate_tasks(260, seed=1))

    def one_episode():
        task = next(episodes)
        for text in (prompt, *task.information, *task.distractors, task.question):
            counter.count(text)

    benchmark.group = "token counting"
    benchmark.pedantic(one_episode, rounds=250, iterations=1, warmup_rounds=10)
    report("token counting: one episode's messages (median)",
           f"cache_size={cache_size:<5} {benchmark.stats.stats.median * 1e6:8.1f} us")
