"""scipy.sparse CSR and CSC matrices as @jit arguments: products with dense arrays on both
sides and transposed, against scipy on the interpreter and the CPU backend (sparse.py,
sparse_args.py)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import sluice
from sluice.errors import SluiceError
from tests.frontend.python.python_rules import agree

RNG = np.random.default_rng(11)


def _matrix(rows, cols, density, seed, fmt="csr", dtype=np.float64):
    a = sp.random_array((rows, cols), density=density, format=fmt, random_state=seed, dtype=dtype)
    a.data[:3] = [np.inf, -0.0, np.nan][: len(a.data[:3])]  # specials among the values
    return a


def _dense(*shape):
    x = RNG.standard_normal(shape)
    x.flat[:3] = [np.nan, -0.0, -np.inf][: x.size]
    return x


def spmm(A, X):
    return A @ X


def products(A, X, x, Y, y):
    return A @ X, A @ x, A.T @ Y, A.T @ y, Y.T @ A, y @ A, A.shape[0] * 100 + A.nnz


def chain(A, X, W):
    return A @ (X @ W), (A @ X) @ W


def parts(A):
    return A.data * 2.0, A.indices + 1, A.indptr[1:] - A.indptr[:-1]


def coo_parts(A, x):
    out = np.zeros(A.shape[0])
    np.add.at(out, A.row, A.data * x[A.col])
    return out


@pytest.mark.filterwarnings("ignore:invalid value")
@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
def test_products_against_scipy(fmt):
    A = _matrix(7, 5, 0.3, 1, fmt)  # some rows and columns have no entries
    agree(products, (A, _dense(5, 3), _dense(5), _dense(7, 2), _dense(7)), rtol=1e-12)
    agree(chain, (_matrix(6, 6, 0.4, 2, fmt), _dense(6, 4), _dense(4, 3)), rtol=1e-12)
    if fmt == "coo":  # a repeated entry adds up, as scipy's product does
        dup = sp.coo_array(([1.0, np.inf, 2.0], ([0, 2, 0], [1, 1, 1])), shape=(3, 2))
        agree(products, (dup, _dense(2, 2), _dense(2), _dense(3, 2), _dense(3)), rtol=1e-12)
        agree(coo_parts, (A, _dense(5)), rtol=1e-12)
    else:
        agree(parts, (A,), targets=("interpret",))


def test_empty_matrix_and_mixed_types():
    empty = sp.csr_array((4, 3))
    agree(spmm, (empty, _dense(3, 2)), (empty, _dense(3)))
    single = _matrix(5, 4, 0.5, 3, dtype=np.float32)
    agree(spmm, (single, _dense(4, 2).astype(np.float32)), rtol=1e-6)
    agree(spmm, (single, _dense(4, 2)), rtol=1e-12)  # float32 values, float64 result


def test_index_arrays_are_used_in_place_and_the_key_has_the_format():
    f = sluice.jit(spmm)
    A = _matrix(5, 5, 0.4, 4)
    text = f.trace(A, _dense(5, 2)).to_text()
    assert "data A: csr float64[A_0, A_1] nnz A_nnz index int32" in text  # scipy's own type
    csc = f.trace(A.tocsc(), _dense(5, 2)).to_text()
    assert "data A: csr float64[A_1, A_0]" in csc and "SpMM {transpose_a = True}" in csc


def test_shapes_are_checked_at_the_call():
    f = sluice.jit(spmm)
    with pytest.raises(SluiceError, match="inner dimensions"):
        f(_matrix(5, 4, 0.4, 5), _dense(3, 2))


def test_unsupported_formats_and_operations_say_what_to_do():
    with pytest.raises(SluiceError, match="DIA") as err:
        sluice.jit(spmm)(sp.dia_array(np.eye(4)), _dense(4, 2))
    assert "tocsr" in (err.value.hint or "")

    def scaled(A, d):
        return A.multiply(d[:, None])

    with pytest.raises(SluiceError, match="multiply") as err:
        sluice.jit(scaled)(_matrix(4, 4, 0.5, 7), _dense(4))
    assert "d[:, None] * (A @ X)" in (err.value.hint or "")

    def added(A):
        return A + 1.0

    def indexed(A):
        return A[0]

    for fn in (added, indexed):
        for fmt in ("csr", "coo"):
            with pytest.raises(SluiceError, match="sparse matrix") as err:
                sluice.jit(fn)(_matrix(4, 4, 0.5, 8, fmt))
            assert "internal" not in str(err.value)
