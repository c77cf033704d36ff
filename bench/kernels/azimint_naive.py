"""azimint_naive: azimuthal integration, res[i] = mean of data over the radius bin
[rmax * i / npt, rmax * (i + 1) / npt) for i < npt, with rmax = max(radius).

`kernel_numpy` follows NPBench's formulation: per bin, the values selected by a boolean mask
(data[mask]) and their .mean(). `kernel_restructured` avoids the data-dependent selection:
it sums np.where(mask, data, 0) and divides by the count of the mask.
"""

import numpy as np

from bench.kernels._dace import compiletime, float64, symbols

NAME = "azimint_naive"
SIZES = {
    "test": dict(N=40, npt=4),
    "S": dict(N=40000, npt=100),
    "M": dict(N=400000, npt=100),
}
OUTPUTS = ()


def init(N, npt):
    rng = np.random.default_rng(42)
    data = rng.random(N)
    radius = rng.random(N)
    return data, radius, npt


def kernel_numpy(data, radius, npt):
    rmax = radius.max()
    res = np.zeros(npt, dtype=np.float64)
    for i in range(npt):
        r1 = rmax * i / npt
        r2 = rmax * (i + 1) / npt
        mask_r12 = np.logical_and(r1 <= radius, radius < r2)
        values_r12 = data[mask_r12]
        res[i] = values_r12.mean()
    return res


def kernel_restructured(data, radius, npt):
    rmax = radius.max()
    res = np.zeros(npt, dtype=np.float64)
    for i in range(npt):
        r1 = rmax * i / npt
        r2 = rmax * (i + 1) / npt
        mask_r12 = np.logical_and(r1 <= radius, radius < r2)
        res[i] = np.sum(np.where(mask_r12, data, 0.0)) / np.sum(mask_r12)
    return res


def kernel_reference(data, radius, npt):
    N = data.shape[0]
    rmax = radius[0]
    for k in range(N):
        if radius[k] > rmax:
            rmax = radius[k]
    res = np.zeros(npt)
    for i in range(npt):
        r1 = rmax * i / npt
        r2 = rmax * (i + 1) / npt
        total = 0.0
        count = 0
        for k in range(N):
            if r1 <= radius[k] < r2:
                total += data[k]
                count += 1
        res[i] = total / count
    return res


# The sizes in kernel_dace's annotations (DaCe symbols).
(_N,) = symbols("N")


def kernel_dace(data: float64[_N], radius: float64[_N], npt: compiletime):
    rmax = np.max(radius)
    ones = np.ones((_N,), dtype=np.float64)
    res = np.zeros((npt,), dtype=np.float64)
    for i in range(npt):
        r1 = rmax * i / npt
        r2 = rmax * (i + 1) / npt
        inside = np.logical_and(r1 <= radius, radius < r2)
        total = np.sum(np.where(inside, data, 0.0))
        count = np.sum(np.where(inside, ones, 0.0))
        res[i] = total / count
    return res


def kernel_jax(data, radius, npt):
    import jax
    import jax.numpy as jnp

    rmax = radius.max()
    # Bin i is [rmax * i / npt, rmax * (i + 1) / npt): the same edges, computed the same way,
    # so searching them assigns every point the bin the masks select. A point at or past the
    # last edge gets bin npt, an extra segment dropped at the end. (The barrier stops XLA
    # from turning the division by the constant npt into a multiplication by 1 / npt, which
    # rounds some edges differently and moves points across them.)
    divisor = jax.lax.optimization_barrier(jnp.asarray(npt, dtype=radius.dtype))
    edges = rmax * jnp.arange(npt + 1, dtype=radius.dtype) / divisor
    bins = jnp.searchsorted(edges, radius, side="right") - 1
    total = jax.ops.segment_sum(data, bins, num_segments=npt + 1)
    count = jax.ops.segment_sum(jnp.ones_like(data), bins, num_segments=npt + 1)
    return total[:npt] / count[:npt]
