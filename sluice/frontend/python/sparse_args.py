"""scipy.sparse matrices as arguments of a @jit function, without copying their arrays.

A CSR matrix is a CSR container. A CSC matrix's `indptr`/`indices`/`data` are the CSR
arrays of its transpose, so it is a CSR container of the transposed shape that the tracer
reads transposed (`sparse.Sparse.transposed`). A COO matrix has no row pointers: its
`row`, `col` and `data` arrays become three array arguments and its shape two integer
arguments, and its products are edge-wise gathers and scatters (`sparse.Coo`). The
compile cache keys on the format, the value type and the index type; rows, columns and
nnz are symbols (`A_0`, `A_1`, `A_nnz`) bound and checked at each call.
"""

from __future__ import annotations

from typing import Any

from sluice.errors import ArgumentError
from sluice.frontend.python.signature import ArgSpec
from sluice.ir.dtypes import DType
from sluice.ir.symbolic import symbol

FORMATS = ("csr", "csc", "coo")


def is_scipy_sparse(v: Any) -> bool:
    """A scipy.sparse matrix or array (checked without importing scipy)."""
    return type(v).__module__.startswith("scipy.sparse") and hasattr(v, "format")


def _check(v: Any) -> None:
    if v.format not in FORMATS:
        raise ArgumentError(
            f"scipy.sparse {v.format.upper()} matrices are not supported as arguments",
            hint="pass A.tocsr() (or A.tocsc(), A.tocoo()); those are read without copies",
        )
    if len(v.shape) != 2:
        raise ArgumentError(f"a sparse argument must be 2-D, got shape {v.shape}")
    if v.format == "coo":
        if v.row.dtype != v.col.dtype:
            raise ArgumentError(
                "the COO matrix's row and col arrays have different types",
                hint="rebuild it with one index type",
            )
    elif v.indptr.dtype != v.indices.dtype:
        raise ArgumentError(
            "the sparse matrix's indptr and indices have different types",
            hint="pass A.astype(A.dtype) or rebuild it with one index type",
        )


def sparse_spec(name: str, v: Any) -> ArgSpec:
    """`kind='sparse'`: dtype, shape (rows, cols) as the user sees the matrix, and `value`
    (format, index type, nnz symbol)."""
    _check(v)
    dt = DType.of(v.dtype)
    shape = (symbol(f"{name}_0"), symbol(f"{name}_1"))
    index = v.row.dtype if v.format == "coo" else v.indices.dtype
    return ArgSpec(
        "sparse",
        dt,
        shape,
        value=(v.format, DType.of(index).value, symbol(f"{name}_nnz")),
    )


def sparse_values(v: Any) -> list[Any]:
    """What the compiled program takes for the matrix: its arrays (the same memory)."""
    _check(v)
    if v.format == "coo":
        return [v.row, v.col, v.data, int(v.shape[0]), int(v.shape[1])]
    if v.format == "csr":
        return [v]
    return [
        {
            "indptr": v.indptr,
            "indices": v.indices,
            "data": v.data,
            "shape": (v.shape[1], v.shape[0]),
        }
    ]
