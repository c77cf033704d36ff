"""Dead code and dead data elimination.

* `dead-code`: blocks after a `return`/`break`/`continue` in the same region, branches whose
  condition is a constant, loops over a constant empty range, `while False`, empty states.
* `dead-data`: transient containers nobody observes. Their writers go — tasklets and library
  nodes all of whose outputs are dead (never ones that pop a stream), copies into them, maps
  whose bodies end up empty — and then the containers themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from sluice.ir.control import Block, Branch, Break, Continue, Loop, Region, Return, State, While
from sluice.ir.data import Stream
from sluice.ir.graph import DataflowGraph
from sluice.ir.nodes import Access, LibraryNode, Map, Tasklet
from sluice.ir.program import Program
from sluice.passes.manager import Pass, PassReport, register
from sluice.passes.util import (
    accessed_containers,
    base,
    graphs,
    read_containers,
    remove_isolated_accesses,
    written_containers,
)


@register
@dataclass(frozen=True)
class DeadCodeElimination(Pass):
    name = "dead-code"

    def run(self, program: Program, report: PassReport) -> None:
        self._region(program.body, report)

    def _region(self, r: Region, report: PassReport) -> None:
        out: list[Block] = []
        for b in r.blocks:
            for sub in b.regions():
                self._region(sub, report)
            replacement = self._simplify(b, report)
            if replacement is None:
                out.append(b)
            else:
                out.extend(replacement)
        for k, b in enumerate(out):
            if isinstance(b, Return | Break | Continue) and k + 1 < len(out):
                report.changes.append(f"removed {len(out) - k - 1} unreachable block(s) after "
                                      f"{b.describe()}")
                out = out[:k + 1]
                break
        r.blocks[:] = out

    def _simplify(self, b: Block, report: PassReport) -> list[Block] | None:
        if isinstance(b, State) and len(b.graph) == 0:
            report.changes.append(f"removed empty {b.describe()}")
            return []
        if isinstance(b, Branch):
            cases = []
            for cond, region in b.cases:
                if cond is sympy.false:
                    report.changes.append("removed a branch case that is never taken")
                    continue
                if cond is sympy.true:
                    if not cases:
                        report.changes.append("inlined a branch case that is always taken")
                        return list(region.blocks)
                    b.cases = cases + [(cond, region)]
                    b.orelse = None
                    return None
                cases.append((cond, region))
            if not cases:
                return list(b.orelse.blocks) if b.orelse is not None else []
            b.cases = cases
            return None
        if isinstance(b, While) and b.cond is sympy.false:
            report.changes.append("removed a while loop that never runs")
            return []
        if isinstance(b, Loop) and all(x.is_Integer for x in (b.start, b.stop, b.step)):
            if len(range(int(b.start), int(b.stop), int(b.step))) == 0:
                report.changes.append(f"removed {b.describe()} over an empty range")
                return []
        return None


@register
@dataclass(frozen=True)
class DeadDataElimination(Pass):
    name = "dead-data"

    def run(self, program: Program, report: PassReport) -> None:
        changed = True
        while changed:
            changed = False
            observed = read_containers(program)
            dead = {n for n, c in program.data.items()
                    if c.transient and n not in observed and not isinstance(c, Stream)}
            if dead:
                for _st, g in list(graphs(program)):
                    if _prune(program, g, dead, report):
                        changed = True
            unused = [n for n, c in program.data.items()
                      if c.transient and n not in accessed_containers(program)]
            for n in unused:
                del program.data[n]
                report.changes.append(f"removed unused container '{n}'")
                changed = True
        _drop_empty_states(program.body, report)


def _drop_empty_states(r: Region, report: PassReport) -> None:
    """States whose every node went are dropped (they did nothing)."""
    keep = []
    for b in r.blocks:
        for sub in b.regions():
            _drop_empty_states(sub, report)
        if isinstance(b, State) and len(b.graph) == 0:
            report.changes.append(f"removed {b.describe()}, left empty")
            continue
        keep.append(b)
    r.blocks[:] = keep


def _pops_stream(p: Program, g: DataflowGraph, node) -> bool:
    for e in g.in_edges(node):
        if e.memlet is not None and isinstance(p.data.get(base(e.memlet.data)), Stream):
            return True
    if isinstance(node, Map):
        for n, _gg in node.body.walk():
            if isinstance(n, Access) and isinstance(p.data.get(base(n.data)), Stream):
                return True
    return False


def _prune(p: Program, g: DataflowGraph, dead: set[str], report: PassReport) -> bool:
    changed = False
    # copies into dead containers
    for e in g.edges:
        if isinstance(e.src, Access) and isinstance(e.dst, Access) and e.memlet is not None:
            target = base(e.memlet.other or e.dst.data)
            if target in dead and not isinstance(p.data.get(base(e.memlet.data)), Stream):
                g.remove_edge(e)
                report.changes.append(f"removed a copy into dead '{target}'")
                changed = True
    for n in list(g.nodes):
        if not isinstance(n, Tasklet | LibraryNode | Map):
            continue
        outs = [e for e in g.out_edges(n) if e.memlet is not None]
        if isinstance(n, Map):
            if not _map_is_dead(p, n, dead):
                continue
        elif not outs or any(base(e.memlet.data) not in dead for e in outs):
            continue
        if _pops_stream(p, g, n):
            continue
        g.remove_node(n)
        report.changes.append(f"removed {n.describe()}, which only wrote dead data")
        changed = True
    # Access nodes of dead containers that are now only written or isolated.
    for n in list(g.nodes):
        if isinstance(n, Access) and base(n.data) in dead and not g.in_edges(n):
            if all(e.memlet is None for e in g.out_edges(n)) or not g.out_edges(n):
                g.remove_node(n)
                changed = True
    # A map whose body no longer writes a dead container loses that outer edge.
    for n in list(g.nodes):
        if isinstance(n, Map):
            inside = written_containers(p, n.body)
            for e in g.out_edges(n):
                if e.memlet is not None and base(e.memlet.data) in dead and \
                        base(e.memlet.data) not in inside:
                    g.remove_edge(e)
                    changed = True
    if remove_isolated_accesses(g):
        changed = True
    return changed


def _map_is_dead(p: Program, m: Map, dead: set[str]) -> bool:
    for n, gg in m.body.walk():
        if isinstance(n, Access):
            for e in gg.in_edges(n):
                if e.memlet is not None and base((e.memlet.other or n.data)
                                                 if isinstance(e.src, Access)
                                                 else n.data) not in dead:
                    return False
        elif not isinstance(n, Tasklet | Map | LibraryNode):
            return False
    return True
