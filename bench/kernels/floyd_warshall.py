"""floyd_warshall: all-pairs shortest paths;
for each k: path[i, j] = min(path[i, j], path[i, k] + path[k, j])."""

import numpy as np

NAME = "floyd_warshall"
SIZES = {
    "test": dict(N=8),
    "S": dict(N=200),
    "M": dict(N=500),
}
OUTPUTS = (0,)


def init(N):
    i = np.arange(N).reshape(N, 1)
    j = np.arange(N).reshape(1, N)
    path = (i * j % 7 + 1).astype(np.int32)
    far = ((i + j) % 13 == 0) | ((i + j) % 7 == 0) | ((i + j) % 11 == 0)
    path[far] = 999
    return (path,)


def kernel_numpy(path):
    for k in range(path.shape[0]):
        path[:] = np.minimum(path, path[:, k:k + 1] + path[k:k + 1, :])


def kernel_reference(path):
    N = path.shape[0]
    for k in range(N):
        for i in range(N):
            for j in range(N):
                if path[i, k] + path[k, j] < path[i, j]:
                    path[i, j] = path[i, k] + path[k, j]
