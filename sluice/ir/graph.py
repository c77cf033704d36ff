"""A dataflow graph: an acyclic multigraph of nodes whose edges carry memlets."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import networkx as nx

from sluice.ir.memlet import Memlet
from sluice.ir.nodes import Access, Map, Node


@dataclass(eq=False)
class Edge:
    src: Node
    src_conn: str | None
    dst: Node
    dst_conn: str | None
    memlet: Memlet | None  # None: an ordering-only dependency


class DataflowGraph:
    """Nodes and memlet edges in insertion order (which makes printing deterministic).

    Each node's in- and out-edges are also kept in lists of their own, in the same order,
    so that asking for them costs the node's degree, not the graph's size (passes ask for
    every node's edges)."""

    def __init__(self) -> None:
        self._g = nx.MultiDiGraph()
        self._edges: list[Edge] = []
        self._in: dict[Node, list[Edge]] = {}
        self._out: dict[Node, list[Edge]] = {}

    # --- building ---------------------------------------------------------------------
    def add(self, node: Node) -> Node:
        if node not in self._g:
            self._g.add_node(node)
            self._in[node] = []
            self._out[node] = []
        return node

    def connect(
        self,
        src: Node,
        dst: Node,
        memlet: Memlet | None,
        src_conn: str | None = None,
        dst_conn: str | None = None,
    ) -> Edge:
        for n in (src, dst):
            if n not in self._g:
                self.add(n)
        e = Edge(src, src_conn, dst, dst_conn, memlet)
        self._g.add_edge(src, dst, key=id(e), edge=e)
        self._edges.append(e)
        self._out[src].append(e)
        self._in[dst].append(e)
        return e

    def remove_node(self, node: Node) -> None:
        for e in self._in.pop(node) + self._out.pop(node):
            if e.src is not node:
                self._out[e.src] = [x for x in self._out[e.src] if x is not e]
            if e.dst is not node:
                self._in[e.dst] = [x for x in self._in[e.dst] if x is not e]
        self._edges = [e for e in self._edges if e.src is not node and e.dst is not node]
        self._g.remove_node(node)

    def remove_edge(self, edge: Edge) -> None:
        self._edges.remove(edge)
        self._g.remove_edge(edge.src, edge.dst, key=id(edge))
        self._out[edge.src] = [x for x in self._out[edge.src] if x is not edge]
        self._in[edge.dst] = [x for x in self._in[edge.dst] if x is not edge]

    # --- queries ----------------------------------------------------------------------
    @property
    def nodes(self) -> list[Node]:
        return list(self._g.nodes)

    @property
    def edges(self) -> list[Edge]:
        return list(self._edges)

    def in_edges(self, node: Node) -> list[Edge]:
        return list(self._in.get(node, ()))

    def out_edges(self, node: Node) -> list[Edge]:
        return list(self._out.get(node, ()))

    def __contains__(self, node: Node) -> bool:
        return node in self._g

    def __len__(self) -> int:
        return self._g.number_of_nodes()

    def is_acyclic(self) -> bool:
        return nx.is_directed_acyclic_graph(self._g)

    def find_cycle(self) -> list[Node]:
        try:
            return [u for u, *_ in nx.find_cycle(self._g)]
        except nx.NetworkXNoCycle:
            return []

    def topological(self) -> list[Node]:
        """Nodes in a topological order that follows insertion order where free to."""
        order = {n: i for i, n in enumerate(self._g.nodes)}
        return list(nx.lexicographical_topological_sort(self._g, key=order.__getitem__))

    def walk(self) -> Iterator[tuple[Node, DataflowGraph]]:
        """Every node, recursing into map bodies, with the graph it belongs to."""
        for n in self.nodes:
            yield n, self
            if isinstance(n, Map):
                yield from n.body.walk()

    def accesses(self) -> list[Access]:
        return [n for n in self.nodes if isinstance(n, Access)]

    @property
    def nx(self) -> nx.MultiDiGraph:
        """The underlying networkx graph (read-only use)."""
        return self._g
