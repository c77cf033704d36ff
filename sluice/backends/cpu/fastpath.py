"""A per-signature Python function for warm calls, generated once at load time.

Straight-line code with the checks of one signature baked in (dtype identity, rank,
C-contiguity, writability, shape agreement, symbols bound or solved from shapes) is several
times faster than interpreting a plan. It only ever *accepts*: anything it does not
recognise returns `MISS`, and the thorough path then raises the precise error or calls.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy

try:
    from numpy.lib.array_utils import byte_bounds
except ImportError:  # NumPy 1.x (the benchmark environment, for DaCe): still np.byte_bounds
    byte_bounds = np.byte_bounds

from sluice.backends.cpu.signature import Param
from sluice.ir.data import CSR, Array, Scalar
from sluice.ir.program import Program
from sluice.ir.symbolic import HELPERS, _NumpyPrinter
from sluice.layouts import strides_fit

MISS = object()
_INT_RANGE = {k: (int(np.iinfo(k).min), int(np.iinfo(k).max))
              for k in ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")}


class _PyPrinter(_NumpyPrinter):
    """Python integer arithmetic over `s_<symbol>` variables."""

    def name(self, n: str) -> str:
        return f"s_{n}"


_PY = _PyPrinter()


def _int_code(expr: sympy.Expr) -> str:
    return f"int({_PY(expr)})"


def make_fast_path(p: Program, sig: list[Param], written: set[str], needed: set[str],
                   cfunc: Any, fail: Callable[[int], None],
                   allocs: list[Callable[[tuple, Any], np.ndarray]],
                   strided: frozenset[str] = frozenset()) -> Callable[..., Any] | None:
    """`strided`: array arguments taken in any layout (their strides are passed too)."""
    if any(isinstance(p.data.get(a), CSR) for a in p.args):
        return None
    lines: list[str] = []
    consts: dict[str, Any] = {"ND": np.ndarray, "MISS": MISS, "CF": cfunc, "FAIL": fail,
                              "ADDR": ctypes.addressof, "FITS": strides_fit,
                              "BOUNDS": byte_bounds,
                              "SHARE": ctypes.c_char.from_buffer, "np": np, "F16": np.float16}
    bound: set[str] = set()
    direct: set[str] = set()  # symbols that are an argument's dimension (never negative)
    late: list[tuple[int, int, sympy.Expr]] = []
    names = [f"a{i}" for i in range(len(p.args))]
    for i, a in enumerate(p.args):
        c = p.data.get(a)
        v = names[i]
        if c is None:  # a symbol passed positionally
            lines.append(f"if type({v}) is not int: return MISS")
            lines.append(f"s_{a} = {v}")
            bound.add(a)
            continue
        if isinstance(c, Scalar):
            dt = c.dtype.value
            if c.dtype.is_complex:
                return None
            if dt == "float16":  # rounded to half as NumPy does, then passed as a float
                lines.append(f"if type({v}) is not float and type({v}) is not int and "
                             f"type({v}) is not F16: return MISS")
                lines.append(f"{v} = float(F16({v}))")
            elif dt in ("float32", "float64"):
                lines.append(f"if type({v}) is not float and type({v}) is not int: return MISS")
            elif dt == "bool":
                lines.append(f"if type({v}) is not bool: return MISS")
            else:
                lo, hi = _INT_RANGE[dt]
                lines.append(f"if type({v}) is not int or not {lo} <= {v} <= {hi}: return MISS")
            continue
        consts[f"DT{i}"] = c.dtype.numpy
        lines.append(f"if type({v}) is not ND or {v}.dtype is not DT{i} or {v}.ndim != "
                     f"{len(c.shape)}: return MISS")
        lines.append(f"fl = {v}.flags")
        need_w = " and fl.writeable" if a in written else ""
        if a in strided:
            lines.append(f"if not (FITS({v}, {a in written}){need_w}): return MISS")
            lines += [f"st{i}_{k} = {v}.strides[{k}] // {c.dtype.numpy.itemsize}"
                      for k in range(len(c.shape))]
        else:
            lines.append(f"if not (fl.c_contiguous and fl.aligned{need_w}): return MISS")
        for axis, d in enumerate(c.shape):
            if d.is_Integer:
                lines.append(f"if {v}.shape[{axis}] != {int(d)}: return MISS")
            elif d.is_Symbol and d.name in bound:
                lines.append(f"if {v}.shape[{axis}] != s_{d.name}: return MISS")
            elif d.is_Symbol:
                lines.append(f"s_{d.name} = {v}.shape[{axis}]")
                bound.add(d.name)
                direct.add(d.name)
            else:
                late.append((i, axis, d))
        if a in strided:  # (ctypes shares contiguous buffers only)
            lines.append(f"p{i} = {v}.ctypes.data")
            lines.append(f"lo{i}, hi{i} = BOUNDS({v})")
        else:
            lines.append(f"p{i} = ADDR(SHARE({v})) if fl.writeable and {v}.size else "
                         f"{v}.ctypes.data")
            lines.append(f"lo{i}, hi{i} = p{i}, p{i} + {v}.nbytes")
    # Overlapping arrays where one is written: the thorough path decides (and refuses).
    arrays = [(i, a) for i, a in enumerate(p.args)
              if isinstance(p.data.get(a), Array) and p.data[a].shape]
    for k, (i, a) in enumerate(arrays):
        for j, b in arrays[k + 1:]:
            if a in written or b in written:
                lines.append(f"if lo{i} < hi{j} and lo{j} < hi{i}: return MISS")
    # Dimensions like N + 2: solve once for a symbol no plain dimension binds, then check all.
    for i, axis, d in late:
        unknown = [s for s in d.free_symbols if s.name not in bound]
        if len(unknown) == 1:
            size = sympy.Symbol("sl_size", integer=True)
            sol = sympy.solve(sympy.Eq(d, size), unknown[0])
            if len(sol) != 1:
                return None
            code = _int_code(sol[0]).replace("s_sl_size", f"{names[i]}.shape[{axis}]")
            lines.append(f"s_{unknown[0].name} = {code}")
            bound.add(unknown[0].name)
    for i, axis, d in late:
        if {s.name for s in d.free_symbols} - bound:
            return None
        lines.append(f"if {names[i]}.shape[{axis}] != {_int_code(d)}: return MISS")
    if needed - bound:
        return None  # some symbol must come by keyword: the thorough path handles it
    # What the program assumes of the sizes (Program.requires); the thorough path explains.
    for r in p.requires:
        if not r.names <= bound:
            return None
        lines.append(f"if not ({_PY(r.lhs)} {r.op} {_PY(r.rhs)}): return MISS")
    shape_symbols = {sympy.Symbol(n) for n in direct}
    rets = []
    for k, r in enumerate(p.returns):
        c = p.data[r]
        consts[f"RT{k}"], consts[f"AL{k}"] = c.dtype.numpy, allocs[k]
        shape = ", ".join(_int_code(d) for d in c.shape)
        for d in c.shape:  # a size solved from another (N from len(x) = N + 2) may be < 0
            if not d.is_Integer and d not in shape_symbols:
                lines.append(f"if {_int_code(d)} < 0: return MISS")
        lines.append(f"r{k} = AL{k}(({shape}{',' if len(c.shape) == 1 else ''}), RT{k})")
        lines.append(f"q{k} = ADDR(SHARE(r{k})) if r{k}.size else r{k}.ctypes.data")
        rets.append(f"r{k}[()]" if not c.shape else f"r{k}")
    cargs = []
    index = {a: i for i, a in enumerate(p.args)}
    for prm in sig:
        if prm.kind == "stride":
            cargs.append(f"st{index[prm.name]}_{prm.axis}")
        elif prm.kind == "symbol":
            cargs.append(f"s_{prm.name}" if prm.name in bound else "0")
        elif prm.role == "ret":
            cargs.append(f"q{p.returns.index(prm.name)}")
        elif prm.kind == "scalar":
            cargs.append(names[index[prm.name]])
        else:
            cargs.append(f"p{index[prm.name]}")
    lines.append(f"rc = CF({', '.join(cargs)})")
    lines.append("if rc: FAIL(rc)")
    if not rets:
        lines.append("return None")
    else:
        lines.append(f"return {rets[0]}" if len(rets) == 1 else f"return ({', '.join(rets)})")
    src = f"def fast({', '.join(names)}):\n" + "\n".join("    " + ln for ln in lines) + "\n"
    scope: dict[str, Any] = {**HELPERS, **consts}
    exec(compile(src, f"<sluice fast path of {p.name}>", "exec"), scope)  # noqa: S102
    fast = scope["fast"]
    fast.source = src
    return fast
