"""Mem0gAgent: Mem0 with a graph memory (Mem0^g, Chhikara et al., 2025, Sec. 2.2).

Besides Mem0's vector memories, each fact yields entity-relation triples (subject,
relation, object) kept in a networkx multigraph. A new triple that gives an existing
(subject, relation) another object makes the old edge *obsolete*: it stays in the graph
and in the store, marked ``valid: false`` (Update_memory of its metadata), and is never
read again. Every triple is stored too (Add_memory, ``kind: relation``), so the env's
memory metrics see the graph. At question time the entities of the question are looked
up in the graph; their valid neighbourhood (``hops`` edges, followed both ways) is
retrieved from the store and read together with the top-k vector memories.
"""

from __future__ import annotations

import json
from typing import Any

import networkx as nx

from agemem_env.core import ToolCall
from agents.reader import entity_spans, terms
from agents.reader_dates import dated
from baselines.common import Key, Plan
from baselines.llm_steps import BadReply
from baselines.mem0 import Mem0Agent
from baselines.rules import USER, Triple, rule_triple, same_voice

RELATIONS_SYSTEM = (
    "Extract entity relations from the fact. Use \"user\" for the speaker. Return JSON only: "
    "{\"relations\": [{\"source\": \"...\", \"relation\": \"...\", \"destination\": \"...\"}]}."
)


def read_triples(value: Any, facts: list[str]) -> list[Triple]:
    """The relation step's reply as triples, each with the fact sharing most words with
    it as evidence; BadReply when no item is complete.

    >>> read_triples({"relations": [{"source": "Ana", "relation": "lives_in",
    ...               "destination": "Porto"}]}, ["Ana lives in Porto."])[0].evidence
    'Ana lives in Porto.'
    """
    items = value.get("relations") if isinstance(value, dict) else value
    if not isinstance(items, list):
        raise BadReply("expected a list under 'relations'")
    out = []
    for item in items:
        parts = [str(item.get(k, "")).strip() for k in ("source", "relation", "destination")
                 ] if isinstance(item, dict) else []
        if len(parts) == 3 and all(parts) and facts:
            said = terms(" ".join(parts))
            evidence = max(facts, key=lambda f: len(terms(f) & said))
            out.append(Triple(parts[0], parts[1].lower().replace(" ", "_"), parts[2], evidence))
    if items and not out:
        raise BadReply("no relation has source, relation and destination")
    return out


def conflicts(graph: nx.MultiDiGraph, triple: Triple) -> list[tuple[str, str, Key]]:
    """Valid edges the triple supersedes: same subject, same relation, another object.

    >>> g = nx.MultiDiGraph()
    >>> g.add_edge("user", "Lyon", key=0, relation="city_home", valid=True, evidence="")
    0
    >>> conflicts(g, Triple("user", "city_home", "Porto", ""))
    [('user', 'Lyon', 0)]
    """
    if triple.subject not in graph:
        return []
    rel = set(triple.relation.split("_"))
    out = []
    for _, obj, key, data in graph.out_edges(triple.subject, keys=True, data=True):
        theirs = set(data["relation"].split("_"))
        same = rel == theirs or len(rel & theirs) >= 2
        if data["valid"] and same and obj.lower() != triple.object.lower():
            out.append((triple.subject, obj, key))
    return out


class Mem0gAgent(Mem0Agent):
    """Mem0 plus the graph memory (see the module docstring).

    Args:
        hops: Graph neighbourhood read at question time.
        **options: See ``Mem0Agent``.

    >>> Mem0gAgent().name
    'mem0g'
    """

    name = "mem0g"

    def __init__(self, backend: Any = None, seed: int = 0, *, hops: int = 3, **options: Any
                 ) -> None:
        super().__init__(backend, seed, **options)
        if hops < 1:
            raise ValueError(f"hops must be >= 1, got {hops}")
        self.hops = hops
        self.graph = nx.MultiDiGraph()

    def on_reset(self) -> None:
        """A fresh graph per episode (the store is fresh too)."""
        self.graph = nx.MultiDiGraph()

    def on_added(self, ids: dict[int, str | None]) -> None:
        """Edges planned last step now know their memory ids."""
        for u, v, key, data in list(self.graph.edges(keys=True, data=True)):
            if isinstance(key, int):
                self.graph.remove_edge(u, v, key)
                if ids.get(key) is not None:
                    self.graph.add_edge(u, v, key=ids[key], **data)

    def ingest(self, turns: list[str], plan: Plan, stage: int, session_end: bool) -> None:
        """Mem0's vector pipeline, then the graph update for each fact, message by message."""
        for turn in turns:
            date = self.date_of(turn)
            facts = self.extract(turn)
            if not facts:
                continue
            self.apply(self.decide(facts, plan), plan, date)
            for triple in self.triples(facts):
                self.add_triple(triple, plan, date)

    def triples(self, facts: list[str]) -> list[Triple]:
        """The facts' relations (LLM, else the rule reader of one triple per fact)."""
        rule = [t for t in map(rule_triple, facts) if t is not None]
        if self.llm is None:
            return rule
        return self.llm.ask("relations", RELATIONS_SYSTEM, "\n".join(facts),
                            lambda v: read_triples(v, facts), lambda: rule)

    def add_triple(self, triple: Triple, plan: Plan, date: str | None = None) -> None:
        """Mark what the triple supersedes obsolete, then add it (unless already there)."""
        for u, v, key in conflicts(self.graph, triple):
            data = self.graph.edges[u, v, key]
            data["valid"] = False
            meta = {**_edge_meta(u, v, data), "valid": False}
            plan.update(key, data["evidence"], meta)
        if self.graph.has_edge(triple.subject, triple.object) and any(
                d["relation"] == triple.relation and d["valid"]
                for d in self.graph.get_edge_data(triple.subject, triple.object).values()):
            return
        data = {"relation": triple.relation, "valid": True, "evidence": triple.evidence,
                "date": date}
        key = plan.add(triple.evidence, _edge_meta(triple.subject, triple.object, data))
        self.graph.add_edge(triple.subject, triple.object, key=key, **data)

    # ----------------------------------------------------------------- question time
    def recall(self, question: str, round_index: int) -> list[ToolCall]:
        """Vector memories (kind fact) and every valid edge around the question's entities."""
        if round_index > 0:
            return []
        calls = [ToolCall("Retrieve_memory", {"query": question, "top_k": self.top_k,
                                              "metadata_filter": {"kind": self.memory_kind}})]
        for node in self.neighbourhood(question)[:8]:
            calls.append(ToolCall("Retrieve_memory", {
                "query": node, "top_k": 3,
                "metadata_filter": {"kind": "relation", "subject": node, "valid": True}}))
        return calls

    def extra_passages(self, question: str) -> list[str]:
        """The valid edges among the neighbourhood, oldest first, each with its date."""
        nodes = set(self.neighbourhood(question))
        edges = [dated(d["evidence"], d.get("date")) for u, v, d in self.graph.edges(data=True)
                 if u in nodes and v in nodes and d["valid"]]
        return list(dict.fromkeys(edges))

    def neighbourhood(self, question: str) -> list[str]:
        """Nodes within ``hops`` valid edges of the entities the question names; edges are
        followed both ways, as Mem0's graph search returns a node's relations as source and
        as destination."""
        q_terms = terms(question)
        names = [terms(n) for n in entity_spans(question)]

        def named(node: str) -> bool:
            if node == USER:
                return same_voice(question, "my")
            own = terms(node)
            return bool(own) and (own <= q_terms or any(x and x <= own for x in names))

        seen = [n for n in self.graph.nodes if named(n)]
        frontier = list(seen)
        for _ in range(self.hops):
            # The user is everyone's neighbour: a walk through them would reach everything.
            nxt = [w for u in frontier for w in self._valid_neighbours(u)
                   if w not in seen and w != USER]
            seen += list(dict.fromkeys(nxt))
            frontier = nxt
        return seen

    def _valid_neighbours(self, node: str) -> list[str]:
        out = [v for _, v, d in self.graph.out_edges(node, data=True) if d["valid"]]
        return out + [u for u, _, d in self.graph.in_edges(node, data=True) if d["valid"]]


def _edge_meta(subject: str, obj: str, data: dict[str, Any]) -> dict[str, Any]:
    """An edge as store metadata (JSON-safe)."""
    meta = {"kind": "relation", "subject": subject, "relation": data["relation"],
            "object": obj, "valid": data["valid"]}
    if data.get("date"):
        meta["date"] = data["date"]
    return json.loads(json.dumps(meta))
