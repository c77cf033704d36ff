"""NumPy views that sluice computes as copies (reshape, ravel, .real/.imag): reads agree
with NumPy, and a write that NumPy would make visible through the other name is refused
(viewcopies.py), never computed as a silent wrong answer."""

import sys
from pathlib import Path

import numpy as np
import pytest

import sluice

sys.path.insert(0, str(Path(__file__).resolve().parent))

from python_rules import agree  # noqa: E402


def write_through_reshape(a):
    b = a.reshape(-1)
    b[0] = 5.0
    return a


def write_source_then_read(a):
    b = a.reshape(-1)
    a[1, 1] = 7.0
    return b


def write_source_in_loop(a, n):
    b = a.ravel()
    t = 0.0
    for _ in range(n):
        t += b[0]
        a[0, 0] += 1.0
    return t


def write_source_with_out(a):
    b = np.ravel(a)
    np.add(a, 1.0, out=a)
    return b


def real_part_then_write(z):
    r = z.real
    z[0] = 9 + 1j
    return r


def write_into_real_part(z):
    z.real[0] = 1.0
    return z


@pytest.mark.parametrize("fn, args, why", [
    (write_through_reshape, (np.arange(4.0).reshape(2, 2),), "writes into the reshape of 'a'"),
    (write_source_then_read, (np.arange(4.0).reshape(2, 2),), "'b' holds the reshape of 'a'"),
    (write_source_in_loop, (np.arange(4.0).reshape(2, 2), 3), "in a loop or branch"),
    (write_source_with_out, (np.arange(4.0).reshape(2, 2),), "'b' holds the reshape of 'a'"),
    (real_part_then_write, (np.array([1 + 2j, 3 - 1j]),), "'r' holds the real part of 'z'"),
    (write_into_real_part, (np.array([1 + 2j]),), "real or imaginary part"),
])
def test_writes_numpy_would_share_are_refused(fn, args, why):
    with pytest.raises(sluice.SluiceError, match=why):
        sluice.jit(fn)(*[a.copy() if isinstance(a, np.ndarray) else a for a in args])


def read_then_write(a):
    b = a.reshape(-1)
    s = b.sum()
    a[0, 0] = 3.0
    return s, a


def fresh_and_rebound(a):
    b = np.zeros(4).reshape(2, 2)  # nobody else sees the zeros: writing is fine
    b[0, 0] = 1.0
    c = a.ravel()
    c = c * 2  # bound again: the old copy is gone
    a[0, 0] = -1.0
    return b, c, a.flatten(), a


def rebound_each_iteration(y, n):
    for i in range(n):
        yv = np.reshape(y, (2, 2))  # NPBench's stockham: made, read, then y written
        y[:] = np.reshape(yv.T, (4,)) + i
    return y


def parts(z):
    r = z.real
    return r * 2 + np.sum(z.imag), np.ravel(z)


def test_reads_and_fresh_copies_agree_with_numpy():
    a = np.arange(6.0).reshape(2, 3)
    agree(read_then_write, (a,))
    agree(fresh_and_rebound, (a,))
    agree(rebound_each_iteration, (np.arange(4.0), 3))
    agree(parts, (np.array([[1 + 2j, -0.0 - 1j]]),))
