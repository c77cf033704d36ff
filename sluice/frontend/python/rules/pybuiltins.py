"""Python builtins (len, abs, min, max, float, int, bool), NumPy scalar types, and `.item()`,
which turns an element into a Python number."""

from __future__ import annotations

import ast
import builtins
import dataclasses
import itertools

import numpy as np
import sympy

from sluice.errors import SluiceError, SluiceTypeError, UnsupportedError
from sluice.frontend.python import ops, setitem
from sluice.frontend.python.rules.reductions import reduction
from sluice.frontend.python.rules.table import (
    BUILTINS,
    FUNCTIONS,
    METHODS,
    register,
    value,
)
from sluice.frontend.python.values import (
    Sym,
    const,
    is_array,
    is_scalar,
)
from sluice.ir import exact as X
from sluice.ir.dtypes import DType
from sluice.ir.symbolic import Select, provably_differ


@register(BUILTINS, builtins.len)
def _len(tr, node, a):
    if isinstance(a, tuple):
        return const(len(a))
    a = value(tr, node, a)
    if not a.shape:
        raise SluiceTypeError("len() of a scalar", tr.loc(node))
    return Sym(a.shape[0], DType.int64)


@register(BUILTINS, builtins.abs)
def _abs(tr, node, a):
    v = value(tr, node, a)
    if v.dtype.is_complex and not v.shape:
        # abs() of a complex scalar is NumPy's scalar arithmetic: hypot of the parts (the
        # array loop of np.abs rounds otherwise)
        part = DType.float32 if v.dtype == DType.complex64 else DType.float64
        return ops.elementwise(lambda x: X.call("hypot", X.call("real", x),
                                                X.call("imag", x)), [v], part, numeric=False)
    if isinstance(v, Sym) and v.weak and v.dtype == DType.int64 and v.constant is None:
        ops.require_fits_int64(sympy.Abs(v.expr))  # abs(-2**63) is 2**63 in Python
    if v.weak and v.dtype == DType.bool:  # Python's abs(True) is the int 1
        v = ops.cast(v, DType.int64)
        return ops.elementwise(lambda x: X.call("abs", x), [v], DType.int64)
    return FUNCTIONS[np.abs](tr, node, a)


@register(BUILTINS, builtins.float, builtins.int, builtins.bool)
def _scalar_cast(tr, node, a=None):
    to = {"float": DType.float64, "int": DType.int64, "bool": DType.bool}[tr.callee_name(node)]
    a = const(0) if a is None else value(tr, node, a)
    if is_array(a):
        raise SluiceTypeError(f"{tr.callee_name(node)}() of an array", tr.loc(node))
    if to == DType.int64 and a.dtype.is_complex:
        raise SluiceTypeError("int() of a complex number (Python raises TypeError)",
                              tr.loc(node), hint="take .real first")
    if to == DType.int64 and a.dtype.is_float and getattr(a, "constant", None) is None:
        _require_int64_float(a)
    res = ops.cast(a, to)
    if isinstance(res, Sym):
        return Sym(res.expr, to, weak=True)
    return dataclasses.replace(res, weak=True)  # a Python number: weak in NumPy 2


def _require_int64_float(a) -> None:
    """int() of a float is exact in Python, however large, and raises for NaN and inf; in
    compiled code it is an int64, so a value outside [-2**63, 2**63) stops the program."""
    lo, hi = X.literal(-2.0**63), X.literal(2.0**63)  # (both exact doubles)
    ok = ops.elementwise(lambda x: X.and_(X.compare(X.Ge2, x, lo), X.compare(X.Lt2, x, hi)),
                         [a], DType.bool, numeric=False)
    ops.require_value(ok, "int() of a float that is NaN, infinite or beyond int64 (Python "
                      "raises, or gives an int that compiled code cannot hold)")


@register(BUILTINS, builtins.min, builtins.max)
def _minmax(tr, node, *args):
    if len(args) == 1:
        return reduction("max" if tr.callee_name(node) == "max" else "min")(tr, node, args[0])
    vals = [value(tr, node, a) for a in args]
    if any(is_array(v) for v in vals):
        raise SluiceTypeError("min()/max() of arrays is ambiguous", tr.loc(node),
                              hint="use np.minimum / np.maximum")
    # Python's min/max return one of their arguments unchanged, so where the arguments'
    # types differ the result's type depends on the values: no single compiled type.
    kinds = {(v.dtype if not v.weak else DType.of(np.result_type(
        {"b": False, "i": 0, "u": 0, "f": 0.0, "c": 0j}[v.dtype.numpy.kind]))) for v in vals}
    if len(kinds) > 1:
        raise SluiceTypeError(
            f"{tr.callee_name(node)}() of a {' and a '.join(sorted(map(str, kinds)))}: "
            "Python returns one argument as it is, so the result's type would depend on "
            "the values", tr.loc(node),
            hint="use np.maximum / np.minimum, which promote, or convert the arguments "
                 "to one type")
    if vals[0].dtype.is_complex:
        raise SluiceTypeError("min()/max() of complex numbers (Python cannot order them)",
                              tr.loc(node))
    better = X.Gt2 if tr.callee_name(node) == "max" else X.Lt2

    def pick(*xs):
        # Python's max/min: a later argument replaces the best so far only if it compares
        # greater (less), so NaN arguments behave as in Python, not as np.maximum.
        best = xs[0]
        for x in xs[1:]:
            best = Select(X.compare(better, x, best), x, best)
        return best

    return ops.elementwise(pick, vals, ops.promote(vals))


@register(BUILTINS, builtins.round)
def _round(tr, node, a):
    raise UnsupportedError("round() is not supported", tr.loc(node), hint="use np.floor(x + 0.5)")


def _numpy_scalar(dtype: DType):
    def rule(tr, node, a):
        v = value(tr, node, a)
        if is_scalar(v):  # a Python number goes through int(): NaN, inf, out of range stop
            setitem.check_scalar_store(v, dtype, tr.em.arrays0d, numpy_scalars=False,
                                       what=f"the argument of np.{dtype}()")
        res = ops.cast(v, dtype)
        if isinstance(res, Sym):
            return Sym(res.expr, dtype, weak=False)
        return dataclasses.replace(res, weak=False)
    return rule


for _t in (np.float64, np.float32, np.float16, np.complex128, np.complex64, np.int64, np.int32,
           np.int16, np.int8, np.uint64, np.uint32, np.uint16, np.uint8, np.bool_):
    FUNCTIONS[_t] = _numpy_scalar(DType.of(np.dtype(_t)))


# --- a.item(): one element as a Python number -------------------------------------------------

_PYTHON_KIND = {"b": DType.bool, "i": DType.int64, "u": DType.int64, "f": DType.float64,
                "c": DType.complex128}
_ITEM_SIZE = "can only convert an array of size 1 to a Python scalar (NumPy raises ValueError)"


def _item(tr, node, a, *index):
    """`a.item(*index)`: the element as a Python bool, int, float or complex (weak in NumPy
    2's promotion). No index: `a` must hold one element; one index into an array of another
    rank counts in C order; otherwise one index per axis. Indices follow NumPy's rules."""
    v = value(tr, node, a)
    if not index:
        size = sympy.Mul(*v.shape)
        if provably_differ(size, 1):
            raise SluiceError(_ITEM_SIZE, tr.loc(node), hint="pick the element: a.item(k) "
                              "counts in C order, a.item(i, j) indexes each axis")
        if not (size == 1):
            tr.em.require(size, "==", 1, _ITEM_SIZE)
        index = (const(0),) * len(v.shape)
    elif len(index) == 1 and len(v.shape) != 1:
        v = METHODS["ravel"](tr, node, v)
    elif len(index) != len(v.shape):
        raise SluiceError(f"incorrect number of indices for .item(): {len(index)} for an "
                          f"array of {len(v.shape)} dimensions", tr.loc(node),
                          hint="give one index per axis, or one index counting in C order")
    if index:
        v = _subscript(tr, node, v, index)
    to = _PYTHON_KIND[v.dtype.numpy.kind]
    if v.dtype == DType.uint64:  # a Python int holds it; compiled code, only below 2**63
        ok = ops.elementwise(lambda x: X.compare(X.Lt2, x, X.literal(2**63)), [v],
                             DType.bool, numeric=False)
        ops.require_value(ok, "a uint64 item beyond int64 (Python's ints are unbounded; "
                          "compiled code holds them in int64)")
    res = ops.cast(v, to)
    if isinstance(res, Sym):
        return Sym(res.expr, to, weak=True)
    return dataclasses.replace(res, weak=True)


def _subscript(tr, node, v, index):
    """`v[index]` under NumPy's indexing rules (the indices are traced values)."""
    names = [f"#item{next(_ITEMS)}" for _ in range(len(index) + 1)]
    for n, x in zip(names, (v, *index), strict=True):
        tr.frame.env[n] = x
    at = ast.Subscript(value=ast.Name(id=names[0], ctx=ast.Load()),
                       slice=ast.Tuple(elts=[ast.Name(id=n, ctx=ast.Load()) for n in names[1:]],
                                       ctx=ast.Load()), ctx=ast.Load())
    ast.fix_missing_locations(ast.copy_location(at, node))
    for n in ast.walk(at):
        ast.copy_location(n, node)
    return tr.ev(at)


_ITEMS = itertools.count()
METHODS["item"] = _item
