"""arc_distance: great-circle angle between point pairs (theta_1[i], phi_1[i]) and
(theta_2[i], phi_2[i]) on the unit sphere, by the haversine formula."""

import numpy as np

NAME = "arc_distance"
SIZES = {
    "test": dict(N=7),
    "S": dict(N=100000),
    "M": dict(N=1000000),
}
OUTPUTS = ()


def init(N):
    rng = np.random.default_rng(42)
    theta_1 = rng.random(N)
    phi_1 = rng.random(N)
    theta_2 = rng.random(N)
    phi_2 = rng.random(N)
    return theta_1, phi_1, theta_2, phi_2


def kernel_numpy(theta_1, phi_1, theta_2, phi_2):
    sin_dtheta = np.sin((theta_2 - theta_1) / 2.0)
    sin_dphi = np.sin((phi_2 - phi_1) / 2.0)
    h = sin_dtheta**2 + np.cos(theta_1) * np.cos(theta_2) * sin_dphi**2
    return 2.0 * np.arctan2(np.sqrt(h), np.sqrt(1.0 - h))


def kernel_reference(theta_1, phi_1, theta_2, phi_2):
    N = theta_1.shape[0]
    out = np.empty(N)
    for i in range(N):
        s = np.sin((theta_2[i] - theta_1[i]) / 2.0)
        t = np.sin((phi_2[i] - phi_1[i]) / 2.0)
        h = s * s + np.cos(theta_1[i]) * np.cos(theta_2[i]) * (t * t)
        out[i] = 2.0 * np.arctan2(np.sqrt(h), np.sqrt(1.0 - h))
    return out


def kernel_jax(theta_1, phi_1, theta_2, phi_2):
    import jax.numpy as jnp

    h = (jnp.sin((theta_2 - theta_1) / 2.0) ** 2
         + jnp.cos(theta_1) * jnp.cos(theta_2) * jnp.sin((phi_2 - phi_1) / 2.0) ** 2)
    return 2.0 * jnp.arctan2(jnp.sqrt(h), jnp.sqrt(1.0 - h))
