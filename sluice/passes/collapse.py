"""Map collapsing: `map i { map j { body } }` with independent ranges -> `map i, j { body }`.

Legal when the outer body holds nothing but the inner map and access nodes that only
connect to it, the inner ranges do not read the outer parameters, the schedules agree
(or the inner one is `default`) and neither is spatial. Iterations run in the same
lexicographic order, so even a sequential nest keeps its order; the backend can then
`collapse` both loops into one parallel iteration space.
"""

from __future__ import annotations

from dataclasses import dataclass

from sluice.ir.nodes import Access, Map, Schedule
from sluice.ir.program import Program
from sluice.passes.manager import Pass, PassReport, register
from sluice.passes.util import graphs


@register
@dataclass(frozen=True)
class MapCollapse(Pass):
    name = "map-collapse"

    def run(self, program: Program, report: PassReport) -> None:
        changed = True
        while changed:
            changed = False
            for _, g in list(graphs(program)):
                for m in [n for n in g.nodes if isinstance(n, Map)]:
                    inner = _sole_inner(m)
                    if inner is None:
                        continue
                    report.changes.append(f"collapsed {inner.describe()} into {m.describe()}")
                    m.params = list(m.params) + list(inner.params)
                    m.ranges = list(m.ranges) + list(inner.ranges)
                    m.body = inner.body
                    changed = True
                if changed:
                    break


def _sole_inner(m: Map) -> Map | None:
    maps = [n for n in m.body.nodes if isinstance(n, Map)]
    others = [n for n in m.body.nodes if not isinstance(n, Map | Access)]
    if len(maps) != 1 or others:
        return None
    inner = maps[0]
    if Schedule.spatial in (m.schedule, inner.schedule):
        return None
    if inner.schedule not in (Schedule.default, m.schedule):
        return None
    if set(inner.params) & set(m.params):
        return None
    if any(r.free_symbols() & set(m.params) for r in inner.ranges):
        return None
    for n in m.body.nodes:
        if isinstance(n, Access):
            edges = m.body.in_edges(n) + m.body.out_edges(n)
            if not edges or any(e.src is not inner and e.dst is not inner for e in edges):
                return None
    return inner
