"""Complex numbers give NumPy's answers bit for bit, on the CPU backend and the interpreter.

Every operand pair is drawn from the special values {0.0, -0.0, 1.0, -2.5, inf, -inf, nan,
big, tiny} in every (real, imag) combination: big and tiny are 1e308 and 5e-324 for
complex128, and float32's 3e38 and 1e-45 for complex64 (1e308 and 5e-324 would round to
inf and 0). NumPy computes complex arithmetic its own way (DECISIONS.md, "Complex
arithmetic"): (ac - bd, ad + bc) — fused where its vector loops fuse — where C++'s
std::complex follows C99 Annex G; Smith's division; a real operand promoted to x + 0j;
|z| with its vector loop's formula; NumPy scalars with the scalar code's own rules. The
library functions (sqrt, exp, log, ...) are the C library's on both sides: held to 8 ulp
where finite and the same inf/NaN pattern (they agree bit for bit with glibc today).
Sums and products are held to the reassociation bounds of tests/fuzz/compare.py.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

import sluice
from sluice.backends.cpu import build
from sluice.errors import UnsupportedError
from tests.fuzz.compare import exact, within_reassociation, within_ulps

TARGETS = ("interpret", "cpu")
COMPLEX = (np.complex128, np.complex64)


def _specials(dt) -> list[float]:
    big, tiny = (1e308, 5e-324) if dt == np.complex128 else (3e38, 1e-45)
    return [0.0, -0.0, 1.0, -2.5, np.inf, -np.inf, np.nan, big, tiny]


def _grid(dt) -> np.ndarray:
    """The 81 complex numbers built from the special values."""
    part = np.float64 if dt == np.complex128 else np.float32
    vals = [part(v) for v in _specials(dt)]
    out = np.empty(len(vals) ** 2, dt)
    out.real = np.repeat(vals, len(vals))
    out.imag = np.tile(vals, len(vals))
    return out


def _pairs(dt) -> tuple[np.ndarray, np.ndarray]:
    """All 6561 ordered pairs of grid values, as two arrays."""
    z = _grid(dt)
    return np.repeat(z, len(z)), np.tile(z, len(z))


def _run(fn, args, target):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NumPy's ComplexWarning on the interpreter
        out = sluice.jit(fn).compile(target, *args)(*args)
    return out if isinstance(out, tuple) else (out,)


def _numpy(fn, args):
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = fn(*args)
    return out if isinstance(out, tuple) else (out,)


def _check(fn, args, names, compare=exact):
    """Each result of `fn` on each target against NumPy's; `names` label the results."""
    want = _numpy(fn, args)
    assert len(want) == len(names)
    problems = []
    for target in TARGETS:
        got = _run(fn, args, target)
        for name, w, g in zip(names, want, got, strict=True):
            why = compare(w, g)
            if why:
                problems.append(f"{target}: {name}: {why}{_first_difference(args, w, g)}")
    assert not problems, "\n".join(problems)


def _first_difference(args, want, got) -> str:
    w, g = np.asarray(want), np.asarray(got)
    if w.shape != g.shape or w.dtype != g.dtype or not w.shape:
        return ""
    for k in range(w.size):
        if exact(w[k], g[k]):
            ops = ", ".join(repr(a[k]) for a in args if isinstance(a, np.ndarray)
                            and a.shape == w.shape)
            return f" (first at {k}: operands {ops}: NumPy {w[k]!r}, got {g[k]!r})"
    return ""


# --- complex with complex ----------------------------------------------------------------

def cc_arith(a, b):
    return a + b, a - b, a * b, a / b, -a


def cc_compound(a, b):
    # each operation rounds as NumPy's ufunc does: the compiler must not merge a negation or
    # a sum into the product (GCC folds -fma(a, c, x) into fnma, which flips zeros)
    return -(a * b), b - a * b, a * b + b, -(a / b), -np.square(a), a * b * a, -np.abs(a)


def cc_compare(a, b):
    return a == b, a != b, a < b, a <= b, a > b, a >= b, np.less(a, b), np.greater_equal(a, b)


def cc_where(a, b, x):
    return np.where(x > 0, a, b), np.where(a == b, a, -b), np.where(x < 0, a, 0.0)


@pytest.mark.parametrize("dt", COMPLEX)
def test_complex_with_complex(dt):
    a, b = _pairs(dt)
    _check(cc_arith, (a, b), ["a + b", "a - b", "a * b", "a / b", "-a"])
    _check(cc_compound, (a, b), ["-(a * b)", "b - a * b", "a * b + b", "-(a / b)",
                                 "-np.square(a)", "a * b * a", "-np.abs(a)"])
    _check(cc_compare, (a, b), ["==", "!=", "<", "<=", ">", ">=", "np.less", "np.greater_equal"])
    _check(cc_where, (a, b, b.real.copy()), ["where(x > 0)", "where(a == b)", "where 0.0"])


# --- complex with real arrays and Python floats ---------------------------------------------

def cr_arith(a, x):
    return (a + x, x + a, a - x, x - a, a * x, x * a, a / x, x / a,
            np.multiply(x, a), np.subtract(x, a), -(x * a), x - x * a)


def cs_arith(a, s):
    return a + s, s + a, a - s, s - a, a * s, s * a, a / s, s / a


def c_literals(a):
    return a * 2.5, -2.5 * a, a - 0.0, 0.0 - a, a + (-0.0), a * np.inf, np.nan / a, a * 1j


@pytest.mark.parametrize("dt", COMPLEX)
def test_complex_with_real(dt):
    a, b = _pairs(dt)
    x = b.real.copy()  # every special value against every complex one
    names = ["a + x", "x + a", "a - x", "x - a", "a * x", "x * a", "a / x", "x / a",
             "np.multiply(x, a)", "np.subtract(x, a)", "-(x * a)", "x - x * a"]
    _check(cr_arith, (a, x), names)
    _check(cr_arith, (a, x.astype(np.float64)), [n + " (float64 x)" for n in names])
    z = _grid(dt)
    for s in _specials(dt):  # Python floats: weak, one compiled program for all of them
        _check(cs_arith, (z, float(s)), [f"{op} (s = {s})" for op in
                                          ("a + s", "s + a", "a - s", "s - a", "a * s",
                                           "s * a", "a / s", "s / a")])
    _check(c_literals, (z,), ["a * 2.5", "-2.5 * a", "a - 0.0", "0.0 - a", "a + (-0.0)",
                              "a * np.inf", "np.nan / a", "a * 1j"])


# --- one complex operand -------------------------------------------------------------------

def c_unary(a):
    return (np.abs(a), abs(a), np.conj(a), a.conj(), np.real(a), np.imag(a), a.real, a.imag,
            np.negative(a), +a, np.sign(a))


def c_powers(a):
    return (a ** 2, a ** 3, np.square(a), np.power(a, 2), np.power(a, 3), a ** -1, a ** 0.5,
            a ** 2.0, a ** -2)


def c_casts(a):
    return (a.astype(np.float64), a.astype(np.float32), a.astype(bool),
            a.astype(np.complex64), a.astype(np.complex128), a.real.astype(a.dtype) + a.imag)


@pytest.mark.parametrize("dt", COMPLEX)
def test_unary_and_powers(dt):
    z = _grid(dt)
    _check(c_unary, (z,), ["np.abs", "abs", "np.conj", ".conj()", "np.real", "np.imag",
                           ".real", ".imag", "np.negative", "+a", "np.sign"])
    # NumPy: a ** 2 is np.square (its multiply loop), a ** 3, a ** 2.0 and np.power(a, 2)
    # npy_cpow (repeated multiplication, 0 ** n = 0), a ** -1 np.reciprocal, a ** 0.5 np.sqrt
    _check(c_powers, (z,), ["a ** 2", "a ** 3", "np.square", "np.power(a, 2)",
                            "np.power(a, 3)", "a ** -1", "a ** 0.5", "a ** 2.0", "a ** -2"])
    # complex -> real keeps the real part (NumPy also warns: ComplexWarning)
    _check(c_casts, (z,), ["float64", "float32", "bool", "complex64", "complex128",
                           "real -> complex"])


def c_library(a):
    return np.sqrt(a), np.exp(a), np.log(a)


def c_power(a, b):
    return a ** b, np.power(b, a)


@pytest.mark.parametrize("dt", COMPLEX)
def test_library_functions(dt):
    z = _grid(dt)
    _check(c_library, (z,), ["np.sqrt", "np.exp", "np.log"], compare=within_ulps)
    a, b = _pairs(dt)
    _check(c_power, (a, b), ["a ** b", "np.power(b, a)"], compare=within_ulps)


# --- reductions -----------------------------------------------------------------------------

def r_all(a):
    return np.sum(a), np.prod(a), a.sum(), a.prod()


def r_axes(a):
    return a.sum(axis=0), a.sum(axis=1), np.prod(a, axis=0), a.prod(axis=1)


@pytest.mark.parametrize("dt", COMPLEX)
def test_reductions(dt):
    z = _grid(dt)
    rng = np.random.default_rng(12)
    for k in range(60):
        x = z[rng.integers(0, len(z), size=(3, 4))]
        if k % 3 == 0:  # finite values: rounding, not only specials
            x = (rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))).astype(dt)
        for fn, ops, axes, arg in ((r_all, ("sum", "prod", "sum", "prod"), (None,) * 4,
                                    x.ravel()),
                                   (r_axes, ("sum", "sum", "prod", "prod"), (0, 1, 0, 1), x)):
            want = _numpy(fn, (arg,))
            for target in TARGETS:
                got = _run(fn, (arg,), target)
                for op, axis, w, g in zip(ops, axes, want, got, strict=True):
                    why = within_reassociation(w, g, arg, axis, op)
                    assert why is None, f"{target}: {fn.__name__} {op} axis={axis} of " \
                                        f"{arg!r}: {why}: NumPy {w!r}, got {g!r}"


def r_extrema(a):
    return (np.max(a), np.min(a), a.max(axis=0), a.min(axis=1), np.argmax(a), a.argmin(),
            a.argmax(axis=1), np.argmin(a, axis=0))


@pytest.mark.parametrize("dt", COMPLEX)
def test_extrema(dt):
    """max/min/argmax/argmin in NumPy's order (lexicographic, the first NaN wins, the first
    of equal values): exact, -0.0 included."""
    z = _grid(dt)
    rng = np.random.default_rng(7)
    names = ["np.max", "np.min", "max(axis=0)", "min(axis=1)", "np.argmax", "argmin()",
             "argmax(axis=1)", "np.argmin(axis=0)"]
    for k in range(40):
        x = z[rng.integers(0, len(z), size=(3, 4))]
        if k % 2:  # ties and signed zeros
            x[rng.random((3, 4)) < 0.5] = z[rng.integers(0, 4)]
        if k % 3 == 0:  # no NaN: the order itself decides
            x[np.isnan(x)] = 1
        _check(r_extrema, (x,), names)


# --- NumPy scalars: NumPy's scalar code, not its array loops ------------------------------------

def s_elements(a, b):
    p, q, m = a.copy(), a.copy(), a.real.copy()
    lt, ge = a.real > 0, a.real > 0
    for i in range(a.shape[0]):
        p[i] = a[i] * b[i]
        q[i] = np.multiply(a[i], b[i])
        m[i] = abs(a[i])
        lt[i] = a[i] < b[i]
        ge[i] = a[i] >= b[i]
    return p, q, m, lt, ge


def s_powers(a):
    s, r, h = a.copy(), a.copy(), a.copy()
    for i in range(a.shape[0]):
        s[i] = a[i] ** 2
        r[i] = a[i] ** -1
        h[i] = a[i] ** 0.5
    return s, r, h


def s_in_arrays(a, b):
    return a * (a[3] * b[5]) + abs(b[7]) * a, np.multiply(a[3], b[5]) * a


def s_recurrence(a, b):
    o = a.copy()
    for i in range(1, a.shape[0]):
        o[i] = o[i - 1] * b[i]
    return o


@pytest.mark.parametrize("dt", COMPLEX)
def test_numpy_scalars(dt):
    a, b = _pairs(dt)
    pick = np.random.default_rng(3).choice(a.size, 1200, replace=False)  # the loops are slow
    a, b = a[pick], b[pick]
    _check(s_elements, (a, b), ["a[i] * b[i]", "np.multiply(a[i], b[i])", "abs(a[i])",
                                "a[i] < b[i]", "a[i] >= b[i]"])
    _check(s_powers, (a,), ["a[i] ** 2", "a[i] ** -1", "a[i] ** 0.5"])
    for k in range(0, 240, 8):
        _check(s_in_arrays, (a[k:k + 8].copy(), b[k:k + 8].copy()),
               ["a * (a[3] * b[5]) + abs(b[7]) * a", "np.multiply(a[3], b[5]) * a"])
        _check(s_recurrence, (a[k:k + 8].copy(), b[k:k + 8].copy()), ["o[i - 1] * b[i]"])


# --- the generated code ---------------------------------------------------------------------

def test_no_annex_g_helpers():
    """No std::complex multiplication or division reaches the compiled code (GCC would call
    libgcc's __muldc3 / __divdc3, C99 Annex G's algorithms)."""
    a, b = _pairs(np.complex128)
    for fn, args in ((cc_arith, (a, b)), (c_powers, (a,)), (r_all, (a,)),
                     (s_elements, (a, b))):
        lib = build(sluice.jit(fn).trace(*args))
        data = Path(lib.path).read_bytes()
        for helper in (b"__muldc3", b"__divdc3", b"__mulsc3", b"__divsc3"):
            assert helper not in data, f"{fn.__name__}: the library uses {helper.decode()}"


def c_maximum(a, b):
    return np.maximum(a, b)


def c_clip(a, b):
    return np.clip(a, b, 1.0)


@pytest.mark.parametrize("fn", [c_maximum, c_clip])
def test_refused_clearly(fn):
    """What sluice does not compute for complex numbers it refuses on both targets."""
    z = _grid(np.complex128)
    for target in TARGETS:
        with pytest.raises(UnsupportedError):
            sluice.jit(fn).compile(target, z, z)(z, z)
