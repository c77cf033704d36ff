"""Boolean mask indexing: `x[m]` as a lazy selection, and `x[m] = v`.

NumPy's `x[m]`, for a boolean array `m` of `x`'s shape, is a new 1-D array of the selected
elements in C order; its length is known only at run time. sluice keeps it lazy, as a
`Masked` value (the values over `x`'s whole shape, and the mask) and lowers what NumPy
programs do with one without compressing anything:

* element-wise arithmetic and ufuncs with scalars and with selections by the same mask
  (`Z[I] ** 2 + C[I]`) give a `Masked` value of that mask;
* a store through the mask, `x[m] = v` with a scalar, a size-1 array or a selection by the
  same mask, writes `where(m, v, x)`;
* reductions (`sum`, `prod`, `mean`, `max`, `min`, `any`, `all`) reduce `where(m, v, fill)`
  with a fill that changes nothing (-0.0 for a sum, -inf for a max), `mean` divides by the
  number of selected elements, and the max or min of nothing stops as NumPy raises.

Masks are the same when their expressions read the same elements in the same way (the two
`x > 0` of `x[x > 0] = x[x > 0] ** -1.5`). Everything else (returning a selection, its shape,
combining it with an unmasked array) is refused with a hint.
"""

from __future__ import annotations

import ast
import dataclasses
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

from sluice.errors import SluiceIndexError, UnsupportedError
from sluice.frontend.python import ops, setitem, ufunc_types
from sluice.frontend.python.emit import differ
from sluice.frontend.python.values import (
    HINT,
    Elem,
    Masked,
    Sym,
    View,
    const,
    involved,
    is_array,
    lift,
    placeholder,
    reindexed,
    same,
    to_elem,
)
from sluice.ir import exact as X
from sluice.ir.dtypes import DType
from sluice.ir.symbolic import Select
from sluice.ir.symbolic import value as value_symbol


@dataclass(frozen=True, eq=False)
class MaskIndex:
    """A subscript that is one boolean array (`subscript_parts` returns it)."""

    mask: Any


def select(tr, base: View, mask: Any, node: ast.AST) -> Masked:
    """`base[mask]` for a boolean `mask` of `base`'s shape."""
    if len(mask.shape) != len(base.shape):
        raise UnsupportedError(f"a {len(mask.shape)}-D boolean mask of a "
                               f"{len(base.shape)}-D array is not supported", tr.loc(node),
                               hint="use a mask of the array's own shape")
    for k, (a, m) in enumerate(zip(base.shape, mask.shape, strict=True)):
        if a == m:
            continue
        why = (f"boolean index did not match indexed array along axis {k}; size of axis "
               f"is {a} but size of corresponding boolean axis is {m}")
        if differ(a, m):
            raise SluiceIndexError(why, tr.loc(node))
        tr.em.require(a, "==", m, why)
    return Masked(to_elem(base), to_elem(mask))


def store(tr, base: View, mask: Any, val: Any, node: ast.AST) -> None:
    """`base[mask] = val`."""
    sel = select(tr, base, mask, node)
    if isinstance(val, Masked):
        if not same(val.mask, sel.mask):
            raise UnsupportedError("storing a selection by another mask is not supported",
                                   tr.loc(node), hint=HINT)
        new = val.values
    elif is_array(val):
        if len(val.shape) != 1 or val.shape[0] != 1:
            raise UnsupportedError("storing an array through a boolean mask is not "
                                   "supported (NumPy needs it to have the selection's "
                                   "run-time length)", tr.loc(node), hint=HINT)
        e = to_elem(val)
        new = reindexed(e, {placeholder(k): 0 for k in range(len(e.shape))}, ())
    else:
        setitem.check_scalar_store(val, base.dtype, tr.em.arrays0d)
        new = val
    keep = ops.where(sel.mask, ops.cast(new, base.dtype), base, base.dtype)
    tr.em.store(to_elem(keep), base, "masked")


# --- reductions ----------------------------------------------------------------------------
def count(tr, sel: Masked) -> View:
    """The number of selected elements, as an int64 0-d container."""
    from sluice.frontend.python.rules.reductions import _reduce

    return _reduce(tr, ops.cast(sel.mask, DType.int64), "+", None, False, DType.int64)


def _filled(sel: Masked, fill: Any) -> Elem:
    return ops.where(sel.mask, sel.values, Sym(X.literal(fill), sel.dtype, weak=False),
                     sel.dtype)


def _extreme(dtype: DType, high: bool) -> Any:
    """The value no element beats in a max (high=False) or min (high=True): ties give the
    same value, and it holds no NaN to spread (complex numbers order by real part, then
    imaginary part)."""
    if dtype == DType.bool:
        return high
    if dtype.is_integer:
        info = np.iinfo(dtype.numpy)
        return int(info.max if high else info.min)
    inf = float("inf") if high else float("-inf")
    return complex(inf, inf) if dtype.is_complex else inf


def reduce(tr, node: ast.AST, op: str, sel: Masked, axis: Any = None, *rest: Any,
           keepdims: Any = None, **options: Any) -> Any:
    """NumPy's reduction `op` of the selection (a 1-D array: axis None, 0 or -1)."""
    from sluice.frontend.python.rules import FUNCTIONS
    from sluice.frontend.python.rules.reductions import _reduce

    if rest or options:
        raise UnsupportedError("reductions of a masked selection take axis= and keepdims= "
                               "only", tr.loc(node), hint=HINT)
    ax = tr.pyvalue(axis, node) if axis is not None else None
    if ax not in (None, 0, -1, (0,), (-1,)):
        raise SluiceIndexError(f"axis {ax} is out of bounds for a selection x[mask], which "
                               "is 1-D", tr.loc(node))
    if keepdims is not None and tr.pyvalue(keepdims, node):
        raise UnsupportedError("keepdims=True of a masked selection is not supported",
                               tr.loc(node), hint="reduce without keepdims")
    d = sel.dtype
    if op in ("max", "min"):
        n = count(tr, sel)
        ops.require_value(ops.compare(ast.Gt, n, const(0)),
                          f"zero-size array to reduction operation "
                          f"{'maximum' if op == 'max' else 'minimum'} which has no identity")
        fn = np.max if op == "max" else np.min
        return FUNCTIONS[fn](tr, node, _filled(sel, _extreme(d, op == "min")))
    if op in ("any", "all"):
        truth = Masked(to_elem(ops.cast(sel.values, DType.bool)), sel.mask)
        return FUNCTIONS[np.any if op == "any" else np.all](tr, node,
                                                            _filled(truth, op == "all"))
    if op == "*":
        return FUNCTIONS[np.prod](tr, node, _filled(sel, _one(d)))
    if op == "mean":
        acc, rdtype = ufunc_types.mean_types(d)
        total = _reduce(tr, _filled(sel, _zero(d, negative=True)), "+", None, False, acc,
                        acc=acc if acc != d else None)
        n = count(tr, sel)
        quotient = ops.binary(ast.Div, total, _weak(n))
        return ops.cast(quotient, rdtype)
    # a sum: -0.0 adds nothing (0.0 would turn a sum of -0.0s into 0.0); a sum of nothing is
    # NumPy's +0.0
    total = FUNCTIONS[np.sum](tr, node, _filled(sel, _zero(d, negative=True)))
    if not (total.dtype.is_float or total.dtype.is_complex):
        return total
    n = count(tr, sel)
    zero = Sym(X.literal(_zero(total.dtype, negative=False)), total.dtype, weak=False)
    return ops.elementwise(lambda c, z, t: Select(X.compare(X.Eq2, c, 0), z, t),
                           [n, zero, total], total.dtype, numeric=False)


def _weak(v: View) -> View:
    return dataclasses.replace(v, weak=True)  # NumPy divides by the count, a Python int


def _zero(d: DType, negative: bool) -> Any:
    if d.is_complex:
        return complex(-0.0, -0.0) if negative else 0j
    if d.is_float:
        return -0.0 if negative else 0.0
    return False if d == DType.bool else 0


def _one(d: DType) -> Any:
    if d.is_complex:
        return 1 + 0j
    if d.is_float:
        return 1.0
    return True if d == DType.bool else 1


# --- calls -------------------------------------------------------------------------------
_REDUCTIONS = {np.sum: "+", np.prod: "*", np.max: "max", np.amax: "max", np.min: "min",
               np.amin: "min", np.mean: "mean", np.any: "any", np.all: "all"}
_METHOD_REDUCTIONS = {"sum": "+", "prod": "*", "max": "max", "min": "min", "mean": "mean",
                      "any": "any", "all": "all"}


def _elementwise(obj: Any) -> bool:
    return isinstance(obj, np.ufunc) or obj in (np.where, np.clip, np.real, np.imag)


def call(tr, node: ast.Call, obj: Any, what: str, rule: Any, args: list, kwargs: dict) -> Any:
    """A NumPy function called with a masked selection among its arguments."""
    op = _REDUCTIONS.get(obj)
    if op is not None and isinstance(args[0], Masked) and not involved(args[1:]):
        return reduce(tr, node, op, args[0], *args[1:], **kwargs)
    if _elementwise(obj) and not involved(list(kwargs.values())) and lifts(args):
        return lift(lambda *xs: rule(tr, node, *xs, **kwargs), args, what)
    return rule(tr, node, *arrays(tr, args), **dict(zip(kwargs, arrays(tr, kwargs.values()),
                                                        strict=True)))


def method(tr, node: ast.Call, sel: Masked, name: str, args: list, kwargs: dict) -> Any:
    """`x[mask].name(...)`."""
    from sluice.frontend.python.rules import METHODS

    op = _METHOD_REDUCTIONS.get(name)
    if op is not None:
        return reduce(tr, node, op, sel, *args, **kwargs)
    if name == "astype":
        return lift(lambda v: METHODS["astype"](tr, node, v, *args, **kwargs), [sel],
                    "astype")
    if name == "copy" and not args and not kwargs:
        return sel
    rule = METHODS.get(name)
    if rule is None:
        raise UnsupportedError(f"array method '.{name}()' is not supported", tr.loc(node),
                               hint="supported: " + ", ".join(sorted(METHODS)))
    return rule(tr, node, compressed(tr, sel), *args, **kwargs)


def lifts(operands: Any) -> bool:
    """Selections by one mask and numbers: the operation stays lazy (`lift`). With an
    array among them, or selections by different masks, the selections are compressed
    first and NumPy's broadcasting decides, at run time."""
    masks_ = [o.mask for o in operands if isinstance(o, Masked)]
    return not any(is_array(o) for o in operands) and all(same(m, masks_[0])
                                                          for m in masks_)


def array(tr, v: Any) -> Any:
    """`v`, or the array NumPy makes of it if it is a selection (see `compressed`)."""
    return compressed(tr, v) if isinstance(v, Masked) else v


def arrays(tr, values: Any) -> list:
    """`values` with each selection compressed into the array NumPy makes of it."""
    return [tuple(arrays(tr, v)) if isinstance(v, tuple) else array(tr, v) for v in values]


def materialized(tr, sel: Masked) -> Masked:
    """A selection bound to a name: its values and mask as of now (later writes to the
    arrays it reads do not change it, as NumPy's copy)."""
    values = tr.em.materialize(sel.values, "selected")
    mask = tr.em.materialize(sel.mask, "mask")
    return Masked(to_elem(values), to_elem(mask))


def compressed(tr, sel: Masked) -> View:
    """`x[mask]` as NumPy makes it: a new 1-D array of the selected elements in C order,
    whose length (the number of selected elements) is known only while the program runs.
    Made wherever NumPy's array is needed: a variable that a loop or branch reassigns
    (`Z = Z[I]`), an index (`N[Xi[I], Yi[I]] = k`), its length, other functions, operands
    of other shapes. A sequential walk over the mask, since each element's place depends on
    the ones before it."""
    em = tr.em
    n = tr.bind_symbol(count(tr, sel), "selected")
    out = em.temp(sel.dtype, (n,), "selected")
    at = em.symbol("at")
    em.b.assign(**{at.name: 0})
    shape = sel.mask.shape
    with ExitStack() as stack:
        ks = []
        for d in shape:
            k = em.symbol("k")
            stack.enter_context(em.b.loop(k.name, 0, d, 1))
            ks.append(k)
        keep = em.cell(_at(sel.mask, ks), "keep")
        with em.b.if_(value_symbol(keep.data)):
            em.store(_at(sel.values, ks),
                     View(out.data, out.dtype, (at,), (), element=True), "compress")
            em.b.assign(**{at.name: at + 1})
    return dataclasses.replace(out, weak=sel.weak)


def _at(e: Elem, ks: list) -> Elem:
    """The element of `e` at the position `ks` (loop symbols), as a 0-d value."""
    sub = {placeholder(k): s for k, s in enumerate(ks)}
    reads = {c: (data, tuple(sympy.sympify(i).xreplace(sub) for i in idx))
             for c, (data, idx) in e.reads.items()}
    return Elem((), e.dtype, sympy.sympify(e.expr).xreplace(sub), reads, weak=e.weak)
