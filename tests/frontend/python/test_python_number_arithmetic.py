"""Arithmetic between two Python numbers known only at run time follows Python's rules,
which raise (ZeroDivisionError, OverflowError) or change type (`2 ** -1` is 0.5, `(-8.0) **
0.5` is complex) where NumPy scalars would give inf, nan or an int: compiled code gives
Python's answer or stops with a SluiceError, never NumPy's inf in Python's place."""

import sys
from pathlib import Path

import numpy as np
import pytest

import sluice
from sluice.errors import ExecutionError

sys.path.insert(0, str(Path(__file__).resolve().parent))

from python_rules import agree  # noqa: E402

TARGETS = ("interpret", "cpu")


def scaled_quotient(a, x, y):
    return a * (x / y)


def stored_floor_quotient(a, x, y):
    a[:] = x // y


def scaled_remainder(a, x, y):
    return a + x % y


def scaled_power(a, x, y):
    return a * (x ** y)


def reciprocal(a, x):
    return a * x ** -1


def squared(a, x):
    return a + x ** 2


def test_division_by_a_zero_python_number_raises_as_python_does():
    a = np.ones(2)
    for fn in (scaled_quotient, stored_floor_quotient, scaled_remainder):
        agree(fn, (a.copy(), 1.0, 0.0), (a.copy(), 0.0, -0.0), (a.copy(), 3, 0),
              (a.copy(), 2.0, 0), (a.copy(), 7, -2), (a.copy(), -7.5, 2.0),
              (a.copy(), float("inf"), 2.0), (a.copy(), 1.0, float("nan")))


def test_int_power_with_a_negative_exponent():
    a = np.ones(2)
    # a constant negative exponent makes the result a float, as in Python
    agree(reciprocal, (a, 2), (a, -3), (a, 0), (a, 2.0), (a, 0.0))
    # a run-time one cannot change the compiled type: refused where it is negative
    agree(scaled_power, (a, 3, 2), (a, -2, 0), (a, 0, 0))
    for target in TARGETS:
        with pytest.raises(ExecutionError, match="negative exponent"):
            sluice.jit(scaled_power).compile(target, a, 2, -1)(a, 2, -1)


def test_float_power_raises_where_python_raises():
    a = np.ones(2)
    agree(scaled_power, (a, 2.0, 3), (a, -2.0, 3.0), (a, float("nan"), 0.0),
          (a, -1.5, float("inf")), (a, 2, 0.5), (a, 0.0, -1.0), (a, 1e200, 2.0),
          (a, 5e-324, -1.5), (a, float("-inf"), 0.5))
    agree(squared, (a, 1e200), (a, -3.0), (a, float("inf")))


def test_a_negative_base_to_a_fractional_power_is_refused_not_nan():
    # Python gives a complex number; NumPy scalars (and C's pow) give nan
    a = np.ones(2)
    assert np.iscomplexobj(scaled_power(a, -8.0, 1 / 3))
    for target in TARGETS:
        with pytest.raises(ExecutionError, match="complex number"):
            sluice.jit(scaled_power).compile(target, a, -8.0, 1 / 3)(a, -8.0, 1 / 3)


def test_np_divide_of_python_numbers_keeps_numpy_semantics():
    def divided(a, x, y):
        return a * np.divide(x, y)

    with np.errstate(divide="ignore"):
        agree(divided, (np.ones(2), 1.0, 0.0), (np.ones(2), 3, 0))


def test_int_true_division_beyond_two_to_the_53_is_refused():
    # Python rounds (2**53 + 1) / 3 once; dividing two doubles rounds the numerator first
    a = np.ones(1)
    agree(scaled_quotient, (a, 2**53, 3), (a, -2**53, 7))
    for target in TARGETS:
        with pytest.raises(ExecutionError, match="2\\*\\*53"):
            sluice.jit(scaled_quotient).compile(target, a, 2**53 + 1, 3)(a, 2**53 + 1, 3)


def sliced_by_product(a, x, y):
    return a[x * y:x * y + 2]


def test_an_index_beyond_int64_is_an_error_not_a_traceback():
    for target in TARGETS:
        with pytest.raises(ExecutionError, match="int64"):
            a = np.ones(3)
            sluice.jit(sliced_by_product).compile(target, a, 2**40, 2**40)(a, 2**40, 2**40)


def power_by_loop(a, k, n):
    s = 1
    for _ in range(n):
        s = s * k
    return a * s


def sum_difference(a, x, y):
    return a * (x + y), a * (x - y)


def negated(a, x):
    return a * -x


def floor_quotient(a, x, y):
    return a * (x // y)


def shifted(a, x, y):
    return a * (x << y)


def test_python_int_results_beyond_int64_are_errors_not_wrapped_values():
    # Python's ints are unbounded; compiled code holds them in int64 and must not wrap:
    # NumPy turns the exact big int into a float, sluice stops (checked where it is
    # computed: in the loop for the carried product, in 128-bit arithmetic on the CPU)
    a = np.ones(2)
    agree(power_by_loop, (a, 3, 5), (a, -2, 63), (a, -2**31, 2), (a, 7, 0))
    for args in ((a, 2, 63), (a, -2, 64), (a, 2**10, 10), (a, -2**31, 3), (a, 2**62, 2),
                 (a, 3, 10**6)):
        for target in TARGETS:
            with pytest.raises(ExecutionError, match="beyond int64"):
                sluice.jit(power_by_loop).compile(target, *args)(*args)
    agree(sum_difference, (a, 2**62, 2**62 - 1), (a, -2**62, 2**62))
    agree(negated, (a, 2**63 - 1), (a, -5))
    agree(floor_quotient, (a, -2**63, 1), (a, 7, -2))
    agree(shifted, (a, 1, 62), (a, -1, 63), (a, 3, 0))
    for fn, args in ((sum_difference, (a, 2**62, 2**62)), (sum_difference, (a, -2**63, 1)),
                     (negated, (a, -2**63)), (floor_quotient, (a, -2**63, -1)),
                     (shifted, (a, 1, 63)), (shifted, (a, 3, 200))):
        for target in TARGETS:
            with pytest.raises(ExecutionError, match="beyond int64"):
                sluice.jit(fn).compile(target, *args)(*args)


def test_a_negative_shift_count_raises_as_python_does():
    a = np.ones(2)
    for target in TARGETS:
        with pytest.raises(ExecutionError, match="negative shift count"):
            sluice.jit(shifted).compile(target, a, 1, -1)(a, 1, -1)


def indexed_by_loop(a, n):
    for i in range(n):
        a[i % 3] = a[i % 3] + (i + 1) - 1


def test_sizes_and_loop_variables_need_no_int64_checks():
    # i + 1 with i < n: provably int64 (sluice/frontend/python/int64.py)
    text = sluice.jit(indexed_by_loop).trace(np.zeros(3), 5).to_text()
    assert "fits_int64" not in text
    agree(indexed_by_loop, (np.zeros(3), 5))


def test_fits_int64_round_trips_through_ir_text():
    from sluice.ir.text import parse

    p = sluice.jit(power_by_loop).trace(np.ones(2), 3, 5)
    assert "fits_int64(k * s)" in p.to_text()
    again = parse(p.to_text())
    assert again.to_text() == p.to_text()


def absolute(a, x):
    return a * abs(x)


def truncated(a, x):
    return a * int(x)


def test_abs_of_the_smallest_int64_is_beyond_int64():
    a = np.ones(2)
    agree(absolute, (a, -5), (a, 2**63 - 1), (a, -2**63 + 1))
    for target in TARGETS:
        with pytest.raises(ExecutionError, match="beyond int64"):
            sluice.jit(absolute).compile(target, a, -2**63)(a, -2**63)


def test_int_of_a_float_is_checked_against_int64():
    # Python's int(1e300) is exact and int(nan) raises: compiled code stops for both
    a = np.ones(2)
    agree(truncated, (a, 2.5), (a, -2.5), (a, -0.0), (a, 9.2e18), (a, -2.0**63),
          (a, float("nan")), (a, float("inf")))
    for x in (1e300, 2.0**63, -1e19):
        for target in TARGETS:
            with pytest.raises(ExecutionError, match="int64"):
                sluice.jit(truncated).compile(target, a, x)(a, x)


def greater(a, x, y):
    return a * (x > y), a * (x == y)


def test_an_int_beyond_two_to_the_53_against_a_float_is_refused_not_rounded():
    # Python compares 2**53 + 1 > 2.0**53 exactly (True); as doubles both are 2**53
    a = np.ones(2)
    agree(greater, (a, 2**53, 2.0**53), (a, -3, -2.5), (a, 7, float("nan")),
          (a, -2**53, float("-inf")))
    for x in (2**53 + 1, 2**63 - 1, -2**53 - 1):
        for target in TARGETS:
            with pytest.raises(ExecutionError, match="2\\*\\*53"):
                sluice.jit(greater).compile(target, a, x, 2.0**53)(a, x, 2.0**53)


WIDE = """program p(a, x, y) {
  symbol x: int64
  symbol y: int64
  symbol a_0: int64
  data a: float64[a_0]
  check select(fits_int64(%s) == 1, 1, 0) == 1 "beyond int64" "here"
}
"""


@pytest.mark.parametrize("expr,x,y,fits", [
    ("x * y", 2**31, 2**31, True), ("x * y", 2**32, 2**31, False),
    ("x + y", 2**62, 2**62 - 1, True), ("x + y", 2**62, 2**62, False),
    ("x - y", -2**62, 2**62, True), ("x - y", -2**62, 2**62 + 1, False),
    ("x ** y", -2, 63, True), ("x ** y", 2, 63, False), ("x ** y", 3, 2**62, False),
    ("x ** y", -1, 2**62 + 1, True), ("x << y", 1, 62, True), ("x << y", 1, 200, False),
    ("x // y", -2**63, -1, False), ("x // y", -2**63, 2, True), ("-x", -2**63, 0, False),
    ("max(x, y) * 4 + x % y", 2**60, 3, True), ("max(x, y) * 4", 2**61, 3, False),
    ("abs(x) * y", -2**62, 2, False),
])
def test_fits_int64_is_exact_on_every_target(expr, x, y, fits):
    # the interpreter computes Python ints; the CPU backend saturating 128-bit ones
    from sluice.backends.cpu import build
    from sluice.ir.interpreter import interpret
    from sluice.ir.text import parse

    p = parse(WIDE % expr)
    for run in (lambda *a: interpret(p, *a), build(p)):
        if fits:
            run(np.zeros(2), x, y)
        else:
            with pytest.raises(ExecutionError, match="beyond int64"):
                run(np.zeros(2), x, y)


def test_fits_int64_of_a_non_integer_expression_is_invalid_ir():
    from sluice.errors import VerificationError
    from sluice.ir.text import parse

    with pytest.raises(VerificationError, match="integer arithmetic"):
        parse(WIDE % "x / 3").verify()


# --- .item(): an element as a Python number -------------------------------------------------

def item_keeps_float32(a):
    return a * a.sum().item()  # a Python float: weak, the float32 array's type wins


def item_is_a_python_int(a):
    return a[2].item() + 300  # a Python int: no int8 wraparound


def item_of_a_bool(m):
    return m.all().item() + m.any().item()  # True + True is the int 2


def item_by_flat_and_axis_indices(A):
    return A.item(-1) * A.item(1, 2) + A.item(3) - A.T.item(4)


def item_of_a_one_element_view(A, k: int):
    return A[k:k + 1, 1:2].item() * 1j + A.ravel()[:1].item()


def item_of_complex(z):
    return z[0].item() * z


def item_of_uint64(u):
    return u.item(0) + 1


@pytest.mark.parametrize("fn, args", [
    (item_keeps_float32, (np.linspace(-1, 2, 5, dtype=np.float32),)),
    (item_is_a_python_int, (np.array([1, 2, 120, -7], np.int8),)),
    (item_of_a_bool, (np.array([True, True]),)),
    (item_of_a_bool, (np.array([True, False]),)),
    (item_by_flat_and_axis_indices, (np.arange(12.0).reshape(3, 4),)),
    (item_by_flat_and_axis_indices, (np.arange(6.0).reshape(2, 3),)),  # A.item(3) of 6: ok
    (item_of_a_one_element_view, (np.arange(12.0).reshape(3, 4), 1)),
    (item_of_a_one_element_view, (np.arange(12.0).reshape(3, 4), 5)),  # empty: ValueError
    (item_of_complex, (np.array([1 - 2j, 3j], np.complex64),)),
    (item_of_uint64, (np.array([2**63 - 2, 5], np.uint64),)),
], ids=lambda v: getattr(v, "__name__", ""))
def test_item_gives_python_numbers(fn, args):
    agree(fn, args)


def item_of_many(a):
    return a.item()


def test_item_refuses_what_numpy_refuses():
    with pytest.raises(sluice.errors.SluiceError, match="size 1"):
        sluice.jit(item_of_many)(np.ones(3))
    with pytest.raises(sluice.errors.SluiceError, match="size 1"):
        sluice.jit(item_of_many)(np.ones((2, 1)))
    with pytest.raises(sluice.errors.SluiceError):  # out of range, as NumPy's IndexError
        sluice.jit(item_by_flat_and_axis_indices)(np.ones((1, 3)))
    with pytest.raises(ExecutionError, match="beyond int64"):
        sluice.jit(item_of_uint64)(np.array([2**63], np.uint64))


def integer_power(a, b):
    return a ** b


def bool_base_power(x, b):
    return (x > 0) ** b


def power_by_scalar(a, k):
    return np.power(a, k)


def test_integer_powers_with_negative_exponents_stop_as_in_numpy():
    """NumPy raises for a negative exponent anywhere among integer exponents; the compiled
    code would give 0 (fuzz seed 950450)."""
    i32 = np.array([1, 2, -3], dtype=np.int32)
    agree(integer_power, (i32, np.array([1, 0, 3], dtype=np.int32)),
          (i32, np.array([1, -7, 3], dtype=np.int32)),
          (i32, np.array([2, 2, 0])),
          (np.array([2], dtype=np.uint8), np.array([200], dtype=np.uint8)))
    agree(bool_base_power, (np.array([-1.0, 2.0]), np.array([1, -7], dtype=np.int32)),
          (np.array([-1.0, 2.0]), np.array([1, 7], dtype=np.int32)))
    agree(power_by_scalar, (i32, np.int64(-1)), (i32, np.int64(3)))
