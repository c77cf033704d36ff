"""Variables whose shape changes at run time (resizing.py), selections compressed into arrays
(masks.compressed) and `x.shape = ...`, against NumPy on both targets."""

from __future__ import annotations

import numpy as np
import pytest

import sluice
from sluice.errors import SluiceError, UnsupportedError
from tests.frontend.python.python_rules import agree

RNG = np.random.default_rng(3)


def shrinking_selection(x, steps):
    z = x * 1.0
    for _ in range(steps):
        if not len(z):
            break
        keep = z > 0.25
        z = z[keep] * 1.5 - 0.2
    out = np.zeros(x.shape[0])
    out[:len(z)] = z
    return out, len(z)


def two_arrays_one_mask(x, y, steps):
    z = x.copy()
    w = y * 2
    for _ in range(steps):
        m = np.abs(z) < 3.0
        np.multiply(z, z, z)
        np.add(z, w, z)
        np.logical_not(m, m)
        z = z[m]
        w = w[m]
    out = np.zeros(x.shape[0], dtype=x.dtype)
    out[:len(z)] = z + w
    return out


def self_slice(x, steps):
    z = x * 1
    for _ in range(steps):
        z = z[1:] - z[:-1]
    out = np.zeros(x.shape[0])
    out[:z.shape[0]] = z
    return out


def grows_by_concatenation(x, steps):
    z = x[:1] * 1
    for _ in range(steps):
        z = np.concatenate((z, z * 2))
    out = np.zeros(64)
    out[:len(z)] = z
    return out, z.shape[0]


def paths_of_other_shapes(n, m, t, y):
    """contour_integral's pattern (there: inv on one path, solve on the other; the bench
    kernel covers those): r is (n, n) or (n, m)."""
    tz = np.zeros((n, n))
    tz += t
    if n == m:
        r = tz @ tz
    else:
        r = tz @ y
    out = np.zeros((n, 2 * n))
    out[:, :r.shape[1]] = r
    return out, r.shape[1]


def promoted_then_resized(x, k):
    y = x * 2
    if k > 1:
        y = x[:k] * 3
    out = np.zeros(x.shape[0])
    out[:len(y)] = y
    return out


def in_a_loop_and_a_branch(x, steps):
    z = x * 1
    for i in range(steps):
        if i % 2 == 0:
            z = z[::2] + 1
        else:
            z = z[z > 0.5]
    out = np.zeros(x.shape[0])
    out[:len(z)] = z
    return out


@pytest.mark.parametrize("steps", [0, 3, 9])
def test_a_selection_that_shrinks_each_iteration(steps):
    x = RNG.random(17)
    agree(shrinking_selection, (x, steps), (x[:0].copy(), steps))
    agree(two_arrays_one_mask, (x - 0.5, RNG.random(17), steps),
          ((x - 0.5).astype(np.complex128), RNG.random(17), steps))
    agree(self_slice, (x, min(steps, 5)))
    agree(in_a_loop_and_a_branch, (x, steps))


def test_arrays_that_grow():
    agree(grows_by_concatenation, (RNG.random(3), 0), (RNG.random(3), 4))


def test_paths_of_an_if_give_other_shapes():
    t = RNG.random((4, 4))
    agree(paths_of_other_shapes, (4, 4, t, RNG.random((4, 2))), (4, 2, t, RNG.random((4, 2))))
    agree(promoted_then_resized, (RNG.random(6), 3), (RNG.random(6), -1), (RNG.random(6), 9))


def compress_2d(a, t):
    s = a[a > t]
    v = np.zeros(a.size)
    v[:len(s)] = s
    return v


def gather_selected(a, idx, t):
    n = np.zeros(a.shape, dtype=np.int64)
    n[idx[0][a.ravel()[idx[0]] > t], idx[1][a.ravel()[idx[0]] > t]] = 7
    return n


def test_selections_as_arrays_and_as_indices():
    a = RNG.random((3, 4))
    agree(compress_2d, (a, 0.5), (a, 2.0))
    idx = np.array([[0, 1, 2, 2], [3, 0, -1, 1]])
    agree(gather_selected, (a, idx, 0.3), (a, idx, 5.0))


def test_a_mandelbrot_set_written_with_shrinking_arrays():
    """bench's mandelbrot2, as NPBench writes it: the arrays of live points shrink every
    iteration, and the escaped ones are scattered back through selected index arrays."""
    from bench.kernels import mandelbrot2

    k = mandelbrot2.kernel_numpy
    agree(k, (-2.0, 0.5, -1.25, 1.25, 12, 9, 20, 2.0), (-2.0, 0.5, -1.25, 1.25, 5, 7, 0, 2.0),
          (-0.5, 0.5, -0.5, 0.5, 4, 4, 200, 2.0))


def shape_of_a_view(x):
    v = x[::2]
    v.shape = (v.size,)
    return v


def shape_of_a_row(a):
    r = a[1]
    r.shape = (2, -1)
    return r * 1


def test_setting_the_shape_in_place():
    agree(shape_of_a_row, (RNG.random((3, 4)),), (RNG.random((3, 5)),))
    with pytest.raises(UnsupportedError, match="not a contiguous array"):
        sluice.jit(shape_of_a_view)(RNG.random(6))


def changes_rank(x, steps):
    z = x * 1
    for _ in range(steps):
        z = z[z > 0][None]
    return z.sum()


def returns_the_shrunk_array(x, steps):
    z = x * 1
    for _ in range(steps):
        z = z[z > 0.5]
    return z


def test_what_stays_refused_says_so():
    with pytest.raises(SluiceError, match="changes shape"):
        sluice.jit(changes_rank)(RNG.random(5), 2)
    with pytest.raises(UnsupportedError, match="whose shape changes while the function runs"):
        sluice.jit(returns_the_shrunk_array)(RNG.random(5), 2)


def selection_uses(x, y):
    s = x[x > 0.5]
    t = y[y < 0.5]
    out = np.zeros(x.size * 2 + 3)
    both = np.concatenate((s, t))
    out[:len(both)] = both
    out[-3] = len(s) + s.shape[0]
    out[-2] = (x[x > 0.5][1:] * 2).sum()
    if len(s) == len(t) and len(s):
        out[-1] = (s - t).max()
    return out


def test_selections_where_numpy_needs_the_array():
    """Lengths, other functions, slicing and operands of another length: the selection is
    compressed into NumPy's array (and NumPy's broadcasting error where lengths differ)."""
    agree(selection_uses, (RNG.random(7), RNG.random(7)), (np.zeros(4), np.ones(4)),
          (np.array([0.9, 0.1, 0.7]), np.array([0.2, 0.3, 0.8])),
          rtol=1e-15)  # (out[-2] is a sum: its order is not NumPy's)


def mismatched_selection(x, y):
    return (x[x > 0.5] + y[y < 0.5]).sum()


def test_selections_of_other_lengths_do_not_broadcast():
    agree(mismatched_selection, (np.array([0.9, 0.1, 0.7]), np.array([0.2, 0.9, 0.8])),
          (np.array([0.9, 0.1, 0.7]), np.array([0.2, 0.3, 0.8])))
