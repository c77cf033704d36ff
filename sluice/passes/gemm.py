"""gemm folding: the scalar factors and the added array around a MatMul become BLAS gemm's
alpha, beta and C, so `C = alpha * A @ B + beta * C` is one gemm call instead of a product
between two passes over memory.

Two rewrites, on float32 / float64 MatMuls of a state (not inside maps):

* **Scaled operand.** `T = s * X` (an element-wise map, `s` a scalar container, `X` read
  at the same index) whose only reader is operand `a` or `b` of a MatMul: the MatMul reads
  `X` and `alpha = s`.
* **Epilogue.** The MatMul's result `P`, a matrix, is read only by an element-wise map
  writing `D = [t *] P [+ [s *] Y]` (`t`, `s` scalar containers, `Y` any array read at
  the same index, `D` itself included): the MatMul writes `D`, with `alpha = t`, `acc = Y`
  and `beta = s`. `t` folds only into a MatMul not scaled yet. Vector results are left
  alone: their epilogue is cheap, and the CPU backend pairs plain matrix-vector products.

The temporaries `T` and `P` must be transients the state writes once and reads only there;
`X`, `s`, `t` and `Y` must not be written in the state (the MatMul then reads the values the
maps read). This reassociates: `(s * X) @ B` becomes `s * (X @ B)`, whose rounding differs
in the last bits, as a BLAS's summation order already does. Where the unscaled product
overflows or underflows, the results can differ beyond rounding; docs/DECISIONS.md says why
that is accepted.
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
                for conn in ("a", "b"):
                    if _fold_scaled_operand(program, g, n, conn):
                        report.changes.append(f"folded a scaled operand '{conn}' into a MatMul "
                                              f"in state '{st.name}'")
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


def _factor(term: sympy.Expr, ew: _Elementwise) -> tuple[str, str | None] | None:
    """`term` as (array connector, scalar connector or None): `x` or `s * x`."""
    if isinstance(term, sympy.Symbol):
        name = term.name
        return (name, None) if name in ew.reads and name not in ew.scalars else None
    names = [_scalar_or_symbol(a, ew) for a in term.args] \
        if isinstance(term, X.Mul2) else []
    if names and all(n is not None for n in names):
        x, y = names
        if x in ew.scalars and y not in ew.scalars:
            return y, x
        if y in ew.scalars and x not in ew.scalars:
            return x, y
    return None


def _scalar_or_symbol(a: sympy.Expr, ew: _Elementwise) -> str | None:
    """The connector `a` reads: a plain connector, or a scalar one converted to a float
    type. The frontend converts a Python scalar to the array's type before it multiplies
    (NumPy's weak scalars), which is the conversion BLAS applies to alpha and beta; a
    strong float64 scalar would convert the array instead, which then does not match."""
    if isinstance(a, Cast) and a.dtype.is_float and len(a.args) == 1:
        a = a.args[0]
        if not (isinstance(a, sympy.Symbol) and a.name in ew.scalars):
            return None
    if isinstance(a, sympy.Symbol) and a.name in ew.reads:
        return a.name
    return None


def _real_scalar(p: Program, name: str) -> bool:
    return _dtype(p, name).kind in "fiu"


def _fold_scaled_operand(p: Program, g: DataflowGraph, mm: MatMul, conn: str) -> bool:
    if mm.scaled:
        return False
    use = next(e for e in g.in_edges(mm) if e.dst_conn == conn)
    t = use.memlet.data
    tnode = _private_temp(p, g, t)
    if tnode is not use.src or g.out_edges(tnode) != [use] or len(g.in_edges(tnode)) != 1:
        return False
    made = g.in_edges(tnode)[0]
    if not isinstance(made.src, Map) or not covers(use.memlet.subset, p.data[t].shape):
        return False
    ew = _elementwise(p, g, made.src)
    if ew is None or ew.out is not made or not covers(made.memlet.subset, p.data[t].shape):
        return False
    if len(ew.reads) != 2 or len(ew.scalars) != 1:
        return False
    f = _factor(ew.expr, ew)
    if f is None or f[1] is None:
        return False
    x, s = ew.reads[f[0]], ew.reads[f[1]]
    if _dtype(p, x.memlet.data) != _dtype(p, t) or not _real_scalar(p, s.memlet.data):
        return False
    if written_in_state(g, x.memlet.data) or written_in_state(g, s.memlet.data):
        return False
    g.remove_node(made.src)
    g.remove_node(tnode)
    del p.data[t]
    g.connect(x.src, mm, x.memlet, x.src_conn, conn)
    g.connect(s.src, mm, s.memlet, s.src_conn, "alpha")
    mm.attrs["scaled"] = True
    return True


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
    terms = [_factor(t, ew) for t in summands]
    if not 1 <= len(terms) <= 2 or None in terms:
        return False
    if {c for t in terms for c in t if c is not None} != set(ew.reads):
        return False  # an input the expression does not use, or one used twice
    mine = [t for t in terms if ew.reads[t[0]].memlet.data == prod]
    if len(mine) != 1 or (mine[0][1] is not None and mm.scaled):
        return False
    (pconn, alpha), rest = mine[0], [t for t in terms if t is not mine[0]]
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

    if alpha is not None:
        feed(alpha, "alpha")
        mm.attrs["scaled"] = True
    if rest:
        feed(rest[0][0], "acc")
        mm.attrs["accumulate"] = True
        if rest[0][1] is not None:
            feed(rest[0][1], "beta")
            mm.attrs["scaled_acc"] = True
    return True

