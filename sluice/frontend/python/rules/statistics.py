"""Statistics built from reductions and products: np.cov."""

from __future__ import annotations

import ast

import numpy as np
import sympy

from sluice.errors import UnsupportedError
from sluice.frontend.python import ops
from sluice.frontend.python.emit import clipped_size, runtime_size
from sluice.frontend.python.rules.linalg import _transpose_view
from sluice.frontend.python.rules.table import FUNCTIONS, register, value
from sluice.frontend.python.values import Py, Sym, const
from sluice.ir.dtypes import DType
from sluice.ir.symbolic import Select


@register(FUNCTIONS, np.cov)
def _cov(tr, node, m, y=None, rowvar=None, bias=None, ddof=None, fweights=None,
         aweights=None, dtype=None):
    """np.cov of real variables, NumPy's steps: X (float64, at least 2-D, one variable per
    row) minus its row means, times its transpose, times 1 / (observations - ddof)."""
    for name, v in (("y", y), ("fweights", fweights), ("aweights", aweights),
                    ("dtype", dtype)):
        if v is not None and not (isinstance(v, Py) and v.obj is None):
            raise UnsupportedError(f"np.cov({name}=...) is not supported", tr.loc(node),
                                   hint="stack the variables into one array")
    x = value(tr, node, m)
    if x.dtype.is_complex:
        raise UnsupportedError("np.cov of complex numbers is not supported", tr.loc(node))
    if len(x.shape) > 2:
        raise UnsupportedError("np.cov of an array of more than 2 dimensions (NumPy "
                               "refuses it too)", tr.loc(node))
    x = ops.cast(x, DType.float64)
    x = tr.em.materialize(x, "cov_x")
    if len(x.shape) < 2:  # one variable (NumPy's ndmin=2 puts it in a row)
        x = FUNCTIONS[np.reshape](tr, node, x, (const(1), const(-1) if x.shape else const(1)))
    if rowvar is not None and not tr.pyvalue(rowvar, node) and x.shape[0] != 1:
        x = _transpose_view(tr, node, x, None)
    by_bias = bias is not None and bool(tr.pyvalue(bias, node))
    k = 0 if by_bias else 1
    if ddof is not None and not (isinstance(ddof, Py) and ddof.obj is None):
        k = tr.index_expr(ddof, node)
    n = x.shape[1]
    mean = FUNCTIONS[np.mean](tr, node, x, axis=const(1), keepdims=const(True))
    centred = tr.em.materialize(ops.binary(ast.Sub, x, mean), "centred")
    product = FUNCTIONS[np.matmul](tr, node, centred,
                                   _transpose_view(tr, node, centred, None))
    # NumPy: fact = n - ddof, 0.0 where that is not positive; c *= np.true_divide(1, fact)
    fact = sympy.sympify(Select(sympy.sympify(n - k) > 0, n - k, 0))
    if fact.is_number:
        with np.errstate(divide="ignore"):
            scale = const(np.true_divide(1, float(fact)))
    else:
        scale = ops.binary(ast.Div, const(1), ops.cast(Sym(fact, DType.int64), DType.float64),
                           ufunc_call=True)
    c = ops.binary(ast.Mult, product, scale)
    rows = x.shape[0]
    if not sympy.sympify(rows).is_number and (clipped_size(rows) or runtime_size(rows)):
        raise UnsupportedError("np.cov of a number of variables known only while the "
                               "function runs (NumPy's result is 0-d when it is 1)",
                               tr.loc(node), hint="give np.cov whole arrays")
    if rows == 1:  # NumPy squeezes: one variable gives a 0-d array
        return FUNCTIONS[np.reshape](tr, node, tr.em.materialize(c, "cov"), ())
    return c
