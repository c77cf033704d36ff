"""The keyword arguments every ufunc takes: `out=` (also as an extra positional argument),
`where=` and `dtype=`.

* `np.multiply(Z, Z, out=Z)` / `np.add(Z, C, Z)`: the result is computed, then stored into
  `out` like an assignment `out[...] = result` (the inputs broadcast to `out`'s shape; the
  result's type must cast to `out`'s under NumPy's 'same_kind' rule), and `out` is returned.
* `where=mask` (with `out`): `out` keeps its elements where the mask is False.
* `dtype=d`: the inputs are cast to `d` (under 'same_kind') and the loop runs in `d`.
"""

from __future__ import annotations

import ast
import dataclasses
from typing import Any

import numpy as np

from sluice.errors import SluiceTypeError, UnsupportedError
from sluice.frontend.python import ops, setitem
from sluice.frontend.python.values import Py, View, is_array, to_elem
from sluice.ir.dtypes import DType

_SUPPORTED = {"out", "where", "dtype", "casting"}


def takes_options(obj: Any, args: list, kwargs: dict) -> bool:
    return isinstance(obj, np.ufunc) and (len(args) > obj.nin or bool(set(kwargs) & _SUPPORTED))


def call(tr, node: ast.Call, ufunc: np.ufunc, rule: Any, args: list, kwargs: dict,
         what: str) -> Any:
    kwargs = dict(kwargs)
    out = kwargs.pop("out", None)
    if len(args) > ufunc.nin:
        if out is not None or len(args) > ufunc.nin + ufunc.nout:
            raise SluiceTypeError(f"{what} takes {ufunc.nin} inputs and one output",
                                  tr.loc(node))
        args, out = args[:ufunc.nin], args[ufunc.nin]
    if isinstance(out, tuple):
        if len(out) != 1:
            raise SluiceTypeError(f"{what}: out= must hold one array", tr.loc(node))
        out = out[0]
    if isinstance(out, Py) and out.obj is None:
        out = None
    where = kwargs.pop("where", None)
    dtype = kwargs.pop("dtype", None)
    casting = kwargs.pop("casting", None)
    if casting is not None and tr.pyvalue(casting, node) != "same_kind":
        raise UnsupportedError(f"{what}(casting=...) other than 'same_kind' is not supported",
                               tr.loc(node))
    if out is not None and not (isinstance(out, View) and (
            out.shape or setitem.is_array0d(out, tr.em.arrays0d))):
        raise SluiceTypeError(f"{what}: out= must be an array", tr.loc(node),
                              hint="pass an array (or a slice of one) to write into")
    if where is not None and out is None:
        raise UnsupportedError(f"{what}(where=...) without out= is not supported (NumPy "
                               "leaves the other elements uninitialised)", tr.loc(node),
                               hint="pass out= as well")
    if dtype is not None:
        from sluice.frontend.python.rules.table import dtype_arg

        d = dtype_arg(tr, node, dtype)
        try:
            loop = ufunc.resolve_dtypes((d.numpy,) * ufunc.nin + (None,) * ufunc.nout)
        except (TypeError, ValueError):
            loop = ()
        if not loop or loop[-1] != d.numpy:
            raise UnsupportedError(f"{what}(dtype={d}) is not supported (its loop does not "
                                   f"return {d})", tr.loc(node))
        for a in args:
            a_dtype = getattr(a, "dtype", None)
            if a_dtype is not None and not getattr(a, "weak", False) and \
                    not np.can_cast(a_dtype.numpy, d.numpy, "same_kind"):
                raise SluiceTypeError(f"{what}: cannot cast {a_dtype} to {d} under the rule "
                                      "'same_kind'", tr.loc(node))
        # (strong: two Python floats with dtype=np.float32 run the float32 loop, not the
        # float64 one their weak types would pick)
        args = [_strong(ops.cast(a, d)) if getattr(a, "dtype", None) is not None else a
                for a in args]
    result = rule(tr, node, *args, **kwargs)
    if out is None:
        return result
    if not np.can_cast(result.dtype.numpy, out.dtype.numpy, "same_kind"):
        raise SluiceTypeError(f"{what}: cannot cast the {result.dtype} result to the "
                              f"{out.dtype} output under the rule 'same_kind'", tr.loc(node))
    if is_array(result) and len(result.shape) > len(out.shape):
        raise SluiceTypeError(f"{what}: the output operand has fewer dimensions than the "
                              "inputs' broadcast shape", tr.loc(node))
    value = ops.cast(result, out.dtype)
    if where is not None:
        keep = ops.cast(where, DType.bool)
        value = ops.where(keep, value, out, out.dtype)
    tr.before_write(out, node)
    tr.em.store(to_elem(value), out, "out")
    return out


def _strong(v: Any) -> Any:
    return dataclasses.replace(v, weak=False) if getattr(v, "weak", False) else v
