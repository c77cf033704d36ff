"""Control flow: for over range with array-derived bounds, while, if/elif/else, break/continue,
early return."""

import numpy as np


def row_sums_loop(A):
    out = np.zeros(A.shape[0])
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            out[i] += A[i, j]
    return out


def prefix_sum(x):
    out = np.empty_like(x)
    out[0] = x[0]
    for i in range(1, x.shape[0]):
        out[i] = out[i - 1] + x[i]
    return out


def range_step_forms(x):
    total = 0.0
    for i in range(0, x.shape[0], 2):
        total += x[i]
    for i in range(x.shape[0] - 1, -1, -3):
        total -= 0.5 * x[i]
    return total


def halve_until_small(x, tol):
    count = 0
    while np.max(np.abs(x)) > tol:
        x = x / 2.0
        count += 1
    return x, count


def piecewise(t):
    if t < 0.25:
        y = 0.0
    elif t < 0.5:
        y = 2.0 * t
    elif t < 0.75:
        y = 1.0
    else:
        y = 4.0 - 4.0 * t
    return y


def data_dependent_branch(A):
    if A[0, 0] > 0.5:
        B = A * 2.0
    elif A[0, 0] < 0.25:
        B = A - 1.0
    else:
        B = -A
    return B


def first_above(x, threshold):
    found = -1
    for i in range(x.shape[0]):
        if x[i] < 0.1:
            continue
        if x[i] > threshold:
            found = i
            break
    return found


def early_return(x, n):
    if n <= 0:
        return np.zeros_like(x)
    y = x.copy()
    for _ in range(n):
        y = y * 0.5 + 1.0
    return y


def forward_substitution(L, b):
    x = np.zeros_like(b)
    for i in range(b.shape[0]):
        x[i] = (b[i] - L[i, :i] @ x[:i]) / L[i, i]
    return x


def while_with_break(x):
    i = 0
    acc = 0.0
    while i < x.shape[0]:
        acc += x[i]
        if acc > 2.0:
            break
        i += 1
    return i, acc


def time_steps(u, steps):
    for _ in range(steps):
        u[1:-1] = u[1:-1] + 0.1 * (u[:-2] - 2.0 * u[1:-1] + u[2:])
