"""State fusion: two consecutive states become one dataflow graph.

Frontends emit one state per statement; map fusion works inside a state, so it needs them
merged. States S1; S2 (adjacent in one region) merge when the only containers both touch
are read by both, or written by S1 (through a single access node) and only read by S2 —
S2's read then hangs off S1's written access node, which makes the dependency an edge. No
stream may be touched by both. The merged graph runs S1's nodes first, in their order,
then S2's (a lexicographic topological order never lets a later-inserted node overtake
an available earlier one), so execution order is unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

from sluice.ir.control import State
from sluice.ir.data import Stream
from sluice.ir.graph import DataflowGraph
from sluice.ir.nodes import Access
from sluice.ir.program import Program
from sluice.passes.manager import Pass, PassReport, register
from sluice.passes.util import base, regions, written_containers


@register
@dataclass(frozen=True)
class StateFusion(Pass):
    name = "state-fusion"

    def run(self, program: Program, report: PassReport) -> None:
        for r in regions(program.body):
            k = 0
            while k + 1 < len(r.blocks):
                a, b = r.blocks[k], r.blocks[k + 1]
                if isinstance(a, State) and isinstance(b, State) and _merge(program, a, b):
                    report.changes.append(f"merged state '{b.name}' into '{a.name}'")
                    del r.blocks[k + 1]
                else:
                    k += 1


def _touched(g: DataflowGraph) -> set[str]:
    return {base(n.data) for n, _ in g.walk() if isinstance(n, Access)}


def _merge(p: Program, s1: State, s2: State) -> bool:
    g1, g2 = s1.graph, s2.graph
    w1, w2 = written_containers(p, g1), written_containers(p, g2)
    both = _touched(g1) & _touched(g2)
    hubs: dict[str, Access] = {}
    for x in both:
        if isinstance(p.data.get(x), Stream) or x in w2:
            return False
        if x in w1:
            writers = [n for n in g1.nodes if isinstance(n, Access) and base(n.data) == x
                       and g1.in_edges(n)]
            if len(writers) != 1 or writers[0].data != x:
                return False
            hubs[x] = writers[0]
            # S2 must read x only through top-level access nodes without writes.
            for n in g2.nodes:
                if isinstance(n, Access) and base(n.data) == x and n.data != x:
                    return False
    replace: dict[int, Access] = {}
    for n in g2.nodes:
        if isinstance(n, Access) and n.data in hubs:
            if g2.in_edges(n):
                return False
            replace[id(n)] = hubs[n.data]
    for n in g2.nodes:
        if id(n) not in replace:
            g1.add(n)
    for e in g2.edges:
        src = replace.get(id(e.src), e.src)
        dst = replace.get(id(e.dst), e.dst)
        g1.connect(src, dst, e.memlet, e.src_conn, e.dst_conn)
    return True
