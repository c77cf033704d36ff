"""Fixture: returns A @ x in float32 (checked with the looser float32 tolerance)."""

import numpy as np

NAME = "matvec32"
SIZES = {"S": dict(N=64), "M": dict(N=512)}


def init(N):
    A = (np.arange(N * N, dtype=np.float32).reshape(N, N) % 7) / 7
    x = np.linspace(-1.0, 1.0, N, dtype=np.float32)
    return A, x


def kernel_numpy(A, x):
    return A @ x


def kernel_jax(A, x):
    return A @ x
