"""Mistakes and unsupported-but-valid NumPy the frontend must reject with a located message.

Each function carries ``# expect: <ErrorClass> at line-offset L col C: <message fragment>``
(L relative to the ``def`` line, C the 0-based column of the offending expression).
Arguments: ``x`` is a 1-D float64 array, ``A`` a 2-D float64 array, ``I`` a 2-D int64 array,
``n`` a Python int.
"""

import numpy as np

TABLE = np.arange(4.0)


# expect: ShapeError at line-offset 1 col 11: could not be broadcast
def broadcast_mismatch(x):
    return np.zeros(3) * x[0] + np.ones(4)


# expect: SluiceError at line-offset 2 col 11: name 'y_scaled' is not defined
def undefined_name(x):
    y_scale = 2.0 * x  # noqa: F841 - the misspelt use below is the point
    return y_scaled + 1.0  # noqa: F821


# expect: SluiceTypeError at line-offset 3 col 8: is an integer before this loop
def int_becomes_array(x, n):
    acc = 0
    for _ in range(n):
        acc += x
    return acc


# expect: SluiceTypeError at line-offset 1 col 7: truth value of an array is ambiguous
def array_condition(A):
    if A > 0.5:
        return A
    return -A


# expect: UnsupportedError at line-offset 4 col 12: 'break' in a loop over a tuple or list
def break_in_loop_over_tuple(A):
    total = 0.0
    for row in (A, A):
        if total > 1.0:
            break
        total += row.sum()
    return total


# expect: UnsupportedError at line-offset 1 col 11: array method '.cumsum()' is not supported
def unknown_method(x):
    return x.cumsum()


# expect: ShapeError at line-offset 1 col 11: inner dimensions differ
def matmul_mismatch(A):
    return A[0, 0] * np.ones((3, 2)) @ np.ones((3, 2))


# expect: UnsupportedError at line-offset 1 col 4: cannot return a masked selection
def mask_index(A):
    return A[A > 0.5]


# expect: UnsupportedError at line-offset 1 col 11: too many indices
def too_many_indices(x):
    return x[0, 1]


# expect: UnsupportedError at line-offset 1 col 4: call to 'print' is not supported
def prints(x):
    print(x)
    return x


# expect: UnsupportedError at line-offset 1 col 15: slice steps must be nonzero constants
def symbolic_step(x, n):
    return x[::n]


# expect: SluiceTypeError at line-offset 1 col 4: cannot update a int64 array in place
def int_inplace_with_float(I):
    I += 0.5
    return I


# expect: UnsupportedError at line-offset 3 col 8: changes shape from
def rank_changes_in_loop(x, n):
    y = x * 1
    for _ in range(n):
        y = y[None]
    return y.sum()


# expect: UnsupportedError at line-offset 3 col 4: this returns 'x', whose shape changes
def shrinking_in_loop(x, n):
    for _ in range(n):
        x = x[1:]
    return x


# expect: UnsupportedError at line-offset 1 col 15: global array 'TABLE' cannot be read
def reads_global_array(x):
    return x + TABLE


def _returns_in_loop(x):
    for i in range(x.shape[0]):
        if x[i] > 0.5:
            return x[i]
    return 0.0


# expect: UnsupportedError at line-offset 1 col 11: call to np.fft.fft is not supported
def calls_fft(x):
    return np.fft.fft(x)


# expect: UnsupportedError at line-offset 1 col 11: np.where with one argument
def where_one_argument(x):
    return np.where(x > 0.5)


# expect: UnsupportedError at line-offset 1 col 4: while-else is not supported
def while_else(x, n):
    while n > 0:
        n -= 1
    else:
        n = 5
    return x * n
