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


# --- loops over Python sequences: unrolled when traced ---------------------------------------

COEFFS = (0.5, -2, 3.25)


def over_a_tuple_of_arrays(a, b):
    s = np.zeros(2)
    for x in (a, b, a * 2.0):  # arrays of other shapes: each iteration binds its own
        s = s + x.sum()
    return s


def over_a_global_tuple(x):
    out = np.zeros_like(x)
    for k, c in enumerate(COEFFS, 1):  # an int then floats: Python's types, per element
        out = out + c * x ** k
    return out, c


def over_a_tuple_argument(t, w):
    total = 0.0
    for arr, scale in zip(t, (1.0, w), strict=True):
        arr *= scale  # writes the caller's array, as in Python
        total += arr.sum()
    return total


def over_a_list_inside_a_range_loop(a, n: int):
    for _ in range(n):
        for step in [1, 2]:
            a[step:] = a[step:] + a[:-step]
    return a


def loop_variable_after_the_loop(a):
    for v in (a[0], a[1], -1.5):  # noqa: B007 (the last element is returned)
        pass
    return v * a


@pytest.mark.parametrize("fn, args", [
    (over_a_tuple_of_arrays, (RNG.standard_normal(3), RNG.standard_normal((2, 2)))),
    (over_a_global_tuple, (RNG.standard_normal(5).astype(np.float32),)),
    (over_a_tuple_argument, ((RNG.standard_normal(3), RNG.standard_normal(4)), 2.5)),
    (over_a_list_inside_a_range_loop, (RNG.standard_normal(6), 3)),
    (loop_variable_after_the_loop, (np.arange(4, dtype=np.int16),)),
])
def test_loops_over_python_sequences_match_python(fn, args):
    agree(fn, args)


def tuple_loop_with_break(a):
    for x in (a, a + 1.0):
        if x[0] > 0:
            break
    return x


def zip_of_tuples_strict(a):
    for x, y in zip((a, a), (1.0,), strict=True):
        a = x * y
    return a


def test_loops_over_python_sequences_refuse_clearly():
    with pytest.raises(SluiceError, match="'break' in a loop over a tuple") as err:
        sluice.jit(tuple_loop_with_break)(np.ones(2))
    assert "range(len" in err.value.hint
    with pytest.raises(SluiceError, match="different lengths"):
        sluice.jit(zip_of_tuples_strict)(np.ones(2))


def zip_of_a_tuple_and_an_array(a):
    s = 0.0
    for x, y in zip((1.0, 2.0), a, strict=False):
        s += x * y
    return s


def test_a_tuple_zipped_with_an_array_is_refused_clearly():
    with pytest.raises(SluiceError, match="zipped with an array") as err:
        sluice.jit(zip_of_a_tuple_and_an_array)(np.ones(2))
    assert "tuples with tuples" in err.value.hint
