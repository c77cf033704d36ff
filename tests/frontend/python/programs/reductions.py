"""Reductions as functions and as methods, with axis and keepdims."""

import numpy as np


def total_sum(A):
    return np.sum(A) + A.sum()


def sum_axes(A):
    return A.sum(axis=0), np.sum(A, axis=1)


def normalize_rows(A):
    return A / A.sum(axis=1, keepdims=True)


def products(x, A):
    return np.prod(x), A.prod(axis=0)


def max_min_reduce(A):
    return A.max(axis=1) - np.min(A, axis=1), np.max(A), A.min()


def means(A):
    return np.mean(A, axis=0), A.mean()


def arg_reductions(x, A):
    return np.argmax(x), np.argmin(x), A.argmax(axis=0), A.argmin(axis=1)


def reduce_3d_keepdims(T):
    return T - np.max(T, axis=-1, keepdims=True) + np.mean(T, axis=(0, 2), keepdims=True)


def int_reductions(I):
    return I.sum(), I.sum(axis=0), np.max(I, axis=1)
