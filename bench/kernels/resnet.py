"""resnet: one ResNet bottleneck block in float32 (NHWC): 1x1 convolution, zero-padded 3x3
convolution, 1x1 convolution, each followed by batch normalisation, ReLU between them and a
residual connection before the last ReLU."""

import numpy as np

from bench.kernels._layers import conv2d, conv2d_loops, relu

NAME = "resnet"
SIZES = {
    "test": dict(N=2, H=5, W=4, C1=4, C2=3),
    "S": dict(N=8, H=28, W=28, C1=64, C2=16),
    "M": dict(N=8, H=56, W=56, C1=128, C2=32),
}
OUTPUTS = ()


def init(N, H, W, C1, C2):
    rng = np.random.default_rng(42)
    input = rng.random((N, H, W, C1), dtype=np.float32)
    conv1 = rng.random((1, 1, C1, C2), dtype=np.float32)
    conv2 = rng.random((3, 3, C2, C2), dtype=np.float32)
    conv3 = rng.random((1, 1, C2, C1), dtype=np.float32)
    return input, conv1, conv2, conv3


def batchnorm(x, eps=1e-5):
    """Normalise over the batch axis (no learned scale or shift)."""
    mean = np.mean(x, axis=0, keepdims=True)
    var = np.var(x, axis=0, keepdims=True)
    return (x - mean) / np.sqrt(var + eps)


def kernel_numpy(input, conv1, conv2, conv3):
    N, H, W, _ = input.shape
    padded = np.zeros((N, H + 2, W + 2, conv1.shape[3]), dtype=np.float32)
    padded[:, 1:-1, 1:-1, :] = conv2d(input, conv1)
    x = relu(batchnorm(padded))
    x = relu(batchnorm(conv2d(x, conv2)))
    x = batchnorm(conv2d(x, conv3))
    return relu(x + input)


def _batchnorm(x):
    N, H, W, C = x.shape
    out = np.zeros_like(x)
    for i in range(H):
        for j in range(W):
            for c in range(C):
                mean = np.float32(0.0)
                for n in range(N):
                    mean += x[n, i, j, c]
                mean /= np.float32(N)
                var = np.float32(0.0)
                for n in range(N):
                    var += (x[n, i, j, c] - mean) * (x[n, i, j, c] - mean)
                var /= np.float32(N)
                for n in range(N):
                    out[n, i, j, c] = (x[n, i, j, c] - mean) / np.sqrt(var + np.float32(1e-5))
    return out


def _relu(x):
    out = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        out[idx] = max(x[idx], np.float32(0.0))
    return out


def kernel_reference(input, conv1, conv2, conv3):
    N, H, W, C1 = input.shape
    C2 = conv1.shape[3]
    padded = np.zeros((N, H + 2, W + 2, C2), dtype=np.float32)
    inner = conv2d_loops(input, conv1)
    for n in range(N):
        for i in range(H):
            for j in range(W):
                for c in range(C2):
                    padded[n, i + 1, j + 1, c] = inner[n, i, j, c]
    x = _relu(_batchnorm(padded))
    x = _relu(_batchnorm(conv2d_loops(x, conv2)))
    x = _batchnorm(conv2d_loops(x, conv3))
    out = np.zeros_like(input)
    for idx in np.ndindex(*input.shape):
        out[idx] = max(x[idx] + input[idx], np.float32(0.0))
    return out


def kernel_jax(input, conv1, conv2, conv3):
    import jax.numpy as jnp
    from jax import lax

    def conv(x, w, padding):
        return lax.conv_general_dilated(x, w, window_strides=(1, 1), padding=padding,
                                        dimension_numbers=("NHWC", "HWIO", "NHWC"))

    def batchnorm(x):
        return (x - jnp.mean(x, axis=0, keepdims=True)) / jnp.sqrt(
            jnp.var(x, axis=0, keepdims=True) + 1e-5)

    # The first convolution's output is zero-padded by one pixel before normalisation.
    x = jnp.pad(conv(input, conv1, "VALID"), ((0, 0), (1, 1), (1, 1), (0, 0)))
    x = jnp.maximum(batchnorm(x), 0)
    x = jnp.maximum(batchnorm(conv(x, conv2, "VALID")), 0)
    x = batchnorm(conv(x, conv3, "VALID"))
    return jnp.maximum(x + input, 0)
