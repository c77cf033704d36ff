"""Sibling map fusion: two maps that write one array element by element, in different
states, become one map, so the array is traversed once.

Autodiff makes such pairs: the gradient of a matrix that two products read is the sum of
two outer products, each a map over the whole matrix in the reverse of its own statement
(bicg: `dA = r (x) g_s` in one state, `dA += g_q (x) p` in a later one). Fused, each
element is written and then updated in one iteration; the second pass over the matrix is
gone, and every element still sees the same operations in the same order.

Match (all must hold, else the pair is left alone). M2 is a map at the top of state S2, M1
a map at the top of an earlier state S1 of the same region:
* both have bodies of tasklets and access nodes only, are not spatial, and have the same
  ranges (not depending on their parameters);
* each writes the array X at exactly `X[p0, p1, ...]` (its parameters, in order; M2 maybe
  with wcr) through one edge of its body, and reads nothing of X;
* M2 writes nothing but X; M1 writes nothing that M2 reads;
* in S2, M2's inputs come from access nodes that nothing in S2 writes (values as the state
  begins), nothing in S2 writes what M2 reads, and X is touched only by M2's output access
  node (which nothing reads);
* in S1, X is touched only by M1's output access node (which nothing reads); everything M2
  reads that S1 writes has one written access node there, not downstream of M1;
* every block between S1 and S2 is a state that neither touches X nor writes what M2 reads.
Apply: M2's body (its parameters renamed to M1's) joins M1's after it, with an ordering
edge from M1's write of X to M2's writer; M2's inputs are wired from S1's last writers (or
fresh access nodes); M2 and what only it used leave S2.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy

from sluice.ir.control import Region, State
from sluice.ir.data import Array, Stream
from sluice.ir.graph import DataflowGraph, Edge
from sluice.ir.nodes import Access, Map, Node, Schedule, Tasklet
from sluice.ir.program import Program
from sluice.ir.symbolic import substitute
from sluice.passes.manager import Pass, PassReport, register
from sluice.passes.util import (
    accesses_in,
    base,
    identity_subset,
    reachable,
    read_in,
    regions,
    remove_isolated_accesses,
    renames_cleanly,
    written_containers,
)


@register
@dataclass(frozen=True)
class SiblingFusion(Pass):
    name = "sibling-fusion"

    def run(self, program: Program, report: PassReport) -> None:
        # what each state writes, asked once per map: remembered until a fusion changes it
        written: dict[int, set[str]] = {}

        def writes(g: DataflowGraph) -> set[str]:
            if id(g) not in written:
                written[id(g)] = written_containers(program, g)
            return written[id(g)]

        for r in regions(program.body):
            for j, s2 in enumerate(r.blocks):
                if not isinstance(s2, State):
                    continue
                for m2 in [n for n in s2.graph.nodes if isinstance(n, Map)]:
                    found = _partner(program, r, j, m2, writes)
                    if found is not None:
                        s1, m1, x = found
                        _fuse(program, s1.graph, m1, s2.graph, m2, x)
                        written.clear()
                        report.changes.append(
                            f"fused {m2.describe()} of state '{s2.name}' into "
                            f"{m1.describe()} of state '{s1.name}': one pass over '{x}'")


@dataclass(frozen=True)
class _Writer:
    """A map's element-wise write of X: the body's access node and the edge into it."""

    x: str
    node: Access
    edge: Edge


def _elementwise_writer(p: Program, m: Map) -> _Writer | None:
    """The one array `m` writes at `X[params]` through one body edge, reading none of it."""
    if m.schedule == Schedule.spatial:
        return None
    found: list[_Writer] = []
    for n in m.body.nodes:
        if isinstance(n, Access):
            if isinstance(p.data.get(base(n.data)), Stream):
                return None
            writes = [e for e in m.body.in_edges(n) if e.memlet is not None]
            if writes and isinstance(p.data.get(n.data), Array):
                if len(writes) != 1 or not isinstance(writes[0].src, Tasklet) or \
                        m.body.out_edges(n) or \
                        not identity_subset(writes[0].memlet.subset, m.params):
                    return None
                found.append(_Writer(n.data, n, writes[0]))
        elif not isinstance(n, Tasklet):
            return None
    if len(found) != 1 or found[0].x in read_in(p, m.body):
        return None
    if any(r.free_symbols() & set(m.params) for r in m.ranges):
        return None
    return found[0]


def _outer_sink(g: DataflowGraph, m: Map, x: str) -> Access | None:
    """The access node of `x` that `m` writes, if it is the only node of the state's top
    level touching `x` besides `m` and nothing reads it."""
    sinks = [e.dst for e in g.out_edges(m) if e.memlet is not None and base(e.memlet.data) == x]
    if len(sinks) != 1 or not isinstance(sinks[0], Access) or g.out_edges(sinks[0]):
        return None
    if len([e for e in g.in_edges(sinks[0]) if e.memlet is not None]) != 1:
        return None
    for gg, n in accesses_in(g, x):
        if gg is g and n is not sinks[0]:
            return None
        if gg is not g and not _inside(m, gg):
            return None
    return sinks[0]


def _inside(m: Map, g: DataflowGraph) -> bool:
    return any(gg is g for _, gg in m.body.walk()) or m.body is g


def _reads(p: Program, g: DataflowGraph, m: Map) -> set[str]:
    return read_in(p, m.body) | {base(e.memlet.data) for e in g.in_edges(m)
                                 if e.memlet is not None}


def _partner(p: Program, r: Region, j: int, m2: Map,
             writes: Callable[[DataflowGraph], set[str]]) -> tuple[State, Map, str] | None:
    s2: State = r.blocks[j]
    g2 = s2.graph
    w2 = _elementwise_writer(p, m2)
    if w2 is None or written_containers(p, m2.body) != {w2.x}:
        return None
    x = w2.x
    if _outer_sink(g2, m2, x) is None:
        return None
    reads = _reads(p, g2, m2)
    for e in g2.in_edges(m2):
        if e.memlet is not None and (not isinstance(e.src, Access) or g2.in_edges(e.src)):
            return None
    if reads & writes(g2):  # (M2 writes only X, which it does not read)
        return None
    for k in range(j - 1, -1, -1):
        s1 = r.blocks[k]
        if not isinstance(s1, State):
            return None
        for m1 in [n for n in s1.graph.nodes if isinstance(n, Map)]:
            if _compatible(p, s1.graph, m1, g2, m2, x, reads):
                return s1, m1, x
        if accesses_in(s1.graph, x) or reads & writes(s1.graph):
            return None
    return None


def _compatible(p: Program, g1: DataflowGraph, m1: Map, g2: DataflowGraph, m2: Map, x: str,
                reads: set[str]) -> bool:
    w1 = _elementwise_writer(p, m1)
    if w1 is None or w1.x != x or _outer_sink(g1, m1, x) is None:
        return False
    if m1.ranges != m2.ranges or len(m1.params) != len(m2.params):
        return False
    if written_containers(p, m1.body) & reads:
        return False
    if not renames_cleanly(m2.body, m2.params, m1.params):
        return False
    after_m1 = reachable(g1, m1)
    for y in reads:
        hubs = _written_nodes(p, g1, y)
        if len(hubs) > 1 or any(h in after_m1 for h in hubs):
            return False
    for e in g2.in_edges(m2):  # (each input is wired from its writer's own access node)
        hubs = _written_nodes(p, g1, base(e.memlet.data)) if e.memlet is not None else []
        if hubs and hubs[0].data != e.src.data:
            return False
    return True


def _written_nodes(p: Program, g: DataflowGraph, y: str) -> list[Node]:
    """The access nodes at the top of `g` that write `y` (a map's or library node's output,
    a copy's destination)."""
    out: list[Node] = []
    for n in g.nodes:
        if isinstance(n, Access) and base(n.data) == y and \
                any(e.memlet is not None for e in g.in_edges(n)):
            out.append(n)
    return out


def _fuse(p: Program, g1: DataflowGraph, m1: Map, g2: DataflowGraph, m2: Map, x: str) -> None:
    rename = {a: sympy.Symbol(b, integer=True)
              for a, b in zip(m2.params, m1.params, strict=True) if a != b}
    w1 = _elementwise_writer(p, m1)
    w2 = _elementwise_writer(p, m2)
    body = m1.body
    for n in m2.body.nodes:
        if isinstance(n, Tasklet) and rename:
            n.code = [(t, substitute(e, rename)) for t, e in n.code]
        body.add(n)
    for e in m2.body.edges:
        m = e.memlet.subs(rename) if e.memlet is not None and rename else e.memlet
        body.connect(e.src, e.dst, m, e.src_conn, e.dst_conn)
    body.connect(w1.node, w2.edge.src, None)  # M1's element is written before M2 updates it
    # M2's inputs: from S1's last writer of each, else a fresh access node
    for e in g2.in_edges(m2):
        if e.memlet is None:
            continue
        hubs = _written_nodes(p, g1, base(e.memlet.data))  # (one at most: `_compatible`)
        src = hubs[0] if hubs else g1.add(Access(e.src.data))
        g1.connect(src, m1, e.memlet, e.src_conn, None)
    sink = _outer_sink(g1, m1, x)
    for e in g2.out_edges(m2):
        if e.memlet is not None:
            g1.connect(m1, sink, e.memlet, None, e.dst_conn)
    g2.remove_node(m2)
    remove_isolated_accesses(g2)  # (M2's input and output access nodes, unless shared)
    if m2.schedule == Schedule.sequential:
        m1.schedule = Schedule.sequential
