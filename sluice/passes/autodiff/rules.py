"""Backward rules, one per kind of forward operation, in a table keyed by node kind.

A rule receives the operation and, for each container it writes that carries a gradient,
the container that holds the incoming adjoint (the seed; read at the subsets the operation
wrote). It adds (WCR `+`) the adjoints of the operation's floating-point inputs into their
gradient containers, reading the forward values it needs from the forward containers, which
the sweep keeps at the values they had when the operation ran. Clearing the gradient of
what the operation overwrote is the sweep's job, not the rule's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING, Any

import sympy

from sluice.errors import UnsupportedError
from sluice.ir import exact as X
from sluice.ir.library import MatMul, Reduce, Softmax, Transpose
from sluice.ir.memlet import Index, Memlet, Range
from sluice.ir.nodes import Access, Map, Tasklet
from sluice.ir.symbolic import CASTS, Expr, Select, free_names, value
from sluice.passes.autodiff.expressions import vjp
from sluice.passes.autodiff.ops import Op

if TYPE_CHECKING:
    from sluice.passes.autodiff.reverse import Sweep

Seeds = dict[str, str]  # written container -> container holding its adjoint
Rule = Callable[["Sweep", Op, Seeds], None]


# --- subsets as arrays ----------------------------------------------------------------------
def view_shape(subset: Sequence[Index | Range], squeeze: bool = False) -> list[Expr]:
    """The shape a library node or a copy sees through `subset` (index dimensions
    dropped; `squeeze`: dimensions of one element too)."""
    return [d.size() for d in subset
            if isinstance(d, Range) and not (squeeze and d.size() == 1)]


def element(subset: Sequence[Index | Range], params: Sequence[Expr],
            squeeze: bool = False) -> tuple[Index, ...]:
    """The element of `subset` at view position `params` (one per range dimension; with
    `squeeze`, dimensions of one element take their start)."""
    out, k = [], 0
    for d in subset:
        if isinstance(d, Index):
            out.append(d)
        elif squeeze and d.size() == 1:
            out.append(Index(d.start))
        else:
            out.append(Index(d.start + d.step * params[k]))
            k += 1
    return tuple(out)


def _ranges(sweep: Sweep, shape: Sequence[Expr]) -> tuple[dict[str, Range], list[Expr]]:
    names = sweep.fresh_params(len(shape))
    return ({n: Range(0, d) for n, d in zip(names, shape, strict=True)},
            [sympy.Symbol(n, integer=True) for n in names])


def elementwise(sweep: Sweep, shape: Sequence[Expr], code: list[tuple[str, Expr]],
                inputs: Callable[[list[Expr]], dict[str, Memlet]],
                outputs: Callable[[list[Expr]], dict[str, Memlet]], label: str) -> None:
    """A state with one map over `shape` (a tasklet when it is empty) whose memlets the
    callbacks give for the map's parameters."""
    with sweep.b.state() as s:
        if not shape:
            s.tasklet(code, inputs([]), outputs([]), label=label)
            return
        ranges, ps = _ranges(sweep, shape)
        s.map(ranges, code, inputs(ps), outputs(ps), label=label)


def accumulate(sweep: Sweep, dst: Memlet, src: Memlet, squeeze: bool = False) -> None:
    """dst += src, element by element (their views have one shape)."""
    shape = view_shape(src.subset, squeeze)
    if len(view_shape(dst.subset, squeeze)) != len(shape):
        raise UnsupportedError(f"autodiff: a copy from {src.data} to {dst.data} changes the "
                               "rank of the data; its gradient is not supported yet")
    elementwise(sweep, shape, [("o", value("v"))],
                lambda ps: {"v": Memlet(src.data, element(src.subset, ps, squeeze))},
                lambda ps: {"o": Memlet(dst.data, element(dst.subset, ps, squeeze), "+")},
                "grad_accumulate")


def clear(sweep: Sweep, m: Memlet) -> None:
    """m = 0: the gradient of an overwritten value."""
    elementwise(sweep, view_shape(m.subset), [("o", X.literal(0.0))], lambda ps: {},
                lambda ps: {"o": Memlet(m.data, element(m.subset, ps))}, "grad_clear")


# --- tasklets and maps ------------------------------------------------------------------------
def _outputs_of(t: Tasklet) -> dict[str, Expr]:
    """Each output's expression over the inputs, with the tasklet's locals substituted."""
    env: dict[str, Expr] = {}
    for target, e in t.code:
        env[target] = e.xreplace({value(k): v for k, v in env.items()}) if env else e
    return {o: env[o] for o in t.outputs}


def _adjoints(t: Tasklet, reads: dict[str, Memlet], writes: dict[str, Memlet],
              active: Collection[str], seeded: Collection[str]) -> dict[str, Expr]:
    """Per input connector that reads a gradient-carrying container, its adjoint as an
    expression over the inputs and the outputs' adjoints `_g_<output>` (of the outputs
    that write a container in `seeded`); connectors whose adjoint is 0 are left out."""
    exprs = _outputs_of(t)
    wrt = [c for c, m in reads.items() if m.data in active]
    adj: dict[str, Expr] = {}
    for o, m in writes.items():
        if m.data not in seeded:
            continue
        if m.wcr not in (None, "+"):
            raise UnsupportedError(f"autodiff: a '{m.wcr}' accumulation into {m.data} has "
                                   "no backward rule yet")
        for c, d in vjp(exprs[o], [value(c) for c in wrt], value(f"_g_{o}")).items():
            if X.const_value(d) == 0:
                continue
            adj[c.name] = d if c.name not in adj else X.add(adj[c.name], d)
    return adj


def _tasklet_adjoints(sweep: Sweep, t: Tasklet, reads: dict[str, Memlet],
                      writes: dict[str, Memlet], seeds: Seeds, split: bool = False
                      ) -> list[tuple[list[tuple[str, Expr]], dict[str, Memlet],
                                      dict[str, Memlet]]]:
    """The backward tasklets' code, inputs and outputs (memlets inside the same scope):
    one tasklet, or one per adjoint output where two outputs add into different parts
    of one gradient (in a map, `grad_B[i] += u; grad_B[i + 1] += v` would make every
    iteration depend on the one before; apart, each is an independent parallel map)."""
    adj = _adjoints(t, reads, writes, sweep.active, seeds)
    targets: dict[str, set[tuple]] = {}
    for c in adj:
        targets.setdefault(reads[c].data, set()).add(reads[c].subset)
    apart = [c for c in adj if split and len(targets[reads[c].data]) > 1]
    groups = [[c] for c in apart]
    rest = [c for c in adj if c not in apart]
    out = []
    for group in ([rest] if rest else []) + groups:
        code = [(f"_d_{c}", adj[c]) for c in group]
        used = set().union(*(free_names(adj[c]) for c in group))
        inputs = {c: m for c, m in reads.items() if c in used}
        inputs.update({f"_g_{o}": Memlet(seeds[m.data], m.subset)
                       for o, m in writes.items() if f"_g_{o}" in used})
        outputs = {f"_d_{c}": Memlet(sweep.grad(reads[c].data), reads[c].subset, "+")
                   for c in group}
        out.append((code, inputs, outputs))
    return out


def _tasklet_rule(sweep: Sweep, op: Op, seeds: Seeds) -> None:
    t = op.node
    reads = {c: m for c, m, _ in op.reads}
    writes = {c: m for c, m, _ in op.writes}
    for code, inputs, outputs in _tasklet_adjoints(sweep, t, reads, writes, seeds):
        with sweep.b.state() as s:
            s.tasklet(code, inputs, outputs, label=f"grad_{t.label}")


def _map_tasklet(m: Map) -> tuple[Tasklet, dict[str, Memlet], dict[str, Memlet]]:
    """The one tasklet of a map's body, with its input and output memlets by connector."""
    tasklets = [n for n in m.body.nodes if not isinstance(n, Access)]
    if len(tasklets) != 1 or not isinstance(tasklets[0], Tasklet):
        raise UnsupportedError(f"autodiff: {m.describe()} has a body of "
                               f"{len(tasklets)} nodes; only maps of one tasklet have a "
                               "backward rule yet", m.loc)
    t = tasklets[0]
    reads = {e.dst_conn: e.memlet for e in m.body.in_edges(t) if e.memlet is not None}
    writes = {e.src_conn: e.memlet for e in m.body.out_edges(t) if e.memlet is not None}
    return t, reads, writes


def _map_rule(sweep: Sweep, op: Op, seeds: Seeds) -> None:
    m: Map = op.node
    t, reads, writes = _map_tasklet(m)
    for code, inputs, outputs in _tasklet_adjoints(sweep, t, reads, writes, seeds, True):
        with sweep.b.state() as s:
            s.map(dict(zip(m.params, m.ranges, strict=True)), code, inputs, outputs,
                  label=f"grad_{m.label}")


# --- library nodes and copies ---------------------------------------------------------------
def _copy_rule(sweep: Sweep, op: Op, seeds: Seeds) -> None:
    (_, src, _), = op.reads
    (_, dst, _), = op.writes
    if src.data in sweep.active and dst.data in seeds:
        seed = Memlet(seeds[dst.data], dst.subset)
        target = Memlet(sweep.grad(src.data), src.subset)
        if view_shape(src.subset, True) == view_shape(dst.subset, True):
            accumulate(sweep, target, seed, squeeze=True)
        else:  # a reshape: the adjoint goes back in the same (row-major) element order
            with sweep.b.state() as s:
                s.copy(seed, Memlet(target.data, target.subset, "+"))


def _operand(op: Op, conn: str) -> Memlet:
    return next(m for c, m, _ in op.reads if c == conn)


def _seed(op: Op, conn: str, seeds: Seeds) -> Memlet | None:
    """The adjoint of the output `conn`, at the subset it was written, if it has one."""
    m = next(m for c, m, _ in op.writes if c == conn)
    return Memlet(seeds[m.data], m.subset) if m.data in seeds else None


def _matmul_rule(sweep: Sweep, op: Op, seeds: Seeds) -> None:
    node: MatMul = op.node
    if node.scaled or node.accumulate:
        raise UnsupportedError("autodiff: a MatMul with gemm's alpha/beta has no backward "
                               "rule yet (differentiate before gemm folding)", node.loc)
    a, b, g = _operand(op, "a"), _operand(op, "b"), _seed(op, "c", seeds)
    if g is None:
        return
    ta, tb = node.transpose_a, node.transpose_b
    ra, rb = len(view_shape(a.subset)), len(view_shape(b.subset))
    da, db = a.data in sweep.active, b.data in sweep.active
    if ra == 3 or rb == 3:
        _batched(sweep, node, a, b, g, da, db)
    elif ra == 2 and rb == 2:
        if da:  # d op(a) = g @ op(b)^T
            _product(sweep, a, (g, b, False, not tb) if not ta else (b, g, tb, True))
        if db:  # d op(b) = op(a)^T @ g
            _product(sweep, b, (a, g, not ta, False) if not tb else (g, a, True, ta))
    elif ra == 2:  # matrix @ vector: d a = outer(g, b), d b = op(a)^T @ g
        if da:
            _outer(sweep, a, (b, g) if ta else (g, b))
        if db:
            _product(sweep, b, (a, g, not ta, False))
    elif rb == 2:  # vector @ matrix: d a = op(b) @ g, d b = outer(a, g)
        if da:
            _product(sweep, a, (b, g, tb, False))
        if db:
            _outer(sweep, b, (g, a) if tb else (a, g))
    else:  # dot product: d a = g * b, d b = g * a, in one map (one loop, not two)
        _dot(sweep, a, b, g, da, db)


def _batched(sweep: Sweep, node: MatMul, a: Memlet, b: Memlet, g: Memlet, da: bool,
             db: bool) -> None:
    """Batched products: per batch, the matrix formulas (MatMul's transposes swap the last
    two axes; the node refuses different batch sizes). The adjoint of a matrix that every
    batch shares is the sum over the batches of theirs."""
    ta, tb = node.transpose_a, node.transpose_b
    batch = view_shape(g.subset)[0]
    if da:
        _batch_product(sweep, a, (g, b, False, not tb) if not ta else (b, g, tb, True), batch)
    if db:
        _batch_product(sweep, b, (a, g, not ta, False) if not tb else (g, a, True, ta), batch)


def _batch_product(sweep: Sweep, target: Memlet, spec: tuple[Memlet, Memlet, bool, bool],
                   batch: Expr) -> None:
    """grad(target) += x @ y (batched), summed over the batches if `target` is a matrix."""
    shape = view_shape(target.subset)
    if len(shape) == 3:
        _product(sweep, target, spec)
        return
    x, y, tx, ty = spec
    dtype = sweep.program.container(target.data).dtype
    per_batch = sweep.temp("grad_mm", dtype, [batch, *shape])
    total = sweep.temp("grad_mm_sum", dtype, shape)
    with sweep.b.state() as s:
        s.library(MatMul(transpose_a=tx, transpose_b=ty), {"a": x, "b": y},
                  {"c": Memlet(per_batch, (Range(0, batch), *(Range(0, d) for d in shape)))})
    with sweep.b.state() as s:
        s.library(Reduce(op="+", axes=(0,)),
                  {"inp": Memlet(per_batch, (Range(0, batch), *(Range(0, d) for d in shape)))},
                  {"out": Memlet(total, tuple(Range(0, d) for d in shape))})
    accumulate(sweep, Memlet(sweep.grad(target.data), target.subset),
               Memlet(total, tuple(Range(0, d) for d in shape)))


def _product(sweep: Sweep, target: Memlet, spec: tuple[Memlet, Memlet, bool, bool]) -> None:
    """grad(target) += x @ y with the given transposes, through a temporary."""
    x, y, tx, ty = spec
    shape = view_shape(target.subset)
    tmp = sweep.temp("grad_mm", sweep.program.container(target.data).dtype, shape)
    with sweep.b.state() as s:
        s.library(MatMul(transpose_a=tx, transpose_b=ty), {"a": x, "b": y},
                  {"c": Memlet(tmp, tuple(Range(0, d) for d in shape))})
    accumulate(sweep, Memlet(sweep.grad(target.data), target.subset),
               Memlet(tmp, tuple(Range(0, d) for d in shape)))


def _outer(sweep: Sweep, target: Memlet, vectors: tuple[Memlet, Memlet]) -> None:
    """grad(target)[i, j] += u[i] * v[j]."""
    u, v = vectors
    elementwise(sweep, view_shape(target.subset), [("o", X.mul(value("u"), value("v")))],
                lambda ps: {"u": Memlet(u.data, element(u.subset, ps[:1])),
                            "v": Memlet(v.data, element(v.subset, ps[1:]))},
                lambda ps: {"o": Memlet(sweep.grad(target.data), element(target.subset, ps),
                                        "+")}, "grad_outer")


def _dot(sweep: Sweep, a: Memlet, b: Memlet, g: Memlet, da: bool, db: bool) -> None:
    """The adjoints of a dot product: grad(a)[i] += g * b[i], grad(b)[i] += g * a[i]."""
    code, outs = [], {}
    if da:
        code.append(("oa", X.mul(value("g"), value("vb"))))
        outs["oa"] = a
    if db:
        code.append(("ob", X.mul(value("g"), value("va"))))
        outs["ob"] = b
    elementwise(sweep, view_shape(a.subset), code,
                lambda ps: {"g": g, **({"vb": Memlet(b.data, element(b.subset, ps))} if da
                                       else {}),
                            **({"va": Memlet(a.data, element(a.subset, ps))} if db else {})},
                lambda ps: {o: Memlet(sweep.grad(m.data), element(m.subset, ps), "+")
                            for o, m in outs.items()}, "grad_dot")


def _reduce_rule(sweep: Sweep, op: Op, seeds: Seeds) -> None:
    node: Reduce = op.node
    if node.op not in ("+", "max", "min"):
        raise UnsupportedError(f"autodiff: the '{node.op}' reduction has no backward rule "
                               "yet", node.loc)
    inp, g = _operand(op, "inp"), _seed(op, "out", seeds)
    if g is None or inp.data not in sweep.active:
        return
    shape = view_shape(inp.subset)
    axes = set(node._axes(len(shape)))

    def reduced(data: str, subset: tuple, ps: list[Expr]) -> Memlet:
        """The output element that the input element at `ps` reduces into."""
        kept = [sympy.Integer(0) if k in axes else p for k, p in enumerate(ps)
                if node.keepdims or k not in axes]
        return Memlet(data, element(subset, kept))
    grad_in = lambda ps: {"o": Memlet(sweep.grad(inp.data), element(inp.subset, ps), "+")}  # noqa: E731
    if node.op == "+":
        elementwise(sweep, shape, [("o", value("v"))],
                    lambda ps: {"v": reduced(g.data, g.subset, ps)}, grad_in, "grad_sum")
        return
    # max / min: the adjoint is shared equally by the elements equal to the extremum (as
    # JAX shares it); the extremum is computed again, since the forward output may have
    # been overwritten since
    out_shape = view_shape(g.subset)
    whole = tuple(Range(0, d) for d in out_shape)
    dtype = sweep.program.container(inp.data).dtype
    best = sweep.temp("grad_extremum", dtype, out_shape)
    count = sweep.temp("grad_ties", dtype, out_shape)
    with sweep.b.state() as s:
        s.library(Reduce(op=node.op, axes=node.axes, keepdims=node.keepdims),
                  {"inp": inp}, {"out": Memlet(best, whole)})
    clear(sweep, Memlet(count, whole))  # (in a loop, it holds the last iteration's count)
    tie = X.compare(X.Eq2, value("x"), value("m"))
    elementwise(sweep, shape, [("o", CASTS[dtype.value](tie))],
                lambda ps: {"x": Memlet(inp.data, element(inp.subset, ps)),
                            "m": reduced(best, whole, ps)},
                lambda ps: {"o": dataclasses.replace(reduced(count, whole, ps), wcr="+")},
                "grad_ties")
    share = Select(tie, X.truediv(value("v"), value("n")), X.literal(0.0))
    elementwise(sweep, shape, [("o", share)],
                lambda ps: {"x": Memlet(inp.data, element(inp.subset, ps)),
                            "m": reduced(best, whole, ps), "n": reduced(count, whole, ps),
                            "v": reduced(g.data, g.subset, ps)}, grad_in, "grad_extremum")


def _transpose_rule(sweep: Sweep, op: Op, seeds: Seeds) -> None:
    node: Transpose = op.node
    inp, g = _operand(op, "inp"), _seed(op, "out", seeds)
    if g is None or inp.data not in sweep.active:
        return
    out_shape = view_shape(g.subset)
    perm = node._perm(len(out_shape))

    def target(ps: list[Expr]) -> dict[str, Memlet]:
        k: list[Any] = [None] * len(ps)
        for i, a in enumerate(perm):  # out[j] = inp[k] with k[perm[i]] = j[i]
            k[a] = ps[i]
        return {"o": Memlet(sweep.grad(inp.data), element(inp.subset, k), "+")}
    elementwise(sweep, out_shape, [("o", value("v"))],
                lambda ps: {"v": Memlet(g.data, element(g.subset, ps))}, target,
                "grad_transpose")


def _softmax_rule(sweep: Sweep, op: Op, seeds: Seeds) -> None:
    """d inp = s * (g - sum(g * s, axis)), s = softmax(inp) computed again (the forward
    output may have been overwritten since)."""
    node: Softmax = op.node
    inp, g = _operand(op, "inp"), _seed(op, "out", seeds)
    if g is None or inp.data not in sweep.active:
        return
    shape = view_shape(inp.subset)
    axis = node.axis % len(shape)
    whole = tuple(Range(0, d) for d in shape)
    dtype = sweep.program.container(inp.data).dtype
    s_ = sweep.temp("grad_softmax", dtype, shape)
    gs = sweep.temp("grad_softmax_gs", dtype, shape)
    kept = [sympy.Integer(1) if k == axis else d for k, d in enumerate(shape)]
    dot = sweep.temp("grad_softmax_dot", dtype, kept)
    with sweep.b.state() as st:
        st.library(Softmax(axis=axis), {"inp": inp}, {"out": Memlet(s_, whole)})
    elementwise(sweep, shape, [("o", X.mul(value("v"), value("s")))],
                lambda ps: {"v": Memlet(g.data, element(g.subset, ps)),
                            "s": Memlet(s_, tuple(Index(q) for q in ps))},
                lambda ps: {"o": Memlet(gs, tuple(Index(q) for q in ps))}, "grad_softmax_gs")
    with sweep.b.state() as st:
        st.library(Reduce(op="+", axes=(axis,), keepdims=True), {"inp": Memlet(gs, whole)},
                   {"out": Memlet(dot, tuple(Range(0, d) for d in kept))})

    def reduced(ps: list[Expr]) -> Memlet:
        return Memlet(dot, tuple(Index(sympy.Integer(0) if k == axis else q)
                                 for k, q in enumerate(ps)))
    elementwise(sweep, shape, [("o", X.mul(value("s"), X.sub(value("v"), value("d"))))],
                lambda ps: {"s": Memlet(s_, tuple(Index(q) for q in ps)),
                            "v": Memlet(g.data, element(g.subset, ps)), "d": reduced(ps)},
                lambda ps: {"o": Memlet(sweep.grad(inp.data), element(inp.subset, ps), "+")},
                "grad_softmax")


RULES: dict[type, Rule] = {Tasklet: _tasklet_rule, Map: _map_rule, MatMul: _matmul_rule,
                           Reduce: _reduce_rule, Transpose: _transpose_rule,
                           Softmax: _softmax_rule}


def backward_reads(op: Op, active: Collection[str], data: Collection[str]) -> set[str]:
    """The forward containers (of `data`) whose values the backward rule of `op` reads,
    adjoints aside: the sweep keeps only those at the values the operation saw (a linear
    stencil's rule reads none, so its loop needs no tapes)."""
    node = op.node
    if isinstance(node, Tasklet | Map):
        t, reads, writes = (node, {c: m for c, m, _ in op.reads},
                            {c: m for c, m, _ in op.writes}) if isinstance(node, Tasklet) \
            else _map_tasklet(node)
        seeded = {m.data for m in writes.values()} & set(active)
        adj = _adjoints(t, reads, writes, active, seeded)
        used = set().union(*(free_names(d) for d in adj.values())) if adj else set()
        out = {m.data for c, m in reads.items() if c in used}
    elif node is None or isinstance(node, Transpose) or (isinstance(node, Reduce)
                                                         and node.op == "+"):
        out = set()
    elif isinstance(node, MatMul):  # d a reads b, d b reads a
        a, b = _operand(op, "a").data, _operand(op, "b").data
        out = ({b} if a in active else set()) | ({a} if b in active else set())
    else:
        out = set(op.read_names)
    # subsets and ranges that name containers (indirect indices) are read by the rule too
    names: set[str] = set()
    for _, m, _ in op.reads + op.writes:
        names |= _subset_names(m.subset)
    if isinstance(node, Map):
        for r in node.ranges:
            names |= free_names(r.start) | free_names(r.stop) | free_names(r.step)
        for e in node.body.edges:
            if e.memlet is not None:
                names |= _subset_names(e.memlet.subset)
    return out | (names & set(data))


def _subset_names(subset: Sequence[Index | Range]) -> set[str]:
    out: set[str] = set()
    for d in subset:
        parts = (d.index,) if isinstance(d, Index) else (d.start, d.stop, d.step)
        for e in parts:
            out |= free_names(e)
    return out


def backward_rule(op: Op) -> Rule:
    """The rule for `op`, or an UnsupportedError naming the node."""
    if op.node is None:
        return _copy_rule
    rule = RULES.get(type(op.node))
    if rule is None:
        raise UnsupportedError(f"autodiff: {op.describe()} has no backward rule yet",
                               op.node.loc, hint="differentiate a program without it, or "
                               "write the computation with NumPy operations that have one")
    return rule


__all__ = ["RULES", "accumulate", "backward_reads", "backward_rule", "clear", "element",
           "view_shape"]
