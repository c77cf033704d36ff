"""Small queries over a Program that several passes share."""

from __future__ import annotations

from collections.abc import Iterator

import sympy

from sluice.ir.control import Assign, Block, Branch, Check, Loop, Region, State, While
from sluice.ir.data import Stream
from sluice.ir.graph import DataflowGraph
from sluice.ir.memlet import Index, Range, full_subset
from sluice.ir.nodes import Access, Map, Node, Tasklet
from sluice.ir.program import Program
from sluice.ir.symbolic import free_names


def graphs(p: Program) -> Iterator[tuple[State, DataflowGraph]]:
    """Every dataflow graph (state graphs and map bodies) with its state."""
    for st in p.body.states():
        yield st, st.graph
        stack = [st.graph]
        while stack:
            g = stack.pop()
            for n in g.nodes:
                if isinstance(n, Map):
                    yield st, n.body
                    stack.append(n.body)


def base(name: str) -> str:
    return name.partition(".")[0]


def control_reads(p: Program) -> set[str]:
    """Names read by loop bounds, conditions and symbol assignments."""
    out: set[str] = set()
    for b in p.body.walk():
        out |= _block_reads(b)
    return out


def _block_reads(b: Block) -> set[str]:
    """Names one control block itself reads (not the blocks inside it)."""
    if isinstance(b, Loop):
        return free_names(b.start) | free_names(b.stop) | free_names(b.step)
    if isinstance(b, While):
        return free_names(b.cond)
    if isinstance(b, Branch):
        return set().union(*(free_names(c) for c, _ in b.cases))
    if isinstance(b, Assign | Check):
        return set(b.reads())
    return set()


def mentions(b: Block, name: str) -> bool:
    """Block `b` (or a block inside it) touches container `name`: an access node, or a
    bound, condition or assignment that reads it."""
    if isinstance(b, State):
        return bool(accesses_in(b.graph, name))
    return name in _block_reads(b) or any(mentions(sub, name) for r in b.regions()
                                           for sub in r.blocks)


def mentioned(b: Block) -> set[str]:
    """Every name `mentions(b, name)` is true for, found in one walk (for asking about
    many names)."""
    if isinstance(b, State):
        return {base(n.data) for n, _ in b.graph.walk() if isinstance(n, Access)}
    out = set(_block_reads(b))
    for r in b.regions():
        for sub in r.blocks:
            out |= mentioned(sub)
    return out


def read_containers(p: Program) -> set[str]:
    """Containers whose values something observes: read through an edge or a condition,
    or visible to the caller (arguments and returns)."""
    out = {base(a) for a in p.args if a in p.data} | set(p.returns)
    out |= {n for n in control_reads(p) if n in p.data}
    for _, g in graphs(p):
        for e in g.edges:
            if e.memlet is not None and isinstance(e.src, Access):
                out.add(base(e.memlet.data))
    return out


def accessed_containers(p: Program) -> set[str]:
    out: set[str] = set()
    for _, g in graphs(p):
        for n in g.nodes:
            if isinstance(n, Access):
                out.add(base(n.data))
        for e in g.edges:
            if e.memlet is not None:
                out.add(base(e.memlet.data))
                if e.memlet.other is not None:
                    out.add(base(e.memlet.other))
    return out | control_reads(p) & set(p.data)


def accesses_in(g: DataflowGraph, name: str) -> list[tuple[DataflowGraph, Access]]:
    """Access nodes of container `name` in `g` and the map bodies inside it, with their
    graphs."""
    return [(gg, n) for n, gg in g.walk() if isinstance(n, Access) and base(n.data) == name]


def access_nodes(p: Program, name: str) -> list[tuple[DataflowGraph, Access]]:
    return [(g, n) for _, g in graphs(p) for n in g.nodes
            if isinstance(n, Access) and base(n.data) == name]


def touches_stream(p: Program, g: DataflowGraph) -> bool:
    for n, _ in g.walk():
        if isinstance(n, Access) and isinstance(p.data.get(base(n.data)), Stream):
            return True
    return False


def written_containers(p: Program, g: DataflowGraph) -> set[str]:
    """Containers a graph (recursively) writes."""
    out: set[str] = set()
    for n, gg in g.walk():
        if isinstance(n, Access):
            for e in gg.in_edges(n):
                if e.memlet is not None:
                    out.add(base((e.memlet.other or n.data) if isinstance(e.src, Access)
                                 else n.data))
    return out


def read_in(p: Program, g: DataflowGraph) -> set[str]:
    """Containers a graph (recursively) reads."""
    out: set[str] = set()
    for n, gg in g.walk():
        if isinstance(n, Access):
            for e in gg.out_edges(n):
                if e.memlet is not None:
                    out.add(base(e.memlet.data))
    return out


def remove_isolated_accesses(g: DataflowGraph) -> int:
    dead = [n for n in g.nodes if isinstance(n, Access) and not g.in_edges(n)
            and not g.out_edges(n)]
    for n in dead:
        g.remove_node(n)
    return len(dead)


def node_label(n: Node) -> str:
    return n.describe()


def identity_subset(subset, params: list[str]) -> bool:
    """The subset is `[p0, p1, ...]`: one element per point of a map with these parameters."""
    return len(subset) == len(params) and all(
        isinstance(d, Index) and d.index == sympy.Symbol(prm, integer=True)
        for d, prm in zip(subset, params, strict=True))


def written_in_state(g: DataflowGraph, name: str, but: Access | None = None) -> bool:
    """Some access node of container `name` in `g` (other than `but`) takes a write."""
    return any(isinstance(a, Access) and base(a.data) == base(name) and g.in_edges(a)
               and a is not but for a in g.nodes)


def elementwise_writer(m: Map, t: str, shape) -> bool:
    """The map writes every element of `t` exactly as `t[p0, p1, ...]` over full ranges."""
    if len(m.params) != len(shape):
        return False
    for r, d in zip(m.ranges, shape, strict=True):
        if r != Range(0, d):
            return False
    writes = [x for n in m.body.nodes if isinstance(n, Access) and n.data == t
              for x in m.body.in_edges(n) if x.memlet is not None]
    if not writes or any(not isinstance(x.src, Tasklet) or x.memlet.wcr is not None for x in
                         writes):
        return False
    if not all(identity_subset(x.memlet.subset, m.params) for x in writes):
        return False
    for n, gg in m.body.walk():  # no nested writes of t elsewhere, no reads of t
        if isinstance(n, Access) and n.data == t and gg is not m.body:
            return False
        if isinstance(n, Access) and n.data == t and gg.out_edges(n):
            return False
    return True


def covers(subset, shape) -> bool:
    """A memlet subset that is the whole container (an empty subset means the whole)."""
    return not subset or tuple(subset) == full_subset(shape)


def reachable(g: DataflowGraph, start: Node, forward: bool = True) -> set[Node]:
    """Nodes reachable from `start` along edges (against them with `forward=False`)."""
    seen: set[Node] = set()
    stack = [start]
    while stack:
        n = stack.pop()
        for e in (g.out_edges(n) if forward else g.in_edges(n)):
            nxt = e.dst if forward else e.src
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def renames_cleanly(body: DataflowGraph, old: list[str], new: list[str]) -> bool:
    """Renaming a map's parameters `old` to `new` in its `body` captures no other name: no
    new name is already used there (so swapped parameters are refused too), and no tasklet
    connector or local is named like an old parameter."""
    names: set[str] = set()
    for n in body.nodes:
        if isinstance(n, Tasklet):
            names |= set(n.inputs) | {t for t, _ in n.code} | n.free_symbols()
    for e in body.edges:
        if e.memlet is not None:
            names |= e.memlet.free_symbols()
    if {b for a, b in zip(old, new, strict=True) if a != b} & names:
        return False
    return not any(isinstance(n, Tasklet) and (set(n.inputs) | {t for t, _ in n.code})
                   & set(old) for n in body.nodes)


def regions(r: Region) -> Iterator[Region]:
    """`r` and every region inside it, innermost first (a caller may change the blocks of
    the region it was given: the walk below it is done by then)."""
    for b in r.blocks:
        for sub in b.regions():
            yield from regions(sub)
    yield r

