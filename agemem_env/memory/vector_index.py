"""Cosine-similarity vector indexes keyed by int: exact numpy, usearch HNSW, and an auto switch.

All three return the same thing for the same data: ``(key, score)`` pairs sorted by score
descending, then key ascending. A fast float32 pass (BLAS, or the usearch graph) only proposes
candidates; every index then scores them the same way (float64 sums over the stored, L2-
normalised float32 vectors), so scores are bit-identical across indexes and runs, and usearch
can differ from exact search only in recall.

Measured on 2 shared CPU cores with MiniLM-like vectors (docs/performance.md;
tests/benchmarks/test_index_switch_bench.py, test_retrieval_bench.py). A top-5 exact search
with BLAS on one thread (OPENBLAS_NUM_THREADS=1, as parallel workers should run) costs 0.12
ms at 4k vectors, 0.33 ms at 8k, 1.4 ms at 16k; on two threads of an idle machine about half
that, but when the other core is busy the second BLAS thread stalls and a search from about
8k vectors up takes 8-12 ms. On the usearch graph a search costs 0.2-0.7 ms from 4k to 64k
vectors and an add 0.15-0.35 ms, against 9 us on the exact store. At one add per search the
two cost the same near 10k vectors (one BLAS thread) to 20k (two, idle); AutoIndex switches
at ``AUTO_THRESHOLD`` = 10,000, the safer end. The usearch defaults (connectivity 16,
expansion 64 to add, 128 to search, an f16 graph) gave recall@5 0.99-1.0 at 100k in every
build measured, with a search p50 of 0.45-0.8 ms; the earlier search breadth of 256 cost
0.9-1.3 ms for the same recall, and a breadth of 64 on the same graph fell to 0.97-0.99.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

import numpy as np

__all__ = ["AutoIndex", "ExactIndex", "USearchIndex", "VectorIndex"]

VectorIndex = Any  # ExactIndex | USearchIndex | AutoIndex; all share the methods below


def _as_unit_vector(vector: Any, dim: int) -> np.ndarray:
    """Validate one vector and L2-normalise it (a zero vector stays zero)."""
    arr = np.asarray(vector, dtype=np.float32).reshape(-1)
    if arr.shape[0] != dim:
        raise ValueError(f"vector has {arr.shape[0]} dimensions, index expects {dim}")
    # Same arithmetic as for a batch, so one vector gets the same bits either way.
    return _as_unit_rows(arr.reshape(1, dim), 1, dim)[0]


def _as_unit_rows(vectors: Any, count: int, dim: int) -> np.ndarray:
    """Validate ``count`` vectors (one per row) and L2-normalise each row."""
    arr = np.array(vectors, dtype=np.float32, copy=True)
    if arr.ndim != 2 or arr.shape != (count, dim):
        raise ValueError(
            f"vectors have shape {arr.shape}; expected {count} rows of {dim} dimensions"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError("vector contains NaN or infinity")
    norms = np.linalg.norm(arr, axis=1, keepdims=True)
    np.divide(arr, norms, out=arr, where=norms > 0)
    return arr


def _fetch(k: int) -> int:
    """Candidates to rank exactly for a top-k query (over-fetch for ANN recall)."""
    return max(4 * k, 32)


def _check_key(key: Any) -> int:
    if isinstance(key, bool) or not isinstance(key, int | np.integer) or key < 0:
        raise TypeError(f"index key must be a non-negative int, got {key!r}")
    return int(key)


# Score slack when pre-selecting candidates in float32 (BLAS rounding is ~1e-7 here).
_NEAR_TIE = 1e-5


def _top_k(keys: np.ndarray, scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    """Best k by score desc then key asc; ties at the cut are resolved by key, not by luck."""
    if k < len(scores):
        kth = np.partition(scores, len(scores) - k)[len(scores) - k]
        keep = np.flatnonzero(scores >= kth)
        keys, scores = keys[keep], scores[keep]
    order = np.lexsort((keys, -scores))[:k]
    return [(int(keys[i]), float(scores[i])) for i in order]


class _VectorStore:
    """Dense float32 rows with a key -> row map; removal moves the last row into the hole."""

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self.matrix = np.zeros((16, dim), dtype=np.float32)
        self.row_keys = np.zeros(16, dtype=np.int64)
        self.rows: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def put(self, key: int, unit: np.ndarray) -> None:
        row = self.rows.get(key)
        if row is None:
            row = len(self.rows)
            if row == len(self.matrix):  # grow geometrically: amortised O(1) adds
                self.matrix = np.concatenate([self.matrix, np.zeros_like(self.matrix)])
                self.row_keys = np.concatenate([self.row_keys, np.zeros_like(self.row_keys)])
            self.rows[key] = row
            self.row_keys[row] = key
        self.matrix[row] = unit

    def pop(self, key: int) -> None:
        row = self.rows.pop(key)  # KeyError for a missing key, as documented
        last = len(self.rows)
        if row != last:
            moved = int(self.row_keys[last])
            self.matrix[row] = self.matrix[last]
            self.row_keys[row] = moved
            self.rows[moved] = row

    def candidate_rows(
        self, query: np.ndarray, keys: Collection[int] | None, fetch: int
    ) -> np.ndarray:
        """Rows that may hold the best ``fetch`` vectors (all of them, or among ``keys``).

        A fast float32 BLAS pass picks them; ``rescore`` then ranks them exactly. BLAS results
        can differ in the last bit with memory alignment, so near-ties at the cut stay in.
        """
        if keys is None:
            n = len(self.rows)
            if n <= fetch:
                return np.arange(n)
            scores = self.matrix[:n] @ query
            rows = None
        else:
            rows = np.fromiter((self.rows[k] for k in keys if k in self.rows), dtype=np.int64)
            if len(rows) <= fetch:
                return rows
            scores = self.matrix[rows] @ query
        cut = np.partition(scores, len(scores) - fetch)[len(scores) - fetch]
        picked = np.flatnonzero(scores >= cut - _NEAR_TIE)
        return picked if rows is None else rows[picked]

    def rescore(self, rows: np.ndarray, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(keys, cosine scores) of ``rows``, computed the same way whatever the index.

        Float64 products summed by numpy's pairwise sum: no BLAS, so the score of a vector
        does not depend on which other rows were gathered with it or where they sit in memory.
        """
        rows = np.sort(rows)
        block = self.matrix[rows].astype(np.float64)
        return self.row_keys[rows], (block * query.astype(np.float64)).sum(axis=1)


class ExactIndex:
    """Brute-force cosine search with numpy: exact, and fastest for small stores.

    Args:
        dim: Vector length.
    """

    def __init__(self, dim: int) -> None:
        if not isinstance(dim, int) or dim < 1:
            raise ValueError(f"index dim must be a positive int, got {dim!r}")
        self.dim = dim
        self._store = _VectorStore(dim)

    def __len__(self) -> int:
        return len(self._store)

    def keys(self) -> set[int]:
        """All keys in the index."""
        return set(self._store.rows)

    def add(self, key: int, vector: Any) -> None:
        """Insert ``vector`` under ``key``, replacing any vector already there."""
        self._store.put(_check_key(key), _as_unit_vector(vector, self.dim))

    def add_many(self, keys: Iterable[int], vectors: Any) -> None:
        """Insert many vectors (rows of ``vectors``), replacing existing keys."""
        key_list = [_check_key(k) for k in keys]
        units = _as_unit_rows(vectors, len(key_list), self.dim)
        for key, unit in zip(key_list, units, strict=True):
            self._store.put(key, unit)

    def remove(self, key: int) -> None:
        """Remove ``key``; raises KeyError if it is not in the index."""
        self._store.pop(_check_key(key))

    def search(
        self, vector: Any, k: int, keys: Collection[int] | None = None
    ) -> list[tuple[int, float]]:
        """Top ``k`` ``(key, cosine)`` pairs, optionally only among ``keys``."""
        return self._search_exact(_as_unit_vector(vector, self.dim), k, keys)

    def _search_exact(
        self, query: np.ndarray, k: int, keys: Collection[int] | None
    ) -> list[tuple[int, float]]:
        """Search with an already-normalised query (normalising twice changes the bits)."""
        if k < 1 or not len(self._store):
            return []
        rows = self._store.candidate_rows(query, keys, _fetch(k))
        return _top_k(*self._store.rescore(rows, query), k)


class USearchIndex(ExactIndex):
    """usearch HNSW (cosine) proposes candidates; they are re-scored exactly, as in ExactIndex.

    Over-fetches ``max(4k, 32)`` candidates, so results match :class:`ExactIndex` except in
    the rare case the graph misses a true neighbour. A search restricted to ``keys``
    (metadata filters) is exact over those keys. Zero vectors stay out of the graph (cosine
    is undefined there) and are scored 0.

    Args:
        dim: Vector length.
        expansion_search: HNSW breadth at query time (higher: better recall, slower; the
            search cost is about linear in it).
        expansion_add: HNSW breadth at insertion time (higher: a better graph, slower adds).
        connectivity: HNSW edges per node.
        graph_dtype: Precision of usearch's own copy (``"f32"``, ``"f16"``, ``"i8"``);
            lower saves memory and build time, and costs no accuracy after re-scoring.
        build_threads: Threads for bulk ``add_many``. 1 (default) builds the same graph
            every run, so results are reproducible; 0 uses every core (2.3x faster on 2
            cores) but the graph, and hence its rare misses, then varies from run to run.
    """

    def __init__(
        self,
        dim: int,
        expansion_search: int = 128,
        expansion_add: int = 64,
        connectivity: int = 16,
        graph_dtype: str = "f16",
        build_threads: int = 1,
    ) -> None:
        super().__init__(dim)
        self.build_threads = build_threads
        from usearch.index import Index  # heavy-ish import, only when an ANN index is made

        self._graph = Index(
            ndim=dim,
            metric="cos",
            dtype=graph_dtype,
            connectivity=connectivity,
            expansion_add=expansion_add,
            expansion_search=expansion_search,
        )
        self._zero_keys: set[int] = set()

    def __getstate__(self) -> dict[str, Any]:
        # usearch's Index does not pickle; its own serialisation keeps the graph exact, so a
        # copied env answers exactly like the original (a rebuild could differ in recall).
        state = self.__dict__.copy()
        graph = self._graph
        state["_graph"] = (
            bytes(graph.save()),
            graph.expansion_add,
            graph.expansion_search,
        )
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        from usearch.index import Index

        blob, expansion_add, expansion_search = state["_graph"]
        graph = Index.restore(blob)
        graph.expansion_add = expansion_add
        graph.expansion_search = expansion_search
        self.__dict__.update(state, _graph=graph)

    def add(self, key: int, vector: Any) -> None:
        """Insert ``vector`` under ``key``, replacing any vector already there."""
        self.add_many([key], np.asarray(vector, dtype=np.float32).reshape(1, -1))

    def add_many(self, keys: Iterable[int], vectors: Any, threads: int | None = None) -> None:
        """Insert many vectors at once, on ``threads`` (default: ``build_threads``; 0 = all)."""
        key_list = [_check_key(k) for k in keys]
        units = _as_unit_rows(vectors, len(key_list), self.dim)
        if len(set(key_list)) != len(key_list):
            raise ValueError("add_many got the same key twice")
        for key in key_list:
            if key in self._store.rows:
                self.remove(key)
        nonzero = np.any(units != 0, axis=1)
        for key, unit, live in zip(key_list, units, nonzero, strict=True):
            self._store.put(key, unit)
            if not live:
                self._zero_keys.add(key)
        if nonzero.any():
            graph_keys = np.asarray(key_list, dtype=np.uint64)[nonzero]
            threads = self.build_threads if threads is None else threads
            self._graph.add(graph_keys, units[nonzero], threads=threads)

    def remove(self, key: int) -> None:
        """Remove ``key``; raises KeyError if it is not in the index."""
        key = _check_key(key)
        self._store.pop(key)
        if key in self._zero_keys:
            self._zero_keys.discard(key)
        else:
            self._graph.remove(key)

    def search(
        self, vector: Any, k: int, keys: Collection[int] | None = None
    ) -> list[tuple[int, float]]:
        """Top ``k`` ``(key, cosine)`` pairs, optionally only among ``keys``."""
        query = _as_unit_vector(vector, self.dim)
        n = len(self._store)
        if k < 1 or n == 0:
            return []
        fetch = _fetch(k)
        if keys is not None or fetch >= n or not np.any(query):
            return self._search_exact(query, k, keys)
        matches = self._graph.search(query, fetch)
        rows = {self._store.rows[int(key)] for key in matches.keys}
        rows.update(self._store.rows[key] for key in self._zero_keys)
        if len(rows) < min(k, n):  # graph came back short (e.g. after many removals)
            return self._search_exact(query, k, None)
        return _top_k(*self._store.rescore(np.fromiter(rows, dtype=np.int64), query), k)


AUTO_THRESHOLD = 10_000
"""Vectors above which AutoIndex moves to usearch (see the module docstring)."""


class AutoIndex:
    """Exact search while small, usearch once the store grows past ``threshold``.

    The switch happens once, on the add that crosses the threshold; the index then stays
    on usearch (shrinking back would rebuild for nothing). Results are identical either way
    up to usearch's recall.

    Args:
        dim: Vector length.
        threshold: Size above which the usearch graph is built (on one thread by default:
            under a second at 10k vectors, once).
        build_threads: Passed to :class:`USearchIndex` (1 = reproducible graph).
    """

    def __init__(self, dim: int, threshold: int = AUTO_THRESHOLD, build_threads: int = 1) -> None:
        if not isinstance(threshold, int) or threshold < 0:
            raise ValueError(f"AutoIndex threshold must be an int >= 0, got {threshold!r}")
        self.dim = dim
        self.threshold = threshold
        self.build_threads = build_threads
        self._impl: ExactIndex = ExactIndex(dim)

    @property
    def backend(self) -> str:
        """``"exact"`` or ``"usearch"``: what answers searches now."""
        return "usearch" if isinstance(self._impl, USearchIndex) else "exact"

    def __len__(self) -> int:
        return len(self._impl)

    def keys(self) -> set[int]:
        """All keys in the index."""
        return self._impl.keys()

    def _maybe_migrate(self) -> None:
        if self.backend == "exact" and len(self._impl) > self.threshold:
            store = self._impl._store
            n = len(store)
            index = USearchIndex(self.dim, build_threads=self.build_threads)
            index.add_many(store.row_keys[:n].tolist(), store.matrix[:n])
            self._impl = index

    def add(self, key: int, vector: Any) -> None:
        """Insert ``vector`` under ``key``, replacing any vector already there."""
        self._impl.add(key, vector)
        self._maybe_migrate()

    def add_many(self, keys: Iterable[int], vectors: Any) -> None:
        """Insert many vectors at once (one graph build if this crosses the threshold)."""
        self._impl.add_many(keys, vectors)
        self._maybe_migrate()

    def remove(self, key: int) -> None:
        """Remove ``key``; raises KeyError if it is not in the index."""
        self._impl.remove(key)

    def search(
        self, vector: Any, k: int, keys: Collection[int] | None = None
    ) -> list[tuple[int, float]]:
        """Top ``k`` ``(key, cosine)`` pairs, optionally only among ``keys``."""
        return self._impl.search(vector, k, keys)


def make_index(kind: str, dim: int) -> ExactIndex | USearchIndex | AutoIndex:
    """Build an index by name: ``"auto"``, ``"exact"`` or ``"usearch"``."""
    factories = {"auto": AutoIndex, "exact": ExactIndex, "usearch": USearchIndex}
    if kind not in factories:
        raise ValueError(f"unknown index {kind!r}; choose one of {sorted(factories)}")
    return factories[kind](dim)
