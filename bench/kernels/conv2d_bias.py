"""conv2d_bias: valid 2-D convolution (NHWC, weights K x K x C_in x C_out) plus a bias per channel.

out[n, i, j, o] = bias[o] + sum_{di, dj, c} input[n, i + di, j + dj, c] * weights[di, dj, c, o].

`kernel_numpy` follows NPBench's formulation: a convolution helper that loops over the output
pixels (i, j) and fills output[:, i, j, :] (from np.empty) with the sum over a broadcast
K x K x C_in x C_out product of the input window and the weights. `kernel_restructured` loops
over the K x K kernel taps instead, adding one matrix product of a shifted input slice per tap.
"""

import numpy as np

from bench.kernels._dace import dace, float64, symbols

NAME = "conv2d_bias"
SIZES = {
    "test": dict(N=2, C_in=2, C_out=3, K=3, H=6, W=7),
    "S": dict(N=8, C_in=3, C_out=16, K=3, H=64, W=64),
    "M": dict(N=8, C_in=3, C_out=16, K=5, H=128, W=128),
}
OUTPUTS = ()


def init(N, C_in, C_out, K, H, W):
    rng = np.random.default_rng(42)
    input = rng.random((N, H, W, C_in))
    weights = rng.random((K, K, C_in, C_out))
    bias = rng.random(C_out)
    return input, weights, bias


def conv2d(input, weights):
    """Valid convolution, stride 1: one broadcast product and sum per output pixel."""
    K = weights.shape[0]
    N = input.shape[0]
    H_out = input.shape[1] - K + 1
    W_out = input.shape[2] - K + 1
    C_out = weights.shape[3]
    output = np.empty((N, H_out, W_out, C_out), dtype=np.float64)
    for i in range(H_out):
        for j in range(W_out):
            # window: N x K x K x C_in x 1, weights: 1 x K x K x C_in x C_out.
            output[:, i, j, :] = np.sum(
                input[:, i:i + K, j:j + K, :, np.newaxis] * weights[np.newaxis, :, :, :],
                axis=(1, 2, 3),
            )
    return output


def kernel_numpy(input, weights, bias):
    return conv2d(input, weights) + bias


def kernel_restructured(input, weights, bias):
    K = weights.shape[0]
    H_out = input.shape[1] - K + 1
    W_out = input.shape[2] - K + 1
    output = np.zeros((input.shape[0], H_out, W_out, weights.shape[3]))
    for di in range(K):
        for dj in range(K):
            output += input[:, di:di + H_out, dj:dj + W_out, :] @ weights[di, dj]
    return output + bias


def kernel_reference(input, weights, bias):
    N, H, W, C_in = input.shape
    K = weights.shape[0]
    C_out = weights.shape[3]
    out = np.zeros((N, H - K + 1, W - K + 1, C_out))
    for n in range(N):
        for i in range(H - K + 1):
            for j in range(W - K + 1):
                for o in range(C_out):
                    acc = bias[o]
                    for di in range(K):
                        for dj in range(K):
                            for c in range(C_in):
                                acc += input[n, i + di, j + dj, c] * weights[di, dj, c, o]
                    out[n, i, j, o] = acc
    return out


# The sizes in kernel_dace's annotations (DaCe symbols).
_N, _H, _W, _C_in, _C_out, _K = symbols("N H W C_in C_out K")


def kernel_dace(
    input: float64[_N, _H, _W, _C_in], weights: float64[_K, _K, _C_in, _C_out],
    bias: float64[_C_out],
):
    output = np.zeros((_N, _H - _K + 1, _W - _K + 1, _C_out), dtype=np.float64)
    for di in range(_K):
        for dj in range(_K):
            for n, i, j, o in dace.map[0:_N, 0:_H - _K + 1, 0:_W - _K + 1, 0:_C_out]:
                acc = 0.0
                for c in range(_C_in):
                    acc += input[n, i + di, j + dj, c] * weights[di, dj, c, o]
                output[n, i, j, o] += acc
    return output + bias


def kernel_jax(input, weights, bias):
    from jax import lax

    out = lax.conv_general_dilated(
        input, weights, window_strides=(1, 1), padding="VALID",
        dimension_numbers=("NHWC", "HWIO", "NHWC"),
    )
    return out + bias
