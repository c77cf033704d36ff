"""Fixture: returns two results (a sum and an integer count); no in-place outputs."""

import numpy as np

NAME = "stats"
SIZES = {"S": dict(N=500)}


def init(N):
    return (np.sin(np.arange(N, dtype=np.float64)),)


def kernel_numpy(v):
    return np.sum(v * v), np.count_nonzero(v > 0.5)


def kernel_jax(v):
    import jax.numpy as jnp

    return jnp.sum(v * v), jnp.count_nonzero(v > 0.5)
