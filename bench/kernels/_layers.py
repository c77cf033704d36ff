"""Neural-network layers shared by the lenet and resnet kernels (NumPy, NHWC layout; not a
kernel itself: not in `ALL`)."""

import numpy as np


def relu(x):
    return np.maximum(x, 0)


def conv2d(x, weights):
    """Valid convolution, one matrix product per kernel offset."""
    K = weights.shape[0]
    H_out = x.shape[1] - K + 1
    W_out = x.shape[2] - K + 1
    out = np.zeros((x.shape[0], H_out, W_out, weights.shape[3]), dtype=np.float32)
    for di in range(K):
        for dj in range(K):
            out += x[:, di:di + H_out, dj:dj + W_out, :] @ weights[di, dj]
    return out


def conv2d_loops(x, w):
    """`conv2d` with explicit loops (the kernels' loop references)."""
    N, H, W, C = x.shape
    K = w.shape[0]
    O = w.shape[3]
    out = np.zeros((N, H - K + 1, W - K + 1, O), dtype=np.float32)
    for n in range(N):
        for i in range(H - K + 1):
            for j in range(W - K + 1):
                for o in range(O):
                    acc = np.float32(0.0)
                    for di in range(K):
                        for dj in range(K):
                            for c in range(C):
                                acc += x[n, i + di, j + dj, c] * w[di, dj, c, o]
                    out[n, i, j, o] = acc
    return out
