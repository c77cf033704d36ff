"""contour_integral: sums of the solutions X of T(z) X = Y over the points z of a contour, with
T(z) = sum_n z^(slab_per_bc/2 - n) Ham[n]; returns P0 = sum +-X and P1 = sum +-z X (minus for
points inside the unit circle)."""

import numpy as np

NAME = "contour_integral"
SIZES = {
    "test": dict(NR=4, NM=6, slab_per_bc=2, num_int_pts=3),
    "S": dict(NR=50, NM=150, slab_per_bc=2, num_int_pts=32),
    "M": dict(NR=200, NM=400, slab_per_bc=2, num_int_pts=32),
}
OUTPUTS = ()


def _complex_random(rng, shape):
    return rng.random(shape) + 1j * rng.random(shape)


def init(NR, NM, slab_per_bc, num_int_pts):
    rng = np.random.default_rng(42)
    Ham = _complex_random(rng, (slab_per_bc + 1, NR, NR))
    int_pts = _complex_random(rng, (num_int_pts,))
    Y = _complex_random(rng, (NR, NM))
    return NR, NM, slab_per_bc, Ham, int_pts, Y


def kernel_numpy(NR, NM, slab_per_bc, Ham, int_pts, Y):
    P0 = np.zeros((NR, NM), dtype=np.complex128)
    P1 = np.zeros((NR, NM), dtype=np.complex128)
    for z in int_pts:
        Tz = np.zeros((NR, NR), dtype=np.complex128)
        for n in range(slab_per_bc + 1):
            zz = np.power(z, slab_per_bc / 2 - n)
            Tz += zz * Ham[n]
        if NR == NM:  # (X changes shape between the two paths)
            X = np.linalg.inv(Tz)
        else:
            X = np.linalg.solve(Tz, Y)
        if abs(z) < 1.0:
            X = -X
        P0 += X
        P1 += z * X
    return P0, P1


def kernel_restructured(NR, NM, slab_per_bc, Ham, int_pts, Y):
    """Always solves against Y (the same as kernel_numpy where NR != NM, as at every size
    here), as the bench had it before sluice compiled shapes that differ between paths."""
    NR, NM = Y.shape
    P0 = np.zeros((NR, NM), dtype=np.complex128)
    P1 = np.zeros((NR, NM), dtype=np.complex128)
    for z in int_pts:
        Tz = np.zeros((NR, NR), dtype=np.complex128)
        for n in range(slab_per_bc + 1):
            Tz += np.power(z, slab_per_bc / 2 - n) * Ham[n]
        X = np.linalg.solve(Tz, Y)
        if abs(z) < 1.0:  # points inside the unit circle count negatively
            X = -X
        P0 += X
        P1 += z * X
    return P0, P1


def _solve(T, Y):
    """Gaussian elimination with partial pivoting, on copies."""
    T = T.copy()
    X = Y.copy()
    N, M = X.shape
    for k in range(N):
        piv = k
        for i in range(k + 1, N):
            if abs(T[i, k]) > abs(T[piv, k]):
                piv = i
        for j in range(N):
            T[k, j], T[piv, j] = T[piv, j], T[k, j]
        for j in range(M):
            X[k, j], X[piv, j] = X[piv, j], X[k, j]
        for i in range(k + 1, N):
            f = T[i, k] / T[k, k]
            for j in range(k, N):
                T[i, j] -= f * T[k, j]
            for j in range(M):
                X[i, j] -= f * X[k, j]
    for k in range(N - 1, -1, -1):
        for j in range(M):
            s = X[k, j]
            for i in range(k + 1, N):
                s -= T[k, i] * X[i, j]
            X[k, j] = s / T[k, k]
    return X


def kernel_reference(NR, NM, slab_per_bc, Ham, int_pts, Y):
    P0 = np.zeros((NR, NM), dtype=np.complex128)
    P1 = np.zeros((NR, NM), dtype=np.complex128)
    for p in range(int_pts.shape[0]):
        z = int_pts[p]
        Tz = np.zeros((NR, NR), dtype=np.complex128)
        for n in range(slab_per_bc + 1):
            zn = z ** (slab_per_bc / 2 - n)
            for i in range(NR):
                for j in range(NR):
                    Tz[i, j] += zn * Ham[n, i, j]
        X = _solve(Tz, np.eye(NR, dtype=np.complex128) if NR == NM else Y)
        sign = 1.0
        if (z.real * z.real + z.imag * z.imag) ** 0.5 < 1.0:
            sign = -1.0
        for i in range(NR):
            for j in range(NM):
                P0[i, j] += sign * X[i, j]
                P1[i, j] += sign * z * X[i, j]
    return P0, P1


def kernel_jax(NR, NM, slab_per_bc, Ham, int_pts, Y):
    import jax.numpy as jnp

    powers = slab_per_bc / 2 - jnp.arange(slab_per_bc + 1)
    T = jnp.einsum("pn,nij->pij", int_pts[:, None] ** powers[None, :], Ham)
    if NR == NM:  # (sizes are static under jax.jit)
        X = jnp.linalg.inv(T)
    else:
        X = jnp.linalg.solve(T, jnp.broadcast_to(Y, (int_pts.shape[0],) + Y.shape))
    sign = jnp.where(jnp.abs(int_pts) < 1.0, -1.0, 1.0)
    return jnp.einsum("p,pij->ij", sign, X), jnp.einsum("p,pij->ij", sign * int_pts, X)
