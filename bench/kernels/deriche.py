"""deriche: Deriche's recursive edge-detection filter on a W x H image, a causal plus an
anti-causal second-order recursion along each row, then the same along each column."""

import numpy as np

NAME = "deriche"
SIZES = {
    "test": dict(W=5, H=7),
    "S": dict(W=400, H=200),
    "M": dict(W=1500, H=1000),
}
OUTPUTS = ()


def init(W, H):
    alpha = 0.25
    i = np.arange(W).reshape(W, 1)
    j = np.arange(H).reshape(1, H)
    imgIn = ((313 * i + 991 * j) % 65536) / 65535.0
    return alpha, imgIn


def coefficients(alpha):
    ea = np.exp(-alpha)
    k = (1.0 - ea) * (1.0 - ea) / (1.0 + 2.0 * alpha * ea - np.exp(2.0 * alpha))
    a1 = k
    a2 = k * ea * (alpha - 1.0)
    a3 = k * ea * (alpha + 1.0)
    a4 = -k * np.exp(-2.0 * alpha)
    b1 = 2.0 ** (-alpha)
    b2 = -np.exp(-2.0 * alpha)
    return a1, a2, a3, a4, b1, b2


def filter_rows(x, a1, a2, a3, a4, b1, b2):
    """Both recursions along axis 1; two zero columns pad each end, so the first steps
    need no special case."""
    R, C = x.shape
    xp = np.zeros((R, C + 4))
    xp[:, 2:C + 2] = x
    fwd = np.zeros((R, C + 4))
    bwd = np.zeros((R, C + 4))
    for j in range(2, C + 2):
        fwd[:, j] = a1 * xp[:, j] + a2 * xp[:, j - 1] + b1 * fwd[:, j - 1] + b2 * fwd[:, j - 2]
    for j in range(C + 1, 1, -1):
        bwd[:, j] = a3 * xp[:, j + 1] + a4 * xp[:, j + 2] + b1 * bwd[:, j + 1] + b2 * bwd[:, j + 2]
    return fwd[:, 2:C + 2] + bwd[:, 2:C + 2]


def kernel_numpy(alpha, imgIn):
    a1, a2, a3, a4, b1, b2 = coefficients(alpha)
    rows = filter_rows(imgIn, a1, a2, a3, a4, b1, b2)
    return filter_rows(rows.T, a1, a2, a3, a4, b1, b2).T


def kernel_reference(alpha, imgIn):
    a1, a2, a3, a4, b1, b2 = coefficients(alpha)
    W, H = imgIn.shape
    y1 = np.empty((W, H))
    y2 = np.empty((W, H))
    tmp = np.empty((W, H))
    out = np.empty((W, H))
    for i in range(W):
        ym1 = 0.0
        ym2 = 0.0
        xm1 = 0.0
        for j in range(H):
            y1[i, j] = a1 * imgIn[i, j] + a2 * xm1 + b1 * ym1 + b2 * ym2
            xm1 = imgIn[i, j]
            ym2 = ym1
            ym1 = y1[i, j]
    for i in range(W):
        yp1 = 0.0
        yp2 = 0.0
        xp1 = 0.0
        xp2 = 0.0
        for j in range(H - 1, -1, -1):
            y2[i, j] = a3 * xp1 + a4 * xp2 + b1 * yp1 + b2 * yp2
            xp2 = xp1
            xp1 = imgIn[i, j]
            yp2 = yp1
            yp1 = y2[i, j]
    for i in range(W):
        for j in range(H):
            tmp[i, j] = y1[i, j] + y2[i, j]
    for j in range(H):
        tm1 = 0.0
        ym1 = 0.0
        ym2 = 0.0
        for i in range(W):
            y1[i, j] = a1 * tmp[i, j] + a2 * tm1 + b1 * ym1 + b2 * ym2
            tm1 = tmp[i, j]
            ym2 = ym1
            ym1 = y1[i, j]
    for j in range(H):
        tp1 = 0.0
        tp2 = 0.0
        yp1 = 0.0
        yp2 = 0.0
        for i in range(W - 1, -1, -1):
            y2[i, j] = a3 * tp1 + a4 * tp2 + b1 * yp1 + b2 * yp2
            tp2 = tp1
            tp1 = tmp[i, j]
            yp2 = yp1
            yp1 = y2[i, j]
    for i in range(W):
        for j in range(H):
            out[i, j] = y1[i, j] + y2[i, j]
    return out


def kernel_jax(alpha, imgIn):
    import jax.numpy as jnp
    from jax import lax

    # The coefficients of `coefficients`, from the traced alpha.
    ea = jnp.exp(-alpha)
    k = (1.0 - ea) * (1.0 - ea) / (1.0 + 2.0 * alpha * ea - jnp.exp(2.0 * alpha))
    a1 = k
    a2 = k * ea * (alpha - 1.0)
    a3 = k * ea * (alpha + 1.0)
    a4 = -k * jnp.exp(-2.0 * alpha)
    b1 = 2.0 ** (-alpha)
    b2 = -jnp.exp(-2.0 * alpha)

    def filter_rows(x):
        cols = x.T  # scan over the columns of x

        def causal(carry, xj):
            x1, y1, y2 = carry
            y = a1 * xj + a2 * x1 + b1 * y1 + b2 * y2
            return (xj, y, y1), y

        def anticausal(carry, xj):
            x1, x2, y1, y2 = carry
            y = a3 * x1 + a4 * x2 + b1 * y1 + b2 * y2
            return (xj, x1, y, y1), y

        zero = jnp.zeros_like(cols[0])
        _, fwd = lax.scan(causal, (zero, zero, zero), cols)
        _, bwd = lax.scan(anticausal, (zero, zero, zero, zero), cols, reverse=True)
        return (fwd + bwd).T

    return filter_rows(filter_rows(imgIn).T).T
