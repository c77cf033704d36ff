"""Arrays keep their size when the integer variable that gave it changes (kept_sizes.py).

Before the fix, `b = x[:n] * 2; n -= 2; b.sum()` inside a loop summed a reallocated, zeroed
array of the new size (0.0 where NumPy gives 20.0), and a view `b = x[:n]` shrank with `n`.
"""

from __future__ import annotations

import numpy as np
import pytest

import sluice
from sluice.errors import UnsupportedError
from tests.frontend.python.python_rules import agree


def computed_then_shrunk(x):
    n = 5
    s = 0.0
    for _ in range(1):
        b = x[:n] * 2
        n = n - 2
        s = b.sum()
    return s


def view_then_shrunk(x):
    n = 5
    s = 0.0
    for _ in range(1):
        b = x[:n]
        n = n - 2
        s = b.sum()
    return s


def while_loop_result(x):
    n = 6
    b = x[:1] * 0
    while n > 2:
        c = x[:n] * 1
        n -= 1
        b = c.sum() + b
    return b, c.sum(), c.shape[0]


def old_array_written_after(x):
    n = 5
    for _ in range(3):
        b = x[:n] * 2
        n = n - 1
        x[:n + 1] = b
    return x


def view_writes_through(x):
    n = 4
    for _ in range(2):
        v = x[1:n]
        n = n + 1
        v[:] = -1.0
    return x


def names_share_one_copy(x):
    n = 4
    for _ in range(2):
        a = x[:n] * 1.0
        b = a[1:]
        n -= 1
        b[0] = 100.0
        x[0] = a.sum()
    return x


def branch_changes_the_size(x, flag):
    n = 3
    b = x[:n] + 1
    if flag > 0:
        n = 6
        c = x[:n].sum()
    else:
        n = 2
        c = (x[:n] * 2).sum()
    return b.sum() + c, b.shape[0], n


def x8():
    return np.arange(8.0)


@pytest.mark.parametrize("fn", [computed_then_shrunk, view_then_shrunk, while_loop_result,
                                old_array_written_after, view_writes_through,
                                names_share_one_copy])
def test_arrays_keep_their_size_when_the_variable_changes(fn):
    agree(fn, (x8(),), (np.linspace(-1.0, 2.0, 9),))


def test_a_branch_that_changes_the_size():
    agree(branch_changes_the_size, (x8(), 1), (x8(), -1))


def storage_sized_by_the_changing_variable(x):
    n = 5
    for _ in range(2):
        if n > 3:
            b = x[:n] * 2
        else:
            b = x[:n] * 3
        n -= 1
        x[0] = b.sum()
    return x


def test_storage_sized_by_a_variable_the_loop_changes_is_refused():
    with pytest.raises(UnsupportedError, match="has a size that depends on a size assigned here"):
        sluice.jit(storage_sized_by_the_changing_variable)(x8())


def reshape_view_written_after(x):
    n = 4
    for _ in range(1):
        b = x[:n].reshape(2, 2)
        n = n - 1
        b[0, 0] = 5.0
    return x


def test_a_kept_reshape_is_still_a_view_in_numpy():
    """The copy that keeps `b`'s size is still what NumPy makes a view of x: writing it is
    refused as before (it would otherwise miss x silently)."""
    with pytest.raises(UnsupportedError, match="reshape of 'x', which in NumPy is a view"):
        sluice.jit(reshape_view_written_after)(x8())
