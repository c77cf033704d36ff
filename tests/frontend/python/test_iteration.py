"""`for` over arrays, enumerate(...) and zip(...) (issue #18): NumPy iterates the first axis,
reading the current row at each step."""

import numpy as np
import pytest

import sluice
from sluice.errors import SluiceError
from tests.frontend.python.python_rules import agree

RNG = np.random.default_rng(18)


def sum_of_squares(pts):
    s = 0.0
    for z in pts:
        s += z * z
    return s


def weighted_rows(A):
    out = np.zeros(A.shape[1])
    for i, row in enumerate(A, 1):
        out += i * row
        row[0] = -1.0  # a row is a view: this writes A
    return out


def dot_by_zip(a, b):
    s = 0
    for x, y in zip(a, b, strict=False):
        s = s + x * y
    return s


def rows_see_earlier_writes(x):
    for z in x:  # noqa: B007 (the last row is returned)
        x[1] = 7.0  # the next row read sees it, as in NumPy
    return z


def iterate_an_expression(x):
    t = 0.0
    for z in x * 2:
        x[:] = 0.0  # the sequence was evaluated before the loop
        t += z
    return t


def complex_points(pts, c):
    P = np.zeros_like(c)
    for z in pts:
        if abs(z) < 1.0:
            P += z * c
        else:
            P -= c
    return P


def enumerate_start_keyword(x):
    s = 0
    for k, v in enumerate(x, start=-2):
        s += k * v
    return s


def nested_rows(A):
    total = 0.0
    for row in A:
        for v in row:
            total = total + v
    return total


@pytest.mark.parametrize("fn, args", [
    (sum_of_squares, (RNG.standard_normal(7),)),
    (sum_of_squares, (np.empty(0),)),
    (weighted_rows, (RNG.standard_normal((3, 4)),)),
    (dot_by_zip, (np.arange(4), RNG.standard_normal(6))),
    (dot_by_zip, (np.arange(5, dtype=np.int16), np.arange(3, dtype=np.int16))),
    (rows_see_earlier_writes, (RNG.standard_normal(3),)),
    (iterate_an_expression, (RNG.standard_normal(4),)),
    (complex_points, (np.array([0.5 + 0.1j, 2.0, -0.3j]), RNG.standard_normal(3) + 0j)),
    (enumerate_start_keyword, (np.arange(6, dtype=np.int32),)),
    (nested_rows, (RNG.standard_normal((3, 5)),)),
])
def test_loops_over_arrays_match_numpy(fn, args):
    agree(fn, args)


def loop_over_a_scalar(x):
    s = 0.0
    for v in x[0]:
        s += v
    return s


def zip_into_one_name(a, b):
    for _p in zip(a, b, strict=True):
        pass
    return a


def zip_strict(a, b):
    s = 0.0
    for x, y in zip(a, b, strict=True):
        s += x * y
    return s


def test_iterating_what_numpy_cannot_is_an_error():
    with pytest.raises(SluiceError, match="cannot iterate over a 0-d array"):
        sluice.jit(loop_over_a_scalar)(np.ones(3))
    with pytest.raises(SluiceError, match="must unpack into 2 names"):
        sluice.jit(zip_into_one_name)(np.ones(3), np.ones(3))
    f = sluice.jit(zip_strict)
    assert f(np.ones(3), np.full(3, 2.0)) == 6.0
    with pytest.raises(SluiceError, match="another length"):
        f(np.ones(3), np.ones(4))
