"""Map fusion: an element-wise producer map and its consumer become one map, and the
temporary array between them becomes a per-iteration scalar.

Match (all must hold, else the pair is left alone):
* producer P: a map whose body holds only tasklets and access nodes, whose only effect
  outside the body is writing the transient array T, each element exactly at `T[p0, p1..]`
  (its parameters, in order, no wcr);
* the access node of T that P writes feeds only the consumer map C, which has the same
  ranges and reads T only at `T[c0, c1..]`; T appears nowhere else in the program;
* no stream is involved, C writes nothing P reads, and no other node of the state writes
  what P or C read or touches what C writes (so moving P's work into C's iterations cannot
  reorder a hazard), except nodes P depends on that write only scalars (they run before
  the fused map as they ran before P).
Apply: P's body (parameters renamed to C's) and C's body form one body; T's write goes to a
fresh transient scalar that C's tasklets read; T disappears.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from sluice.ir.data import Array, Scalar, Stream
from sluice.ir.graph import DataflowGraph
from sluice.ir.memlet import Memlet
from sluice.ir.nodes import Access, Map, Node, Schedule, Tasklet
from sluice.ir.program import Program
from sluice.ir.symbolic import substitute
from sluice.passes.manager import Pass, PassReport, register
from sluice.passes.util import (
    access_nodes,
    base,
    identity_subset,
    read_in,
    renames_cleanly,
    written_containers,
)


@register
@dataclass(frozen=True)
class MapFusion(Pass):
    name = "map-fusion"
    max_rounds: int = 64

    def run(self, program: Program, report: PassReport) -> None:
        for _ in range(self.max_rounds):
            if not self._once(program, report):
                break

    def _once(self, p: Program, report: PassReport) -> bool:
        for st in p.body.states():
            g = st.graph
            for a in [n for n in g.nodes if isinstance(n, Access)]:
                match = _match(p, g, a)
                if match is not None:
                    prod, cons = match
                    _fuse(p, g, a, prod, cons)
                    report.changes.append(f"fused {prod.describe()} into {cons.describe()} "
                                          f"in state '{st.name}'; '{a.data}' is no longer "
                                          "materialised")
                    return True
        return False


def _private(p: Program, name: str) -> bool:
    c = p.data.get(name)
    return isinstance(c, Scalar) and c.transient and name not in p.returns and name not in p.args


def _match(p: Program, g: DataflowGraph, a: Access) -> tuple[Map, Map] | None:
    t = a.data
    c = p.data.get(t)
    if not isinstance(c, Array) or not c.transient or t in p.returns or t in p.args:
        return None
    ins = [e for e in g.in_edges(a) if e.memlet is not None]
    outs = [e for e in g.out_edges(a) if e.memlet is not None]
    if len(ins) != 1 or not outs or not isinstance(ins[0].src, Map):
        return None
    prod = ins[0].src
    cons = outs[0].dst
    if not isinstance(cons, Map) or any(e.dst is not cons for e in outs) or prod is cons:
        return None
    if any(e.memlet is None for e in g.out_edges(a)) or len(g.in_edges(a)) != 1:
        return None
    # T lives only here: this access node and the two bodies.
    nodes = access_nodes(p, t)
    allowed = {id(a)} | {id(n) for n in prod.body.nodes} | {id(n) for n in cons.body.nodes}
    if any(id(n) not in allowed for _, n in nodes):
        return None
    if not _producer_ok(p, g, prod, t) or not _consumer_ok(p, cons, t):
        return None
    if prod.ranges != cons.ranges or len(prod.params) != len(cons.params):
        return None
    if any(r.free_symbols() & (set(prod.params) | set(cons.params)) for r in cons.ranges):
        return None
    # Renaming P's parameters to C's must not capture other names in P's body.
    if not renames_cleanly(prod.body, prod.params, cons.params):
        return None
    if Schedule.spatial in (prod.schedule, cons.schedule):
        return None
    # Hazards with the rest of the state.
    p_reads = read_in(p, prod.body)
    c_reads = read_in(p, cons.body) - {t}
    c_writes = written_containers(p, cons.body)
    if p_reads & c_writes:
        return None
    descendants = _descendants(g, cons)
    # Nodes P depends on run before the fused map as they ran before P, so their writes are
    # no hazard. Only those that write scalars alone (a gradient's seed, broadcast by P) are
    # let through: fusing past array producers is as legal, but was measured slower where it
    # puts a call the vector math library cannot vectorise (atan2) into the loop of one it
    # can (arc_distance, 0.51 -> 0.60 ms) and faster elsewhere (hdiff): a cost model's call.
    ancestors = _ancestors(g, prod)
    before = {n for n in ancestors if not isinstance(n, Access) and
              all(isinstance(p.data.get(x), Scalar) for x in _effects(p, g, n)[1])}
    for n in g.nodes:
        if n is prod or n is cons or isinstance(n, Access) or n in before:
            continue
        r, w = _effects(p, g, n)
        if w & (p_reads | c_reads | c_writes):
            return None
        if r & c_writes and n not in descendants:
            return None
    for e in g.edges:  # copies are effects of the state too
        if isinstance(e.src, Access) and isinstance(e.dst, Access) and e.memlet is not None:
            w = {base(e.memlet.other or e.dst.data)}
            if e.dst in ancestors and all(isinstance(p.data.get(x), Scalar) for x in w):
                continue
            r = {base(e.memlet.data)}
            if w & (p_reads | c_reads | c_writes) or (r & c_writes and e.src not in descendants):
                return None
    # A cycle would appear if something between the two depended on P.
    if any(d is not a and not isinstance(d, Access) and cons in _descendants(g, d)
           for d in _descendants(g, prod) if d is not cons):
        return None
    return prod, cons


def _effects(p: Program, g: DataflowGraph, n: Node) -> tuple[set[str], set[str]]:
    r = {base(e.memlet.data) for e in g.in_edges(n) if e.memlet is not None}
    w = {base(e.memlet.data) for e in g.out_edges(n) if e.memlet is not None}
    if isinstance(n, Map):
        r |= read_in(p, n.body)
        w |= written_containers(p, n.body)
    return r, w


def _descendants(g: DataflowGraph, n: Node) -> set[Node]:
    import networkx as nx

    return set(nx.descendants(g.nx, n))


def _ancestors(g: DataflowGraph, n: Node) -> set[Node]:
    import networkx as nx

    return set(nx.ancestors(g.nx, n))


def _sinks(p: Program, g: DataflowGraph, m: Map) -> list:
    """Outer edges of `m` to sink access nodes of its per-iteration scalars (left by an
    earlier fusion: they only tell the verifier the body writes them)."""
    return [e for e in g.out_edges(m) if e.memlet is not None and _private(p, e.memlet.data)
            and isinstance(e.dst, Access) and not g.out_edges(e.dst)
            and len(g.in_edges(e.dst)) == 1]


def _producer_ok(p: Program, g: DataflowGraph, prod: Map, t: str) -> bool:
    sinks = _sinks(p, g, prod)
    outer = [e for e in g.out_edges(prod) if e.memlet is not None and e not in sinks]
    if any(base(e.memlet.data) != t for e in outer):
        return False
    for n in prod.body.nodes:
        if isinstance(n, Access):
            if isinstance(p.data.get(base(n.data)), Stream):
                return False
            for e in prod.body.in_edges(n):
                if e.memlet is None:
                    continue
                if isinstance(e.src, Access):
                    return False
                if n.data == t:
                    if e.memlet.wcr is not None or not identity_subset(e.memlet.subset,
                                                                       prod.params):
                        return False
                elif not _private(p, n.data):
                    return False
            if n.data == t and prod.body.out_edges(n):
                return False
        elif not isinstance(n, Tasklet):
            return False
    return True


def _consumer_ok(p: Program, cons: Map, t: str) -> bool:
    for n, gg in cons.body.walk():
        if isinstance(n, Access):
            if isinstance(p.data.get(base(n.data)), Stream):
                return False
            if n.data == t:
                if gg is not cons.body or gg.in_edges(n):
                    return False
                for e in gg.out_edges(n):
                    if e.memlet is None or not isinstance(e.dst, Tasklet) or \
                            not identity_subset(e.memlet.subset, cons.params):
                        return False
    return True


def _fresh(p: Program, stem: str) -> str:
    name, k = f"{stem}_s", 1
    while name in p.data or name in p.symbols:
        k += 1
        name = f"{stem}_s{k}"
    return name


def _fuse(p: Program, g: DataflowGraph, a: Access, prod: Map, cons: Map) -> None:
    t = a.data
    rename = {pp: sympy.Symbol(cp, integer=True)
              for pp, cp in zip(prod.params, cons.params, strict=True)}
    scalar = _fresh(p, t)
    p.data[scalar] = Scalar(p.data[t].dtype, transient=True)
    body = DataflowGraph()
    value = Access(scalar)
    mapping: dict[int, Node] = {}
    for n in prod.body.nodes:
        if isinstance(n, Access) and n.data == t:
            mapping[id(n)] = value
        else:
            if isinstance(n, Tasklet):
                n.code = [(tg, substitute(e, rename)) for tg, e in n.code]
            mapping[id(n)] = n
        body.add(mapping[id(n)])
    for e in prod.body.edges:
        m = e.memlet
        if m is not None:
            m = Memlet(scalar) if m.data == t else m.subs(rename)
        body.connect(mapping[id(e.src)], mapping[id(e.dst)], m, e.src_conn, e.dst_conn)
    t_nodes = {id(n) for n in cons.body.nodes if isinstance(n, Access) and n.data == t}
    for n in cons.body.nodes:
        if id(n) not in t_nodes:
            body.add(n)
    for e in cons.body.edges:
        if id(e.src) in t_nodes:
            body.connect(value, e.dst, Memlet(scalar), None, e.dst_conn)
        elif id(e.dst) not in t_nodes:
            body.connect(e.src, e.dst, e.memlet, e.src_conn, e.dst_conn)
    sched = Schedule.sequential if Schedule.sequential in (prod.schedule, cons.schedule) \
        else cons.schedule
    fused = Map(list(cons.params), list(cons.ranges), body, sched, cons.label)
    fused.loc = cons.loc or prod.loc
    g.add(fused)
    for e in g.in_edges(prod):
        g.connect(e.src, fused, e.memlet, e.src_conn, None)
    for e in g.in_edges(cons):
        if e.src is not a:
            g.connect(e.src, fused, e.memlet, e.src_conn, None)
    for e in g.out_edges(cons):
        g.connect(fused, e.dst, e.memlet, None, e.dst_conn)
    for e in _sinks(p, g, prod):
        g.connect(fused, e.dst, e.memlet, None, e.dst_conn)
    g.connect(fused, Access(scalar), Memlet(scalar))  # the verifier wants every write out
    g.remove_node(prod)
    g.remove_node(cons)
    g.remove_node(a)
    if not access_nodes(p, t):
        del p.data[t]
