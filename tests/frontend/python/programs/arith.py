"""Arithmetic and comparisons with broadcasting and dtype promotion."""

import numpy as np


def scaled_sum(A, B, alpha):
    return alpha * A + B * 2.0 - A / B


def broadcast_row_col(A, row, col):
    return A + row - col[:, np.newaxis]


def outer_by_broadcast(x, y):
    return x[:, np.newaxis] * y[np.newaxis, :]


def promote_f32_f64(a32, b64):
    # float32 op float64 -> float64
    return a32 * b64 + a32


def keep_float32(a32, b32):
    # float32 op float32 (and a float32 scalar) stays float32
    return a32 * b32 + np.float32(0.5)


def promote_int_float(I, X):
    # int64 array op float64 array -> float64; floor division and modulo stay int64
    return I * X + (I // 2) + (I % 3)


def bool_arith(mask, A):
    return A * mask - (~mask) * 1.0


def compare_combine(A, B):
    return ((A > B) & (A <= 0.5)) | (A == B) | ~(B < 0.25)


def compare_scalar_broadcast(A, t):
    above = A >= t
    return np.where(above, A - t, t - A), above


def scalar_arith(x, n):
    return x**2 + n * x - n // 2 + n % 3 - x / (n + 1)


def unary_ops(A):
    return -A + (+A) * 2.0 + abs(A)


def mixed_scalar_types(A, s64, i64, f):
    # NumPy scalars and Python scalars mixed with an array
    return A * s64 + i64 - f
