"""gemm folding: the array added to a MatMul's product becomes BLAS gemm's C (and its
scalar factor gemm's beta), so `D = A @ B + beta * Y` is one gemm call instead of a product
followed by a pass over memory.

The rewrite, on float32 / float64 MatMuls of a state (not inside maps): the MatMul's result
`P`, a matrix, is read only by an element-wise map writing `D = P + [s *] Y` (`s` a scalar
container, `Y` any array read at the same index, `D` itself included): the MatMul writes
`D`, with `acc = Y` and `beta = s`. `P` must be a transient the state writes once and reads
only there; `Y` and `s` must not be written in the state (the MatMul then reads the values
the map read).

`beta * Y` is rounded once either way, and adding it into the product's sum only reorders
that sum, which a BLAS's blocking does anyway (a MatMul is a reduction: DECISIONS.md leaves
its order to the backend). A scale factor of the product or of an operand (`alpha * A @ B`)
is not folded: the BLAS applies alpha to partial sums, which moves a rounding across the sum
and can overflow where NumPy's `(alpha * A) @ B` does not (issue #13: no pass rewrites a
value).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy

from sluice.ir import exact as X
from sluice.ir.data import Array
from sluice.ir.graph import DataflowGraph, Edge
from sluice.ir.library import MatMul
from sluice.ir.nodes import Access, Map, Tasklet
from sluice.ir.program import Program
from sluice.ir.symbolic import Cast, provably_differ
from sluice.passes.manager import Pass, PassReport, register
from sluice.passes.util import (
    access_nodes,
    base,
    covers,
    identity_subset,
    written_in_state,
)

FLOATS = (np.float32, np.float64)


@register
@dataclass(frozen=True)
class GemmFolding(Pass):
    name = "gemm-folding"

    def run(self, program: Program, report: PassReport) -> None:
        for st in program.body.states():
            g = st.graph
            for n in list(g.nodes):
                if not isinstance(n, MatMul) or not _float_matmul(program, g, n):
                    continue
                if _fold_epilogue(program, g, n):
                    report.changes.append(f"folded the map after a MatMul into it in state "
                                          f"'{st.name}'")


@dataclass
class _Elementwise:
    """A map computing one container element-wise as one expression of its inputs."""

    map: Map
    out: Edge  # outer edge: map -> access node of the written container
    expr: sympy.Expr  # over the tasklet's input connectors
    reads: dict[str, Edge]  # input connector -> outer edge that feeds its container
    scalars: set[str]  # connectors that read a scalar container


def _dtype(p: Program, name: str) -> np.dtype:
    return p.container(name).dtype.numpy


def _float_matmul(p: Program, g: DataflowGraph, n: MatMul) -> bool:
    conns = {e.dst_conn: e.memlet.data for e in g.in_edges(n) if e.memlet is not None}
    outs = [e.memlet.data for e in g.out_edges(n) if e.memlet is not None]
    if set(conns) != {"a", "b"} or len(outs) != 1:
        return False
    types = {_dtype(p, conns["a"]), _dtype(p, conns["b"]), _dtype(p, outs[0])}
    return len(types) == 1 and types.pop() in FLOATS


def _private_temp(p: Program, g: DataflowGraph, name: str) -> Access | None:
    """The one access node in `g` of a transient array that only `g` mentions (its
    element-wise writer's body aside), or None."""
    c = p.data.get(name)
    if not isinstance(c, Array) or not c.transient or name in p.returns or "." in name:
        return None
    bodies = {id(n.body) for n in g.nodes if isinstance(n, Map)}
    nodes = access_nodes(p, name)
    here = [n for gg, n in nodes if gg is g]
    if len(here) != 1 or any(gg is not g and id(gg) not in bodies for gg, _ in nodes):
        return None
    return here[0]


def _elementwise(p: Program, g: DataflowGraph, m: Map) -> _Elementwise | None:
    if any(r.start != 0 or r.step != 1 for r in m.ranges):
        return None
    tasklets = [n for n in m.body.nodes if isinstance(n, Tasklet)]
    if len(tasklets) != 1 or any(not isinstance(n, Access | Tasklet) for n in m.body.nodes):
        return None
    t = tasklets[0]
    if len(t.outputs) != 1 or len(t.code) != 1 or t.code[0][0] != t.outputs[0]:
        return None
    outs = [e for e in g.out_edges(m) if e.memlet is not None]
    if len(outs) != 1 or not isinstance(outs[0].dst, Access) or outs[0].memlet.wcr is not None:
        return None
    writes = [(gg, n) for n, gg in m.body.walk()
              if isinstance(n, Access) and base(n.data) == base(outs[0].memlet.data)
              and gg.in_edges(n)]
    if len(writes) != 1 or m.body.in_edges(writes[0][1]) != m.body.out_edges(t):
        return None
    w = m.body.out_edges(t)[0]
    if w.memlet.wcr is not None or not identity_subset(w.memlet.subset, m.params):
        return None
    outer = {}
    for e in g.in_edges(m):
        if e.memlet is None or not isinstance(e.src, Access) or e.memlet.data in outer:
            return None
        outer[e.memlet.data] = e
    reads, scalars = {}, set()
    for e in m.body.in_edges(t):
        if e.memlet is None or not isinstance(e.src, Access) or e.memlet.data not in outer:
            return None
        if not p.container(e.memlet.data).shape:
            scalars.add(e.dst_conn)
        elif not identity_subset(e.memlet.subset, m.params):
            return None
        reads[e.dst_conn] = outer[e.memlet.data]
    if set(reads) != set(t.inputs) or {e.memlet.data for e in reads.values()} != set(outer):
        return None
    return _Elementwise(m, outs[0], t.code[0][1], reads, scalars)


def _factor(p: Program, term: sympy.Expr, ew: _Elementwise) -> tuple[str, str | None] | None:
    """`term` as (array connector, scalar connector or None): `x` or `s * x`, where the
    scalar may be cast to the array's type first (`float32(alpha) * x`: the BLAS call
    converts alpha the same way)."""
    if isinstance(term, sympy.Symbol):
        name = term.name
        return (name, None) if name in ew.reads and name not in ew.scalars else None
    if not isinstance(term, X.Mul2):
        return None
    names = [_connector(a, ew) for a in term.args]
    if None in names:
        return None
    (x, cx), (y, cy) = names
    if x in ew.scalars and y not in ew.scalars and cy is None and cx in (None, _array(p, ew, y)):
        return y, x
    if y in ew.scalars and x not in ew.scalars and cx is None and cy in (None, _array(p, ew, x)):
        return x, y
    return None


def _connector(e: sympy.Expr, ew: _Elementwise) -> tuple[str, np.dtype | None] | None:
    """A read connector, or a cast of one: (its name, the cast's type or None)."""
    cast = None
    if isinstance(e, Cast) and e.args[0].is_Symbol:
        cast, e = e.dtype.numpy, e.args[0]
    if isinstance(e, sympy.Symbol) and e.name in ew.reads:
        return e.name, cast
    return None


def _array(p: Program, ew: _Elementwise, conn: str) -> np.dtype:
    return _dtype(p, ew.reads[conn].memlet.data)


def _real_scalar(p: Program, name: str) -> bool:
    return _dtype(p, name).kind in "fiu"


def _fold_epilogue(p: Program, g: DataflowGraph, mm: MatMul) -> bool:
    made = [e for e in g.out_edges(mm) if e.memlet is not None]
    if mm.accumulate or len(made) != 1 or made[0].memlet.wcr is not None:
        return False
    made = made[0]
    prod = made.memlet.data
    pnode = _private_temp(p, g, prod)
    if pnode is not made.dst or g.in_edges(pnode) != [made] or len(g.out_edges(pnode)) != 1:
        return False
    use = g.out_edges(pnode)[0]
    if not isinstance(use.dst, Map) or not covers(made.memlet.subset, p.data[prod].shape):
        return False
    if len(p.data[prod].shape) < 2:
        return False  # a vector's epilogue costs little, and plain products pair up (atax)
    ew = _elementwise(p, g, use.dst)
    # Sizes that are not provably equal are checked when the MatMul runs.
    stops = [r.stop for r in use.dst.ranges]
    if ew is None or len(stops) != len(p.data[prod].shape) or any(
            provably_differ(x, y) for x, y in zip(p.data[prod].shape, stops, strict=True)):
        return False
    summands = ew.expr.args if isinstance(ew.expr, X.Add2) else (ew.expr,)
    terms = [_factor(p, t, ew) for t in summands]
    if not 1 <= len(terms) <= 2 or None in terms:
        return False
    if {c for t in terms for c in t if c is not None} != set(ew.reads):
        return False  # an input the expression does not use, or one used twice
    mine = [t for t in terms if ew.reads[t[0]].memlet.data == prod]
    if len(mine) != 1 or mine[0][1] is not None or mm.scaled:
        return False  # a scaled product: see the module's docstring
    pconn, rest = mine[0][0], [t for t in terms if t is not mine[0]]
    if not rest:
        return False  # a copy of the product: nothing to fold
    out, dnode = ew.out.memlet.data, ew.out.dst
    if _dtype(p, out) != _dtype(p, prod):
        return False
    scalars = [ew.reads[c] for c in ew.scalars]
    if not all(_real_scalar(p, e.memlet.data) for e in scalars):
        return False
    if rest and _dtype(p, ew.reads[rest[0][0]].memlet.data) != _dtype(p, prod):
        return False
    if any(written_in_state(g, e.memlet.data, dnode) for c, e in ew.reads.items()
           if c != pconn):
        return False
    g.remove_node(ew.map)
    g.remove_node(pnode)
    del p.data[prod]
    g.connect(mm, dnode, ew.out.memlet, made.src_conn, None)

    def feed(conn: str, to: str) -> None:
        e = ew.reads[conn]
        g.connect(e.src, mm, e.memlet, e.src_conn, to)

    feed(rest[0][0], "acc")
    mm.attrs["accumulate"] = True
    if rest[0][1] is not None:
        feed(rest[0][1], "beta")
        mm.attrs["scaled_acc"] = True
    return True

