"""The forward operations of a state, as the reverse sweep sees them.

An operation is a computing node of a state's graph (a map, a tasklet, a library node) or a
copy (an edge between two access nodes), with the memlets it reads and writes outside
itself. Operations are listed in an order the state's dataflow allows (a topological order),
so reversing the list reverses the state.
"""

from __future__ import annotations

from dataclasses import dataclass

from sluice.ir.control import State
from sluice.ir.graph import DataflowGraph, Edge
from sluice.ir.memlet import Memlet
from sluice.ir.nodes import Access, Node


@dataclass(eq=False)
class Op:
    """One forward operation: `node` (None for a copy, then `copy` is its edge)."""

    node: Node | None
    copy: Edge | None
    reads: list[tuple[str | None, Memlet, Access]]  # (connector, memlet, source) per input
    writes: list[tuple[str | None, Memlet, Access]]  # a copy's memlet is its target

    @property
    def read_names(self) -> set[str]:
        return {m.data for _, m, _ in self.reads}

    @property
    def written_names(self) -> set[str]:
        return {m.data for _, m, _ in self.writes}

    def describe(self) -> str:
        if self.node is not None:
            return self.node.describe()
        m = self.copy.memlet
        return f"copy {m.data} -> {m.other or self.copy.dst.data}"


def copy_target(e: Edge) -> Memlet:
    """The memlet a copy edge writes: the destination container and subset."""
    m = e.memlet
    if m.other is not None:
        return Memlet(m.other, m.other_subset or (), m.wcr)
    return Memlet(e.dst.data, m.subset, m.wcr)


def state_ops(state: State) -> list[Op]:
    """The operations of `state` in a dataflow order."""
    return graph_ops(state.graph)


def graph_ops(g: DataflowGraph) -> list[Op]:
    out: list[Op] = []
    for node in g.topological():
        if isinstance(node, Access):
            for e in g.in_edges(node):
                if isinstance(e.src, Access) and e.memlet is not None:
                    src = Memlet(e.memlet.data, e.memlet.subset)
                    out.append(Op(None, e, [(None, src, e.src)],
                                  [(None, copy_target(e), node)]))
            continue
        reads = [(e.dst_conn, e.memlet, e.src) for e in g.in_edges(node)
                 if e.memlet is not None and isinstance(e.src, Access)]
        writes = [(e.src_conn, e.memlet, e.dst) for e in g.out_edges(node)
                  if e.memlet is not None and isinstance(e.dst, Access)]
        out.append(Op(node, None, reads, writes))
    return out


__all__ = ["Op", "copy_target", "graph_ops", "state_ops"]
