"""scattering_self_energies: electron-phonon scattering self-energy, Sigma[k, E, a] +=
sum over q, w <= E, b, i, j of (G[k, E - w, neigh_idx[a, b]] dH[a, b, i]) (D[q, w, a, b, i, j]
dH[a, b, j]), products of Norb x Norb complex matrices."""

import numpy as np

NAME = "scattering_self_energies"
SIZES = {
    "test": dict(Nkz=1, NE=3, Nqz=2, Nw=2, N3D=2, NA=3, NB=2, Norb=2),
    "S": dict(Nkz=3, NE=5, Nqz=3, Nw=2, N3D=2, NA=10, NB=3, Norb=4),
    "M": dict(Nkz=3, NE=10, Nqz=3, Nw=3, N3D=3, NA=12, NB=4, Norb=4),
}
OUTPUTS = (4,)


def _complex_random(rng, shape):
    return rng.random(shape) + 1j * rng.random(shape)


def init(Nkz, NE, Nqz, Nw, N3D, NA, NB, Norb):
    rng = np.random.default_rng(42)
    # Atom a's NB neighbours are the atoms around it, wrapping around the chain.
    neigh_idx = ((np.arange(NA)[:, None] + np.arange(NB)[None, :] - NB // 2) % NA).astype(np.int32)
    dH = _complex_random(rng, (NA, NB, N3D, Norb, Norb))
    G = _complex_random(rng, (Nkz, NE, NA, Norb, Norb))
    D = _complex_random(rng, (Nqz, Nw, NA, NB, N3D, N3D))
    Sigma = np.zeros((Nkz, NE, NA, Norb, Norb), dtype=np.complex128)
    return neigh_idx, dH, G, D, Sigma


def kernel_numpy(neigh_idx, dH, G, D, Sigma):
    NA, NB = neigh_idx.shape
    for k in range(G.shape[0]):
        for E in range(G.shape[1]):
            for q in range(D.shape[0]):
                for w in range(min(D.shape[1], E + 1)):  # energies E - w >= 0 only
                    for a in range(NA):
                        for b in range(NB):
                            # One G dH_i per direction i, and sum_j D_ij dH_j per i.
                            gdh = G[k, E - w, neigh_idx[a, b]] @ dH[a, b]
                            ddh = np.einsum("ij,jxy->ixy", D[q, w, a, b], dH[a, b])
                            Sigma[k, E, a] += np.sum(gdh @ ddh, axis=0)


def kernel_reference(neigh_idx, dH, G, D, Sigma):
    Nkz, NE = G.shape[0], G.shape[1]
    Nqz, Nw, NA, NB, N3D = D.shape[:5]
    Norb = G.shape[-1]
    for k in range(Nkz):
        for E in range(NE):
            for q in range(Nqz):
                for w in range(Nw):
                    for i in range(N3D):
                        for j in range(N3D):
                            for a in range(NA):
                                for b in range(NB):
                                    if E - w < 0:
                                        continue
                                    g = G[k, E - w, neigh_idx[a, b]]
                                    d = D[q, w, a, b, i, j]
                                    for x in range(Norb):
                                        for t in range(Norb):
                                            acc = 0j
                                            for z in range(Norb):
                                                gz = 0j
                                                for y in range(Norb):
                                                    gz += g[x, y] * dH[a, b, i, y, z]
                                                acc += gz * (dH[a, b, j, z, t] * d)
                                            Sigma[k, E, a, x, t] += acc


def kernel_jax(neigh_idx, dH, G, D, Sigma):
    import jax.numpy as jnp

    NE = G.shape[1]
    Nw = D.shape[1]
    shift = jnp.arange(NE)[:, None] - jnp.arange(Nw)[None, :]  # E - w
    valid = shift >= 0
    # Gsel[k, E, w, a, b] = G[k, E - w, neigh_idx[a, b]], zero where E - w < 0.
    Gsel = G[:, jnp.clip(shift, 0, NE - 1)][:, :, :, neigh_idx]
    Gsel = jnp.where(valid[None, :, :, None, None, None, None], Gsel, 0.0)
    Dq = jnp.sum(D, axis=0)
    return Sigma + jnp.einsum("kewabxy,abiyz,wabij,abjzt->keaxt", Gsel, dH, Dq, dH)
