"""Fixture: y := a * x + y in place (float64, one mutated argument)."""

import numpy as np

NAME = "axpy_inplace"
SIZES = {"S": dict(N=1000), "M": dict(N=100_000)}
OUTPUTS = (2,)


def init(N):
    x = np.linspace(0.0, 1.0, N)
    y = np.cos(np.arange(N, dtype=np.float64))
    return 2.5, x, y


def kernel_numpy(a, x, y):
    y[:] = a * x + y


def kernel_jax(a, x, y):
    return a * x + y
