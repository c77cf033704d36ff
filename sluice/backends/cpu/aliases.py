"""Transients that can share another container's storage instead of copying it.

`B = A.reshape(...)` reaches the IR as a whole-array copy `A -> B` into a transient of
another shape (the IR has value semantics, NumPy has views). When nobody could tell the
difference, the generated code makes `B` a pointer to `A`'s storage and drops the copy:

* B is a transient array, written only by that copy, which covers all of A and all of B
  (same element type, no wcr); A is an array that is not itself
  an alias, is not resized while the program runs, and is not a stream;
* every other access of B in the copy's state reads it after the copy (is reachable from
  the copy's destination node);
* A does not change while B is in use: every write of A in that state comes before the
  copy (reaches its source node), and either B is mentioned in no other state, or A is a
  transient mentioned in no other state (then A never changes after the copy again).

Element order needs no check: a whole contiguous array paired with another in row-major
order is the same sequence of elements. The sizes must agree for the copy to be legal; the
generated code shares storage only when they do, and otherwise copies (and so reports the
mismatch as the copy would).
"""

from __future__ import annotations

from sluice.ir.control import State
from sluice.ir.data import Array
from sluice.ir.graph import Edge
from sluice.ir.nodes import Access
from sluice.ir.program import Program
from sluice.passes.util import accesses_in, base, control_reads, covers, reachable


def reshape_aliases(p: Program, dynamic: set[str] = frozenset()) -> dict[str, str]:
    """{transient: container whose storage it uses}; `dynamic` names containers whose
    storage moves while the program runs (never aliased either way)."""
    states = list(p.body.states())
    excluded = set(p.args) | set(p.returns) | control_reads(p) | set(dynamic)
    out: dict[str, str] = {}
    for st in states:
        g = st.graph
        for e in g.edges:
            if not (isinstance(e.src, Access) and isinstance(e.dst, Access)):
                continue
            b, a = e.dst.data, e.src.data
            if b in excluded or a in dynamic or a in out or b in out.values() or b in out:
                continue
            if _aliasable(p, states, st, e, a, b):
                out[b] = a
    return out


def _aliasable(p: Program, states: list[State], st: State, e: Edge, a: str, b: str) -> bool:
    ca, cb = p.data.get(a), p.data.get(b)
    if not isinstance(ca, Array) or not isinstance(cb, Array) or not cb.transient:
        return False
    if ca.dtype != cb.dtype:  # sizes are compared when the program runs
        return False
    m = e.memlet
    dst_sub = m.other_subset if m.other is not None else m.subset
    if m.wcr is not None or m.data != a or not covers(m.subset, ca.shape) or \
            not covers(dst_sub, cb.shape):
        return False
    g = st.graph
    b_nodes = accesses_in(g, b)  # reads inside map bodies enter through top-level nodes
    if _written_elsewhere(states, st, b):
        return False
    if [x for gg, n in b_nodes for x in gg.in_edges(n) if x.memlet is not None] != [e]:
        return False
    after = reachable(g, e.dst, forward=True)
    if any(gg is g and n is not e.dst and n not in after for gg, n in b_nodes):
        return False
    # Writes of A inside map bodies leave through the map's edges into top-level nodes.
    before = reachable(g, e.src, forward=False) | {e.src}
    for n in g.nodes:
        if isinstance(n, Access) and base(n.data) == a and n not in before and any(
                x.memlet is not None for x in g.in_edges(n)):
            return False
    only_here = [not any(_mentions(s, x) for s in states if s is not st) for x in (a, b)]
    return only_here[1] or (ca.transient and a not in p.args and a not in p.returns
                            and only_here[0])


def _mentions(st: State, name: str) -> bool:
    return bool(accesses_in(st.graph, name))


def _written_elsewhere(states: list[State], st: State, name: str) -> bool:
    for s in states:
        if s is st:
            continue
        for gg, n in accesses_in(s.graph, name):
            if any(x.memlet is not None for x in gg.in_edges(n)):
                return True
    return False
