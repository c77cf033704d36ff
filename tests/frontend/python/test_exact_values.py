"""Value expressions mean exactly what the user wrote (issue "No silent wrong answers").

Each function here was once rewritten by SymPy's real-number algebra (`a - a` -> 0,
`a * b / b` -> `a`, ...) and so gave other bits than NumPy on NaN, ±inf, -0.0, overflow or
rounding. They are compared bit for bit with NumPy on the interpreter, after an IR text
round trip, and on the CPU backend.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest

import sluice
import sluice.ir as ir

SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e308, -1e308, 5e-324, -1.5, 2.0,
                    0.1, 3.0, -7.25, 1e16, np.pi, -np.e])
OTHER = np.array([1.0, np.nan, 0.0, -0.0, 3.0, 1e308, 2.5, -1e-300, np.inf, -np.inf,
                  0.2, -3.0, 1e-16, 1.0, 7.0, 0.5])


def assert_bits(expected, got, what: str) -> None:
    e, g = np.asarray(expected), np.asarray(got)
    assert e.dtype == g.dtype, f"{what}: dtype {g.dtype}, NumPy gives {e.dtype}"
    assert e.shape == g.shape, f"{what}: shape {g.shape}, NumPy gives {e.shape}"
    if e.dtype.kind == "c":
        assert_bits(e.real, g.real, what + " (real part)")
        assert_bits(e.imag, g.imag, what + " (imaginary part)")
        return
    if e.dtype.kind == "f":
        same = (e == g) & (np.signbit(e) == np.signbit(g)) | (np.isnan(e) & np.isnan(g))
        bad = np.flatnonzero(~same)
        assert bad.size == 0, (f"{what}: differs from NumPy at {bad.tolist()}: "
                               f"got {g.ravel()[bad]}, NumPy gives {e.ravel()[bad]}")
    else:
        np.testing.assert_array_equal(g, e, err_msg=what)


def check_exact(func, *args) -> ir.Program:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = func(*copy.deepcopy(args))
        jf = sluice.jit(func)
        program = jf.trace(*copy.deepcopy(args))
        program.verify()
        again = ir.parse(program.to_text())
        assert again.structurally_equal(program), "IR text does not round-trip"
        assert_bits(expected, ir.interpret(again, *copy.deepcopy(args)), "interpreter")
        assert_bits(expected, jf(*copy.deepcopy(args)), "CPU backend")
    return program


def sub_self(a):
    return a - a


def mul_zero(a):
    return a * 0.0


def div_self(a):
    return a / a


def ne_self(a):
    return (a != a).astype(np.float64)


def not_positive(a):
    return (~(a > 0)).astype(np.float64)


def exp_log(a):
    return np.exp(np.log(a))


def div_zero(a):
    return a / 0.0


def big_cancel(a):
    return (a + 1e16) - 1e16


def logical_true(a):
    return np.logical_and(True, a).astype(float)


def neg_zero(a):
    return a * -0.0 + (-0.0)


@pytest.mark.parametrize("func", [sub_self, mul_zero, div_self, ne_self, not_positive,
                                  div_zero, big_cancel, logical_true, neg_zero])
def test_unary_rewrites_are_gone(func):
    check_exact(func, SPECIAL.copy())


def test_exp_of_log_is_not_the_identity(monkeypatch):
    # libm's scalar exp and log, as NumPy calls them here (vector math is within 4 ulp).
    monkeypatch.setenv("SLUICE_VECMATH", "off")
    check_exact(exp_log, SPECIAL.copy())


def mul_div(a, b):
    return a * b / b


def add_sub(a, b):
    return (a + b) - a


def distribute(a, b):
    return 0.1 * (a + b)


def associate(a, b):
    return a - (b - a) + (a * b) * a


@pytest.mark.parametrize("func", [mul_div, add_sub, distribute, associate])
def test_binary_rewrites_are_gone(func):
    check_exact(func, SPECIAL.copy(), OTHER.copy())


def test_distribution_differs_from_numpy_in_the_last_bit_on_random_inputs():
    # 0.1 * (a + b) and 0.1 * a + 0.1 * b differ on about a third of random inputs.
    rng = np.random.default_rng(7)
    a, b = rng.standard_normal(4096), rng.standard_normal(4096)
    assert np.any(0.1 * (a + b) != 0.1 * a + 0.1 * b)
    check_exact(distribute, a, b)


def scaled_by_power(x, n: int):
    return x / 2 ** n


def inverse_square(x, n: int):
    return x + 1 / n ** 2


@pytest.mark.parametrize("func", [scaled_by_power, inverse_square])
def test_negative_integer_powers_are_true_division(func):
    check_exact(func, SPECIAL.copy(), 3)


def complex_square(z):
    return z * z


def test_complex_square_keeps_the_sign_of_zero_imaginary_parts():
    # (Overflowing products are left out: NumPy's build may contract them into FMAs.)
    z = np.array([1.0 + 0.0j, -1.0 + 0.0j, 2.0 - 0.0j, -0.0 - 0.0j, complex(-3.0, -0.0)])
    check_exact(complex_square, z)


def test_constant_folding_follows_python_and_numpy():
    def f(a):
        return a * (0.1 + 0.2) + np.float32(0.1) * 3.0 + (7 // 2) + 2 ** -1

    check_exact(f, SPECIAL.copy())


def test_python_max_and_min_keep_pythons_nan_rules():
    def f(a: float, b: float):
        return max(a, b) + min(a, b) * 2.0

    for a, b in [(np.nan, 1.0), (1.0, np.nan), (-0.0, 0.0), (0.0, -0.0), (2.0, 3.0)]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = f(a, b)
            got = sluice.jit(f)(a, b)
        assert_bits(np.float64(want), np.float64(got), f"max/min of {a}, {b}")


def test_maximum_and_minimum_of_signed_zeros_match_numpy():
    def f(a, b):
        return np.maximum(a, b) - np.minimum(b, a) * 1.0, np.minimum(a, b), np.maximum(b, a)

    a = np.array([0.0, -0.0, -0.0, 0.0, np.nan, 1.0, -np.inf])
    b = np.array([-0.0, 0.0, -0.0, 0.0, 1.0, np.nan, np.inf])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = f(a.copy(), b.copy())
        jf = sluice.jit(f)
        got_c = jf(a.copy(), b.copy())
        got_i = ir.interpret(jf.trace(a, b), a.copy(), b.copy())
    for w, c, i in zip(want, got_c, got_i, strict=True):
        assert_bits(w, c, "CPU backend")
        assert_bits(w, i, "interpreter")


def test_numpy_functions_of_python_numbers_are_numpy_scalars():
    # np.sign(3) is np.int64(1), which promotes an int16 array to int64 (a Python 1 would not)
    def f(a):
        return a - np.sign(3), a + np.maximum(2, 1)

    a = np.array([1, -2, 300], dtype=np.int16)
    want = f(a)
    jf = sluice.jit(f)
    for got in (jf(a), ir.interpret(jf.trace(a), a)):
        for w, g in zip(want, got, strict=True):
            assert_bits(w, g, "np.sign / np.maximum of Python ints")
