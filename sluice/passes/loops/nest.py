"""Perfect map nests: find them, read their loops, and rebuild them in a new loop order.

A nest is a top-level map (one directly in a state's graph) together with the maps it
wraps: a map whose body is a single map and access nodes feeding only that map continues
the nest. Its loops are the parameters of those maps, outermost first; its body is the
innermost map's body. Rebuilding writes one single-parameter map per loop (DaCe's
"expanded form"): the CPU backend plans each map apart, so nested maps keep the chosen
loop order in the generated C++, where one multi-parameter map would be reordered.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sluice.errors import SluiceError
from sluice.ir.control import State
from sluice.ir.graph import DataflowGraph
from sluice.ir.memlet import Memlet, Range
from sluice.ir.nodes import Access, Map, Schedule
from sluice.ir.program import Program
from sluice.ir.propagate import merge_memlets, propagate_subset


@dataclass(frozen=True)
class Loop:
    """One loop of a nest: a map parameter, its range and its map's schedule."""

    param: str
    range: Range
    schedule: Schedule = Schedule.default


@dataclass
class MapNest:
    """The perfect nest rooted at `top` (in `graph`, the graph of `state`)."""

    state: State | None  # None: a map the backend asks about, outside any state
    graph: DataflowGraph
    top: Map
    loops: list[Loop]
    body: DataflowGraph

    @property
    def params(self) -> list[str]:
        return [lp.param for lp in self.loops]

    def describe(self) -> str:
        where = f" in {self.state.describe()}" if self.state is not None else ""
        return f"{self.top.describe()}{where}"


def top_level_maps(program: Program) -> Iterator[tuple[State, DataflowGraph, Map]]:
    """Every map directly in a state's graph, in program order."""
    for st in program.body.states():
        for n in st.graph.nodes:
            if isinstance(n, Map):
                yield st, st.graph, n


def map_nests(program: Program) -> list[MapNest]:
    """The perfect nests of every top-level map, in program order."""
    return [nest_of(st, g, m) for st, g, m in top_level_maps(program)]


def nest_at(program: Program, index: int) -> MapNest:
    """The `index`-th top-level map nest, or a SluiceError saying how many there are."""
    nests = map_nests(program)
    if not 0 <= index < len(nests):
        raise SluiceError(
            f"'{program.name}' has {len(nests)} top-level map nest(s); there is no nest {index}",
            hint="nests are numbered from 0 in program order",
        )
    return nests[index]


def nest_of(state: State, graph: DataflowGraph, top: Map) -> MapNest:
    loops: list[Loop] = []
    m = top
    while True:
        loops += [Loop(p, r, m.schedule) for p, r in zip(m.params, m.ranges, strict=True)]
        inner = _sole_inner_map(m.body)
        if inner is None or inner.schedule == Schedule.spatial:
            return MapNest(state, graph, top, loops, m.body)
        m = inner


def _sole_inner_map(g: DataflowGraph) -> Map | None:
    maps = [n for n in g.nodes if isinstance(n, Map)]
    if len(maps) != 1 or any(not isinstance(n, Map | Access) for n in g.nodes):
        return None
    inner = maps[0]
    for n in g.accesses():
        edges = g.in_edges(n) + g.out_edges(n)
        if not edges or any(e.src is not inner and e.dst is not inner for e in edges):
            return None
    return inner


def rebuild(program: Program, nest: MapNest, loops: list[Loop]) -> None:
    """Replace `nest` by one map per loop of `loops` around the nest's body, in place.

    The top map keeps its identity and its outer edges (the nest still reads and writes
    the same elements); each inner map gets access nodes and propagated memlets.
    """
    body = nest.body
    for lp in reversed(loops[1:]):
        body = _wrap(program, body, lp, nest.top.label)
    first = loops[0]
    nest.top.params = [first.param]
    nest.top.ranges = [first.range]
    nest.top.schedule = first.schedule
    nest.top.body = body
    nest.loops = list(loops)  # (the innermost body is the same graph)


def _wrap(program: Program, body: DataflowGraph, lp: Loop, label: str) -> DataflowGraph:
    """A graph holding one map of `lp` around `body`, its reads and writes propagated."""
    m = Map([lp.param], [lp.range], body, lp.schedule, label)
    g = DataflowGraph()
    reads, writes = external_memlets(body)
    for data, ms in reads.items():
        g.connect(Access(data), m, _propagated(program, data, ms, m))
    g.add(m)
    for data, ms in writes.items():
        g.connect(m, Access(data), _propagated(program, data, ms, m))
    return g


def _propagated(program: Program, data: str, ms: list[Memlet], m: Map) -> Memlet:
    shape = program.container(data).shape
    subs = [Memlet(data, propagate_subset(x.subset, m.params, m.ranges, shape), x.wcr) for x in ms]
    return merge_memlets(subs, shape)


def external_memlets(g: DataflowGraph) -> tuple[dict[str, list[Memlet]], dict[str, list[Memlet]]]:
    """Memlets by container that the graph reads from / writes to its access nodes."""
    reads: dict[str, list[Memlet]] = {}
    writes: dict[str, list[Memlet]] = {}
    for e in g.edges:
        mm = e.memlet
        if mm is None:
            continue
        src_acc, dst_acc = isinstance(e.src, Access), isinstance(e.dst, Access)
        if src_acc and not dst_acc:
            reads.setdefault(mm.data, []).append(mm)
        elif dst_acc and not src_acc:
            writes.setdefault(mm.data, []).append(mm)
        elif src_acc and dst_acc:
            reads.setdefault(mm.data, []).append(Memlet(mm.data, mm.subset))
            dst = mm.other or e.dst.data
            sub = mm.other_subset if mm.other is not None else mm.subset
            writes.setdefault(dst, []).append(Memlet(dst, sub or (), mm.wcr))
    return reads, writes
