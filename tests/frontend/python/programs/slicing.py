"""Basic indexing: slices with steps, negative indices, slice assignment, augmented assignment."""

import numpy as np


def step_slices(A):
    return A[1:-1:2, ::-1] * 2.0


def negative_indices(x):
    return x[-3:] * x[-1] + x[:3] - x[-2]


def element_and_row(A, i):
    return A[i, :] + A[:, i] + A[i, i] + A[-1, 0]


def stencil_1d(x):
    return 0.25 * x[:-2] + 0.5 * x[1:-1] + 0.25 * x[2:]


def stencil_2d(A):
    return A[1:-1, 1:-1] - 0.25 * (A[:-2, 1:-1] + A[2:, 1:-1] + A[1:-1, :-2] + A[1:-1, 2:])


def slice_assign(A, v):
    A[1:3, :] = v
    A[:, 0] = 0.0
    A[-1, ::2] = -1.0


def aug_assign(A, B):
    A += B
    A *= 2.0
    A[1:, :] -= B[:-1, :]
    A /= 3.0
    return A


def reverse_into(x, out):
    out[:] = x[::-1]


def strided_assign(A):
    A[::2, :] = 1.0
    A[1::2, 1::2] *= -1.0
    A[:, -1] += A[:, 0]


def slices_3d(T):
    return T[:, 1:, ::2] + T[-1, 1:, ::2]


def scalar_element_update(x):
    x[0] = x[-1] * 2.0
    x[1] += x[0]
    return x[0] + x[1]


def newaxis_index(x):
    return x[np.newaxis, ::2] + x[::2, np.newaxis]
