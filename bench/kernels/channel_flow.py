"""channel_flow: pressure-driven flow in a channel, periodic in x with walls at y = 0 and
y = 2: explicit 2-D Navier-Stokes steps (nit Jacobi pressure sweeps each) until the relative
change of sum(u) drops to 0.001; u, v, p are updated in place, the step count returned."""

import numpy as np

NAME = "channel_flow"
SIZES = {
    "test": dict(ny=5, nx=6, nit=2, rho=1.0, nu=6.0, F=1.0),
    "S": dict(ny=31, nx=31, nit=5, rho=1.0, nu=0.1, F=1.0),
    "M": dict(ny=61, nx=61, nit=5, rho=1.0, nu=0.1, F=1.0),
}
OUTPUTS = (1, 2, 6)


def init(ny, nx, nit, rho, nu, F):
    # Starts at rest in x; small smooth v and p disturbances (zero v at the walls) make every
    # term of the update matter, the periodic ones included.
    y = np.linspace(0.0, 2.0, ny).reshape(ny, 1)
    x = np.linspace(0.0, 2.0, nx).reshape(1, nx)
    u = np.zeros((ny, nx))
    v = 0.05 * np.sin(np.pi * x) * np.sin(np.pi * y / 2.0)
    p = 1.0 + 0.1 * np.cos(np.pi * x) * np.cos(np.pi * y / 2.0)
    dx = 2.0 / (nx - 1)
    dy = 2.0 / (ny - 1)
    dt = 0.1 / ((nx - 1) * (ny - 1))
    return nit, u, v, dt, dx, dy, p, rho, nu, F


def periodic_x(a):
    """a with one ghost column on each side, wrapped around in x."""
    return np.concatenate((a[:, -1:], a, a[:, :1]), axis=1)


def source_term(rho, dt, dx, dy, up, vp):
    """The right-hand side of the pressure equation from the padded velocities."""
    b = np.zeros((up.shape[0], up.shape[1] - 2))
    du_dx = (up[1:-1, 2:] - up[1:-1, :-2]) / (2.0 * dx)
    du_dy = (up[2:, 1:-1] - up[:-2, 1:-1]) / (2.0 * dy)
    dv_dx = (vp[1:-1, 2:] - vp[1:-1, :-2]) / (2.0 * dx)
    dv_dy = (vp[2:, 1:-1] - vp[:-2, 1:-1]) / (2.0 * dy)
    b[1:-1, :] = rho * ((du_dx + dv_dy) / dt - du_dx**2 - 2.0 * du_dy * dv_dx - dv_dy**2)
    return b


def pressure_poisson(nit, p, dx, dy, b):
    dx2 = dx * dx
    dy2 = dy * dy
    for _ in range(nit):
        pn = periodic_x(p)
        p[1:-1, :] = (
            (pn[1:-1, 2:] + pn[1:-1, :-2]) * dy2 + (pn[2:, 1:-1] + pn[:-2, 1:-1]) * dx2
            - b[1:-1, :] * dx2 * dy2
        ) / (2.0 * (dx2 + dy2))
        p[-1, :] = p[-2, :]  # dp/dy = 0 at both walls
        p[0, :] = p[1, :]


def kernel_numpy(nit, u, v, dt, dx, dy, p, rho, nu, F):
    udiff = 1.0
    stepcount = 0
    while udiff > 0.001:
        un = periodic_x(u)
        vn = periodic_x(v)
        b = source_term(rho, dt, dx, dy, un, vn)
        pressure_poisson(nit, p, dx, dy, b)
        pp = periodic_x(p)
        uc = un[1:-1, 1:-1]
        vc = vn[1:-1, 1:-1]
        u[1:-1, :] = (
            uc
            - uc * dt / dx * (uc - un[1:-1, :-2])
            - vc * dt / dy * (uc - un[:-2, 1:-1])
            - dt / (2.0 * rho * dx) * (pp[1:-1, 2:] - pp[1:-1, :-2])
            + nu * (dt / dx**2 * (un[1:-1, 2:] - 2.0 * uc + un[1:-1, :-2])
                    + dt / dy**2 * (un[2:, 1:-1] - 2.0 * uc + un[:-2, 1:-1]))
            + F * dt
        )
        v[1:-1, :] = (
            vc
            - uc * dt / dx * (vc - vn[1:-1, :-2])
            - vc * dt / dy * (vc - vn[:-2, 1:-1])
            - dt / (2.0 * rho * dy) * (pp[2:, 1:-1] - pp[:-2, 1:-1])
            + nu * (dt / dx**2 * (vn[1:-1, 2:] - 2.0 * vc + vn[1:-1, :-2])
                    + dt / dy**2 * (vn[2:, 1:-1] - 2.0 * vc + vn[:-2, 1:-1]))
        )
        u[0, :] = 0.0  # no slip at the walls
        u[-1, :] = 0.0
        v[0, :] = 0.0
        v[-1, :] = 0.0
        udiff = (np.sum(u) - np.sum(un[:, 1:-1])) / np.sum(u)
        stepcount += 1
    return stepcount


def kernel_reference(nit, u, v, dt, dx, dy, p, rho, nu, F):
    ny, nx = u.shape
    udiff = 1.0
    stepcount = 0
    while udiff > 0.001:
        un = u.copy()
        vn = v.copy()
        b = np.zeros((ny, nx))
        for i in range(1, ny - 1):
            for j in range(nx):
                e = (j + 1) % nx
                w = (j - 1) % nx
                du_dx = (un[i, e] - un[i, w]) / (2.0 * dx)
                du_dy = (un[i + 1, j] - un[i - 1, j]) / (2.0 * dy)
                dv_dx = (vn[i, e] - vn[i, w]) / (2.0 * dx)
                dv_dy = (vn[i + 1, j] - vn[i - 1, j]) / (2.0 * dy)
                b[i, j] = rho * ((du_dx + dv_dy) / dt - du_dx * du_dx
                                 - 2.0 * du_dy * dv_dx - dv_dy * dv_dy)
        for _ in range(nit):
            pn = p.copy()
            for i in range(1, ny - 1):
                for j in range(nx):
                    e = (j + 1) % nx
                    w = (j - 1) % nx
                    p[i, j] = ((pn[i, e] + pn[i, w]) * (dy * dy)
                               + (pn[i + 1, j] + pn[i - 1, j]) * (dx * dx)
                               - b[i, j] * (dx * dx) * (dy * dy)) / (2.0 * (dx * dx + dy * dy))
            for j in range(nx):
                p[ny - 1, j] = p[ny - 2, j]
                p[0, j] = p[1, j]
        for i in range(1, ny - 1):
            for j in range(nx):
                e = (j + 1) % nx
                w = (j - 1) % nx
                uc = un[i, j]
                vc = vn[i, j]
                u[i, j] = (uc - uc * dt / dx * (uc - un[i, w])
                           - vc * dt / dy * (uc - un[i - 1, j])
                           - dt / (2.0 * rho * dx) * (p[i, e] - p[i, w])
                           + nu * (dt / (dx * dx) * (un[i, e] - 2.0 * uc + un[i, w])
                                   + dt / (dy * dy) * (un[i + 1, j] - 2.0 * uc + un[i - 1, j]))
                           + F * dt)
                v[i, j] = (vc - uc * dt / dx * (vc - vn[i, w])
                           - vc * dt / dy * (vc - vn[i - 1, j])
                           - dt / (2.0 * rho * dy) * (p[i + 1, j] - p[i - 1, j])
                           + nu * (dt / (dx * dx) * (vn[i, e] - 2.0 * vc + vn[i, w])
                                   + dt / (dy * dy) * (vn[i + 1, j] - 2.0 * vc + vn[i - 1, j])))
        for j in range(nx):
            u[0, j] = 0.0
            u[ny - 1, j] = 0.0
            v[0, j] = 0.0
            v[ny - 1, j] = 0.0
        total = 0.0
        before = 0.0
        for i in range(ny):
            for j in range(nx):
                total += u[i, j]
                before += un[i, j]
        udiff = (total - before) / total
        stepcount += 1
    return stepcount


def kernel_jax(nit, u, v, dt, dx, dy, p, rho, nu, F):
    import jax.numpy as jnp
    from jax import lax

    dx2 = dx * dx
    dy2 = dy * dy

    def pad(a):
        return jnp.concatenate((a[:, -1:], a, a[:, :1]), axis=1)

    def relax(_, pb):
        p, b = pb
        pn = pad(p)
        p = p.at[1:-1, :].set(
            ((pn[1:-1, 2:] + pn[1:-1, :-2]) * dy2 + (pn[2:, 1:-1] + pn[:-2, 1:-1]) * dx2
             - b[1:-1, :] * dx2 * dy2) / (2.0 * (dx2 + dy2)))
        p = p.at[-1, :].set(p[-2, :])
        return p.at[0, :].set(p[1, :]), b

    def step(state):
        u, v, p, _, count = state
        un = pad(u)
        vn = pad(v)
        du_dx = (un[1:-1, 2:] - un[1:-1, :-2]) / (2.0 * dx)
        du_dy = (un[2:, 1:-1] - un[:-2, 1:-1]) / (2.0 * dy)
        dv_dx = (vn[1:-1, 2:] - vn[1:-1, :-2]) / (2.0 * dx)
        dv_dy = (vn[2:, 1:-1] - vn[:-2, 1:-1]) / (2.0 * dy)
        b = jnp.zeros_like(u).at[1:-1, :].set(
            rho * ((du_dx + dv_dy) / dt - du_dx**2 - 2.0 * du_dy * dv_dx - dv_dy**2))
        p, _ = lax.fori_loop(0, nit, relax, (p, b))
        pp = pad(p)
        uc = un[1:-1, 1:-1]
        vc = vn[1:-1, 1:-1]
        u_new = (uc - uc * dt / dx * (uc - un[1:-1, :-2]) - vc * dt / dy * (uc - un[:-2, 1:-1])
                 - dt / (2.0 * rho * dx) * (pp[1:-1, 2:] - pp[1:-1, :-2])
                 + nu * (dt / dx**2 * (un[1:-1, 2:] - 2.0 * uc + un[1:-1, :-2])
                         + dt / dy**2 * (un[2:, 1:-1] - 2.0 * uc + un[:-2, 1:-1]))
                 + F * dt)
        v_new = (vc - uc * dt / dx * (vc - vn[1:-1, :-2]) - vc * dt / dy * (vc - vn[:-2, 1:-1])
                 - dt / (2.0 * rho * dy) * (pp[2:, 1:-1] - pp[:-2, 1:-1])
                 + nu * (dt / dx**2 * (vn[1:-1, 2:] - 2.0 * vc + vn[1:-1, :-2])
                         + dt / dy**2 * (vn[2:, 1:-1] - 2.0 * vc + vn[:-2, 1:-1])))
        u_next = u.at[1:-1, :].set(u_new).at[0, :].set(0.0).at[-1, :].set(0.0)
        v_next = v.at[1:-1, :].set(v_new).at[0, :].set(0.0).at[-1, :].set(0.0)
        udiff = (jnp.sum(u_next) - jnp.sum(u)) / jnp.sum(u_next)
        return u_next, v_next, p, udiff, count + 1

    state = (u, v, p, jnp.asarray(1.0, dtype=u.dtype), jnp.asarray(0, dtype=jnp.int64))
    u, v, p, _, count = lax.while_loop(lambda s: s[3] > 0.001, step, state)
    return u, v, p, count
