"""azimint_naive: azimuthal integration, res[i] = mean of data over the radius bin
[rmax * i / npt, rmax * (i + 1) / npt) for i < npt, with rmax = max(radius)."""

import numpy as np

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
