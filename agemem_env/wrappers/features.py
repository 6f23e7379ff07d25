"""FeatureObservation: the chat observation as a fixed-size float vector in [-1, 1]."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from agemem_env.embed import Embedder, HashingEmbedder
from agemem_env.wrappers.array_observation import ArrayObservation
from agemem_env.wrappers.episode_view import EpisodeView

# Scalars, in order (``FeatureObservation.SCALARS`` names them for a user's plots).
SCALARS = (
    "stage_1", "stage_2", "stage_3", "round", "last_round", "context_fill", "memories",
    "new_turns", "user_turns", "question_known", "retrieved", "retrievals", "last_failed",
)
CUES = ("digits", "name", "change_cue", "retraction", "first_person", "length")
_CHANGE_RE = re.compile(r"\b(?:now|moved|switched|actually|longer|changed|instead|anymore|"
                        r"update|replaced)\b", re.IGNORECASE)
_RETRACT_RE = re.compile(r"\b(?:forget|scratch|ignore|disregard|take back)\b", re.IGNORECASE)
_FIRST_PERSON_RE = re.compile(r"\b(?:i|me|my|mine|i'm|i've)\b", re.IGNORECASE)
_NAME_RE = re.compile(r"(?<=\s)[A-Z][a-z]")


class FeatureObservation(ArrayObservation):
    """Chat observation + info -> ``features``, a float32 ``Box(-1, 1)`` vector.

    Layout (``feature_names`` lists every entry):

    | block    | size | what                                                        |
    |----------|------|-------------------------------------------------------------|
    | scalars  | 13   | ``SCALARS``: stage one-hot, round / cap, last round, context |
    |          |      | tokens / budget, LTM size / 20, new user turns / 5, user     |
    |          |      | turns / 20, question known, retrieved memories / 10,         |
    |          |      | retrievals / 3, last step failed                             |
    | listing  | k    | scores of the latest listed memories, best first (the hits   |
    |          |      | of a Retrieve or of Stage 1's auto-retrieval): the targets   |
    |          |      | of ``FlatToolAction``'s update and delete                    |
    | question | k    | cosines of the k memories most like the question (0 before   |
    |          |      | Stage 3)                                                     |
    | cues     | 6    | of the newest user turn: digits, a name, a change cue, a     |
    |          |      | retraction, first person, length / 60                        |
    | turn     | dim  | embedding of the newest user turn                            |
    | ask      | dim  | embedding of the question (0 before Stage 3)                 |

    Memory ids, scores and contents come from ``info["step_results"]`` and
    ``info["auto_retrieved"]``, never from the message text. Counts saturate at 1.

    Args:
        env: An AgeMem env, or an ``ArrayObservation`` to stack on.
        embedder: "hashing" (a ``HashingEmbedder`` of ``dim`` buckets, no model), "env"
            (the env's own embedder; ``dim`` is then the embedder's), or an ``Embedder``.
        dim: Buckets of the hashing embedder.
        top_k: Memories in the listing and question blocks (match ``FlatToolAction``'s
            ``targets``).

    >>> import gymnasium as gym, agemem_env
    >>> from agemem_env.wrappers.features import FeatureObservation
    >>> env = FeatureObservation(gym.make("AgeMem-Stage3-v0", embedder="hashing"), dim=16)
    >>> obs, _ = env.reset(seed=0)
    >>> obs.shape, obs.dtype, float(obs[0])  # stage_1 is set
    ((57,), dtype('float32'), 1.0)
    """

    SCALARS = SCALARS

    def __init__(self, env: gym.Env, embedder: str | Embedder = "hashing", dim: int = 32,
                 top_k: int = 3):
        if not isinstance(top_k, int) or top_k < 1:
            raise ValueError(f"top_k must be an int >= 1, got {top_k!r}")
        self.embedder = _embedder(env, embedder, dim)
        self.top_k = top_k
        size = len(SCALARS) + 2 * top_k + len(CUES) + 2 * self.embedder.dim
        super().__init__(env, {"features": spaces.Box(-1.0, 1.0, (size,), np.float32)})
        base = env.unwrapped
        self._rounds = int(getattr(base, "rounds_per_stage", 5))
        self._budget = int(getattr(base, "token_budget", 8192))
        self.view = EpisodeView()

    @property
    def feature_names(self) -> list[str]:
        """The name of every entry of the vector, in order."""
        k, d = range(self.top_k), range(self.embedder.dim)
        return [*SCALARS, *(f"listing_{i}" for i in k), *(f"question_sim_{i}" for i in k),
                *CUES, *(f"turn_{i}" for i in d), *(f"ask_{i}" for i in d)]

    def on_reset(self) -> None:
        """A fresh view of the new episode."""
        self.view = EpisodeView()

    def encode(self, chat: Mapping[str, Any], info: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """The vector for one observation (see the class docstring for the layout)."""
        view = self.view
        view.update(chat, info)
        newest = view.turns[0] if view.turns else ""
        turn_vec, ask_vec = self._embed(newest, view.question or "")
        vector = np.concatenate([
            self._scalars(chat, view),
            _padded([m.score for m in view.listing], self.top_k),
            self._question_sims(view, ask_vec),
            _cues(newest),
            turn_vec,
            ask_vec,
        ]).astype(np.float32)
        return {"features": np.clip(vector, -1.0, 1.0)}

    def _scalars(self, chat: Mapping[str, Any], view: EpisodeView) -> np.ndarray:
        stage = [float(chat["stage"] == s) for s in (1, 2, 3)]
        rounds = self._rounds
        return np.asarray([
            *stage,
            chat["round"] / rounds,
            float(chat["round"] >= rounds - 1),
            chat["context_tokens"] / self._budget,
            _share(chat["ltm_size"], 20),
            _share(view.new_turns, 5),
            _share(len(view.turns), 20),
            float(view.question is not None),
            _share(len(view.retrieved), 10),
            _share(view.retrievals, 3),
            float(view.last_failed),
        ], dtype=np.float32)

    def _question_sims(self, view: EpisodeView, ask_vec: np.ndarray) -> np.ndarray:
        if view.question is None or not view.known:
            return np.zeros(self.top_k, dtype=np.float32)
        sims = self.embedder.embed(list(view.known.values())) @ ask_vec
        return _padded(sorted(sims.tolist(), reverse=True), self.top_k)

    def _embed(self, turn: str, question: str) -> tuple[np.ndarray, np.ndarray]:
        vecs = self.embedder.embed([turn, question]).astype(np.float32)
        return vecs[0], vecs[1]


def _embedder(env: gym.Env, embedder: str | Embedder, dim: int) -> Embedder:
    if embedder == "hashing":
        return HashingEmbedder(dim=dim, ngram=1)
    if embedder == "env":
        return env.unwrapped.embedder
    if isinstance(embedder, str) or not callable(getattr(embedder, "embed", None)):
        raise ValueError(f"embedder must be 'hashing', 'env' or an Embedder, got {embedder!r}")
    return embedder


def _share(count: int, cap: int) -> float:
    return min(count, cap) / cap


def _padded(values: list[float], size: int) -> np.ndarray:
    out = np.zeros(size, dtype=np.float32)
    top = values[:size]
    out[: len(top)] = top
    return out


def _cues(text: str) -> np.ndarray:
    """Digits, a name, a change cue, a retraction, first person, length."""
    return np.asarray([
        float(bool(re.search(r"\d", text))),
        float(bool(_NAME_RE.search(text))),
        float(bool(_CHANGE_RE.search(text))),
        float(bool(_RETRACT_RE.search(text))),
        float(bool(_FIRST_PERSON_RE.search(text))),
        min(len(text.split()), 60) / 60,
    ], dtype=np.float32)
