"""Access -> Access edges: copies between (strided) views, to and from streams.

As in the interpreter, the source view is read completely before the destination is written
(a copy within one container goes through a temporary), elements pair up in row-major order
(views of equal size but different shapes reshape), and a wcr on the copy combines with NumPy
promotion before casting to the destination type.
"""

from __future__ import annotations

import sympy

from sluice.backends.cpu.analysis import is_stream
from sluice.backends.cpu.cexpr import CVal, IndexDiv, IndexMod, convert, strip_parens
from sluice.backends.cpu.ctypes_map import ctype, strong
from sluice.backends.cpu.emit import FnCtx, Scope, ident, omp_nest
from sluice.backends.cpu.views import (
    View,
    element,
    loops,
    pointer,
    same_shape,
    syms,
    view_of,
)
from sluice.backends.cpu.writes import combine
from sluice.errors import UnsupportedError
from sluice.ir.memlet import Index, Memlet
from sluice.ir.symbolic import simplified
from sluice.safetext import comment

PARALLEL_MIN_ELEMENTS = 1 << 15


def emit_copy(fn: FnCtx, m: Memlet, dst_name: str, scope: Scope) -> None:
    dst_sub = m.other_subset if m.other is not None else m.subset
    if fn.aliases.get(dst_name) == m.data:
        fn.w(f"// copy {comment(m.data)} -> {comment(dst_name)}: nothing to move when the "
             "storage is shared")
        with fn.w.block(f"if ({ident(dst_name)} != {ident(m.data)})"):
            _copy(fn, m, dst_name, dst_sub, scope)
        return
    _copy(fn, m, dst_name, dst_sub, scope)


def check_same_size(fn: FnCtx, scope: Scope, got: sympy.Expr, want: sympy.Expr,
                    mismatch: str) -> None:
    """Element counts that must agree: an UnsupportedError (`mismatch`) where they provably
    differ, a run-time check (`sl::SizeMismatch`) where they may, so that nothing is written
    past a smaller destination."""
    diff = simplified(got - want)
    if diff.is_number and diff != 0:
        raise UnsupportedError(mismatch)
    if not diff.is_number and not scope.in_parallel:  # (no throwing out of a team)
        fn.w(f"if ({fn.idx(got, scope)} != {fn.idx(want, scope)}) throw sl::SizeMismatch{{}};")


def _copy(fn: FnCtx, m: Memlet, dst_name: str, dst_sub, scope: Scope) -> None:
    src_stream, dst_stream = is_stream(fn.program, m.data), is_stream(fn.program, dst_name)
    fn.w(f"// copy {comment(m.data)} -> {comment(dst_name)}")
    if src_stream and dst_stream:
        raise UnsupportedError(f"stream-to-stream copy {m.data} -> {dst_name}")
    if src_stream or dst_stream:
        _stream_copy(fn, m, dst_name, dst_sub, scope, src_stream)
        return
    src = view_of(fn, m.data, m.subset)
    dst = view_of(fn, dst_name, dst_sub)
    n_src, n_dst = simplified(src.size()), simplified(dst.size())
    check_same_size(fn, scope, n_src, n_dst, f"copy of {n_src} elements of '{m.data}' into "
                    f"{n_dst} elements of '{dst_name}'")
    sdt = fn.container(m.data).dtype.numpy
    ddt = fn.container(dst_name).dtype.numpy
    w = fn.w
    with w.block(""):
        if m.data.partition(".")[0] == dst_name.partition(".")[0]:
            # Overlapping views of one container: gather first, like np.array(copy=True).
            tmp = fn.tmp("buf")
            w(f"std::vector<{ctype(sdt)}> {tmp}({fn.idx(src.size(), scope)});")
            heads, names = loops(fn, src.sizes, scope)
            inner = scope.with_temps(names)
            flat = _flat(names, src.sizes)
            _nest(fn, heads, lambda: w(f"{tmp}[{fn.idx(flat, inner)}] = "
                                       f"{element(fn, src, syms(names), inner)};"))
            heads, names = loops(fn, dst.sizes, scope)
            inner = scope.with_temps(names)
            flat = _flat(names, dst.sizes)
            value = CVal(f"{tmp}[{fn.idx(flat, inner)}]", strong(sdt))
            _nest(fn, heads, lambda: _store(fn, dst, syms(names), value, m.wcr, inner))
            return
        parallel = not scope.in_parallel and src.rank > 0
        if src.contiguous() and dst.contiguous() and not src.scalar and not dst.scalar:
            # both views are runs of consecutive elements: one flat, vectorisable loop
            n = fn.idx(src.size(), scope)
            ps, pd = pointer(fn, src, scope), pointer(fn, dst, scope)
            if sdt == ddt and m.wcr is None:
                w(f"std::memcpy({pd}, {ps}, sizeof({ctype(sdt)}) * ({n}));")
                return
            heads, names = loops(fn, [src.size()], scope, "f")
            inner = scope.with_temps(names)
            flat = syms(names)
            value = CVal(f"{ps}[{names[0]}]", strong(sdt))
            flat_dst = View(dst.name, dst.offset, [src.size()], [sympy.Integer(1)], False)
            _parallel_nest(fn, scope, parallel, n, heads,
                           lambda: _store(fn, flat_dst, flat, value, m.wcr, inner))
            return
        if same_shape(src.sizes, dst.sizes):
            heads, names = loops(fn, src.sizes, scope)
            inner = scope.with_temps(names)
            s_idx = d_idx = syms(names)
        else:  # same size, different shapes: pair elements in row-major order
            heads, names = loops(fn, [src.size()], scope, "f")
            inner = scope.with_temps(names)
            flat = syms(names)[0]
            s_idx, d_idx = unravel(flat, src.sizes), unravel(flat, dst.sizes)

        def body() -> None:
            value = CVal(element(fn, src, s_idx, inner), strong(sdt))
            _store(fn, dst, d_idx, value, m.wcr, inner)

        _parallel_nest(fn, scope, parallel and bool(heads), fn.idx(src.size(), scope), heads,
                       body)
        del ddt


def _store(fn: FnCtx, dst: View, idx: list, value: CVal, wcr: str | None, scope: Scope) -> None:
    ddt = fn.container(dst.name).dtype.numpy
    lhs = element(fn, dst, idx, scope)
    if wcr is None:
        fn.w(f"{lhs} = {strip_parens(convert(value, ddt))};")
    else:
        new = combine(wcr, CVal(lhs, strong(ddt)), value)
        fn.w(f"{lhs} = {strip_parens(convert(new, ddt))};")


def _parallel_nest(fn: FnCtx, scope: Scope, parallel: bool, size: str, heads: list[str],
                   body) -> None:
    """The copy's loops, shared by OpenMP threads when `parallel` and large enough."""
    if not parallel:
        _nest(fn, heads, body)
        return

    def nest(pragma: str | None) -> None:
        if pragma:
            fn.w(pragma)
        _nest(fn, heads, body)
    omp_nest(fn.w, scope, "#pragma omp parallel for", size, PARALLEL_MIN_ELEMENTS, nest)


def _nest(fn: FnCtx, heads: list[str], body) -> None:
    for h in heads:  # a head may carry pragma lines before its `for`
        *pragmas, head = h.split("\n")
        for line in pragmas:
            fn.w(line)
        fn.w(head + " {")
        fn.w.depth += 1
    body()
    for _ in heads:
        fn.w.depth -= 1
        fn.w("}")


def _flat(names: list[str], sizes: list[sympy.Expr]) -> sympy.Expr:
    flat = sympy.Integer(0)
    for s, size in zip(syms(names), sizes, strict=True):
        flat = flat * size + s
    return flat


def unravel(flat: sympy.Expr, sizes: list[sympy.Expr]) -> list[sympy.Expr]:
    """Row-major multi-index of a non-negative flat index."""
    out = []
    rest = sympy.Integer(1)
    for s in reversed(sizes):
        out.append(IndexMod(IndexDiv(flat, rest), s))
        rest = rest * s
    return list(reversed(out))


def _stream_copy(fn: FnCtx, m: Memlet, dst_name: str, dst_sub, scope: Scope,
                 from_stream: bool) -> None:
    w = fn.w
    if from_stream:
        c = fn.container(m.data)
        if c.shape and not all(isinstance(d, Index) for d in m.subset):
            raise UnsupportedError(f"a read of stream '{m.data}' must address one element")
        q = ident(m.data) if not c.shape else \
            fn.element(m.data, [d.index for d in m.subset], scope)
        dst = view_of(fn, dst_name, dst_sub)
        ddt = fn.container(dst_name).dtype.numpy
        heads, names = loops(fn, dst.sizes, scope)
        inner = scope.with_temps(names)
        value = CVal(f"{q}.pop()", strong(c.dtype.numpy))
        _nest(fn, heads, lambda: _store(fn, dst, syms(names), value, m.wcr, inner))
        del ddt
        return
    src = view_of(fn, m.data, m.subset)
    c = fn.container(dst_name)
    sdt = fn.container(m.data).dtype.numpy
    targets = list(dst_sub or ())
    if c.shape and not all(isinstance(d, Index) for d in targets):
        raise UnsupportedError(f"a copy into stream '{dst_name}' must address one element")
    q = ident(dst_name) if not c.shape else \
        fn.element(dst_name, [d.index for d in targets], scope)
    heads, names = loops(fn, src.sizes, scope)
    inner = scope.with_temps(names)
    value = CVal(element(fn, src, syms(names), inner), strong(sdt))
    _nest(fn, heads, lambda: w(f"{q}.push({convert(value, c.dtype.numpy)});"))
