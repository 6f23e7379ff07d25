"""The public datasets ``agemem data fetch NAME`` downloads: where each official file lives,
its SHA-256 and size, its layout, its licence, and where it goes under the data folder.

Checksums are of the files as their publishers serve them (HotpotQA's release, LoCoMo's
GitHub commit, LongMemEval's Hugging Face revision), so a download is verified byte for
byte. Every layout here is one the loaders of ``agemem_env.tasks`` read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DATA_ENV = "AGEMEM_DATA"
"""Where fetched files go (and where the leaderboard's ``{data}`` points): ``$AGEMEM_DATA``,
else ``data/`` in the working directory."""


@dataclass(frozen=True)
class DataFile:
    """One downloadable file of a benchmark."""

    name: str
    """What ``agemem data fetch`` calls it."""
    source: str
    """The task source that reads it (``--tasks``)."""
    title: str
    url: str
    sha256: str
    size: int
    """Bytes."""
    path: str
    """Where it goes, relative to the data folder."""
    layout: str
    licence: str
    home: str


CATALOG: dict[str, DataFile] = {f.name: f for f in (
    DataFile(
        name="hotpotqa-dev-distractor", source="hotpotqa",
        title="HotpotQA dev, distractor setting (7,405 questions)",
        url="http://curtis.ml.cmu.edu/datasets/hotpot/hotpot_dev_distractor_v1.json",
        sha256="4e9ecb5c8d3b719f624d66b60f8d56bf227f03914f5f0753d6fa1b359d7104ea",
        size=46_320_117, path="hotpotqa/hotpot_dev_distractor_v1.json",
        layout="official JSON list: _id, question, answer, type, level, supporting_facts "
               "[[title, sent_id]], context [[title, [sentences]]]",
        licence="CC BY-SA 4.0", home="https://hotpotqa.github.io",
    ),
    DataFile(
        name="locomo10", source="locomo",
        title="LoCoMo: 10 long conversations, 1,986 questions",
        url="https://raw.githubusercontent.com/snap-research/locomo/"
            "cbfbc1dba6bc53d00625212a0f22d55ffee7c1fc/data/locomo10.json",
        sha256="79fa87e90f04081343b8c8debecb80a9a6842b76a7aa537dc9fdf651ea698ff4",
        size=2_805_274, path="locomo/locomo10.json",
        layout="official locomo10.json: sample_id, conversation {speaker_a, speaker_b, "
               "session_N, session_N_date_time}, qa [{question, answer or "
               "adversarial_answer, evidence, category}]",
        licence="CC BY-NC 4.0", home="https://snap-research.github.io/locomo",
    ),
    DataFile(
        name="longmemeval-oracle", source="longmemeval",
        title="LongMemEval oracle: 500 questions, evidence sessions only",
        url="https://huggingface.co/datasets/xiaowu0162/longmemeval-cleaned/resolve/"
            "98d7416c24c778c2fee6e6f3006e7a073259d48f/longmemeval_oracle.json",
        sha256="821a2034d219ab45846873dd14c14f12cfe7776e73527a483f9dac095d38620c",
        size=15_388_478, path="longmemeval/longmemeval_oracle.json",
        layout="JSON list: question_id, question_type, question, answer, question_date, "
               "haystack_dates, haystack_session_ids, haystack_sessions (turns with "
               "has_answer), answer_session_ids",
        licence="MIT", home="https://github.com/xiaowu0162/LongMemEval",
    ),
    DataFile(
        name="longmemeval-s", source="longmemeval",
        title="LongMemEval_S (cleaned): 500 questions, ~40 sessions of history each",
        url="https://huggingface.co/datasets/xiaowu0162/longmemeval-cleaned/resolve/"
            "98d7416c24c778c2fee6e6f3006e7a073259d48f/longmemeval_s_cleaned.json",
        sha256="d6f21ea9d60a0d56f34a05b609c79c88a451d2ae03597821ea3d5a9678c3a442",
        size=277_383_467, path="longmemeval/longmemeval_s_cleaned.json",
        layout="as longmemeval-oracle, with the distractor sessions in the haystack",
        licence="MIT", home="https://github.com/xiaowu0162/LongMemEval",
    ),
)}


def data_dir() -> Path:
    """``$AGEMEM_DATA``, else ``data/`` in the working directory."""
    return Path(os.environ.get(DATA_ENV) or "data")
