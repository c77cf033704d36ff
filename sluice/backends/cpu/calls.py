"""Call nodes -> calls of the callee's static function.

Arguments are passed without copies where the caller's view is contiguous (the callee then
updates the caller's data in place, as the interpreter's NumPy views do); a strided view is
gathered into a temporary and scattered back afterwards if the callee writes it. Scalars are
passed by reference. Return containers are fresh zeroed temporaries written through the
output memlet after the call. Callee symbols come from `Call.symbols` or are solved from the
argument shapes.
"""

from __future__ import annotations

import sympy

from sluice.backends.cpu.cexpr import CVal
from sluice.backends.cpu.copies import _nest, _store, unravel
from sluice.backends.cpu.ctypes_map import ctype, strong
from sluice.backends.cpu.emit import FnCtx, Scope, ident
from sluice.backends.cpu.signature import signature, used_names
from sluice.backends.cpu.views import element, loops, pointer, syms, view_of
from sluice.errors import UnsupportedError
from sluice.ir.data import CSR, Scalar
from sluice.ir.graph import DataflowGraph
from sluice.ir.nodes import Call
from sluice.ir.symbolic import substitute
from sluice.safetext import comment


def _bind_symbols(n: Call, callee, views: dict, scope_syms: set[str]) -> dict[str, sympy.Expr]:
    bound: dict[str, sympy.Expr] = dict(n.symbols)
    pending = []
    for name, v in views.items():
        c = callee.data[name]
        if isinstance(c, CSR) or isinstance(c, Scalar):
            continue
        pending += list(zip(c.shape, v.sizes, strict=False))
    changed = True
    while changed:
        changed = False
        for dim, size in list(pending):
            unknown = [s for s in dim.free_symbols if s.name not in bound]
            if not unknown:
                pending.remove((dim, size))
                continue
            if len(unknown) == 1:
                sol = sympy.solve(sympy.Eq(substitute(dim, bound), size), unknown[0])
                if len(sol) == 1:
                    bound[unknown[0].name] = sol[0]
                    changed = True
    return bound


def emit_call(fn: FnCtx, g: DataflowGraph, n: Call, scope: Scope) -> None:
    callee, fname = fn.module.callee_function(fn.program, n.callee)
    ins = {e.dst_conn: e for e in g.in_edges(n) if e.memlet is not None}
    outs = {e.src_conn: e for e in g.out_edges(n) if e.memlet is not None}
    w = fn.w
    w(f"// call '{comment(n.callee)}'")
    views = {}
    for name in callee.args:
        if name not in callee.data:
            continue
        e = ins.get(name) or outs.get(name)
        if e is None:
            raise UnsupportedError(f"call of '{n.callee}' leaves argument '{name}' unconnected")
        if e.memlet.wcr is not None:
            raise UnsupportedError(f"call of '{n.callee}' writes '{name}' with a wcr")
        views[name] = view_of(fn, e.memlet.data, e.memlet.subset)
    for name, e in outs.items():
        if e.memlet.wcr is not None:
            raise UnsupportedError(f"call of '{n.callee}' writes '{name}' with a wcr")
    bound = _bind_symbols(n, callee, {k: v for k, v in views.items()
                                      if not isinstance(callee.data[k], CSR)}, set())
    for name, c in callee.data.items():
        if isinstance(c, CSR) and name in views:
            src = fn.container(ins[name].memlet.data)
            for mine, theirs in ((c.rows, src.rows), (c.cols, src.cols), (c.nnz, src.nnz)):
                if isinstance(mine, sympy.Symbol) and mine.name not in bound:
                    bound[mine.name] = theirs
    needed = used_names(callee)
    with w.block(""):
        args: list[str] = []
        after: list = []
        for prm in signature(callee):
            if prm.kind == "symbol":
                if prm.name in bound:
                    args.append(fn.idx(bound[prm.name], scope))
                elif prm.name in needed:
                    raise UnsupportedError(f"call of '{n.callee}': cannot tell the value of its "
                                           f"symbol '{prm.name}'",
                                           hint="bind it in the call's symbols")
                else:
                    args.append("0")
                continue
            c = callee.data[prm.name]
            if prm.role == "ret":
                args.append(_return_temp(fn, n, prm.name, c, bound, outs, scope, after))
                continue
            e = ins.get(prm.name) or outs.get(prm.name)
            v = views[prm.name]
            src = fn.container(e.memlet.data)
            if prm.kind == "csr":
                base = e.memlet.data
                args += [ident(f"{base}.{k}") for k in ("indptr", "indices", "data")]
                continue
            if src.dtype != c.dtype:
                raise UnsupportedError(f"call of '{n.callee}' passes {src.dtype} data as "
                                       f"'{prm.name}' of type {c.dtype}")
            if prm.kind == "scalar":
                if v.rank:
                    raise UnsupportedError(f"call of '{n.callee}' passes an array as scalar "
                                           f"'{prm.name}'")
                args.append(element(fn, v, [], scope))
            elif v.contiguous():
                args.append(pointer(fn, v, scope))
            else:
                args.append(_gather(fn, v, src.dtype.numpy, scope, prm.name in outs, after))
        w(f"{fname}({', '.join(args)});")
        for finish in after:
            finish()


def _gather(fn: FnCtx, v, dt, scope: Scope, written: bool, after: list) -> str:
    w = fn.w
    buf = fn.tmp("arg")
    w(f"std::vector<{ctype(dt)}> {buf}({fn.idx(v.size(), scope)});")
    heads, names = loops(fn, [v.size()], scope, "f")
    inner = scope.with_temps(names)
    idx = unravel(syms(names)[0], v.sizes) if v.rank > 1 else syms(names)
    _nest(fn, heads, lambda: w(f"{buf}[{names[0]}] = {element(fn, v, idx, inner)};"))
    if written:
        def scatter() -> None:
            heads2, names2 = loops(fn, [v.size()], scope, "f")
            inner2 = scope.with_temps(names2)
            idx2 = unravel(syms(names2)[0], v.sizes) if v.rank > 1 else syms(names2)
            _nest(fn, heads2, lambda: w(f"{element(fn, v, idx2, inner2)} = {buf}[{names2[0]}];"))
        after.append(scatter)
    return f"{buf}.data()"


def _return_temp(fn: FnCtx, n: Call, name: str, c, bound: dict, outs: dict, scope: Scope,
                 after: list) -> str:
    w = fn.w
    t = ctype(c.dtype)
    buf = fn.tmp("ret")
    dt = c.dtype.numpy
    if isinstance(c, Scalar):
        w(f"{t} {buf}{{}};")
        ref = buf
    else:
        size = sympy.Integer(1)
        for d in c.shape:
            size = size * substitute(d, bound)
        w(f"sl::Heap<{t}> {buf}({fn.idx(size, scope)});")
        ref = f"{buf}.p"
    e = outs.get(name)
    if e is not None:
        def store() -> None:
            v = view_of(fn, e.memlet.data, e.memlet.subset)
            if isinstance(c, Scalar):
                _store(fn, v, [0] * v.rank, CVal(buf, strong(dt)), e.memlet.wcr, scope)
                return
            heads, names = loops(fn, [v.size()], scope, "f")
            inner = scope.with_temps(names)
            idx = unravel(syms(names)[0], v.sizes) if v.rank > 1 else syms(names) * v.rank
            _nest(fn, heads, lambda: _store(fn, v, idx, CVal(f"{ref}[{names[0]}]", strong(dt)),
                                            e.memlet.wcr, inner))
        after.append(store)
    return ref
