"""More programs: early returns in loops, while/continue, data-dependent loops, branches that
create arrays, defaults in called functions, booleans, integers, views in loops, statistics."""

import numpy as np


def early_in_loop(x):
    for i in range(x.shape[0]):
        if x[i] > 0.7:
            return i, x[i] * 2.0
    return -1, 0.0


def while_continue(x):
    i = 0
    s = 0.0
    while i < x.shape[0]:
        i += 1
        if x[i - 1] < 0.3:
            continue
        s += x[i - 1]
    return s


def data_while(x):
    s = 0.0
    k = 0
    while s < 2.0 and k < x.shape[0]:
        s += x[k]
        k += 1
    return k, s


def neg_loop(x):
    out = np.zeros_like(x)
    acc = 0.0
    for i in range(x.shape[0] - 1, -1, -1):
        acc = acc * 0.5 + x[i]
        out[i] = acc
    return out


def branch_new_array(A, t):
    if t > 0.5:
        B = A * 2.0
        c = 1
    else:
        B = A + 1.0
        c = 2
    return B * c


def nested_loops_views(A):
    n = A.shape[0]
    for i in range(n):
        row = A[i]
        for j in range(i):
            row[j] = row[j] - A[j, j]
    return A


def default_args(x, scale=3.0, power=2):
    return (x * scale) ** power


def uses_default(x):
    return default_args(x) + default_args(x, 0.5, power=1)


def bool_ops(x):
    m = (x > 0.2) & ~(x > 0.8)
    picked = np.where(m, x, -x).max()
    return m.sum(), picked, (x > 0.5).any(), np.all(x > 0.01), m.astype(np.float64)


def int_div(I):
    return I // 3, I % 4, I / 2, -I, abs(I), I ** 2


def mixed_scalars(x, n):
    a = n // 2
    b = n / 4
    c = float(n) * 0.5
    return x[:a] * b + c, a


def reduce_chain(A):
    return A.sum(axis=0).max() + np.mean(A * A, axis=1).sum()


def outer_loop_accum(A):
    acc = np.zeros(A.shape[1])
    for i in range(A.shape[0]):
        acc = acc + A[i, :] * i
    return acc


def swap_arrays(A, B):
    for _ in range(3):
        A, B = B, A + B
    return A, B


def scalar_from_array_in_loop(x):
    best = x[0]
    idx = 0
    for i in range(1, x.shape[0]):
        if x[i] > best:
            best = x[i]
            idx = i
    return best, idx


def triple_nested_if(x):
    y = np.empty_like(x)
    for i in range(x.shape[0]):
        v = x[i]
        if v < 0.25:
            y[i] = 0.0
        elif v < 0.5:
            y[i] = 1.0
        elif v < 0.75:
            y[i] = 2.0
        else:
            y[i] = 3.0
    return y


def ellipsis_idx(T):
    return T[..., 0] + T[0, ...].sum()


def keepdims_bcast(A):
    centred = (A - A.mean(axis=0, keepdims=True)) / A.std()
    return centred, A.var(axis=1), A - A.min(axis=1, keepdims=True)


def return_arg_view(A):
    return A[1:, :]


def int_arg_loop(x, n):
    for i in range(n):
        x[i % x.shape[0]] += 1.0
    return x


def linspace_arange(n):
    return np.linspace(-1.0, 1.0, n) * np.arange(n, 0, -1)
