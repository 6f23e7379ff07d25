"""Long-term memory: ids, search and filters, validation without side effects, durability."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

import numpy as np
import pytest

from agemem_env.core import MAX_TOP_K, ToolError
from agemem_env.embed import HashingEmbedder
from agemem_env.memory import LongTermMemory
from agemem_env.memory.sqlite_store import StoreError

FACTS = [
    ("Alice drinks green tea every morning", "preference", {"person": "alice"}),
    ("Bob works at the central bank in Oslo", "fact", {"person": "bob"}),
    ("Alice's sister lives in Lisbon", "fact", {"person": "alice", "topic": "family"}),
    ("The team meeting moved to Friday", "event", {}),
]


class CountingEmbedder(HashingEmbedder):
    """Hashing embedder that counts texts and can be told to fail."""

    def __init__(self, dim: int = 64) -> None:
        super().__init__(dim=dim)
        self.embedded = 0
        self.fail = False

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if self.fail:
            raise RuntimeError("embedder down")
        self.embedded += len(texts)
        return super().embed(texts)


def filled(path=None, index: str = "auto") -> LongTermMemory:
    ltm = LongTermMemory(HashingEmbedder(), path=path, index=index)
    for step, (content, mtype, meta) in enumerate(FACTS):
        ltm.add(content, mtype, meta, step=step)
    return ltm


def snapshot(ltm: LongTermMemory) -> tuple:
    return ltm.records(), ltm.search("Alice tea", top_k=4), ltm._next_seq


def test_ids_increase_and_are_never_reused() -> None:
    ltm = filled()
    assert [r.id for r in ltm.records()] == ["mem_1", "mem_2", "mem_3", "mem_4"]
    ltm.delete("mem_4")
    assert ltm.add("new fact").id == "mem_5"
    ltm.clear()
    assert len(ltm) == 0 and ltm.add("after clear").id == "mem_6"


@pytest.mark.parametrize("index", ["auto", "exact", "usearch"])
def test_search_ranks_by_similarity(index: str) -> None:
    ltm = filled(index=index)
    results = ltm.search("what tea does Alice drink", top_k=2)
    assert results[0][0].id == "mem_1"
    assert results[0][1] >= results[1][1]
    assert len(ltm.search("anything", top_k=MAX_TOP_K)) == 4


def test_metadata_filter_and_type_keys() -> None:
    ltm = filled()
    assert {r.id for r, _ in ltm.search("Alice", 5, {"person": "alice"})} == {"mem_1", "mem_3"}
    assert [r.id for r, _ in ltm.search("Alice", 5, {"type": "preference"})] == ["mem_1"]
    assert {r.id for r, _ in ltm.search("x", 5, {"memory_type": "fact", "person": "bob"})} == {
        "mem_2"
    }
    assert ltm.search("Alice", 5, {"person": "carol"}) == []


def test_update_keeps_or_replaces_metadata() -> None:
    ltm = filled()
    updated = ltm.update("mem_1", "Alice switched to black coffee", step=9)
    assert updated.metadata == {"person": "alice"}
    assert (updated.created_step, updated.updated_step, updated.memory_type) == (0, 9, "preference")
    assert ltm.search("black coffee", 1)[0][0].id == "mem_1"
    assert ltm.update("mem_1", "x y z", metadata={"v": 2}).metadata == {"v": 2}


def test_unknown_id_lists_at_most_ten_existing_ids() -> None:
    ltm = LongTermMemory(HashingEmbedder())
    with pytest.raises(ToolError, match="memory is empty"):
        ltm.delete("mem_1")
    for i in range(12):
        ltm.add(f"fact number {i}")
    with pytest.raises(ToolError) as info:
        ltm.update("mem_99", "x")
    message = str(info.value)
    assert "'mem_99' does not exist" in message and "mem_10" in message
    assert "mem_11" not in message and "(and 2 more)" in message
    with pytest.raises(ToolError, match="string like 'mem_1'"):
        ltm.delete(3)  # type: ignore[arg-type]


BAD_CALLS = [
    ("add", ("",), "empty"),
    ("add", ("   ",), "empty"),
    ("add", (42,), "string"),
    ("add", ("x" * 4001,), "4001 characters"),
    ("add", ("ok", ""), "memory_type"),
    ("add", ("ok", "t" * 65), "memory_type"),
    ("add", ("ok", "fact", ["not", "a", "dict"]), "metadata must be"),
    ("add", ("ok", "fact", {1: "int key"}), "keys must be strings"),
    ("add", ("ok", "fact", {"s": {1, 2}}), "JSON"),
    ("add", ("ok", "fact", {"nan": float("nan")}), "JSON"),
    ("update", ("mem_1", ""), "empty"),
    ("update", ("mem_1", "ok", "not a dict"), "metadata must be"),
    ("update", ("mem_77", "ok"), "does not exist"),
    ("delete", ("mem_0",), "does not exist"),
    ("search", ("",), "empty"),
    ("search", ("q", 0), "top_k"),
    ("search", ("q", 101), "top_k"),
    ("search", ("q", True), "top_k"),
    ("search", ("q", "3"), "top_k"),
    ("search", ("q", 3, ["person"]), "metadata_filter"),
]


def nested(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


HUGE_INT = 10**5000  # str() of it raises ValueError past Python's 4,300-digit limit
HUGE_ID = "mem_" + "9" * 5000
# Inputs an LLM (or a careless caller) can send that used to raise something other than
# ToolError: ValueError, RecursionError or TypeError from deep inside the store.
ADVERSARIAL_CALLS = [
    ("update", (HUGE_ID, "ok"), "does not exist"),
    ("delete", (HUGE_ID,), r"memory_id 'mem_9+\.\.\.9+' does not exist"),
    ("delete", (HUGE_INT,), "got an integer of about 5000 digits"),
    ("search", ("q", HUGE_INT), "top_k .* got an integer of about 5000 digits"),
    ("search", ("q", nested(100_000)), "top_k"),
    ("add", ("ok", "fact", {"n": HUGE_INT}), r"metadata\['n'\] is an integer of about 5000"),
    ("add", ("ok", "fact", {"deep": nested(100_000)}), "nested more than 32 levels"),
    ("add", ("ok", "fact", {"deep": {"a": nested(40)}}), "nested more than 32 levels"),
    ("add", ("ok", "fact", {"wide": [0] * 10**6}), "holds over 4000 values"),
    ("search", ("q", 3, {"deep": nested(100_000)}), "metadata_filter is nested more than"),
    ("search", ("q", 3, {"n": HUGE_INT}), r"metadata_filter\['n'\] is an integer"),
    ("add", ("ok", "fact", {"v": np.arange(3)}), r"metadata\['v'\] is a numpy.ndarray"),
    ("add", ("ok", "fact", {"v": [1, np.int64(2)]}), r"metadata\['v'\]\[1\] is a numpy.int64"),
    ("add", ("ok", "fact", {"v": np.float32(0.5)}), "numpy.float32"),
    ("add", ("ok", "fact", {"v": np.bool_(True)}), "numpy.bool"),
    ("add", ("ok", "fact", {"v": {1, 2}}), "is a set; metadata holds only JSON values"),
    ("add", ("ok", "fact", {"v": b"bytes"}), "is a bytes"),
    ("add", ("ok", "fact", {"v": 1j}), "is a complex"),
    ("add", ("ok", "fact", {"v": {(1, 2): "tuple key"}}), "has a key of type tuple"),
    ("add", ("ok", "fact", {"v": float("inf")}), "JSON numbers must be finite"),
    (
        "add",
        ("ok", "fact", {HUGE_INT: 1}),
        "keys must be strings; bad keys: an integer of about 5000 digits",
    ),
    ("update", ("mem_1", "ok", {"v": np.zeros((2, 2))}), "numpy.ndarray"),
    ("search", ("q", 3, {"person": np.array(["alice", "bob"])}), "numpy.ndarray"),
    ("search", ("q", 3, {"person": {"alice"}}), "is a set"),
    ("search", ("q", 3, {"person": 1j}), "is a complex"),
]


@pytest.mark.parametrize("durable", [False, True], ids=["in-memory", "sqlite"])
@pytest.mark.parametrize(
    ("method", "args", "message"),
    BAD_CALLS + ADVERSARIAL_CALLS,
    ids=[f"{m}-{i}" for i, (m, _, _) in enumerate(BAD_CALLS + ADVERSARIAL_CALLS)],
)
def test_bad_input_raises_tool_error_and_changes_nothing(
    method, args, message, durable, tmp_path
) -> None:
    ltm = filled(tmp_path / "ltm.sqlite" if durable else None)
    before = snapshot(ltm)
    with pytest.raises(ToolError, match=message) as info:
        getattr(ltm, method)(*args)
    assert len(str(info.value)) < 400  # a clear message, not a dump of the input
    assert snapshot(ltm) == before
    assert ltm.consistency_errors() == []
    assert ltm.add("next").id == "mem_5"  # no id was consumed


def test_huge_ids_are_simply_absent() -> None:
    ltm = filled()
    assert ltm.get(HUGE_ID) is None and HUGE_ID not in ltm
    assert ltm.get("mem_" + "9" * 18) is None  # the longest id that parses


def test_metadata_keeps_json_forms_of_python_values() -> None:
    ltm = LongTermMemory(HashingEmbedder())
    record = ltm.add("x", metadata={"t": (1, 2), "f": np.float64(0.5), "d": {"k": {1: "a"}}})
    assert record.metadata == {"t": [1, 2], "f": 0.5, "d": {"k": {"1": "a"}}}
    assert ltm.search("x", 1, {"t": (1, 2), "d": {"k": {1: "a"}}})[0][0].id == "mem_1"
    deepest = nested(30)  # 31 lists inside the top object: 32 levels, the most allowed
    assert ltm.add("y", metadata={"d": deepest}).metadata == {"d": deepest}


def test_lone_surrogate_is_refused_by_a_file_and_kept_in_memory(tmp_path) -> None:
    text = "broken \ud800 text"  # what json.loads makes of an LLM's "\\ud800"
    assert LongTermMemory(HashingEmbedder()).add(text).content == text
    ltm = filled(tmp_path / "ltm.sqlite")
    before = snapshot(ltm)
    with pytest.raises(ToolError, match="content has a lone surrogate"):
        ltm.add(text)
    with pytest.raises(ToolError, match="memory_type has a lone surrogate"):
        ltm.add("fine", memory_type=text[:9])
    with pytest.raises(ToolError, match="content has a lone surrogate"):
        ltm.update("mem_1", text)
    assert snapshot(ltm) == before and ltm.consistency_errors() == []
    assert ltm.add("ok", metadata={"s": text}).metadata == {"s": text}  # JSON escapes it


def test_embedder_failure_changes_nothing(tmp_path) -> None:
    embedder = CountingEmbedder()
    ltm = LongTermMemory(embedder, tmp_path / "ltm.sqlite")
    ltm.add("first")
    embedder.fail = True
    with pytest.raises(RuntimeError, match="embedder down"):
        ltm.add("second")
    with pytest.raises(RuntimeError, match="embedder down"):
        ltm.update("mem_1", "changed")
    embedder.fail = False
    assert [r.content for r in ltm.records()] == ["first"]
    assert ltm.add("second").id == "mem_2" and ltm.consistency_errors() == []


def test_returned_records_are_copies() -> None:
    meta = {"tags": ["a"]}
    ltm = LongTermMemory(HashingEmbedder())
    added = ltm.add("something", metadata=meta)
    meta["tags"].append("caller edit")
    added.metadata["tags"].append("edit via result")
    ltm.records()[0].metadata["new"] = 1
    assert ltm.get("mem_1").metadata == {"tags": ["a"]}


def test_get_and_contains() -> None:
    ltm = filled()
    assert ltm.get("mem_2").content.startswith("Bob")
    assert ltm.get("mem_9") is None and ltm.get(None) is None  # type: ignore[arg-type]
    assert "mem_2" in ltm and "mem_9" not in ltm and "mem_02" not in ltm


def test_same_operations_same_results() -> None:
    a, b = filled(), filled()
    for query in ("Alice", "bank in Oslo", "Friday meeting"):
        assert a.search(query, 3) == b.search(query, 3)


def test_durable_store_restores_everything(tmp_path) -> None:
    path = tmp_path / "ltm.sqlite"
    ltm = filled(path)
    ltm.update("mem_2", "Bob now works at a bakery", metadata={"person": "bob", "v": 2}, step=5)
    ltm.delete("mem_4")  # the highest id: its number must still not come back
    expected = (ltm.records(), ltm.search("Bob bakery", 3))
    ltm.close()
    with LongTermMemory(HashingEmbedder(), path=path) as reopened:
        assert (reopened.records(), reopened.search("Bob bakery", 3)) == expected
        assert reopened.consistency_errors() == []
        assert reopened.add("new").id == "mem_5"
        reopened.clear()
    with LongTermMemory(HashingEmbedder(), path=path) as cleared:
        assert len(cleared) == 0 and cleared.add("again").id == "mem_6"


def test_reopen_with_other_embedder_re_embeds_once(tmp_path) -> None:
    path = tmp_path / "ltm.sqlite"
    filled(path).close()
    other = CountingEmbedder(dim=32)
    with LongTermMemory(other, path=path) as ltm:
        assert other.embedded == 4  # every stored vector came from hashing-384-2
        assert ltm.search("green tea", 1)[0][0].id == "mem_1"
        assert ltm.consistency_errors() == []
    again = CountingEmbedder(dim=32)
    with LongTermMemory(again, path=path) as ltm:
        assert again.embedded == 0 and len(ltm) == 4  # vectors were saved back


def test_consistency_errors_spot_tampering(tmp_path) -> None:
    path = tmp_path / "ltm.sqlite"
    ltm = filled(path)
    assert ltm.consistency_errors() == []
    ltm._index.remove(1)
    conn = sqlite3.connect(path)
    conn.execute("DELETE FROM records WHERE id = 'mem_2'")
    conn.commit()
    conn.close()
    errors = ltm.consistency_errors()
    assert any("missing from the index: mem_1" in e for e in errors)
    assert any("missing from SQLite: mem_2" in e for e in errors)


def test_constructor_checks() -> None:
    with pytest.raises(ValueError, match="unknown index"):
        LongTermMemory(HashingEmbedder(), index="faiss")
    with pytest.raises(ValueError, match="step"):
        LongTermMemory(HashingEmbedder()).add("x", step=-1)


def test_in_memory_store_pickles_durable_one_refuses(tmp_path) -> None:
    import pickle

    from agemem_env.embed import make_embedder

    ltm = LongTermMemory(make_embedder("hashing"))
    for content, mtype, meta in FACTS:
        ltm.add(content, mtype, meta)
    clone = pickle.loads(pickle.dumps(ltm))
    assert clone.search("Alice tea", 3) == ltm.search("Alice tea", 3)
    assert clone.add("only in the clone").id == "mem_5" and len(ltm) == 4
    durable = filled(tmp_path / "ltm.sqlite")
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(durable)


def test_clear_with_restart_ids_numbers_from_one_again(tmp_path):
    from agemem_env.embed import HashingEmbedder
    from agemem_env.memory import LongTermMemory

    for path in (None, tmp_path / "ltm.sqlite"):
        ltm = LongTermMemory(HashingEmbedder(), path=path)
        ltm.add("first fact")
        ltm.add("second fact")
        ltm.clear()
        assert ltm.add("third fact").id == "mem_3"
        ltm.clear(restart_ids=True)
        assert ltm.add("fourth fact").id == "mem_1"
        assert ltm.consistency_errors() == []
        ltm.close()


def test_namespaces_of_one_file(tmp_path) -> None:
    path = tmp_path / "ltm.sqlite"
    assert LongTermMemory(HashingEmbedder()).namespace is None
    with pytest.raises(ValueError, match="needs a path"):
        LongTermMemory(HashingEmbedder(), namespace="a")
    a = filled(path)
    b = LongTermMemory(HashingEmbedder(), path=path)
    assert (a.namespace, b.namespace) == ("default", "default-2")
    assert b.add("b's own first").id == "mem_1"
    b.delete("mem_1")
    b.clear(restart_ids=True)
    assert len(a) == 4 and a.consistency_errors() == [] and b.consistency_errors() == []
    with pytest.raises(ValueError, match="'default' of .* is already open in this process"):
        LongTermMemory(HashingEmbedder(), path=path, namespace="default")
    a.close()
    with LongTermMemory(HashingEmbedder(), path=path, namespace="default") as again:
        assert [r.content for r in again.records()] == [content for content, _, _ in FACTS]


def test_store_failure_is_a_tool_error_and_changes_nothing(tmp_path) -> None:
    import sqlite3

    path = tmp_path / "ltm.sqlite"
    ltm = filled(path)
    before = snapshot(ltm)
    ltm._store._connection().execute("PRAGMA busy_timeout = 50")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    for call in (
        lambda: ltm.add("new fact"),
        lambda: ltm.update("mem_1", "changed"),
        lambda: ltm.delete("mem_2"),
        lambda: ltm.clear(restart_ids=True),
    ):
        with pytest.raises(StoreError, match="database is locked; nothing was changed"):
            call()
        assert snapshot(ltm) == before
    other.execute("ROLLBACK")
    assert ltm.consistency_errors() == [] and ltm.add("new fact").id == "mem_5"
