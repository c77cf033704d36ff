"""Element-wise NumPy functions."""

import numpy as np


def exp_log_sqrt(A):
    return np.exp(-A) + np.log(A) + np.sqrt(A)


def trig(A):
    return np.sin(A) * np.cos(A) - np.tanh(A)


def abs_neg_square(A):
    return np.abs(A) + np.negative(A) + np.square(A)


def max_min(A, B):
    return np.maximum(A, B) - np.minimum(A, 0.5)


def power_forms(A, p):
    return np.power(A, 2) + A**0.5 + np.power(A, p)


def where_select(A, B):
    return np.where(A > B, A - B, 0.0)


def floor_ceil(A):
    return np.floor(A * 3.0) + np.ceil(A * 3.0)


def clip_values(A):
    return np.clip(A, 0.2, 0.8)


def sigmoid_relu(x):
    return 1.0 / (1.0 + np.exp(-x)) + np.maximum(x, 0.0)
