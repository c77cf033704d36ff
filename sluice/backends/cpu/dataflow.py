"""A state's dataflow graph -> C++: nodes in the interpreter's topological order.

Tasklets become a braced block of `const` locals; maps become loop nests, OpenMP-parallel
over the prefix `plan_parallel` allows (with `collapse`, reduction clauses for scalar wcr
targets, and an `if` clause so tiny maps do not pay for waking threads); maps nested in a
parallel map, and `sequential` maps, are plain loops.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from sluice.backends.cpu import bounds, calls, copies, library
from sluice.backends.cpu.analysis import batchable, is_stream, plan_parallel, private_scalars
from sluice.backends.cpu.cexpr import PRINTER, CVal, strip_parens
from sluice.backends.cpu.ctypes_map import WEAK_INT, ctype, strong
from sluice.backends.cpu.emit import FnCtx, Scope, ident, omp_nest
from sluice.backends.cpu.simd import simd_pragma
from sluice.backends.cpu.writes import (
    combine_into,
    conflicts,
    element_indices,
    read_element,
    wcr_identity,
    write_element,
)
from sluice.errors import UnsupportedError
from sluice.ir.data import Array
from sluice.ir.graph import DataflowGraph
from sluice.ir.nodes import Access, Call, LibraryNode, Map, Schedule, Tasklet
from sluice.safetext import comment

PARALLEL_MIN_ITERATIONS = 1 << 14  # below this a map runs on one thread (the `if` clause)


def emit_graph(fn: FnCtx, g: DataflowGraph, scope: Scope) -> None:
    pairs = library.matvec_pairs(fn, g, scope)  # emitted together, where the first one is
    done: set = set()
    for n in g.topological():
        if n in done:
            continue
        with bounds.at(fn, n):
            if n in pairs:
                both = (pairs[n].mv, pairs[n].vm)
                with bounds.guard(fn, [s for m in both for s in _spans(g, m)], scope):
                    library.emit_matvec_pair(fn, g, pairs[n], scope)
                done |= set(both)
            elif isinstance(n, Access):
                for e in g.in_edges(n):
                    if isinstance(e.src, Access) and e.memlet is not None:
                        m = e.memlet
                        dst = (n.data, m.other_subset if m.other is not None else m.subset)
                        with bounds.guard(fn, [(m.data, m.subset), dst], scope):
                            copies.emit_copy(fn, m, n.data, scope)
            elif isinstance(n, Tasklet):
                emit_tasklet(fn, g, n, scope)
            elif isinstance(n, Map):
                fn.module.emit_map(fn, n, scope, g)  # (a GPU backend: a kernel)
            elif isinstance(n, LibraryNode):
                with bounds.guard(fn, _spans(g, n), scope):
                    fn.module.emit_library(fn, g, n, scope)
            elif isinstance(n, Call):
                with bounds.guard(fn, _spans(g, n), scope):
                    calls.emit_call(fn, g, n, scope)
            else:
                raise UnsupportedError(f"the CPU backend cannot generate {n.describe()}")
        bounds.check_point(fn, scope)


def _spans(g: DataflowGraph, n) -> list[tuple[str, object]]:
    """The subsets a library node or call works on (checked before it runs)."""
    return [(e.memlet.data, e.memlet.subset) for e in [*g.in_edges(n), *g.out_edges(n)]
            if e.memlet is not None]


def emit_tasklet(fn: FnCtx, g: DataflowGraph, t: Tasklet, scope: Scope) -> None:
    w = fn.w
    what = t.describe()
    w(f"// {comment(what)}")
    with w.block(""):
        env = fn.env(scope)
        declared: set[str] = set()
        for e in g.in_edges(t):
            if e.memlet is None:
                continue
            val = read_element(fn, e.memlet, scope, what)
            var = _local(e.dst_conn, declared)
            w(f"const {ctype(val.vtype.dtype, what)} {var} = {val.text};")
            env[e.dst_conn] = CVal(var, val.vtype)
        for target, expr in t.code:
            val = PRINTER.translate(expr, env)
            var = _local(target, declared)
            w(f"const {ctype(val.vtype.dtype, what)} {var} = {strip_parens(val.text)};")
            env[target] = CVal(var, val.vtype, val.literal)
        for e in g.out_edges(t):
            if e.memlet is None:
                continue
            if e.src_conn not in {tg for tg, _ in t.code}:
                raise UnsupportedError(f"{what} never assigns its output '{e.src_conn}'")
            write_element(fn, e.memlet, env[e.src_conn], scope, what)


def _local(name: str, declared: set[str]) -> str:
    var = "v_" + name
    k = 1
    while var in declared:  # a reassigned local: a new constant (its type may change)
        k += 1
        var = f"v_{name}_{k}"
    declared.add(var)
    return var


def _omp_op(op: str, dt) -> str:
    if dt.kind == "c":
        return "sl_cadd" if op == "+" else "sl_cmul"
    return op


@dataclass
class MapSetup:
    """How a map's loops run: which parameters are parallel (a prefix of `order`), the loop
    order, scalar reductions and atomic writes, the per-iteration scalars, the body's scope
    and the innermost accumulator."""

    params: list[str]
    order: list[str]
    reductions: dict[str, str]
    atomics: bool
    private: set[str]
    inner: Scope
    ranges: dict
    acc: _Accumulator | None


def map_setup(fn: FnCtx, m: Map, scope: Scope, parent: DataflowGraph,
              vector_inside: bool = True) -> MapSetup:
    """The plan of `m`'s loops (writes nothing; `vector_inside` as in `plan_parallel`)."""
    p = fn.program
    if m.schedule == Schedule.spatial:
        raise UnsupportedError(f"{m.describe()} has a spatial schedule; the CPU backend runs "
                               "host maps only", hint="use the interpreter or the CSL target")
    batched = scope.batched or batchable(p, m.body)
    ptype = strong("int64") if batched else WEAK_INT
    private = private_scalars(p, m, parent)
    proven: frozenset[str] = frozenset()
    if scope.in_parallel:
        plan_params, order, reductions, atomics = [], list(m.params), {}, False
    else:
        plan = plan_parallel(p, m, batched, set(scope.params), private, vector_inside)
        plan_params, order = plan.params, plan.order
        proven = frozenset(plan.params) if plan.proven else frozenset()
        reductions, atomics = plan.reductions, plan.atomics
    inner = scope.child(
        params={**scope.params, **{prm: ptype for prm in m.params}},
        parallel=scope.parallel | frozenset(plan_params),
        proven=scope.proven | proven,
        in_parallel=scope.in_parallel or bool(plan_params),
        batched=batched, redirect=dict(scope.redirect),
        cnames={k: v for k, v in scope.cnames.items() if k not in m.params})
    rng = dict(zip(m.params, m.ranges, strict=True))
    acc = _accumulator(fn, m, order, plan_params, inner)
    if not plan_params:  # (the maps in its body run once per iteration of its loops)
        inner.repeated = True
    inner.redirect = {k: v for k, v in inner.redirect.items() if k not in private}
    return MapSetup(plan_params, order, reductions, atomics, private, inner, rng, acc)


def emit_map(fn: FnCtx, m: Map, scope: Scope, parent: DataflowGraph) -> None:
    p = fn.program
    w = fn.w
    plan = map_setup(fn, m, scope, parent)  # (raises before anything is written)
    ranges = ", ".join(f"{prm} = {_range_text(r)}" for prm, r in zip(m.params, m.ranges,
                                                                      strict=True))
    how = "parallel" if plan.params else "sequential"
    if plan.atomics:
        how += ", atomic wcr"
    if plan.order != list(m.params):
        how += f", loops ordered {', '.join(plan.order)}"
    w(f"// map '{comment(m.label)}' [{comment(ranges)}] ({m.schedule.value}: {how})")
    redirect = dict(scope.redirect)
    clauses = []
    for name, op in plan.reductions.items():
        dt = p.container(name).dtype.numpy
        acc = fn.tmp("acc")
        w(f"{ctype(dt)} {acc} = {wcr_identity(op, dt)};")
        redirect[name] = acc
        clauses.append(f"reduction({_omp_op(op, dt)}:{acc})")
    plan.inner.redirect = {**plan.inner.redirect,
                           **{k: redirect[k] for k in plan.reductions}}

    def nest(pragma: str | None) -> None:
        body_scope = plan.inner.child()
        if plan.params and pragma is None:  # the sequential copy: no atomics, no team
            body_scope = plan.inner.child(parallel=scope.parallel,
                                          in_parallel=scope.in_parallel, repeated=True)
        emit_nest(fn, m, plan, body_scope, pragma)

    if not plan.params:
        nest(simd_pragma(fn, m, parent, plan.inner))
    else:
        n = len(plan.params)
        if n > 1 and n == len(plan.order):
            # keep the innermost loop out of `collapse`: as a plain counted loop it
            # vectorises (collapsed loops recompute their indices every iteration)
            n -= 1
        size = sympy.Integer(1)
        for pp in m.params:  # the whole nest's iterations (where they are known)
            if not (plan.ranges[pp].free_symbols() & set(m.params)):
                size = size * plan.ranges[pp].size()
        coll = f" collapse({n})" if n > 1 else ""
        extra = "".join(" " + c for c in clauses)
        omp_nest(w, scope, f"#pragma omp parallel for{coll}{extra}", fn.idx(size, scope),
                 PARALLEL_MIN_ITERATIONS, nest)
    for name, op in plan.reductions.items():
        combine_into(fn, scope.redirect.get(name, ident(name)), op,
                     p.container(name).dtype.numpy, redirect[name])


def emit_nest(fn: FnCtx, m: Map, plan: MapSetup, body_scope: Scope, pragma: str | None,
              given: int = 0) -> None:
    """The loops of `plan.order` around the body, `pragma` before the first one; the first
    `given` parameters are already defined by the caller (a GPU thread's indices)."""
    w, p, acc = fn.w, fn.program, plan.acc
    opened = 0
    for k, prm in enumerate(plan.order):
        if acc is not None and k == acc.depth:
            w(f"{acc.ctype} {acc.var} = {acc.lhs};")
            body_scope.redirect = {**body_scope.redirect, acc.data: acc.var}
        if k < given:
            continue
        if k == given and pragma:
            w(pragma)
        r = plan.ranges[prm]
        v = ident(prm)
        w(f"for (int64_t {v} = {fn.idx(r.start, plan.inner)}; {v} < "
          f"{fn.idx(r.stop, plan.inner)}; {v} += {fn.idx(r.step, plan.inner)}) {{")
        w.depth += 1
        opened += 1
    for name in sorted(plan.private):  # per-iteration locals shadow the function-level ones
        w(f"{ctype(p.container(name).dtype)} {ident(name)}{{}};")
    emit_graph(fn, m.body, body_scope)
    for k in range(given + opened, given, -1):
        w.depth -= 1
        w("}")
        if acc is not None and k - 1 == acc.depth:
            w(f"{acc.lhs} = {acc.var};")
    if acc is not None and acc.depth < given:  # (declared before the loops: stored after)
        w(f"{acc.lhs} = {acc.var};")


@dataclass(frozen=True)
class _Accumulator:
    data: str  # the array element the map's innermost loops reduce into
    lhs: str  # that element, indexed by the outer loops only
    var: str  # the local that holds it meanwhile
    ctype: str
    depth: int  # loops order[depth:] run inside the local's lifetime


def _accumulator(fn: FnCtx, m: Map, order: list[str], parallel: list[str],
                 scope: Scope) -> _Accumulator | None:
    """A wcr write to one array element per iteration of the outer loops, combined over the
    innermost loops: kept in a local across them (loaded before, stored after, so the
    combining order and every rounding are those of the plain loop)."""
    if any(not isinstance(n, Access | Tasklet) for n in m.body.nodes):
        return None
    if bounds.enabled(fn):
        return None  # its load would touch the element before (or without) any iteration
    edges = [e for e in m.body.edges if e.memlet is not None]
    wcr = [e for e in edges if e.memlet.wcr is not None]
    if len(wcr) != 1 or not isinstance(wcr[0].src, Tasklet):
        return None
    mm = wcr[0].memlet
    c = fn.container(mm.data)
    if not isinstance(c, Array) or not c.shape or is_stream(fn.program, mm.data):
        return None
    target = mm.data.partition(".")[0]
    if any(x.partition(".")[0] == target for e in edges if e is not wcr[0]
           for x in (e.memlet.data, e.memlet.other or "")):
        return None  # read or written elsewhere in the body
    used = {str(s) for d in mm.subset for s in d.free_symbols()}
    depth = len(order)
    while depth > 0 and order[depth - 1] not in used and order[depth - 1] not in parallel:
        depth -= 1
    if depth == len(order) or conflicts(fn, mm, scope):
        return None
    lhs = fn.element(mm.data, element_indices(fn, mm, m.describe()), scope)
    return _Accumulator(mm.data, lhs, fn.tmp("acc"), ctype(c.dtype.numpy), depth)


def _range_text(r) -> str:
    from sluice.ir.symbolic import to_text

    s = f"{to_text(r.start)}:{to_text(r.stop)}"
    return s if r.step == 1 else f"{s}:{to_text(r.step)}"
