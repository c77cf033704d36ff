"""What a Python expression evaluates to while a function is traced.

* `Sym` — a trace-time scalar: a Python constant or a symbolic expression over program symbols
  (sizes, loop variables, integer scalars); it costs nothing at run time.
* `View` — a strided view of a container (slices, indices, new axes, transposes).
* `Elem` — a lazy element-wise expression over views, materialised by one map when needed.
* `Py` — a plain Python object the tracer reasons about (modules, functions, dtypes, None).
Tuples of values are Python tuples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy

from sluice.errors import SluiceTypeError, UnsupportedError
from sluice.ir import exact as X
from sluice.ir.dtypes import DType
from sluice.ir.symbolic import CASTS, Expr, as_expr, symbol, value


@dataclass(frozen=True)
class Sym:
    expr: Expr
    dtype: DType
    weak: bool = True  # a Python scalar: NumPy lets the other operand's type win

    @property
    def shape(self) -> tuple:
        return ()

    @property
    def constant(self) -> Any:
        """The Python value if the expression is a plain number or boolean, else None."""
        v = X.const_value(self.expr)
        if v is not None:
            return v
        if self.expr.is_Rational:
            return float(self.expr)
        return None


def const(v: Any) -> Sym:
    """A Python (or NumPy) scalar as a trace-time value."""
    if isinstance(v, np.generic):
        return Sym(as_expr(v.item()), DType.of(v.dtype), weak=False)
    if isinstance(v, int) and not isinstance(v, bool) and not -2**63 <= v < 2**63:
        raise SluiceTypeError(f"Python integer {v} does not fit int64, the type of Python "
                              "ints in compiled code", hint="NumPy cannot store it either; "
                              "use a float, or np.uint64(...) for values up to 2**64 - 1")
    return Sym(as_expr(v), DType.of(v), weak=True)


@dataclass(frozen=True)
class Rng:
    """One base dimension of a view seen through a slice: index = start + step * v."""

    start: Expr
    step: Expr
    size: Expr


@dataclass(frozen=True)
class View:
    data: str
    dtype: DType
    dims: tuple[Any, ...]  # per base dimension: an Expr (a fixed index) or an Rng
    axes: tuple[int | None, ...]  # per view dimension: the Rng base dimension, or None (new axis)
    owned: bool = False  # a fresh whole temporary that no other name refers to
    weak: bool = False  # a Python scalar argument (weak in NumPy's promotion)
    # Selected by integer indices alone (`A[i, j]`, `x0d[()]`): NumPy gives a scalar, a copy;
    # `A[i, j, ...]` and a 0-d array itself are 0-d arrays that names share.
    element: bool = False

    @property
    def shape(self) -> tuple[Expr, ...]:
        return tuple(self.dims[a].size if a is not None else sympy.Integer(1) for a in self.axes)

    @property
    def whole(self) -> bool:
        """The view is the entire container in its natural order."""
        return (self.axes == tuple(range(len(self.dims)))
                and all(isinstance(d, Rng) and d.start == 0 and d.step == 1 for d in self.dims))

    @property
    def plain(self) -> bool:
        """Expressible as a memlet subset: positive steps, no new axes, natural axis order."""
        ranges = [a for a in self.axes if a is not None]
        return (None not in self.axes and ranges == sorted(ranges)
                and all(not isinstance(d, Rng) or (d.step.is_number and d.step > 0)
                        for d in self.dims))

    def index_exprs(self, params: list[Expr]) -> tuple[Expr, ...]:
        """Base indices of the element at view position `params`."""
        out: list[Expr] = []
        pos = {a: k for k, a in enumerate(self.axes) if a is not None}
        for b, d in enumerate(self.dims):
            if isinstance(d, Rng):
                out.append(d.start + d.step * params[pos[b]])
            else:
                out.append(d)
        return tuple(out)


@dataclass
class Elem:
    """A lazy element-wise value; `expr` reads connectors (value symbols named in `reads`)
    and placeholders `_p0, _p1, ...` that stand for the element's own position."""

    shape: tuple[Expr, ...]
    dtype: DType
    expr: Expr
    reads: dict[str, tuple[str, tuple[Expr, ...]]] = field(default_factory=dict)
    weak: bool = False
    # (data, "real part"): NumPy's result is a view of that array (viewcopies.py)
    view_of: tuple[str, str] | None = None


HINT = ("a selection x[mask] can be reduced (sum, mean, max, ...), combined element-wise "
        "with numbers and with selections by the same mask, or stored through the same "
        "mask (x[mask] = v); for other uses, np.where(mask, x, ...) keeps the shape")


@dataclass(frozen=True, eq=False)
class Masked:
    """The elements of `values` where `mask` holds, in C order (NumPy's `x[mask]`)."""

    values: Elem
    mask: Elem
    weak: bool = field(default=False)

    @property
    def dtype(self) -> DType:
        return self.values.dtype

    @property
    def shape(self) -> tuple:
        raise UnsupportedError("the length of a masked selection x[mask] is only known "
                               "while the function runs; it cannot be used here", hint=HINT)


def same(a: Elem, b: Elem) -> bool:
    """Two masks that read the same elements the same way (connectors renamed)."""
    def canonical(e: Elem) -> Any:
        sub = {value(c): sympy.Symbol(f"{d}@{idx}") for c, (d, idx) in e.reads.items()}
        return e.shape, e.expr.xreplace(sub)
    return canonical(a) == canonical(b)


def involved(operands: Any) -> bool:
    """Some operand is a selection `x[mask]` (or a tuple holding one)."""
    return any(isinstance(o, Masked) or (isinstance(o, tuple) and involved(o))
               for o in operands)


def lift(fn, operands: list[Any], what: str) -> Masked:
    """`fn` (an element-wise operation) applied to selections by one mask and numbers."""
    mask = next(o.mask for o in operands if isinstance(o, Masked))
    plain = []
    for o in operands:
        if isinstance(o, Masked):
            if not same(o.mask, mask):
                raise UnsupportedError(f"{what} of selections by different masks is not "
                                       "supported (their lengths may differ)", hint=HINT)
            plain.append(o.values)
        elif is_array(o):
            raise UnsupportedError(f"{what} of a masked selection x[mask] and an array is "
                                   "not supported (NumPy needs the array to have the "
                                   "selection's run-time length)", hint=HINT)
        else:
            plain.append(o)
    out = fn(*plain)
    if isinstance(out, Masked):
        return out
    return Masked(to_elem(out), mask)




@dataclass(frozen=True)
class Py:
    obj: Any


def placeholder(k: int) -> sympy.Symbol:
    return symbol(f"_p{k}")


_counter = [0]


def fresh_conn() -> str:
    _counter[0] += 1
    return f"_c{_counter[0]}"


def reindexed(e: Elem, sub: dict, shape: tuple) -> Elem:
    """`e` with its position placeholders replaced by `sub` (in its expression and in the
    indices it reads), as an expression of `shape`."""
    reads = {c: (d, tuple(sympy.sympify(i).xreplace(sub) for i in idx))
             for c, (d, idx) in e.reads.items()}
    return Elem(shape, e.dtype, e.expr.xreplace(sub), reads, e.weak)


def is_array(v: Any) -> bool:
    return isinstance(v, View | Elem) and len(v.shape) > 0


def is_element(v: Any) -> bool:
    """One element of an array, selected by an integer index per dimension: NumPy gives a
    NumPy scalar, a copy that later writes to the array do not change (a 0-d array of its
    own, `np.zeros(())` or a 0-d argument, is no element: names bound to it share it)."""
    return isinstance(v, View) and not v.axes and v.element


def is_scalar(v: Any) -> bool:
    return isinstance(v, Sym) or (isinstance(v, View | Elem) and len(v.shape) == 0)


def view_elem(v: View) -> Elem:
    """The element-wise reading of a view."""
    c = fresh_conn()
    ps = [placeholder(k) for k in range(len(v.axes))]
    return Elem(v.shape, v.dtype, value(c), {c: (v.data, v.index_exprs(ps))}, weak=v.weak)


def to_elem(v: Any) -> Elem:
    if isinstance(v, Elem):
        return v
    if isinstance(v, View):
        return view_elem(v)
    if isinstance(v, Sym):
        expr = CASTS[v.dtype.value](v.expr) if narrow_symbol(v) else wrapping(v)
        return Elem((), v.dtype, expr, {}, weak=v.weak)
    if isinstance(v, Masked):
        raise UnsupportedError("a masked selection x[mask] cannot be used here", hint=HINT)
    raise TypeError(v)


def wrapping(v: Sym) -> Expr:
    """The expression of `v` with the symbols of a NumPy int64 scalar read as int64 values:
    NumPy's int64 arithmetic wraps, and so does element-wise code then on every target (the
    interpreter's symbols are Python ints; the generated code's int64s wrap anyway)."""
    if v.weak or v.dtype != DType.int64 or not v.expr.free_symbols:
        return v.expr
    return v.expr.xreplace({s: CASTS["int64"](s) for s in v.expr.free_symbols})


def narrow_symbol(v: Any) -> bool:
    """A run-time integer of a type other than int64 (an `np.int32` argument): its symbol
    holds the value as int64 for sizes and loops, but its arithmetic wraps in its own type,
    so it is computed element-wise, never folded symbolically."""
    return (isinstance(v, Sym) and v.dtype.is_integer and v.dtype != DType.int64
            and not v.expr.is_number)


# The Python type of a Python number of each NumPy kind.
PYTHON_TYPE = {"b": bool, "i": int, "u": int, "f": float, "c": complex}


def python_lacks(v: Any, attr: str) -> str | None:
    """For a Python number (a weak scalar), Python's error for an attribute its type lacks
    (`x.T` of a float raises AttributeError; an np.float64 has it), else None."""
    if not getattr(v, "weak", False) or getattr(v, "shape", ()) != ():
        return None
    kind = PYTHON_TYPE[v.dtype.numpy.kind]
    if hasattr(kind(1), attr):
        return None
    return f"'{kind.__name__}' object has no attribute '{attr}'"
