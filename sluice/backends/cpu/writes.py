"""Reading and writing single elements through memlets: casts, wcr, atomics, streams.

A write casts to the container's type as NumPy assignment does. A write-conflict resolution
combines like the interpreter: inside a batched map it casts the value first and combines in
the container's type (`ufunc.at(arr, idx, val.astype(arr.dtype))`), elsewhere it combines with
NumPy promotion and then casts. A combine that other threads may race on becomes an OpenMP
atomic (+ and * on reals), a compare-and-swap loop (max, min, cast-exact updates) or a
critical section (complex values).
"""

from __future__ import annotations

import math

import numpy as np
import sympy

from sluice.backends.cpu.analysis import is_stream, pinned
from sluice.backends.cpu.cexpr import CVal, _Lower, convert, literal, strip_parens
from sluice.backends.cpu.ctypes_map import ctype, strong
from sluice.backends.cpu.emit import FnCtx, Scope, ident
from sluice.errors import UnsupportedError
from sluice.ir.data import Scalar
from sluice.ir.memlet import Index, Memlet, Range

WCR = {"+": ("+", np.add), "*": ("*", np.multiply), "max": ("sl::maximum", np.maximum),
       "min": ("sl::minimum", np.minimum)}


def combine(op: str, a: CVal, b: CVal) -> CVal:
    """`a (op) b` with NumPy typing, for a wcr operator."""
    sym, ufunc = WCR[op]
    return _Lower({}).binary(sym, ufunc, a, b)


def element_indices(fn: FnCtx, m: Memlet, what: str) -> list[object]:
    """Indices of the single element a tasklet memlet addresses."""
    c = fn.container(m.data)
    rank = len(c.shape)
    if isinstance(c, Scalar) or rank == 0:
        return []
    if len(m.subset) != rank:
        raise UnsupportedError(f"{what} addresses '{m.data}' with {len(m.subset)} of its {rank} "
                               "dimensions; a tasklet memlet must address one element")
    out: list[object] = []
    for d in m.subset:
        if isinstance(d, Index):
            out.append(d.index)
        elif isinstance(d, Range) and d.size() == 1:
            out.append(d.start)
        else:
            raise UnsupportedError(f"{what} reads a range of '{m.data}'; tasklet memlets address "
                                   "one element")
    return out


def stream_ref(fn: FnCtx, name: str, indices: list[object], scope: Scope) -> str:
    c = fn.container(name)
    if not c.shape:
        return ident(name)
    return fn.element(name, indices, scope)


def combine_into(fn: FnCtx, target: str, op: str, dt: np.dtype, value: str) -> None:
    """`target = target (op) value`, both of type `dt` (a reduction's partial result)."""
    new = combine(op, CVal(target, strong(dt)), CVal(value, strong(dt)))
    fn.w(f"{target} = {strip_parens(new.text)};")


def wcr_identity(op: str, dt: np.dtype) -> str:
    """The C++ value `op` (+, *, max, min) leaves every `dt` value unchanged with."""
    if op in ("+", "*"):
        return literal(0 if op == "+" else 1, dt)
    t = ctype(dt)
    if dt.kind == "f":
        return literal(-math.inf if op == "max" else math.inf, dt)
    if dt.kind == "b":
        return "false" if op == "max" else "true"
    return f"std::numeric_limits<{t}>::{'lowest' if op == 'max' else 'max'}()"


def read_element(fn: FnCtx, m: Memlet, scope: Scope, what: str) -> CVal:
    c = fn.container(m.data)
    vt = strong(c.dtype)
    if is_stream(fn.program, m.data):
        idx = element_indices(fn, m, what)
        return CVal(f"{stream_ref(fn, m.data, idx, scope)}.pop()", vt)
    lhs = fn.element(m.data, element_indices(fn, m, what), scope)
    return CVal(lhs, vt)


def write_element(fn: FnCtx, m: Memlet, val: CVal, scope: Scope, what: str) -> None:
    c = fn.container(m.data)
    dt = c.dtype.numpy
    w = fn.w
    if is_stream(fn.program, m.data):
        _push(fn, m, convert(val, dt), scope)
        return
    lhs = fn.element(m.data, element_indices(fn, m, what), scope)
    if m.wcr is None:
        w(f"{lhs} = {strip_parens(convert(val, dt))};")
        return
    def combined(old_text: str) -> str:
        old = CVal(old_text, strong(dt))
        if scope.batched:
            new = combine(m.wcr, old, CVal(convert(val, dt), strong(dt)))
        else:
            new = combine(m.wcr, old, val)
        return strip_parens(convert(new, dt))

    if not conflicts(fn, m, scope):
        w(f"{lhs} = {combined(lhs)};")
        return
    if getattr(fn.module, "in_kernel", False):  # GPU threads: compare-and-swap the element
        t = ctype(dt)
        w(f"sl::gpu_atomic_update(&{lhs}, [&]({t} sl_old) {{ return {t}({combined('sl_old')}); "
          "});")
        return
    if dt.kind == "c":
        w("#pragma omp critical(sl_wcr)")
        w(f"{lhs} = {combined(lhs)};")
    elif scope.batched and m.wcr in ("+", "*") and dt.kind in "fiu" and dt.itemsize >= 4:
        w("#pragma omp atomic")
        w(f"{lhs} {m.wcr}= {strip_parens(convert(val, dt))};")
    else:
        t = ctype(dt)
        w(f"sl::atomic_update(&{lhs}, [&]({t} sl_old) {{ return {t}({combined('sl_old')}); }});")


def conflicts(fn: FnCtx, m: Memlet, scope: Scope) -> bool:
    """Whether threads of the enclosing parallel loops may combine into one element."""
    parallel = scope.parallel - scope.proven  # (proven ones: threads never share an element)
    if not parallel:
        return False
    if m.data in scope.redirect:
        return False  # a per-thread reduction variable or accumulator
    if isinstance(fn.container(m.data), Scalar):
        return True
    others = set(scope.params) - set(parallel)
    return not pinned(m.subset, parallel, others)


def _push(fn: FnCtx, m: Memlet, value: str, scope: Scope) -> None:
    """Push to one stream element, or to each element of a range (a multicast)."""
    c = fn.container(m.data)
    if not c.shape or all(isinstance(d, Index) for d in m.subset):
        idx = [d.index for d in m.subset] if c.shape else []
        fn.w(f"{stream_ref(fn, m.data, idx, scope)}.push({value});")
        return
    v = fn.tmp("v")
    fn.w(f"const auto {v} = {value};")
    loops = []
    idx: list[object] = []
    names: list[str] = []
    for d in m.subset:
        if isinstance(d, Index):
            idx.append(d.index)
        else:
            var = fn.tmp("k")
            loops.append(f"for (int64_t {var} = {fn.idx(d.start, scope)}; {var} < "
                         f"{fn.idx(d.stop, scope)}; {var} += {fn.idx(d.step, scope)})")
            idx.append(_sym(var))
            names.append(var)
    for head in loops:
        fn.w(head + " {")
        fn.w.depth += 1
    inner = scope.with_temps(names)
    fn.w(f"{stream_ref(fn, m.data, idx, inner)}.push({v});")
    for _ in loops:
        fn.w.depth -= 1
        fn.w("}")


def _sym(name: str) -> sympy.Symbol:
    return sympy.Symbol(name, integer=True)
