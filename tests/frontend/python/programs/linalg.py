"""Matrix products, transposes, reshapes and einsum contractions."""

import numpy as np


def matmul(A, B):
    return A @ B


def matvec(A, x, y):
    return A @ x, y @ A


def dot_forms(A, B, x, y):
    return np.dot(A, B), np.dot(x, y)


def gram(A):
    return A.T @ A


def transpose_axes(T):
    return np.transpose(T, (2, 0, 1)) * 2.0, T.transpose(1, 0, 2)


def reshape_contiguous(A):
    n, m = A.shape
    flat = A.reshape(n * m)
    back = np.reshape(flat * 2.0, (m, n))
    return flat, back


def einsum_contractions(A, B, x, T):
    return (
        np.einsum("ij,jk->ik", A, B),
        np.einsum("ij,j->i", A, x),
        np.einsum("ijk,kl->ijl", T, B),
    )


def batched_matmul(T, B):
    return T @ B


def affine_layer(x, W, b):
    return np.maximum(x @ W + b, 0.0)
