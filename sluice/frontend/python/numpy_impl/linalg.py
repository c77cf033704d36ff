"""np.linalg.cholesky, solve and inv, in the Python sluice compiles (see the package).

The operands arrive as fresh arrays of NumPy's result type (float32, float64, complex64 or
complex128), checked for shape by the rule. The algorithms are LAPACK's unblocked ones:
Cholesky by columns from the lower triangle (potrf, uplo='L'), LU with partial pivoting on
the first largest |a| (getrf; |re| + |im| for complex numbers, as izamax) and two triangular
solves (getrs). Results agree with NumPy's blocked LAPACK to rounding, and the failures are
LAPACK's: a pivot d <= 0 is not positive definite (a NaN one goes on, giving NaNs, as
OpenBLAS does), an exactly zero pivot column is singular.
"""

import numpy as np

from sluice.frontend.python.numpy_impl.intrinsics import require


def cholesky_into(a, L, is_complex):
    """L (zeros, a's shape) := the lower factor of a = L @ L^H."""
    n = a.shape[0]
    for j in range(n):
        row = L[j, :j]
        if is_complex:  # the diagonal of a Hermitian matrix is real: its .imag is not read
            d = a[j, j].real - np.sum(row.real * row.real + row.imag * row.imag)
        else:
            d = a[j, j] - np.dot(row, row)
        require(np.logical_not(d <= 0), "Matrix is not positive definite")
        L[j, j] = np.sqrt(d)
        if is_complex:
            L[j + 1:, j] = (a[j + 1:, j] - L[j + 1:, :j] @ np.conj(row)) / L[j, j]
        else:
            L[j + 1:, j] = (a[j + 1:, j] - L[j + 1:, :j] @ row) / L[j, j]


def cholesky(a, is_complex, upper):
    """a: (n, n) or (b, n, n). `upper`: U with a = U^H @ U from a's upper triangle (LAPACK's
    uplo='U'), which is the conjugate transpose of the lower factor of a^H."""
    if upper:
        a = _adjoint(a, is_complex)
    L = np.zeros_like(a)
    if a.ndim == 2:
        cholesky_into(a, L, is_complex)
    else:
        for k in range(a.shape[0]):
            cholesky_into(a[k], L[k], is_complex)
    if upper:
        L = _adjoint(L, is_complex)
    return L


def _adjoint(a, is_complex):
    """The conjugate transpose of each matrix, as a new array."""
    t = a.T if a.ndim == 2 else np.transpose(a, (0, 2, 1))
    return np.conj(t) if is_complex else t.copy()


def lu_solve_into(lu, x, is_complex):
    """Solve lu @ x' = x in place: lu (n, n) becomes its pivoted LU factors, x ((n,) or
    (n, m)) the solution."""
    n = lu.shape[0]
    for k in range(n):
        col = lu[k:, k]
        if is_complex:
            p = k + np.argmax(np.abs(col.real) + np.abs(col.imag))
        else:
            p = k + np.argmax(np.abs(col))
        require(lu[p, k] != 0, "Singular matrix")
        if p != k:
            row = lu[k].copy()
            lu[k] = lu[p]
            lu[p] = row
            rhs = x[k].copy()
            x[k] = x[p]
            x[p] = rhs
        lu[k + 1:, k] /= lu[k, k]
        lu[k + 1:, k + 1:] -= np.outer(lu[k + 1:, k], lu[k, k + 1:])
        if x.ndim == 1:
            x[k + 1:] -= lu[k + 1:, k] * x[k]
        else:
            x[k + 1:] -= np.outer(lu[k + 1:, k], x[k])
    for k in range(n - 1, -1, -1):
        x[k] = (x[k] - lu[k, k + 1:] @ x[k + 1:]) / lu[k, k]


def solve(a, b, is_complex):
    """a: (n, n) or (c, n, n); b: its right-hand sides, one per matrix."""
    x = b.copy()
    if a.ndim == 2:
        lu_solve_into(a.copy(), x, is_complex)
    else:
        for k in range(a.shape[0]):
            lu_solve_into(a[k].copy(), x[k], is_complex)
    return x


def inv(a, is_complex):
    """a: (n, n) or (c, n, n)."""
    x = np.zeros_like(a)
    n = a.shape[-1]
    if a.ndim == 2:
        for i in range(n):
            x[i, i] = 1
        lu_solve_into(a.copy(), x, is_complex)
    else:
        for k in range(a.shape[0]):
            for i in range(n):
                x[k, i, i] = 1
            lu_solve_into(a[k].copy(), x[k], is_complex)
    return x
