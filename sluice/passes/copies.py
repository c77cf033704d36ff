"""Redundant copy removal: a whole-array copy into or out of a transient twin.

* copy-in `A -> T`: T is a transient of A's shape and type, written only by this copy,
  and A is never written anywhere; every read of T reads A instead.
* copy-out `T -> A`: T is a transient of A's shape and type, read only by this copy and
  written, completely, by exactly one library node or element-wise map of the same state
  that does not read A; nothing else in that state touches A. The writer writes A directly.
In both cases T disappears.
"""

from __future__ import annotations

from dataclasses import dataclass

from sluice.ir.data import Array
from sluice.ir.graph import DataflowGraph, Edge
from sluice.ir.memlet import Memlet
from sluice.ir.nodes import Access, LibraryNode, Map
from sluice.ir.program import Program
from sluice.ir.symbolic import simplified
from sluice.passes.manager import Pass, PassReport, register
from sluice.passes.util import (
    access_nodes,
    base,
    covers,
    elementwise_writer,
    graphs,
    read_in,
    written_containers,
)


@register
@dataclass(frozen=True)
class RedundantCopyRemoval(Pass):
    name = "redundant-copy"

    def run(self, program: Program, report: PassReport) -> None:
        changed = True
        while changed:
            changed = False
            for st in program.body.states():
                g = st.graph
                for e in g.edges:
                    if not (isinstance(e.src, Access) and isinstance(e.dst, Access)):
                        continue
                    if _copy_in(program, g, e):
                        report.changes.append(f"removed copy {e.src.data} -> {e.dst.data} "
                                              f"in state '{st.name}' (reads use "
                                              f"'{e.src.data}')")
                    elif _copy_out(program, g, e):
                        report.changes.append(f"removed copy {e.src.data} -> {e.dst.data} "
                                              f"in state '{st.name}' (written in place)")
                    else:
                        continue
                    changed = True
                    break
                if changed:
                    break


def _twin(p: Program, e: Edge, transient: str, other: str) -> bool:
    m = e.memlet
    if m is None or m.wcr is not None:
        return False
    t, o = p.data.get(transient), p.data.get(other)
    if not isinstance(t, Array) or not isinstance(o, Array) or not t.transient:
        return False
    if transient in p.returns or transient in p.args or "." in other:
        return False
    if t.dtype != o.dtype or len(t.shape) != len(o.shape) or any(
            simplified(a - b) != 0 for a, b in zip(t.shape, o.shape, strict=True)):
        return False
    src_shape = p.container(m.data).shape
    dst = m.other or e.dst.data
    dst_sub = m.other_subset if m.other is not None else m.subset
    return dst == e.dst.data and covers(m.subset, src_shape) and \
        covers(dst_sub, p.container(dst).shape)


def _rename(p: Program, old: str, new: str) -> None:
    for _, g in graphs(p):
        for n in g.nodes:
            if isinstance(n, Access) and n.data == old:
                n.data = new
        for e in g.edges:
            m = e.memlet
            if m is not None and (m.data == old or m.other == old):
                e.memlet = Memlet(new if m.data == old else m.data, m.subset, m.wcr,
                                  new if m.other == old else m.other, m.other_subset)


def _copy_in(p: Program, g: DataflowGraph, e: Edge) -> bool:
    a, t = e.src.data, e.dst.data
    if not _twin(p, e, t, a) or e.memlet.data != a:
        return False
    for _, gg in graphs(p):
        if a in written_containers(p, gg):
            return False
    writes_t = [(gg, n) for gg, n in access_nodes(p, t)
                if any(x.memlet is not None for x in gg.in_edges(n))]
    if len(writes_t) != 1 or writes_t[0][1] is not e.dst or len(g.in_edges(e.dst)) != 1:
        return False
    _splice(p, g, e, t, a)
    return True


def _splice(p: Program, g: DataflowGraph, e: Edge, t: str, a: str) -> None:
    """Drop the copy `e` and its destination node: the destination's readers read the
    source node instead, and the transient `t` becomes `a` everywhere."""
    g.remove_edge(e)
    for x in g.out_edges(e.dst):
        g.connect(e.src, x.dst, x.memlet, x.src_conn, x.dst_conn)
    g.remove_node(e.dst)
    _rename(p, t, a)
    del p.data[t]


def _copy_out(p: Program, g: DataflowGraph, e: Edge) -> bool:
    t, a = e.src.data, e.dst.data
    if not _twin(p, e, t, a) or e.memlet.data != t:
        return False
    nodes = access_nodes(p, t)
    bodies = {id(gg) for n, gg in g.walk() for gg in ([n.body] if isinstance(n, Map) else [])}
    if any(gg is not g and id(gg) not in bodies for gg, _ in nodes):
        return False
    if [x for gg, n in nodes for x in gg.out_edges(n) if x.memlet is not None] != [e]:
        return False
    writers = [x for _, n in nodes for x in g.in_edges(n) if x.memlet is not None]
    if len(writers) != 1 or writers[0].dst is not e.src:
        return False
    w = writers[0]
    shape = p.data[t].shape
    if isinstance(w.src, LibraryNode):
        if not covers(w.memlet.subset, shape) or w.memlet.wcr is not None:
            return False
        reads = {base(x.memlet.data) for x in g.in_edges(w.src) if x.memlet is not None}
    elif isinstance(w.src, Map) and elementwise_writer(w.src, t, shape):
        reads = read_in(p, w.src.body)
    else:
        return False
    if a in reads:
        return False
    # Nothing else in the state may touch A.
    for n, gg in g.walk():
        if n is e.dst:
            continue
        if isinstance(n, Access) and base(n.data) == a:
            return False
        for x in gg.out_edges(n):
            if x is not e and x.memlet is not None and \
                    a in (base(x.memlet.data), base(x.memlet.other or "")):
                return False
    if g.in_edges(e.dst) != [e]:
        return False
    _splice(p, g, e, t, a)
    return True
