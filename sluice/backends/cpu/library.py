"""Library nodes as loop nests: MatMul, Reduce, Transpose, Softmax, SpMM, SDDMM.

Each node computes into a contiguous buffer of NumPy's result type — the output container
itself when it is a contiguous view of that type with no wcr and no aliasing, otherwise a
zeroed temporary that is then written through the output memlet (cast / wcr) like the
interpreter's `write_memlet`. MatMul is a cache-blocked i-k-j nest whose inner loop runs
over unit-stride rows (vectorised, `std::fma`), OpenMP-parallel over row blocks.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np
import sympy

from sluice.backends.cpu import bounds
from sluice.backends.cpu.cexpr import F16, CVal, convert, literal, numpy_fuses
from sluice.backends.cpu.copies import _nest, _store, check_same_size, unravel
from sluice.backends.cpu.ctypes_map import ctype, strong
from sluice.backends.cpu.emit import FnCtx, Scope, ident
from sluice.backends.cpu.views import View, element, loops, pointer, syms, view_of
from sluice.backends.cpu.writes import wcr_identity
from sluice.errors import UnsupportedError
from sluice.ir.data import CSR
from sluice.ir.graph import DataflowGraph
from sluice.ir.library import SDDMM, MatMul, Reduce, Softmax, SpMM, Transpose
from sluice.ir.memlet import Memlet
from sluice.ir.nodes import Access, LibraryNode
from sluice.passes.util import base
from sluice.safetext import comment

PAR_MIN_WORK = 1 << 16  # multiply-adds below which a library node stays on one thread
FOLD_BLOCK = 2048  # elements per block of a regrouped sum or product
ROW_BLOCK, K_BLOCK, J_BLOCK = 32, 256, 512
F32 = np.dtype("float32")


def emit_library(fn: FnCtx, g: DataflowGraph, n: LibraryNode, scope: Scope) -> None:
    emitter = _EMITTERS.get(type(n))
    if emitter is None:
        raise UnsupportedError(f"the CPU backend cannot generate {n.describe()}")
    ins = inputs(g, n)
    outs = [e for e in g.out_edges(n) if e.memlet is not None]
    fn.w(f"// {comment(n.describe())} {comment(n.attrs) if n.attrs else ''}".rstrip())
    with fn.w.block(""):
        emitter(fn, n, ins, outs, scope)


def inputs(g: DataflowGraph, n: LibraryNode) -> dict[str, Memlet]:
    """A library node's input memlets by connector."""
    return {e.dst_conn: e.memlet for e in g.in_edges(n) if e.memlet is not None}


def _pragma(fn: FnCtx, scope: Scope, work: sympy.Expr, extra: str = "") -> None:
    if not scope.in_parallel:
        fn.w(f"#pragma omp parallel for{extra} if({fn.idx(work, scope)} > {PAR_MIN_WORK})")


def _direct() -> None:
    """The finisher of an output computed in place: nothing left to store."""


def output_pointer(fn: FnCtx, outs: list, conn: str, dtype: np.dtype, shape: list[sympy.Expr],
            inputs: list[str], scope: Scope) -> tuple[str, Callable[[], None]]:
    """A pointer to write the result to, and a finisher that stores it through the memlet."""
    edges = [e for e in outs if e.src_conn == conn]
    size = sympy.Integer(1)
    for s in shape:
        size = size * s
    if len(edges) == 1:
        m = edges[0].memlet
        v = view_of(fn, m.data, m.subset)
        c = fn.container(m.data)
        base = m.data.partition(".")[0]
        if (m.wcr is None and not v.scalar and c.dtype.numpy == dtype and v.contiguous()
                and base not in {i.partition(".")[0] for i in inputs}):
            return pointer(fn, v, scope), _direct
    buf = fn.tmp("out")
    fn.w(f"sl::Heap<{ctype(dtype)}> {buf}({fn.idx(size, scope)});")

    def finish() -> None:
        for e in edges:
            m = e.memlet
            v = view_of(fn, m.data, m.subset)
            heads, names = loops(fn, [size], scope, "f")
            inner = scope.with_temps(names)
            flat = syms(names)[0]
            idx = unravel(flat, v.sizes) if v.rank > 1 else [flat] * v.rank
            value = CVal(f"{buf}.p[{names[0]}]", strong(dtype))
            _nest(fn, heads, lambda v=v, idx=idx, value=value, m=m, inner=inner:
                  _store(fn, v, idx, value, m.wcr, inner))

    return f"{buf}.p", finish


def _in_view(fn: FnCtx, ins: dict, conn: str) -> View:
    m = ins[conn]
    return view_of(fn, m.data, m.subset)


def _dt(fn: FnCtx, ins: dict, conn: str) -> np.dtype:
    return fn.container(ins[conn].data).dtype.numpy


def _at(fn: FnCtx, v: View, idx: list, scope: Scope, dtype: np.dtype, vdt: np.dtype) -> str:
    return convert(CVal(element(fn, v, idx, scope), strong(vdt)), dtype)


def _scalar(fn: FnCtx, ins: dict, conn: str, dtype: np.dtype, scope: Scope) -> str:
    """A scalar input as `dtype`, or 1 where the connector is absent."""
    if conn not in ins:
        return f"{ctype(dtype)}(1)"
    return _at(fn, _in_view(fn, ins, conn), [], scope, dtype, _dt(fn, ins, conn))


def _gather(fn: FnCtx, v: View, vdt: np.dtype, dst: str, dtype: np.dtype, scope: Scope) -> None:
    """dst[0 : size) = the elements of view `v` in row-major order, as `dtype`."""
    _pragma(fn, scope, v.size())
    heads, names = loops(fn, [v.size()], scope, "g")
    inner = scope.with_temps(names)
    flat = syms(names)[0]
    idx = unravel(flat, v.sizes) if v.rank > 1 else [flat] * v.rank
    _nest(fn, heads, lambda: fn.w(f"{dst}[{names[0]}] = {_at(fn, v, idx, inner, dtype, vdt)};"))


# --- MatMul ---------------------------------------------------------------------------------

def _swap_last(v: View) -> View:
    """`v` with its last two axes swapped: a transposed read costs no copy."""
    if v.rank < 2:
        return v
    return dataclasses.replace(v, sizes=[*v.sizes[:-2], v.sizes[-1], v.sizes[-2]],
                               strides=[*v.strides[:-2], v.strides[-1], v.strides[-2]])


def _matmul(fn: FnCtx, n: MatMul, ins: dict, outs: list, scope: Scope) -> None:
    a, b = _in_view(fn, ins, "a"), _in_view(fn, ins, "b")
    out_shape = n.output_shapes({"a": tuple(a.sizes), "b": tuple(b.sizes)})["c"]
    if n.transpose_a:
        a = _swap_last(a)
    if n.transpose_b:
        b = _swap_last(b)
    adt, bdt = _dt(fn, ins, "a"), _dt(fn, ins, "b")
    t = np.result_type(adt, bdt)
    if t.kind == "b":
        raise UnsupportedError("MatMul of bool operands")
    if t == F16:  # NumPy's float16 products accumulate in float32, rounded once at the end
        t = F32
    T = ctype(t)
    zero = sympy.Integer(0)
    # Normalise to c[B, M, N] = a[B, M, K] @ b[B, K, N]; a missing dimension has stride 0.
    sa = ([zero] * (3 - a.rank)) + a.strides if a.rank >= 2 else [zero, zero, a.strides[0]]
    za = ([sympy.Integer(1)] * (3 - a.rank)) + a.sizes if a.rank >= 2 else [1, 1, a.sizes[0]]
    sb = ([zero] * (3 - b.rank)) + b.strides if b.rank >= 2 else [zero, b.strides[0], zero]
    zb = ([sympy.Integer(1)] * (3 - b.rank)) + b.sizes if b.rank >= 2 else [1, b.sizes[0], 1]
    batch = za[0] if a.rank == 3 else zb[0]
    M, K, N = za[1], za[2], zb[2]
    total = sympy.Mul(*out_shape)
    written = [e.memlet for e in outs if e.src_conn == "c"]
    acc = ins.get("acc") if n.accumulate else None
    # `C = ... + beta * C` reads the addend where it writes: nothing to copy first.
    in_place = acc is not None and len(written) == 1 and written[0].wcr is None and (
        acc.data, tuple(acc.subset)) == (written[0].data, tuple(written[0].subset))
    operands = [ins["a"].data, ins["b"].data] + ([acc.data] if acc and not in_place else [])
    # The frontend checks argument sizes at the call; sizes computed inside the program
    # are compared here, before the kernel reads past the shorter operand.
    check_same_size(fn, scope, K, zb[1], f"MatMul: the inner dimensions differ ({K} vs "
                    f"{zb[1]})")
    if a.rank == 3 and b.rank == 3:
        check_same_size(fn, scope, za[0], zb[0], f"MatMul: the batch sizes differ ({za[0]} "
                        f"vs {zb[0]})")
    for m in written:
        got = view_of(fn, m.data, m.subset).size()
        check_same_size(fn, scope, got, total,
                        f"'{m.data}' has {got} elements, but the product has {total}")
    if acc is not None:
        got = _in_view(fn, ins, "acc").size()
        check_same_size(fn, scope, got, total,
                        f"acc '{acc.data}' has {got} elements, but the product has {total}")
    c, finish = output_pointer(fn, outs, "c", t, list(out_shape), operands, scope)
    w = fn.w
    P = fn.idx
    w(f"const int64_t sl_B = {P(batch, scope)}, sl_M = {P(M, scope)}, sl_N = {P(N, scope)}, "
      f"sl_K = {P(K, scope)};")
    w(f"{T}* const sl_c = {c};")
    if acc is not None and not (in_place and finish is _direct):
        _gather(fn, _in_view(fn, ins, "acc"), _dt(fn, ins, "acc"), "sl_c", t, scope)
    pa, pb = pointer(fn, a, scope), pointer(fn, b, scope)
    if t.kind == "f":
        # floating point: the packed, register-tiled kernel of the prelude (or the BLAS),
        # told to overwrite C, or gemm's alpha and beta
        par = "false" if scope.in_parallel else f"sl_M * sl_N * sl_K > {PAR_MIN_WORK}"
        head = (f"sl_M, sl_N, sl_K, {pa} + sl_b * {P(sa[0], scope)}, {P(sa[1], scope)}, "
                f"{P(sa[2], scope)}, {pb} + sl_b * {P(sb[0], scope)}, {P(sb[1], scope)}, "
                f"{P(sb[2], scope)}, sl_c + sl_b * sl_M * sl_N, {par}")
        with w.block("for (int64_t sl_b = 0; sl_b < sl_B; ++sl_b)"):
            if n.scaled or n.accumulate:
                alpha, beta = (_scalar(fn, ins, k, t, scope) for k in ("alpha", "beta"))
                w(f"sl::scaled_matmul<{T}>({head}, {alpha}, "
                  f"{'true' if acc is not None else 'false'}, {beta});")
            else:
                w(f"sl::matmul<{T}>({head}, true);")
        finish()
        return
    w(f"std::fill(sl_c, sl_c + sl_B * sl_M * sl_N, {T}(0));")
    sbn = fn.idx(sb[2], scope)
    bj = "sl_brow[sl_j]" if sbn == "1" else f"sl_brow[sl_j * {sbn}]"
    acc = f"sl_crow[sl_j] += sl_aik * static_cast<{T}>({bj});"
    if t.kind == "c":  # NumPy's products (ac - bd, ad + bc), not C99's __muldc3
        acc = f"sl_crow[sl_j] += sl::cmul(sl_aik, static_cast<{T}>({bj}));"
    if not scope.in_parallel:
        w(f"#pragma omp parallel for collapse(2) schedule(static) "
          f"if(sl_B * sl_M * sl_N * sl_K > {PAR_MIN_WORK})")
    w("for (int64_t sl_b = 0; sl_b < sl_B; ++sl_b)")
    w(f"for (int64_t sl_i0 = 0; sl_i0 < sl_M; sl_i0 += {ROW_BLOCK})")
    with w.block(f"for (int64_t sl_j0 = 0; sl_j0 < sl_N; sl_j0 += {J_BLOCK})"):
        w(f"const int64_t sl_j1 = std::min<int64_t>(sl_j0 + {J_BLOCK}, sl_N);")
        with w.block(f"for (int64_t sl_k0 = 0; sl_k0 < sl_K; sl_k0 += {K_BLOCK})"):
            w(f"const int64_t sl_k1 = std::min<int64_t>(sl_k0 + {K_BLOCK}, sl_K);")
            with w.block(f"for (int64_t sl_i = sl_i0; sl_i < std::min<int64_t>(sl_i0 + "
                         f"{ROW_BLOCK}, sl_M); ++sl_i)"):
                w(f"{T}* const sl_crow = sl_c + (sl_b * sl_M + sl_i) * sl_N;")
                with w.block("for (int64_t sl_k = sl_k0; sl_k < sl_k1; ++sl_k)"):
                    aik = (f"{pa}[sl_b * {P(sa[0], scope)} + sl_i * {P(sa[1], scope)} + "
                           f"sl_k * {P(sa[2], scope)}]")
                    w(f"const {T} sl_aik = static_cast<{T}>({aik});")
                    w(f"const {ctype(bdt)}* const sl_brow = {pb} + sl_b * {P(sb[0], scope)} + "
                      f"sl_k * {P(sb[1], scope)};")
                    w("#pragma omp simd")
                    with w.block("for (int64_t sl_j = sl_j0; sl_j < sl_j1; ++sl_j)"):
                        w(acc)
    finish()


# --- Two matrix-vector products over one matrix ------------------------------------------

@dataclasses.dataclass(frozen=True)
class MatvecPair:
    """`u = A @ x` (node `mv`) and `v = w @ A` (node `vm`) computed in one pass over A."""

    mv: MatMul
    vm: MatMul


def matvec_pairs(fn: FnCtx, g: DataflowGraph, scope: Scope) -> dict[MatMul, MatvecPair]:
    """Pairs of products `A @ x` and `w @ A` in `g` that may run together, by both nodes.

    Legal when A, x and w are not written in the state (or w is the first product's
    result), each result has one writer and is stored whole, unconverted and not into an
    input; float32/float64 of one type; A contiguous row-major; not inside a parallel map.
    """
    if scope.in_parallel:
        return {}
    written = {base(e.memlet.other or e.dst.data) if isinstance(e.src, Access) else
               base(e.dst.data) for e in g.edges if isinstance(e.dst, Access) and e.memlet}
    shapes: dict[MatMul, tuple[str, dict]] = {}
    for n in g.nodes:
        if not isinstance(n, MatMul) or n.transpose_a or n.transpose_b:
            continue
        ins = {e.dst_conn: e for e in g.in_edges(n) if e.memlet is not None}
        outs = [e for e in g.out_edges(n) if e.memlet is not None]
        if set(ins) != {"a", "b"} or len(outs) != 1:
            continue
        memlets = {k: e.memlet for k, e in ins.items()}
        ranks = (_in_view(fn, memlets, "a").rank, _in_view(fn, memlets, "b").rank)
        if ranks in ((2, 1), (1, 2)):
            shapes[n] = ("mv" if ranks == (2, 1) else "vm", {**ins, "c": outs[0]})
    pairs: dict[MatMul, MatvecPair] = {}
    for mv, (kind, e1) in shapes.items():
        for vm, (kind2, e2) in shapes.items():
            if kind != "mv" or kind2 != "vm" or mv in pairs or vm in pairs:
                continue
            if _pairable(fn, g, e1, e2, written):
                pairs[mv] = pairs[vm] = MatvecPair(mv, vm)
    return pairs


def _pairable(fn: FnCtx, g: DataflowGraph, e1: dict, e2: dict, written: set[str]) -> bool:
    a1, x, u = e1["a"].memlet, e1["b"].memlet, e1["c"]
    a2, w, v = e2["b"].memlet, e2["a"].memlet, e2["c"]
    if (a1.data, a1.subset) != (a2.data, a2.subset) or base(a1.data) in written:
        return False
    av = view_of(fn, a1.data, a1.subset)
    if not av.contiguous() or base(x.data) in written:
        return False
    w_is_u = e2["a"].src is u.dst and base(w.data) == base(u.memlet.data)
    if not w_is_u and base(w.data) in written:
        return False
    dt = fn.container(a1.data).dtype.numpy
    if dt.kind != "f" or dt == F16 or any(fn.container(m.data).dtype.numpy != dt
                             for m in (x, w, u.memlet, v.memlet)):
        return False
    outs = {base(u.memlet.data), base(v.memlet.data)}
    if len(outs) != 2 or outs & {base(a1.data), base(x.data)} or \
            (not w_is_u and base(w.data) in outs):
        return False
    for e in (u, v):
        m = e.memlet
        if m.wcr is not None or not view_of(fn, m.data, m.subset).contiguous():
            return False
        nodes = [n for n in g.nodes if isinstance(n, Access) and base(n.data) == base(m.data)]
        if nodes != [e.dst]:  # one access node: this result, nothing else reads or writes it
            return False
    return True


def emit_matvec_pair(fn: FnCtx, g: DataflowGraph, pair: MatvecPair, scope: Scope) -> None:
    e1, e2 = inputs(g, pair.mv), inputs(g, pair.vm)
    u = next(e.memlet for e in g.out_edges(pair.mv) if e.memlet is not None)
    v = next(e.memlet for e in g.out_edges(pair.vm) if e.memlet is not None)
    a, x, w = _in_view(fn, e1, "a"), _in_view(fn, e1, "b"), _in_view(fn, e2, "a")
    T = ctype(fn.container(e1["a"].data).dtype.numpy)
    P = fn.idx
    w_ = fn.w
    w_(comment(f"// library nodes MatMul ({u.data} = {e1['a'].data} @ {e1['b'].data}) and "
               f"MatMul ({v.data} = {e2['a'].data} @ {e2['b'].data}): one pass over "
               f"{e1['a'].data}"))
    with w_.block(""):
        w_(f"const int64_t sl_M = {P(a.sizes[0], scope)}, sl_N = {P(a.sizes[1], scope)};")
        w_(f"sl::matvec_pair<{T}>(sl_M, sl_N, {pointer(fn, a, scope)}, {pointer(fn, x, scope)}, "
           f"{P(x.strides[0], scope)}, {pointer(fn, w, scope)}, {P(w.strides[0], scope)}, "
           f"{pointer(fn, view_of(fn, u.data, u.subset), scope)}, "
           f"{pointer(fn, view_of(fn, v.data, v.subset), scope)}, "
           f"sl_M * sl_N > {PAR_MIN_WORK});")


# --- Reduce ---------------------------------------------------------------------------------

def _reduce_dtype(op: str, dt: np.dtype) -> np.dtype:
    if op in ("argmax", "argmin"):
        return np.dtype("int64")
    if op in ("+", "*"):
        if dt.kind == "b" or (dt.kind == "i" and dt.itemsize < 8):
            return np.dtype("int64")
        if dt.kind == "u" and dt.itemsize < 8:
            return np.dtype("uint64")
    return dt


def _fold(op: str, acc: str, x: str, cplx: bool = False, rows: bool = False) -> str:
    if cplx and op in ("max", "min"):  # NumPy's order: lexicographic, the first NaN wins
        return f"sl::c{op}imum({acc}, {x})"
    if cplx and op == "*":
        # NumPy's products, never C99's __muldc3: its reduction loop's (ac - bd, ad + bc),
        # or, folding whole rows, its multiply loop's (fused where the machine fuses)
        fused = rows and numpy_fuses()
        return f"sl::{'cmul_fused' if fused else 'cmul'}({acc}, {x})"
    return {"+": f"{acc} + {x}", "*": f"{acc} * {x}", "max": f"sl::maximum({acc}, {x})",
            "min": f"sl::minimum({acc}, {x})"}[op]


@dataclasses.dataclass
class ReducePlan:
    """What a Reduce computes, decided before anything is written."""

    v: View  # the input
    op: str
    idt: np.dtype  # the elements' type
    t: np.dtype  # the accumulator's and result's type
    elem: np.dtype  # the type each element rounds to first (float16 sums: float16)
    axes: list[int]
    kept: list[int]
    out_shape: list[sympy.Expr]
    count: sympy.Expr  # results
    red_sizes: list[sympy.Expr]
    init: str | None  # the seed (identity or initial=), or None

    @property
    def T(self) -> str:
        return ctype(self.t)

    @property
    def extremum(self) -> bool:
        """max/min without a seed: started from the type's identity, NaN flagged."""
        return self.init is None and self.op in ("max", "min") and self.t.kind in "fiu"

    @property
    def can_split(self) -> bool:
        """Whether the fold may regroup (sums and products of numbers, flagged extrema)."""
        return ((self.op in ("+", "*") and self.init is not None or self.extremum)
                and self.t.kind in "fiu" and bool(self.red_sizes))  # `axes=[]`: a copy


def reduce_plan(fn: FnCtx, n: Reduce, ins: dict) -> ReducePlan:
    v = _in_view(fn, ins, "inp")
    idt = _dt(fn, ins, "inp")
    op = n.op
    t = np.dtype(n.dtype) if n.dtype is not None else _reduce_dtype(op, idt)
    identity, elem = n.identity, idt
    if t == F16 and op not in ("argmax", "argmin"):
        # NumPy's float16 sums and products accumulate in float32 and round once; max and
        # min are exact in float32. Elements and the seed are float16 first, as in NumPy.
        t, elem = F32, F16
        if identity is not None:
            with np.errstate(all="ignore"):
                identity = float(np.float16(identity))
    axes = n._axes(v.rank)
    kept = [k for k in range(v.rank) if k not in axes]
    count = sympy.Integer(1)
    for k in kept:
        count = count * v.sizes[k]
    init = None
    if identity is not None and op not in ("argmax", "argmin"):
        init = convert(CVal(repr(identity), strong(t), identity), t)
    elif op in ("+", "*"):
        init = f"{ctype(t)}({0 if op == '+' else 1})"
    return ReducePlan(v, op, idt, t, elem, axes, kept, [v.sizes[k] for k in kept], count,
                      [v.sizes[k] for k in axes], init)


def _reduce(fn: FnCtx, n: Reduce, ins: dict, outs: list, scope: Scope) -> None:
    r = reduce_plan(fn, n, ins)
    v, op, t, idt, elem, T = r.v, r.op, r.t, r.idt, r.elem, r.T
    kept, axes, out_shape, count, red_sizes, init = (r.kept, r.axes, r.out_shape, r.count,
                                                     r.red_sizes, r.init)
    out, finish = output_pointer(fn, outs, "out", t, out_shape, [ins["inp"].data], scope)
    w = fn.w
    w(f"{T}* const sl_o = {out};")
    trailing_kept = kept and axes and max(axes) < min(kept) and op in ("+", "*", "max", "min")
    if trailing_kept and init is not None:
        # Reduced dimensions lead: accumulate whole rows (unit stride, vectorised).
        w(f"const int64_t sl_n = {fn.idx(count, scope)};")
        w(f"for (int64_t sl_o_i = 0; sl_o_i < sl_n; ++sl_o_i) sl_o[sl_o_i] = {init};")
        _pragma(fn, scope, v.size())
        with w.block("for (int64_t sl_j0 = 0; sl_j0 < sl_n; sl_j0 += 256)"):
            heads, rnames = loops(fn, red_sizes, scope, "r")
            inner = scope.with_temps(rnames + ["sl_j"])
            jsym = sympy.Symbol("sl_j", integer=True)
            kidx = unravel(jsym, out_shape) if len(kept) > 1 else [jsym]
            idx = syms(rnames) + kidx
            x = _at(fn, v, idx, inner, t, idt) if elem == idt else \
                convert(CVal(_at(fn, v, idx, inner, elem, idt), strong(elem)), t)
            _nest(fn, heads + ["for (int64_t sl_j = sl_j0; sl_j < std::min<int64_t>(sl_j0 + "
                               "256, sl_n); ++sl_j)"],
                  lambda: w(f"sl_o[sl_j] = {_fold(op, 'sl_o[sl_j]', x, t.kind == 'c', True)};"))
        finish()
        return
    # Sums and products of numbers may regroup (NumPy's own pairwise order is not a loop's
    # either): lanes of a vector and, for a single result, threads each take a share. So
    # may max and min, exactly: without an identity they start from the type's and keep a
    # NaN flag (a NaN anywhere wins, as in NumPy), and an empty reduction still gives 0.
    whole = r.can_split and count == 1 and red_sizes and not scope.in_parallel
    if not whole:
        _pragma(fn, scope, v.size())
    with w.block(f"for (int64_t sl_q = 0; sl_q < {fn.idx(count, scope)}; ++sl_q)"):
        reduce_one(fn, r, scope, split=r.can_split, whole=bool(whole))
    finish()


def reduce_one(fn: FnCtx, r: ReducePlan, scope: Scope, split: bool, whole: bool = False
               ) -> None:
    """`sl_o[sl_q]`: result `sl_q` of the reduction (`split`: the fold may regroup)."""
    v, op, t, idt, elem, T = r.v, r.op, r.t, r.idt, r.elem, r.T
    w = fn.w
    extremum, nan_flag = r.extremum, r.extremum and r.t.kind == "f"
    qsym = sympy.Symbol("sl_q", integer=True)
    kidx = unravel(qsym, r.out_shape) if len(r.kept) > 1 else ([qsym] if r.kept else [])
    heads, rnames = loops(fn, r.red_sizes, scope, "r")
    inner = scope.with_temps(rnames + ["sl_q"])
    full: list = [None] * v.rank
    for k, e in zip(r.kept, kidx, strict=True):
        full[k] = e
    for k, e in zip(r.axes, syms(rnames), strict=True):
        full[k] = e
    x = _at(fn, v, full, inner, t if op not in ("argmax", "argmin") else idt, idt)
    if elem != idt:  # a float16 reduction of other elements: each rounds to float16
        x = convert(CVal(_at(fn, v, full, inner, elem, idt), strong(elem)), t)
    if op in ("argmax", "argmin"):
        xt = ctype(idt)
        cmp = ">" if op == "argmax" else "<"
        better = f"sl_x {cmp} sl_best"
        if idt.kind == "c":  # NumPy's lexicographic order (a NaN part is caught below)
            better = f"sl::c{'gt' if op == 'argmax' else 'lt'}(sl_x, sl_best)"
        w(f"{xt} sl_best = {xt}(0); int64_t sl_arg = -1, sl_pos = 0;")

        def body() -> None:
            w(f"const {xt} sl_x = {x};")
            w(f"if (sl_arg < 0 || (sl_best == sl_best && ({better} || "
              f"sl_x != sl_x))) {{ sl_best = sl_x; sl_arg = sl_pos; }}")
            w("++sl_pos;")

        _nest(fn, heads, body)
        w("sl_o[sl_q] = sl_arg < 0 ? 0 : sl_arg;")
        return
    seed = wcr_identity(op, t) if extremum else r.init
    w(f"{T} sl_acc = {seed if seed is not None else f'{T}(0)'};")
    if nan_flag:
        w("bool sl_nan = false;")
    if seed is None:
        w("bool sl_first = true;")

        def body() -> None:
            w(f"const {T} sl_x = {x};")
            w(f"sl_acc = sl_first ? sl_x : {_fold(op, 'sl_acc', 'sl_x', t.kind == 'c')}; "
              "sl_first = false;")
    else:  # (unsplit, max and min propagate a NaN themselves)
        def body() -> None:
            w(f"sl_acc = {_fold(op, 'sl_acc', x, t.kind == 'c')};")
    if split:
        # (a block's partial starts from the neutral element: a seed given as the
        # reduction's identity, NumPy's initial=, counts once, in sl_acc)
        part = f"{T}({0 if op == '+' else 1})" if op in ("+", "*") else seed
        heads, body = _split_fold(fn, op, T, part, heads, rnames[-1], r.red_sizes[-1], x,
                                  fn.idx(v.size(), scope) if whole else None, scope, nan_flag)
    _nest(fn, heads, body)
    if extremum:
        empty = " || ".join(f"{fn.idx(s, scope)} == 0" for s in r.red_sizes) or "false"
        w(f"if ({empty}) sl_acc = {T}(0);")
    if nan_flag:
        w(f"if (sl_nan) sl_acc = {literal(math.nan, t)};")
    w("sl_o[sl_q] = sl_acc;")


def _split_fold(fn: FnCtx, op: str, T: str, init: str, heads: list[str], last: str,
                last_size: sympy.Expr, x: str, work: str | None, scope: Scope,
                nan_flag: bool = False) -> tuple[list[str], Callable[[], None]]:
    """Loop heads and body folding `x` into `sl_acc` in regrouped order: the last reduced
    loop runs in blocks whose partial result is a vectorised local (an `omp simd` reduction
    straight into a thread's share is kept in memory by GCC, 4x slower); with `work`, the
    blocks are shared among threads. With `nan_flag` (max/min of floats), lanes compare
    plainly, which skips NaN, and raise `sl_nan` instead."""
    size = fn.idx(last_size, scope)
    flag = " reduction(|:sl_nan)" if nan_flag else ""
    outer = [*heads[:-1], f"for (int64_t sl_rb = 0; sl_rb < {size}; sl_rb += {FOLD_BLOCK})"]
    if work is not None:
        outer[0] = (f"#pragma omp parallel for reduction({op}:sl_acc){flag} "
                    f"if({work} > {PAR_MIN_WORK})\n{outer[0]}")
    inner = (f"#pragma omp simd reduction({op}:sl_part){flag}\n"
             f"for (int64_t {last} = sl_rb; {last} < std::min<int64_t>(sl_rb + {FOLD_BLOCK}, "
             f"{size}); ++{last})")

    def step() -> None:
        if not nan_flag:
            fn.w(f"sl_part = {_fold(op, 'sl_part', x)};")
            return
        fn.w(f"const {T} sl_x = {x};")
        fn.w(f"sl_part = sl_x {'>' if op == 'max' else '<'} sl_part ? sl_x : sl_part;")
        fn.w("sl_nan = sl_nan | (sl_x != sl_x);")

    def body() -> None:
        fn.w(f"{T} sl_part = {init};")
        _nest(fn, [inner], step)
        fn.w(f"sl_acc = {_fold(op, 'sl_acc', 'sl_part')};")

    return outer, body


# --- Transpose, Softmax -------------------------------------------------------------------------

def _transpose(fn: FnCtx, n: Transpose, ins: dict, outs: list, scope: Scope) -> None:
    v = _in_view(fn, ins, "inp")
    dt = _dt(fn, ins, "inp")
    perm = n._perm(v.rank)
    out_shape = [v.sizes[k] for k in perm]
    out, finish = output_pointer(fn, outs, "out", dt, out_shape, [ins["inp"].data], scope)
    w = fn.w
    w(f"{ctype(dt)}* const sl_o = {out};")
    heads, names = loops(fn, out_shape, scope, "t")
    inner = scope.with_temps(names)
    src_idx: list = [None] * v.rank
    for k, p in enumerate(perm):
        src_idx[p] = syms(names)[k]
    flat = sympy.Integer(0)
    for s, size in zip(syms(names), out_shape, strict=True):
        flat = flat * size + s
    if heads:
        _pragma(fn, scope, v.size())
    _nest(fn, heads, lambda: w(f"sl_o[{fn.idx(flat, inner)}] = "
                               f"{element(fn, v, src_idx, inner)};"))
    finish()


def _softmax(fn: FnCtx, n: Softmax, ins: dict, outs: list, scope: Scope) -> None:
    v = _in_view(fn, ins, "inp")
    dt = _dt(fn, ins, "inp")
    if dt.kind != "f" or dt == F16:
        raise UnsupportedError(f"Softmax of {dt} values (use float32 or float64)")
    T = ctype(dt)
    axis = n.axis % v.rank
    others = [k for k in range(v.rank) if k != axis]
    out, finish = output_pointer(fn, outs, "out", dt, list(v.sizes), [ins["inp"].data], scope)
    w = fn.w
    count = sympy.Integer(1)
    for k in others:
        count = count * v.sizes[k]
    w(f"{T}* const sl_o = {out};")
    _pragma(fn, scope, v.size())
    with w.block(f"for (int64_t sl_q = 0; sl_q < {fn.idx(count, scope)}; ++sl_q)"):
        qsym, tsym = sympy.Symbol("sl_q", integer=True), sympy.Symbol("sl_t", integer=True)
        oidx = unravel(qsym, [v.sizes[k] for k in others]) if len(others) > 1 else \
            ([qsym] if others else [])
        full: list = [None] * v.rank
        for k, e in zip(others, oidx, strict=True):
            full[k] = e
        full[axis] = tsym
        inner = scope.with_temps(["sl_q", "sl_t"])
        x = element(fn, v, full, inner)
        oflat = sympy.Integer(0)
        for k in range(v.rank):
            oflat = oflat * v.sizes[k] + full[k]
        o = f"sl_o[{fn.idx(oflat, inner)}]"
        L = fn.idx(v.sizes[axis], scope)
        w(f"{T} sl_m = {T}(0);")
        w(f"for (int64_t sl_t = 0; sl_t < {L}; ++sl_t) sl_m = sl_t == 0 ? {x} : "
          f"sl::maximum(sl_m, {x});")
        w(f"for (int64_t sl_t = 0; sl_t < {L}; ++sl_t) {o} = std::exp({x} - sl_m);")
        w(f"{T} sl_s = {T}(0);")
        w(f"for (int64_t sl_t = 0; sl_t < {L}; ++sl_t) sl_s += {o};")
        w(f"for (int64_t sl_t = 0; sl_t < {L}; ++sl_t) {o} = {o} / sl_s;")
    finish()


# --- SpMM -----------------------------------------------------------------------------------

def _spmm(fn: FnCtx, n: SpMM, ins: dict, outs: list, scope: Scope) -> None:
    name = ins["A"].data
    c = fn.container(name)
    if not isinstance(c, CSR):
        raise UnsupportedError(f"SpMM operand A must be a CSR matrix, got '{name}'")
    b = _in_view(fn, ins, "b")
    bdt = _dt(fn, ins, "b")
    t = np.result_type(c.dtype.numpy, bdt)
    T = ctype(t)
    K = b.sizes[1] if b.rank == 2 else sympy.Integer(1)
    R = c.cols if n.transpose_a else c.rows
    out_shape = [R] + ([K] if b.rank == 2 else [])
    out, finish = output_pointer(fn, outs, "c", t, out_shape, [name, ins["b"].data], scope)
    w = fn.w
    ip, ix, dv = (ident(f"{name}.{k}") for k in ("indptr", "indices", "data"))
    w(f"const int64_t sl_R = {fn.idx(R, scope)}, sl_K = {fn.idx(K, scope)};")
    w(f"{T}* const sl_o = {out};")
    w(f"std::fill(sl_o, sl_o + sl_R * sl_K, {T}(0));")
    pb = pointer(fn, b, scope)
    s0 = fn.idx(b.strides[0], scope)
    s1 = fn.idx(b.strides[1], scope) if b.rank == 2 else "0"
    first, last = f"{ip}[sl_r]", f"{ip}[sl_r + 1]"
    col, val, col_ok = f"{ix}[sl_p]", f"{dv}[sl_p]", ""
    # A.T @ b scatters row r of b into row col of the result; without it, row col of b is
    # gathered into row r
    reach = fn.idx(c.rows, scope) if n.transpose_a else fn.idx(b.sizes[0], scope)
    if bounds.enabled(fn):  # the CSR arrays' values are indices too: check what they address
        r, k = sympy.Symbol("sl_r", integer=True), sympy.Symbol("sl_p", integer=True)
        inner = scope.with_temps(["sl_r", "sl_p"])
        first = fn.element(f"{name}.indptr", [r], inner)
        last = fn.element(f"{name}.indptr", [r + 1], inner)
        col = fn.element(f"{name}.indices", [k], inner)
        val = fn.element(f"{name}.data", [k], inner)
        site = bounds.site(fn, outs[0].memlet.data if n.transpose_a else ins["b"].data)
        col_ok = (f"if (!sl::bounds_span({site}, 0, sl_col, sl_col, 1, "
                  f"{fn.idx(R, scope) if n.transpose_a else reach})) continue;")
    if n.transpose_a:
        _spmm_transposed(fn, scope, (first, last, col, val, col_ok), T, pb, s0, s1, reach)
    else:
        if not scope.in_parallel:
            w(f"#pragma omp parallel for schedule(dynamic, 64) if(sl_R * sl_K > {PAR_MIN_WORK})")
        with w.block("for (int64_t sl_r = 0; sl_r < sl_R; ++sl_r)"):
            with w.block(f"for (int64_t sl_p = {first}; sl_p < {last}; ++sl_p)"):
                w(f"const int64_t sl_col = {col};")
                if col_ok:
                    w(col_ok)
                w(f"const {T} sl_v = static_cast<{T}>({val});")
                w(f"for (int64_t sl_k = 0; sl_k < sl_K; ++sl_k) sl_o[sl_r * sl_K + sl_k] += "
                  f"sl_v * static_cast<{T}>({pb}[sl_col * {s0} + sl_k * {s1}]);")
    finish()


def _spmm_transposed(fn: FnCtx, scope: Scope, entry: tuple, T: str, pb: str, s0: str, s1: str,
                     rows: str) -> None:
    """`A.T @ b`: each stored entry (r, col) adds `v * b[r, :]` to row `col` of the result.
    Threads split the result's columns, so each element sums in entry order (np.add.at's)."""
    first, last, col, val, col_ok = entry
    w = fn.w
    if not scope.in_parallel:
        w(f"#pragma omp parallel for if(sl_R * sl_K > {PAR_MIN_WORK})")
    with w.block("for (int64_t sl_k = 0; sl_k < sl_K; ++sl_k)"):
        with w.block(f"for (int64_t sl_r = 0; sl_r < {rows}; ++sl_r)"):
            with w.block(f"for (int64_t sl_p = {first}; sl_p < {last}; ++sl_p)"):
                w(f"const int64_t sl_col = {col};")
                if col_ok:
                    w(col_ok)
                w(f"sl_o[sl_col * sl_K + sl_k] += static_cast<{T}>({val}) * "
                  f"static_cast<{T}>({pb}[sl_r * {s0} + sl_k * {s1}]);")


# --- SDDMM ----------------------------------------------------------------------------------

def _sddmm(fn: FnCtx, n: SDDMM, ins: dict, outs: list, scope: Scope) -> None:
    """One dot product per stored entry, its columns in order (as the reference adds)."""
    name = ins["A"].data
    c = fn.container(name)
    if not isinstance(c, CSR):
        raise UnsupportedError(f"SDDMM operand A must be a CSR matrix, got '{name}'")
    x, y, wv = (_in_view(fn, ins, k) for k in ("x", "y", "w"))
    t = np.result_type(_dt(fn, ins, "x"), _dt(fn, ins, "y"), _dt(fn, ins, "w"))
    T = ctype(t)
    out, finish = output_pointer(fn, outs, "c", t, [c.nnz],
                                 [name, ins["x"].data, ins["y"].data, ins["w"].data], scope)
    w = fn.w
    ip, ix = (ident(f"{name}.{k}") for k in ("indptr", "indices"))
    px, py, pw = (pointer(fn, v, scope) for v in (x, y, wv))
    xs0, xs1 = (fn.idx(s, scope) for s in x.strides)
    ys0, ys1 = (fn.idx(s, scope) for s in y.strides)
    ws0 = fn.idx(wv.strides[0], scope)
    w(f"const int64_t sl_R = {fn.idx(c.rows, scope)}, sl_K = {fn.idx(x.sizes[1], scope)};")
    w(f"{T}* const sl_o = {out};")
    if not scope.in_parallel:
        w(f"#pragma omp parallel for schedule(dynamic, 64) if(sl_R * sl_K > {PAR_MIN_WORK})")
    with w.block("for (int64_t sl_r = 0; sl_r < sl_R; ++sl_r)"):
        with w.block(f"for (int64_t sl_p = {ip}[sl_r]; sl_p < {ip}[sl_r + 1]; ++sl_p)"):
            w(f"const int64_t sl_col = {ix}[sl_p];")
            if bounds.enabled(fn):  # the column addresses a row of y
                w(f"if (!sl::bounds_span({bounds.site(fn, ins['y'].data)}, 0, sl_col, sl_col, "
                  f"1, {fn.idx(y.sizes[0], scope)})) continue;")
            w(f"{T} sl_acc = {T}(0);")
            w(f"for (int64_t sl_k = 0; sl_k < sl_K; ++sl_k) sl_acc += "
              f"static_cast<{T}>({px}[sl_r * {xs0} + sl_k * {xs1}]) * "
              f"static_cast<{T}>({py}[sl_col * {ys0} + sl_k * {ys1}]);")
            w(f"sl_o[sl_p] = static_cast<{T}>({pw}[sl_p * {ws0}]) * sl_acc;")
    finish()


_EMITTERS = {MatMul: _matmul, Reduce: _reduce, Transpose: _transpose, Softmax: _softmax,
             SpMM: _spmm, SDDMM: _sddmm}
