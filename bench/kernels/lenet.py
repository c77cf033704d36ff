"""lenet: LeNet-5 inference in float32 (NHWC): two valid 5x5 convolutions with bias, ReLU and
2x2 max pooling, then three dense layers (ReLU between them)."""

import numpy as np

from bench.kernels._layers import conv2d, conv2d_loops, relu

NAME = "lenet"
SIZES = {
    "test": dict(N=2, H=16, W=16),
    "S": dict(N=8, H=56, W=56),
    "M": dict(N=8, H=112, W=112),
}
OUTPUTS = ()


def init(N, H, W):
    rng = np.random.default_rng(42)
    # After conv 5x5, pool 2, conv 5x5, pool 2: 16 channels of this many pixels.
    flat = 16 * (((H - 4) // 2 - 4) // 2) * (((W - 4) // 2 - 4) // 2)
    input = rng.random((N, H, W, 1), dtype=np.float32)
    conv1 = rng.random((5, 5, 1, 6), dtype=np.float32)
    conv1bias = rng.random(6, dtype=np.float32)
    conv2 = rng.random((5, 5, 6, 16), dtype=np.float32)
    conv2bias = rng.random(16, dtype=np.float32)
    fc1w = rng.random((flat, 120), dtype=np.float32)
    fc1b = rng.random(120, dtype=np.float32)
    fc2w = rng.random((120, 84), dtype=np.float32)
    fc2b = rng.random(84, dtype=np.float32)
    fc3w = rng.random((84, 10), dtype=np.float32)
    fc3b = rng.random(10, dtype=np.float32)
    return input, conv1, conv1bias, conv2, conv2bias, fc1w, fc1b, fc2w, fc2b, fc3w, fc3b


def maxpool2d(x):
    """Maximum over 2x2 windows, stride 2 (a trailing odd row or column is dropped)."""
    N, H, W, C = x.shape
    out = np.empty((N, H // 2, W // 2, C), dtype=x.dtype)
    for i in range(H // 2):
        for j in range(W // 2):
            out[:, i, j, :] = np.max(x[:, 2 * i:2 * i + 2, 2 * j:2 * j + 2, :], axis=(1, 2))
    return out


def kernel_numpy(input, conv1, conv1bias, conv2, conv2bias, fc1w, fc1b, fc2w, fc2b, fc3w, fc3b):
    x = maxpool2d(relu(conv2d(input, conv1) + conv1bias))
    x = maxpool2d(relu(conv2d(x, conv2) + conv2bias))
    x = x.reshape(x.shape[0], -1)
    x = relu(x @ fc1w + fc1b)
    x = relu(x @ fc2w + fc2b)
    return x @ fc3w + fc3b


def _conv_relu_pool(x, w, bias):
    N, H, W, _ = x.shape
    K = w.shape[0]
    O = w.shape[3]
    conv = conv2d_loops(x, w)
    for n in range(N):
        for i in range(H - K + 1):
            for j in range(W - K + 1):
                for o in range(O):
                    conv[n, i, j, o] = max(conv[n, i, j, o] + bias[o], np.float32(0.0))
    Hp = (H - K + 1) // 2
    Wp = (W - K + 1) // 2
    out = np.zeros((N, Hp, Wp, O), dtype=np.float32)
    for n in range(N):
        for i in range(Hp):
            for j in range(Wp):
                for o in range(O):
                    out[n, i, j, o] = max(conv[n, 2 * i, 2 * j, o], conv[n, 2 * i, 2 * j + 1, o],
                                          conv[n, 2 * i + 1, 2 * j, o],
                                          conv[n, 2 * i + 1, 2 * j + 1, o])
    return out


def _dense(x, w, b, rectify):
    out = np.zeros((x.shape[0], w.shape[1]), dtype=np.float32)
    for n in range(x.shape[0]):
        for o in range(w.shape[1]):
            acc = b[o]
            for k in range(w.shape[0]):
                acc += x[n, k] * w[k, o]
            out[n, o] = max(acc, np.float32(0.0)) if rectify else acc
    return out


def kernel_reference(input, conv1, conv1bias, conv2, conv2bias, fc1w, fc1b, fc2w, fc2b, fc3w,
                     fc3b):
    x = _conv_relu_pool(input, conv1, conv1bias)
    x = _conv_relu_pool(x, conv2, conv2bias)
    N, H, W, C = x.shape
    flat = np.zeros((N, H * W * C), dtype=np.float32)
    for n in range(N):
        for i in range(H):
            for j in range(W):
                for c in range(C):
                    flat[n, (i * W + j) * C + c] = x[n, i, j, c]
    x = _dense(flat, fc1w, fc1b, True)
    x = _dense(x, fc2w, fc2b, True)
    return _dense(x, fc3w, fc3b, False)


def kernel_jax(input, conv1, conv1bias, conv2, conv2bias, fc1w, fc1b, fc2w, fc2b, fc3w, fc3b):
    import jax.numpy as jnp
    from jax import lax

    def conv(x, w):
        return lax.conv_general_dilated(x, w, window_strides=(1, 1), padding="VALID",
                                        dimension_numbers=("NHWC", "HWIO", "NHWC"))

    def pool(x):
        N, H, W, C = x.shape
        x = x[:, :H // 2 * 2, :W // 2 * 2, :]
        return x.reshape(N, H // 2, 2, W // 2, 2, C).max(axis=(2, 4))

    x = pool(jnp.maximum(conv(input, conv1) + conv1bias, 0))
    x = pool(jnp.maximum(conv(x, conv2) + conv2bias, 0))
    x = x.reshape(x.shape[0], -1)
    x = jnp.maximum(x @ fc1w + fc1b, 0)
    x = jnp.maximum(x @ fc2w + fc2b, 0)
    return x @ fc3w + fc3b
