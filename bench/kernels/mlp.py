"""mlp: 3-layer perceptron, softmax(relu(relu(x W1 + b1) W2 + b2) W3 + b3) with row-wise softmax."""

import numpy as np

from bench.kernels._dace import float64, symbols

NAME = "mlp"
SIZES = {
    "test": dict(C_in=4, N=3, S0=5, S1=6, S2=7),
    "S": dict(C_in=8, N=64, S0=1024, S1=1024, S2=1024),
    "M": dict(C_in=16, N=256, S0=2048, S1=2048, S2=2048),
}
OUTPUTS = ()


def init(C_in, N, S0, S1, S2):
    rng = np.random.default_rng(42)
    mlp_sizes = (S0, S1, S2)
    x = rng.random((N, C_in))
    w1 = rng.random((C_in, mlp_sizes[0])) - 0.5
    b1 = rng.random(mlp_sizes[0]) - 0.5
    w2 = (rng.random((mlp_sizes[0], mlp_sizes[1])) - 0.5) / np.sqrt(S0)
    b2 = rng.random(mlp_sizes[1]) - 0.5
    w3 = (rng.random((mlp_sizes[1], mlp_sizes[2])) - 0.5) / np.sqrt(S1)
    b3 = rng.random(mlp_sizes[2]) - 0.5
    return x, w1, b1, w2, b2, w3, b3


def relu(x):
    return np.maximum(x, 0.0)


def softmax(x):
    tmp_max = np.max(x, axis=-1, keepdims=True)
    tmp_out = np.exp(x - tmp_max)
    tmp_sum = np.sum(tmp_out, axis=-1, keepdims=True)
    return tmp_out / tmp_sum


def kernel_numpy(x, w1, b1, w2, b2, w3, b3):
    h = relu(x @ w1 + b1)
    h = relu(h @ w2 + b2)
    return softmax(h @ w3 + b3)


def _dense(x, w, b):
    N, K = x.shape
    M = w.shape[1]
    out = np.zeros((N, M))
    for n in range(N):
        for m in range(M):
            acc = b[m]
            for k in range(K):
                acc += x[n, k] * w[k, m]
            out[n, m] = acc
    return out


def kernel_reference(x, w1, b1, w2, b2, w3, b3):
    h = _dense(x, w1, b1)
    h[h < 0] = 0.0
    h = _dense(h, w2, b2)
    h[h < 0] = 0.0
    z = _dense(h, w3, b3)
    out = np.zeros_like(z)
    for n in range(z.shape[0]):
        m = max(z[n, j] for j in range(z.shape[1]))
        e = [np.exp(z[n, j] - m) for j in range(z.shape[1])]
        s = sum(e)
        for j in range(z.shape[1]):
            out[n, j] = e[j] / s
    return out


# The sizes in kernel_dace's annotations (DaCe symbols).
_N, _C_in, _S0, _S1, _S2 = symbols("N C_in S0 S1 S2")


def kernel_dace(
    x: float64[_N, _C_in], w1: float64[_C_in, _S0], b1: float64[_S0],
    w2: float64[_S0, _S1], b2: float64[_S1], w3: float64[_S1, _S2], b3: float64[_S2],
):
    h1 = np.maximum(x @ w1 + b1, 0.0)
    h2 = np.maximum(h1 @ w2 + b2, 0.0)
    logits = h2 @ w3 + b3
    tmp_max = np.max(logits, axis=1)
    tmp_out = np.exp(logits - tmp_max[:, np.newaxis])
    tmp_sum = np.sum(tmp_out, axis=1)
    return tmp_out / tmp_sum[:, np.newaxis]


def kernel_jax(x, w1, b1, w2, b2, w3, b3):
    import jax

    h = jax.nn.relu(x @ w1 + b1)
    h = jax.nn.relu(h @ w2 + b2)
    return jax.nn.softmax(h @ w3 + b3, axis=-1)
