"""cavity_flow: lid-driven cavity, nt explicit steps of the 2-D incompressible Navier-Stokes
equations (upwind advection, central diffusion) with nit Jacobi sweeps of the pressure
Poisson equation per step; u, v and p are updated in place."""

import numpy as np

NAME = "cavity_flow"
SIZES = {
    "test": dict(ny=6, nx=7, nt=4, nit=3, rho=1.0, nu=0.1),
    "S": dict(ny=61, nx=61, nt=25, nit=5, rho=1.0, nu=0.1),
    "M": dict(ny=121, nx=121, nt=50, nit=10, rho=1.0, nu=0.1),
}
OUTPUTS = (4, 5, 9)


def init(ny, nx, nt, nit, rho, nu):
    u = np.zeros((ny, nx))
    v = np.zeros((ny, nx))
    p = np.zeros((ny, nx))
    dx = 2.0 / (nx - 1)
    dy = 2.0 / (ny - 1)
    dt = 0.1 / ((nx - 1) * (ny - 1))
    return nx, ny, nt, nit, u, v, dt, dx, dy, p, rho, nu


def source_term(b, rho, dt, u, v, dx, dy):
    """The right-hand side of the pressure equation, on the interior of b."""
    du_dx = (u[1:-1, 2:] - u[1:-1, :-2]) / (2.0 * dx)
    du_dy = (u[2:, 1:-1] - u[:-2, 1:-1]) / (2.0 * dy)
    dv_dx = (v[1:-1, 2:] - v[1:-1, :-2]) / (2.0 * dx)
    dv_dy = (v[2:, 1:-1] - v[:-2, 1:-1]) / (2.0 * dy)
    b[1:-1, 1:-1] = rho * ((du_dx + dv_dy) / dt - du_dx**2 - 2.0 * du_dy * dv_dx - dv_dy**2)


def pressure_poisson(nit, p, dx, dy, b):
    dx2 = dx * dx
    dy2 = dy * dy
    for _ in range(nit):
        pn = p.copy()
        p[1:-1, 1:-1] = (
            (pn[1:-1, 2:] + pn[1:-1, :-2]) * dy2 + (pn[2:, 1:-1] + pn[:-2, 1:-1]) * dx2
            - b[1:-1, 1:-1] * dx2 * dy2
        ) / (2.0 * (dx2 + dy2))
        p[:, -1] = p[:, -2]  # dp/dx = 0 on the right wall
        p[0, :] = p[1, :]  # dp/dy = 0 on the bottom
        p[:, 0] = p[:, 1]  # dp/dx = 0 on the left wall
        p[-1, :] = 0.0  # p = 0 under the lid


def kernel_numpy(nx, ny, nt, nit, u, v, dt, dx, dy, p, rho, nu):
    b = np.zeros((ny, nx))
    for _ in range(nt):
        un = u.copy()
        vn = v.copy()
        source_term(b, rho, dt, u, v, dx, dy)
        pressure_poisson(nit, p, dx, dy, b)
        uc = un[1:-1, 1:-1]
        vc = vn[1:-1, 1:-1]
        u[1:-1, 1:-1] = (
            uc
            - uc * dt / dx * (uc - un[1:-1, :-2])
            - vc * dt / dy * (uc - un[:-2, 1:-1])
            - dt / (2.0 * rho * dx) * (p[1:-1, 2:] - p[1:-1, :-2])
            + nu * (dt / dx**2 * (un[1:-1, 2:] - 2.0 * uc + un[1:-1, :-2])
                    + dt / dy**2 * (un[2:, 1:-1] - 2.0 * uc + un[:-2, 1:-1]))
        )
        v[1:-1, 1:-1] = (
            vc
            - uc * dt / dx * (vc - vn[1:-1, :-2])
            - vc * dt / dy * (vc - vn[:-2, 1:-1])
            - dt / (2.0 * rho * dy) * (p[2:, 1:-1] - p[:-2, 1:-1])
            + nu * (dt / dx**2 * (vn[1:-1, 2:] - 2.0 * vc + vn[1:-1, :-2])
                    + dt / dy**2 * (vn[2:, 1:-1] - 2.0 * vc + vn[:-2, 1:-1]))
        )
        u[0, :] = 0.0
        u[:, 0] = 0.0
        u[:, -1] = 0.0
        u[-1, :] = 1.0  # the moving lid
        v[0, :] = 0.0
        v[-1, :] = 0.0
        v[:, 0] = 0.0
        v[:, -1] = 0.0


def kernel_reference(nx, ny, nt, nit, u, v, dt, dx, dy, p, rho, nu):
    b = np.zeros((ny, nx))
    for _ in range(nt):
        un = u.copy()
        vn = v.copy()
        for i in range(1, ny - 1):
            for j in range(1, nx - 1):
                du_dx = (u[i, j + 1] - u[i, j - 1]) / (2.0 * dx)
                du_dy = (u[i + 1, j] - u[i - 1, j]) / (2.0 * dy)
                dv_dx = (v[i, j + 1] - v[i, j - 1]) / (2.0 * dx)
                dv_dy = (v[i + 1, j] - v[i - 1, j]) / (2.0 * dy)
                b[i, j] = rho * ((du_dx + dv_dy) / dt - du_dx * du_dx
                                 - 2.0 * du_dy * dv_dx - dv_dy * dv_dy)
        for _ in range(nit):
            pn = p.copy()
            for i in range(1, ny - 1):
                for j in range(1, nx - 1):
                    p[i, j] = ((pn[i, j + 1] + pn[i, j - 1]) * (dy * dy)
                               + (pn[i + 1, j] + pn[i - 1, j]) * (dx * dx)
                               - b[i, j] * (dx * dx) * (dy * dy)) / (2.0 * (dx * dx + dy * dy))
            for i in range(ny):
                p[i, nx - 1] = p[i, nx - 2]
            for j in range(nx):
                p[0, j] = p[1, j]
            for i in range(ny):
                p[i, 0] = p[i, 1]
            for j in range(nx):
                p[ny - 1, j] = 0.0
        for i in range(1, ny - 1):
            for j in range(1, nx - 1):
                uc = un[i, j]
                vc = vn[i, j]
                u[i, j] = (uc - uc * dt / dx * (uc - un[i, j - 1])
                           - vc * dt / dy * (uc - un[i - 1, j])
                           - dt / (2.0 * rho * dx) * (p[i, j + 1] - p[i, j - 1])
                           + nu * (dt / (dx * dx) * (un[i, j + 1] - 2.0 * uc + un[i, j - 1])
                                   + dt / (dy * dy) * (un[i + 1, j] - 2.0 * uc + un[i - 1, j])))
                v[i, j] = (vc - uc * dt / dx * (vc - vn[i, j - 1])
                           - vc * dt / dy * (vc - vn[i - 1, j])
                           - dt / (2.0 * rho * dy) * (p[i + 1, j] - p[i - 1, j])
                           + nu * (dt / (dx * dx) * (vn[i, j + 1] - 2.0 * vc + vn[i, j - 1])
                                   + dt / (dy * dy) * (vn[i + 1, j] - 2.0 * vc + vn[i - 1, j])))
        for i in range(ny):
            for j in range(nx):
                if i == 0 or j == 0 or j == nx - 1:
                    u[i, j] = 0.0
                if i == ny - 1:
                    u[i, j] = 1.0  # the lid, corners included
                if i == 0 or i == ny - 1 or j == 0 or j == nx - 1:
                    v[i, j] = 0.0


def kernel_jax(nx, ny, nt, nit, u, v, dt, dx, dy, p, rho, nu):
    from jax import lax

    dx2 = dx * dx
    dy2 = dy * dy

    def relax(_, p, b):
        pn = p
        p = p.at[1:-1, 1:-1].set(
            ((pn[1:-1, 2:] + pn[1:-1, :-2]) * dy2 + (pn[2:, 1:-1] + pn[:-2, 1:-1]) * dx2
             - b[1:-1, 1:-1] * dx2 * dy2) / (2.0 * (dx2 + dy2)))
        p = p.at[:, -1].set(p[:, -2])
        p = p.at[0, :].set(p[1, :])
        p = p.at[:, 0].set(p[:, 1])
        return p.at[-1, :].set(0.0)

    def step(_, state):
        u, v, p, b = state
        du_dx = (u[1:-1, 2:] - u[1:-1, :-2]) / (2.0 * dx)
        du_dy = (u[2:, 1:-1] - u[:-2, 1:-1]) / (2.0 * dy)
        dv_dx = (v[1:-1, 2:] - v[1:-1, :-2]) / (2.0 * dx)
        dv_dy = (v[2:, 1:-1] - v[:-2, 1:-1]) / (2.0 * dy)
        b = b.at[1:-1, 1:-1].set(
            rho * ((du_dx + dv_dy) / dt - du_dx**2 - 2.0 * du_dy * dv_dx - dv_dy**2))
        p = lax.fori_loop(0, nit, lambda q, p: relax(q, p, b), p)
        uc = u[1:-1, 1:-1]
        vc = v[1:-1, 1:-1]
        un_new = (uc - uc * dt / dx * (uc - u[1:-1, :-2]) - vc * dt / dy * (uc - u[:-2, 1:-1])
                  - dt / (2.0 * rho * dx) * (p[1:-1, 2:] - p[1:-1, :-2])
                  + nu * (dt / dx**2 * (u[1:-1, 2:] - 2.0 * uc + u[1:-1, :-2])
                          + dt / dy**2 * (u[2:, 1:-1] - 2.0 * uc + u[:-2, 1:-1])))
        vn_new = (vc - uc * dt / dx * (vc - v[1:-1, :-2]) - vc * dt / dy * (vc - v[:-2, 1:-1])
                  - dt / (2.0 * rho * dy) * (p[2:, 1:-1] - p[:-2, 1:-1])
                  + nu * (dt / dx**2 * (v[1:-1, 2:] - 2.0 * vc + v[1:-1, :-2])
                          + dt / dy**2 * (v[2:, 1:-1] - 2.0 * vc + v[:-2, 1:-1])))
        u = u.at[1:-1, 1:-1].set(un_new)
        v = v.at[1:-1, 1:-1].set(vn_new)
        u = u.at[0, :].set(0.0).at[:, 0].set(0.0).at[:, -1].set(0.0).at[-1, :].set(1.0)
        v = v.at[0, :].set(0.0).at[-1, :].set(0.0).at[:, 0].set(0.0).at[:, -1].set(0.0)
        return u, v, p, b

    b = lax.full_like(u, 0.0)
    u, v, p, _ = lax.fori_loop(0, nt, step, (u, v, p, b))
    return u, v, p
