"""nbody: gravitational N-body simulation with a leapfrog (kick-drift-kick) integrator.

acc_i = G sum_j m_j (p_j - p_i) / (|p_j - p_i|^2 + softening^2)^(3/2); per step
v += acc dt/2, p += v dt, recompute acc, v += acc dt/2.  Returns the kinetic energy
KE = 1/2 sum m v^2 and the potential energy PE = -G sum_{i<j} m_i m_j / r_ij (softened r) at
the start and after each of the Nt steps.

`kernel_numpy` follows NPBench's formulation: mass as an N x 1 column, the separations as
three N x N matrices (x^T - x per coordinate), the powers taken through boolean-mask updates
(r[r > 0] = ...), each acceleration component a matrix-vector product with the masses,
stacked with np.hstack, and the pair energies from mass * mass^T and np.triu.
`kernel_restructured` keeps one N x N x 3 separation tensor, reduces it with np.sum over
axes, and needs no masks (softening keeps every distance positive).
"""

import numpy as np

from bench.kernels._dace import compiletime, dace, float64, symbols

NAME = "nbody"
SIZES = {
    "test": dict(N=5, Nt=3),
    "S": dict(N=100, Nt=25),
    "M": dict(N=200, Nt=60),
}
OUTPUTS = (0, 1)


def init(N, Nt):
    rng = np.random.default_rng(42)
    mass = 20.0 * np.ones(N) / N
    pos = rng.standard_normal((N, 3))
    vel = rng.standard_normal((N, 3))
    vel -= np.mean(mass[:, np.newaxis] * vel, axis=0) / np.mean(mass)
    G = 1.0
    softening = 0.1
    dt = 0.01
    return pos, vel, mass, G, softening, dt, Nt


def get_acc(pos, mass, G, softening):
    d = pos[np.newaxis, :, :] - pos[:, np.newaxis, :]
    inv_r3 = (np.sum(d**2, axis=2) + softening**2) ** (-1.5)
    return G * np.sum(d * (inv_r3 * mass)[:, :, np.newaxis], axis=1)


def get_energy(pos, vel, mass, G, softening):
    ke = 0.5 * np.sum(mass[:, np.newaxis] * vel**2)
    d = pos[np.newaxis, :, :] - pos[:, np.newaxis, :]
    inv_r = 1.0 / np.sqrt(np.sum(d**2, axis=2) + softening**2)
    pe = -G * np.sum(np.triu(mass[:, np.newaxis] * mass[np.newaxis, :] * inv_r, 1))
    return ke, pe


def acceleration(pos, m, G, softening):
    """Accelerations (N x 3); m is the masses as an N x 1 column."""
    x = pos[:, 0:1]
    y = pos[:, 1:2]
    z = pos[:, 2:3]
    # dx[i, j] = x[j] - x[i], likewise dy, dz.
    dx = x.T - x
    dy = y.T - y
    dz = z.T - z
    inv_r3 = dx**2 + dy**2 + dz**2 + softening**2
    inv_r3[inv_r3 > 0] = inv_r3[inv_r3 > 0] ** (-1.5)
    ax = G * (dx * inv_r3) @ m
    ay = G * (dy * inv_r3) @ m
    az = G * (dz * inv_r3) @ m
    return np.hstack((ax, ay, az))


def energy(pos, vel, m, G, softening):
    """Kinetic and potential energy; m is the masses as an N x 1 column."""
    ke = 0.5 * np.sum(m * vel**2)
    x = pos[:, 0:1]
    y = pos[:, 1:2]
    z = pos[:, 2:3]
    dx = x.T - x
    dy = y.T - y
    dz = z.T - z
    inv_r = np.sqrt(dx**2 + dy**2 + dz**2 + softening**2)
    inv_r[inv_r > 0] = 1.0 / inv_r[inv_r > 0]
    # Each pair once: the strict upper triangle.
    pe = G * np.sum(np.triu(-(m * m.T) * inv_r, 1))
    return ke, pe


def kernel_numpy(pos, vel, mass, G, softening, dt, Nt):
    m = mass[:, np.newaxis]
    KE = np.empty(Nt + 1, dtype=np.float64)
    PE = np.empty(Nt + 1, dtype=np.float64)
    acc = acceleration(pos, m, G, softening)
    KE[0], PE[0] = energy(pos, vel, m, G, softening)
    for t in range(Nt):
        vel += acc * dt / 2.0
        pos += vel * dt
        acc = acceleration(pos, m, G, softening)
        vel += acc * dt / 2.0
        KE[t + 1], PE[t + 1] = energy(pos, vel, m, G, softening)
    return KE, PE


def kernel_restructured(pos, vel, mass, G, softening, dt, Nt):
    KE = np.empty(Nt + 1)
    PE = np.empty(Nt + 1)
    acc = get_acc(pos, mass, G, softening)
    KE[0], PE[0] = get_energy(pos, vel, mass, G, softening)
    for t in range(Nt):
        vel += acc * dt / 2.0
        pos += vel * dt
        acc = get_acc(pos, mass, G, softening)
        vel += acc * dt / 2.0
        KE[t + 1], PE[t + 1] = get_energy(pos, vel, mass, G, softening)
    return KE, PE


def _ref_acc(pos, mass, G, softening):
    N = pos.shape[0]
    acc = np.zeros((N, 3))
    for i in range(N):
        for j in range(N):
            dx = pos[j, 0] - pos[i, 0]
            dy = pos[j, 1] - pos[i, 1]
            dz = pos[j, 2] - pos[i, 2]
            r2 = dx * dx + dy * dy + dz * dz + softening * softening
            w = G * mass[j] / (r2 * np.sqrt(r2))
            acc[i, 0] += w * dx
            acc[i, 1] += w * dy
            acc[i, 2] += w * dz
    return acc


def _ref_energy(pos, vel, mass, G, softening):
    N = pos.shape[0]
    ke = 0.0
    pe = 0.0
    for i in range(N):
        for c in range(3):
            ke += 0.5 * mass[i] * vel[i, c] * vel[i, c]
        for j in range(i + 1, N):
            r2 = softening * softening
            for c in range(3):
                r2 += (pos[j, c] - pos[i, c]) ** 2
            pe -= G * mass[i] * mass[j] / np.sqrt(r2)
    return ke, pe


def kernel_reference(pos, vel, mass, G, softening, dt, Nt):
    N = pos.shape[0]
    KE = np.zeros(Nt + 1)
    PE = np.zeros(Nt + 1)
    acc = _ref_acc(pos, mass, G, softening)
    KE[0], PE[0] = _ref_energy(pos, vel, mass, G, softening)
    for t in range(Nt):
        for i in range(N):
            for c in range(3):
                vel[i, c] += acc[i, c] * dt / 2.0
                pos[i, c] += vel[i, c] * dt
        acc = _ref_acc(pos, mass, G, softening)
        for i in range(N):
            for c in range(3):
                vel[i, c] += acc[i, c] * dt / 2.0
        KE[t + 1], PE[t + 1] = _ref_energy(pos, vel, mass, G, softening)
    return KE, PE


# The sizes in kernel_dace's annotations (DaCe symbols).
(_N,) = symbols("N")


def _dace_acc(pos: float64[_N, 3], mass: float64[_N], G: float64, softening: float64):
    d = pos[np.newaxis, :, :] - pos[:, np.newaxis, :]
    inv_r3 = (np.sum(d**2, axis=2) + softening**2) ** (-1.5)
    w = inv_r3 * mass
    return G * np.sum(d * w[:, :, np.newaxis], axis=1)


def _dace_energy(pos: float64[_N, 3], vel: float64[_N, 3], mass: float64[_N], G: float64,
                 softening: float64):
    ke = 0.5 * np.sum(mass[:, np.newaxis] * vel**2)
    d = pos[np.newaxis, :, :] - pos[:, np.newaxis, :]
    inv_r = 1.0 / np.sqrt(np.sum(d**2, axis=2) + softening**2)
    pairs = mass[:, np.newaxis] * mass[np.newaxis, :] * inv_r
    upper = np.zeros((_N, _N), dtype=np.float64)  # np.triu(pairs, 1); np.triu is not in DaCe
    for i, j in dace.map[0:_N, 0:_N]:
        if j > i:
            upper[i, j] = pairs[i, j]
    pe = -G * np.sum(upper)
    return ke, pe


def kernel_dace(pos: float64[_N, 3], vel: float64[_N, 3], mass: float64[_N], G: float64,
                softening: float64, dt: float64, Nt: compiletime):
    KE = np.empty((Nt + 1,), dtype=np.float64)
    PE = np.empty((Nt + 1,), dtype=np.float64)
    acc = _dace_acc(pos, mass, G, softening)
    ke, pe = _dace_energy(pos, vel, mass, G, softening)
    KE[0] = ke
    PE[0] = pe
    for t in range(Nt):
        vel += acc * dt / 2.0
        pos += vel * dt
        acc[:] = _dace_acc(pos, mass, G, softening)
        vel += acc * dt / 2.0
        ke, pe = _dace_energy(pos, vel, mass, G, softening)
        KE[t + 1] = ke
        PE[t + 1] = pe
    return KE, PE


def kernel_jax(pos, vel, mass, G, softening, dt, Nt):
    import jax.numpy as jnp
    from jax import lax

    def acceleration(pos):
        d = pos[None, :, :] - pos[:, None, :]
        inv_r3 = (jnp.sum(d**2, axis=2) + softening**2) ** (-1.5)
        return G * jnp.sum(d * (inv_r3 * mass)[:, :, None], axis=1)

    def energy(pos, vel):
        ke = 0.5 * jnp.sum(mass[:, None] * vel**2)
        d = pos[None, :, :] - pos[:, None, :]
        inv_r = 1.0 / jnp.sqrt(jnp.sum(d**2, axis=2) + softening**2)
        pe = -G * jnp.sum(jnp.triu(mass[:, None] * mass[None, :] * inv_r, 1))
        return ke, pe

    def leapfrog(state, _):
        pos, vel, acc = state
        vel = vel + acc * dt / 2.0
        pos = pos + vel * dt
        acc = acceleration(pos)
        vel = vel + acc * dt / 2.0
        return (pos, vel, acc), energy(pos, vel)

    ke0, pe0 = energy(pos, vel)
    (pos, vel, _), (ke, pe) = lax.scan(leapfrog, (pos, vel, acceleration(pos)), None, length=Nt)
    KE = jnp.concatenate([ke0[None], ke])
    PE = jnp.concatenate([pe0[None], pe])
    return pos, vel, KE, PE
