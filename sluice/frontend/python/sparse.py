"""Sparse matrices while tracing: `A @ X`, `X @ A`, `A.T`, `A.shape`, `A.nnz`, their arrays.

A `Sparse` names a CSR container and whether the user's matrix is its transpose (a CSC
argument, or `.T`). Products lower to `SpMM` (with `transpose_a` when the matrix is read
transposed); `X @ A` is `(A.T @ X.T).T`, so it is one SpMM between two transposes (views
where NumPy's are). A `Coo` holds a COO argument's three arrays; its products are a gather
and an unbuffered scatter-add (`np.add.at(out, row, data * x[col])`). The result is dense,
as scipy's. Scaling rows or columns is plain dense NumPy on either side of the product:
`d[:, None] * (A @ X)` and `A @ (d[:, None] * X)`.
"""

from __future__ import annotations

import ast
import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

from sluice.errors import ShapeError, SluiceError, UnsupportedError
from sluice.frontend.python import ops, scatter_at
from sluice.frontend.python.emit import provably_differ
from sluice.frontend.python.values import Rng, Sym, View, to_elem
from sluice.ir.dtypes import DType
from sluice.ir.library import SpMM
from sluice.ir.symbolic import Expr


@dataclass(frozen=True)
class Sparse:
    data: str  # the CSR container
    dtype: DType
    rows: Expr  # of the matrix as the user sees it
    cols: Expr
    nnz: Expr
    transposed: bool  # the matrix is the transpose of the container's

    @property
    def shape(self) -> tuple[Expr, Expr]:
        return (self.rows, self.cols)

    def T(self) -> Sparse:  # noqa: N802 - NumPy's name
        return Sparse(self.data, self.dtype, self.cols, self.rows, self.nnz, not self.transposed)


@dataclass(frozen=True)
class Coo:
    """A COO matrix: its `row`, `col` and `data` arrays and its shape (`.T` swaps them)."""

    row: View
    col: View
    data: View
    rows: Expr
    cols: Expr
    nnz: Expr

    @property
    def dtype(self) -> DType:
        return self.data.dtype

    def T(self) -> Coo:  # noqa: N802 - NumPy's name
        return Coo(self.col, self.row, self.data, self.cols, self.rows, self.nnz)


def declare_sparse(tr: Any, pname: str, spec: Any) -> Sparse | Coo:
    """The containers of a sparse argument (see `sparse_args`)."""
    fmt, index_dtype, nnz = spec.value
    rows, cols = spec.shape
    tr.facts.sizes.add(nnz.name)  # a size the call binds, as rows and cols
    tr.em.names.taken.add(nnz.name)
    if fmt == "coo":
        return _declare_coo(tr, pname, spec.dtype, DType(index_dtype), rows, cols, nnz)
    name = tr.em.names.fresh(pname)
    transposed = fmt == "csc"
    stored = (cols, rows) if transposed else (rows, cols)
    tr.em.b.csr(name, spec.dtype, *stored, nnz, arg=True, index_dtype=index_dtype)
    return Sparse(name, spec.dtype, rows, cols, nnz, transposed)


def _declare_coo(
    tr: Any, pname: str, dtype: DType, index: DType, rows: Expr, cols: Expr, nnz: Expr
) -> Coo:
    b, em = tr.em.b, tr.em
    views = []
    for part, dt in (("row", index), ("col", index), ("data", dtype)):
        name = em.names.fresh(f"{pname}_{part}")
        b.arg(name, dt, [nnz])
        views.append(View(name, dt, (Rng(sympy.Integer(0), sympy.Integer(1), nnz),), (0,)))
    for s in (rows, cols):
        b.symbol(s.name, arg=True)
        em.names.taken.add(s.name)
    return Coo(*views, rows, cols, nnz)


def attribute(tr: Any, a: Sparse | Coo, attr: str, node: ast.AST) -> Any:
    if attr == "T":
        return a.T()
    if attr == "shape":
        return (Sym(a.rows, DType.int64), Sym(a.cols, DType.int64))
    if attr == "nnz":
        return Sym(a.nnz, DType.int64)
    if isinstance(a, Coo) and attr in ("row", "col", "data"):
        return getattr(a, attr)
    if isinstance(a, Sparse) and attr in ("indptr", "indices", "data"):
        part = tr.em.b.program.data[a.data].component(attr)  # scipy's own arrays, as stored
        name = f"{a.data}.{attr}"
        return View(
            name, part.dtype, (Rng(sympy.Integer(0), sympy.Integer(1), part.shape[0]),), (0,)
        )
    hint = (
        "scale the dense product instead: d[:, None] * (A @ X) scales rows, "
        "A @ (d[:, None] * X) columns"
        if attr == "multiply"
        else "sparse arguments support @, .T, .shape and .nnz"
    )
    raise UnsupportedError(
        f"attribute '.{attr}' of a sparse matrix is not supported", tr.loc(node), hint=hint
    )


def _check_operand(tr: Any, a: Sparse | Coo, x: Any, node: ast.AST) -> None:
    """The dense operand of `a @ x`: 1-D or 2-D, its rows `a`'s columns (checked at the
    call where the sizes are symbols)."""
    if len(x.shape) not in (1, 2):
        raise UnsupportedError(
            f"a sparse matrix times a {len(x.shape)}-D array is not supported",
            tr.loc(node),
            hint="use a 1-D or 2-D operand",
        )
    if provably_differ(a.cols, x.shape[0]):
        raise ShapeError(
            f"matmul: inner dimensions differ ({a.cols} vs {x.shape[0]})", tr.loc(node)
        )
    tr.em.require(a.cols, "==", x.shape[0], "matmul: the operands' inner dimensions differ")


def _spmm(tr: Any, a: Sparse, x: View, node: ast.AST) -> View:
    """`a @ x` for a dense 1-D or 2-D `x`."""
    _check_operand(tr, a, x, node)
    xv = tr.em.plain(x)
    dtype = DType.of(np.result_type(a.dtype.numpy, x.dtype.numpy))
    out = tr.em.temp(dtype, (a.rows, *x.shape[1:]), tr.name_hint())
    tr.em.library(SpMM(transpose_a=a.transposed), {"A": _whole(a), "b": xv}, {"c": out})
    return out


def _whole(a: Sparse) -> View:
    return View(a.data, a.dtype, (), ())


def _coo_product(tr: Any, a: Coo, x: Any, node: ast.AST) -> View:
    """`a @ x` as edge-wise NumPy: `np.add.at(out, row, data[:, None] * x[col])`."""
    from sluice.frontend.python.rules import FUNCTIONS
    from sluice.frontend.python.rules.table import transposed

    _check_operand(tr, a, x, node)
    em = tr.em
    rows_of_x = tr.gather(em.plain(x), [(0, a.col)], node)
    d = to_elem(a.data)
    if len(x.shape) == 2:
        d = transposed(d, [0], (a.nnz, sympy.Integer(1)))
    contrib = ops.binary(ast.Mult, dataclasses.replace(d, weak=False), rows_of_x)
    out = em.temp(contrib.dtype, (a.rows, *x.shape[1:]), tr.name_hint())
    em.store(to_elem(Sym(sympy.Integer(0), contrib.dtype, weak=False)), out)
    scatter_at.ufunc_at(tr, node, FUNCTIONS[np.add], out, a.row, contrib)
    return out


def _product(tr: Any, a: Sparse | Coo, x: Any, node: ast.AST) -> View:
    return _coo_product(tr, a, x, node) if isinstance(a, Coo) else _spmm(tr, a, x, node)


def matmul(tr: Any, node: ast.AST, a: Any, b: Any) -> Any:
    """`a @ b` where one side is sparse."""
    from sluice.frontend.python.rules.table import value

    if isinstance(a, Sparse | Coo) and isinstance(b, Sparse | Coo):
        raise UnsupportedError(
            "a product of two sparse matrices is not supported",
            tr.loc(node),
            hint="multiply one of them by a dense array",
        )
    if isinstance(a, Sparse | Coo):
        return _product(tr, a, value(tr, node, b), node)
    x = value(tr, node, a)
    if not x.shape:
        raise SluiceError("matmul: operands must be arrays, not scalars", tr.loc(node))
    if len(x.shape) == 1:
        return _product(tr, b.T(), x, node)
    if len(x.shape) != 2:
        raise UnsupportedError(
            f"a {len(x.shape)}-D array times a sparse matrix is not supported",
            tr.loc(node),
            hint="use a 1-D or 2-D operand",
        )
    xt = tr.array_attribute(x, "T", node)
    return tr.array_attribute(_product(tr, b.T(), xt, node), "T", node)
