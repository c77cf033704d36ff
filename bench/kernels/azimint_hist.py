"""azimint_hist: azimuthal integration by histograms, the mean of data in each of npt equal
radius bins spanning [min(radius), max(radius)]."""

import numpy as np

NAME = "azimint_hist"
SIZES = {
    "test": dict(N=40, npt=4),
    "S": dict(N=400000, npt=1000),
    "M": dict(N=4000000, npt=1000),
}
OUTPUTS = ()


def init(N, npt):
    rng = np.random.default_rng(42)
    data = rng.random(N)
    radius = rng.random(N)
    return data, radius, npt


def kernel_numpy(data, radius, npt):
    counts, _ = np.histogram(radius, bins=npt)
    sums, _ = np.histogram(radius, bins=npt, weights=data)
    return sums / counts


def kernel_reference(data, radius, npt):
    N = radius.shape[0]
    lo = radius[0]
    hi = radius[0]
    for k in range(N):
        lo = min(lo, radius[k])
        hi = max(hi, radius[k])
    # Bin edges as np.histogram makes them (np.linspace): lo + i * step, the last one hi.
    step = (hi - lo) / npt
    edges = np.empty(npt + 1)
    for i in range(npt):
        edges[i] = i * step + lo
    edges[npt] = hi
    sums = np.zeros(npt)
    counts = np.zeros(npt)
    for k in range(N):
        # Bin i holds [edges[i], edges[i + 1]); the last bin also holds its right edge.
        b = npt - 1
        for i in range(npt - 1):
            if edges[i] <= radius[k] < edges[i + 1]:
                b = i
        sums[b] += data[k]
        counts[b] += 1.0
    res = np.empty(npt)
    for i in range(npt):
        res[i] = sums[i] / counts[i]
    return res


def kernel_jax(data, radius, npt):
    import jax
    import jax.numpy as jnp

    lo = radius.min()
    hi = radius.max()
    # The edges exactly as np.histogram computes them, so every point lands in NumPy's bin.
    # (The barrier keeps XLA from turning the division by the constant npt into a
    # multiplication by its reciprocal, which rounds differently.)
    divisor = jax.lax.optimization_barrier(jnp.asarray(npt, dtype=radius.dtype))
    step = (hi - lo) / divisor
    edges = jnp.arange(npt + 1, dtype=radius.dtype) * step + lo
    edges = edges.at[npt].set(hi)
    bins = jnp.clip(jnp.searchsorted(edges, radius, side="right") - 1, 0, npt - 1)
    sums = jax.ops.segment_sum(data, bins, num_segments=npt)
    counts = jax.ops.segment_sum(jnp.ones_like(data), bins, num_segments=npt)
    return sums / counts
