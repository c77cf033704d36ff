"""Inputs shared by several kernels (not a kernel itself: not in `ALL`)."""

import numpy as np


def spd_matrix(N: int) -> np.ndarray:
    """A symmetric positive definite N x N matrix, L L^T with L lower triangular and unit
    diagonal, so factorisations need no pivoting."""
    i = np.arange(N).reshape(N, 1)
    j = np.arange(N).reshape(1, N)
    L = np.where(j <= i, (-j % N) / N + 1.0, 0.0)
    L[np.arange(N), np.arange(N)] = 1.0
    return L @ L.T
