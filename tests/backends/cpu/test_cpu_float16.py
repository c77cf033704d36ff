"""float16 on the CPU backend (`_Float16`) and in the interpreter, against NumPy: arithmetic
bit for bit (one rounding per operation; `//`, `%`, `**` and math functions in float32 and
rounded once, as NumPy's float16 loops), math functions within 8 ulp, sums and products
within reassociation bounds (accumulated in float32, as NumPy does)."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from cpu_helpers import NO_PASSES, check

import sluice
import sluice.ir as ir
from sluice.backends.cpu import build
from sluice.errors import SluiceError
from tests.fuzz.compare import exact, within_reassociation, within_ulps

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "frontend" / "python"))
from python_rules import agree  # noqa: E402

# NumPy warns of overflow and invalid values on these inputs (infinities, NaN, 65504)
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

TARGETS = ("cpu", "interpret")
SPECIAL = [np.nan, np.inf, -np.inf, -0.0, 0.0, 65504.0, -65504.0, 6e-8, -6e-8, 6.1e-5,
           1.0, -1.0, 0.5, 2.0, 3.0, -2.5]


def halves(n: int, seed: int) -> np.ndarray:
    """`n` random float16 values over the whole range (subnormals to near overflow)."""
    rng = np.random.default_rng(seed)
    mag = 10.0 ** rng.uniform(-7.5, 4.8, n)
    with np.errstate(over="ignore"):
        return (rng.choice([-1.0, 1.0], n) * mag).astype(np.float16)


def pairs(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of special values, then random ones."""
    sx = np.repeat(np.array(SPECIAL, np.float16), len(SPECIAL))
    sy = np.tile(np.array(SPECIAL, np.float16), len(SPECIAL))
    return (np.concatenate([sx, halves(300, seed)]),
            np.concatenate([sy, halves(300, seed + 1)]))


def numpy(fn, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            return fn(*args)


def run(fn, args, target):
    jf = sluice.jit(fn)
    if target == "cpu":
        return jf(*args)
    return jf.compile("interpret", *args)(*args)


def compare(fn, args, how=exact, targets=TARGETS):
    """Each target's results (a tuple) against NumPy's with `how` (per result)."""
    want = numpy(fn, *args)
    for target in targets:
        got = run(fn, args, target)
        assert len(got) == len(want)
        for k, (w, g) in enumerate(zip(want, got, strict=True)):
            h = how[k] if isinstance(how, list | tuple) else how
            why = h(w, g)
            assert why is None, f"{fn.__name__} result {k} on {target}: {why}\n{w!r}\n{g!r}"


def signless(w, g):
    """Which of -0.0 and 0.0 a max/min reduction returns depends on its order (DECISIONS.md):
    equal bit for bit otherwise."""
    return exact(w, g, zero_sign=False)


def arithmetic(x, y):
    return (x + y, x - y, x * y, x / y, -x, x < y, x <= y, x == y, x != y, x >= y,
            np.where(x > y, x, y), np.abs(x), np.sqrt(x), np.floor(x), np.ceil(x),
            np.sign(x), np.square(x), abs(x - y))


def extrema(x, y):
    return np.maximum(x, y), np.minimum(x, y), np.fmax(x, y), np.fmin(x, y)


def floor_mod_power(x, y):
    return x // y, x % y, x ** y, np.floor_divide(x, y), np.remainder(x, y)


def test_arithmetic_bit_for_bit():
    compare(arithmetic, pairs(1))


def test_extrema_bit_for_bit():
    # NumPy's float16 loops (unlike its float32/float64 SIMD ones) keep the first of two
    # equal values: np.maximum(-0.0, 0.0) is -0.0, np.maximum(0.0, -0.0) is 0.0
    compare(extrema, pairs(2))


def test_floor_divide_remainder_power_bit_for_bit():
    # NumPy's float16 loops divide, take the remainder and raise in float32, then round
    x, y = pairs(3)
    compare(floor_mod_power, (x, y))
    small = (np.arange(-40, 40) / 8).astype(np.float16)  # exact quotients and remainders
    compare(floor_mod_power, (small, small[::-1].copy()))


def transcendental(x, y):
    return (np.sin(x), np.cos(x), np.exp(x), np.log(x), np.tanh(x), np.arctan(x),
            np.arctan2(x, y), np.sinh(x / 4))


def test_transcendental_within_8_ulp():
    x, y = pairs(4)
    compare(transcendental, (x, y), within_ulps)


def casts(h, i8, u8, i64, f32, f64, b):
    return (h.astype(np.float32), h.astype(np.float64), h.astype(bool), i8.astype(np.float16),
            u8.astype(np.float16), i64.astype(np.float16), f32.astype(np.float16),
            f64.astype(np.float16), b.astype(np.float16), np.float16(2) * b)


def to_integers(h):
    return h.astype(np.int8), h.astype(np.uint8), h.astype(np.int64)


def test_casts_bit_for_bit():
    rng = np.random.default_rng(5)
    n = len(pairs(0)[0])
    h = pairs(5)[0]
    # doubles and floats just off the midpoints between float16 values round once, directly
    mid = (np.nextafter(np.float16(1.0), np.float16(2.0)).astype(np.float64) + 1.0) / 2
    f64 = np.concatenate([[mid, np.nextafter(mid, 2.0), np.nextafter(mid, 0.0), 65519.99,
                           65520.0, 1e300, -1e-300, np.nan],
                          rng.standard_normal(n - 8) * 10.0 ** rng.uniform(-9, 6, n - 8)])
    f32 = f64.astype(np.float32)
    i64 = rng.integers(-(2**62), 2**62, n) // 10 ** rng.integers(0, 18, n)
    i64[:4] = [65504, 65519, 65520, -(2**63)]
    args = (h, rng.integers(-128, 128, n).astype(np.int8),
            rng.integers(0, 256, n).astype(np.uint8), i64, f32, f64, rng.random(n) > 0.5)
    compare(casts, args)
    # float16 -> integers: where NumPy calls the cast valid (finite, in range)
    compare(to_integers, (np.clip(np.nan_to_num(h), 0, 127).astype(np.float16),))
    compare(to_integers, (((rng.random(n) - 0.5) * 250).astype(np.float16),),
            [exact, lambda w, g: None, exact])  # negative to uint8 wraps differently


def weak(x):
    # Python numbers take float16 (NEP 50): 0.1 and 1e10 round to float16 first
    return (x + 0.1, 2.5 - x, x * 1e-3, x / 3, x > 1e10, x == 0.1, np.maximum(x, 2),
            np.where(x > 1, x, 0.5), x ** 2, x ** 3, x + 70000.0, x * -0.0)


def test_weak_python_scalars():
    x = np.concatenate([[np.float16(0.1)], pairs(6)[0]])
    compare(weak, (x,))


def mixed(x, i8, u8, b):
    return (x + i8, u8 * x, x / u8, i8 - x, np.maximum(x, b), np.where(b, x, i8),
            np.sqrt(u8), np.floor(i8 / np.float16(3)))


def math_of_small_ints(i8, u8, b):
    return np.sqrt(u8), np.sin(b), np.exp(i8), np.log(u8), np.cos(i8 * np.float16(0.5))


def test_float16_with_int8_uint8_bool():
    rng = np.random.default_rng(7)
    x = pairs(7)[0]
    n = len(x)
    i8 = rng.integers(-128, 128, n).astype(np.int8)
    u8 = rng.integers(0, 256, n).astype(np.uint8)
    b = rng.random(n) > 0.5
    compare(mixed, (x, i8, u8, b))
    want = numpy(math_of_small_ints, i8, u8, b)
    assert all(w.dtype == np.float16 for w in want)
    compare(math_of_small_ints, (i8, u8, b), [exact, within_ulps, within_ulps, within_ulps,
                                               within_ulps])


def reductions(x, m):
    return (x.sum(), x.mean(), np.prod(x[:40] / 16 + 1), x.max(), x.min(), np.argmax(x),
            np.argmin(x), m.sum(axis=0), m.sum(axis=1), m.max(axis=0), m.min(axis=1),
            m.mean(axis=1))


def test_reductions():
    rng = np.random.default_rng(8)
    x = ((rng.random(3000) - 0.3) * 4).astype(np.float16)
    m = x[:3000].reshape(60, 50)

    def red(op, operand, axis=None):
        return lambda w, g: within_reassociation(w, g, operand, axis, op)

    prod_in = numpy(lambda v: v[:40] / 16 + 1, x)
    how = [red("sum", x), red("mean", x), red("prod", prod_in), signless, signless, exact,
           exact, red("sum", m, 0), red("sum", m, 1), signless, signless, red("mean", m, 1)]
    compare(reductions, (x, m), how)
    # NaN wins max and min, as in NumPy
    y = x.copy()
    y[1234] = np.nan
    compare(reductions, (y, y.reshape(60, 50)), how)


def big_sums(ones):
    return ones.sum(), ones.mean(), (ones * np.float16(0.1)).sum()


def test_sums_accumulate_in_float32():
    # In float16 the running sum would stop at 2048: NumPy (and sluice) add in float32
    ones = np.ones(10000, np.float16)
    want = numpy(big_sums, ones)
    assert want[0] == 10000
    for target in TARGETS:
        got = run(big_sums, (ones,), target)
        for k, (w, g) in enumerate(zip(want, got, strict=True)):
            assert g.dtype == np.float16 and within_reassociation(
                w, g, ones, None, "sum") is None, (target, k, w, g)


def matmul(a, b, v):
    return a @ b, a @ v, v @ v


def test_matmul_accumulates_in_float32():
    rng = np.random.default_rng(9)
    a = rng.standard_normal((20, 300)).astype(np.float16)
    b = rng.standard_normal((300, 7)).astype(np.float16)
    v = rng.standard_normal(300).astype(np.float16)
    want = numpy(matmul, a, b, v)
    for target in TARGETS:
        for w, g in zip(want, run(matmul, (a, b, v), target), strict=True):
            assert g.dtype == np.float16
            np.testing.assert_allclose(g.astype(np.float32), w.astype(np.float32), rtol=2e-3,
                                       atol=2e-2)


def add_in_place(x, y):
    x += y
    x *= np.float16(0.5)
    x -= 1.5
    return x


def shift_in_place(x):
    x[1:] = x[:-1] * 2
    return x


def test_in_place_updates():
    x, y = pairs(10)
    agree(add_in_place, (x, y))
    x = halves(50, 11)
    want = numpy(shift_in_place, x.copy())
    for target in TARGETS:
        arg = x.copy()
        try:
            got = sluice.jit(shift_in_place).compile(target, arg)(arg)
        except SluiceError as err:  # refused as an overlapping update: fine
            assert "overlap" in str(err), err
            continue
        assert exact(want, got) is None, target


def scaled(x, s):
    return x * s + s, s / 3, np.sqrt(s)


def test_float16_scalar_argument():
    x = pairs(12)[0]
    s = np.float16(1.0009765625)  # 1 + 2**-10: one ulp above 1
    compare(scaled, (x, s))
    cpu = sluice.jit(scaled).compile("cpu", x, s)
    # a Python float for a float16 parameter rounds to float16 first, as NumPy's does
    for v in (0.1, 1e-7, 70000.0, 3):
        want = numpy(scaled, x, np.float16(v))
        for _ in range(2):  # the fast path, warm
            for k, (w, g) in enumerate(zip(want, cpu(x, v), strict=True)):
                assert exact(w, g) is None, (v, k)


def running(x):
    s = x[0] * 0
    out = np.zeros_like(x)
    for i in range(x.shape[0]):
        s = s + x[i] * x[i]
        out[i] = s
    return out


def recurrence(x):
    y = x.copy()
    for i in range(1, y.shape[0]):
        y[i] = y[i - 1] * np.float16(0.75) + x[i]
    return y


def test_loops_over_elements():
    x = ((np.random.default_rng(13).random(500) - 0.5) * 8).astype(np.float16)
    agree(running, (x,))  # a float16 running sum rounds every step, in NumPy too
    agree(recurrence, (x,), (pairs(13)[0],))


@pytest.mark.parametrize("dtype", ["int8", "uint8", "bool"])
def test_numpy_gives_float16_for_small_integer_math(dtype):
    def f(a):
        return np.sqrt(a), np.sin(a)

    a = np.arange(-5, 20).astype(dtype)
    want = numpy(f, a)
    assert want[0].dtype == np.float16
    compare(f, (a,), [exact, within_ulps])


def _wcr_program():
    b = ir.ProgramBuilder("half_wcr")
    b.arg("x", "float16", ["N"])
    for name, shape in (("total", []), ("prod", []), ("hi", []), ("lo", []), ("bins", [4]),
                        ("colmax", ["M"])):
        b.returns(name, "float16", shape)
    with b.state("reduce") as s:
        s.map({"i": "0:N"}, "o = v", inputs={"v": "x[i]"}, outputs={"o": "total wcr +"})
        s.map({"i": "0:N"}, "o = 1.0 + v / 1024.0", inputs={"v": "x[i]"},
              outputs={"o": "prod wcr *"})
        s.map({"i": "0:N"}, "o = v", inputs={"v": "x[i]"}, outputs={"o": "hi wcr max"})
        s.map({"i": "0:N"}, "o = v", inputs={"v": "x[i]"}, outputs={"o": "lo wcr min"})
        s.map({"i": "0:N"}, "o = v", inputs={"v": "x[i]"}, outputs={"o": "bins[i % 4] wcr +"})
        s.map({"i": "0:N", "j": "0:M"}, "o = v * j", inputs={"v": "x[i]"},
              outputs={"o": "colmax[j] wcr max"})
    return b.build()


@pytest.mark.parametrize("n", [7, 40000])  # below and above the parallel threshold
def test_write_conflict_resolution_in_float16(n):
    """Parallel maps combine float16 values (OpenMP reductions, atomic updates): every
    combination rounds to float16, as the interpreter's `ufunc.at`."""
    x = ((np.random.default_rng(n).random(n) - 0.5) / 8).astype(np.float16)
    x[n // 2] = 1.5  # a single maximum, whatever the order
    prog = _wcr_program()
    if n < 100:  # sequential: the interpreter's order, bit for bit
        check(prog, [x], {"M": 3})
        return
    want = ir.interpret(prog, x, M=3)
    got = build(prog, NO_PASSES)(x, M=3)
    for k, (w, g) in enumerate(zip(want, got, strict=True)):
        assert np.asarray(g).dtype == np.float16
        if k in (2, 3, 5):  # max, min: exact
            assert exact(w, g) is None, k
        else:  # a float16 sum rounds every step: any order is as far from the exact sum
            np.testing.assert_allclose(np.float64(g), np.float64(w), atol=8.0, err_msg=str(k))


def test_bounds_checked_build():
    x = halves(20, 14)
    for fn in (recurrence, running):
        got = sluice.jit(fn, boundscheck=True)(x)
        assert exact(numpy(fn, x), got) is None, fn.__name__


def test_reduce_in_float16_of_float32_elements():
    """`Reduce(dtype=float16)` (NumPy's `dtype=`): each element rounds to float16 first, the
    sum or product accumulates in float32 (inputs whose sums are exact in any order); an
    `initial` value rounds to float16 too."""
    b = ir.ProgramBuilder("half_reduce")
    b.arg("x", "float32", ["N"])
    b.arg("y", "float32", ["M"])
    b.arg("z", "float16", ["M"])
    for name in ("s", "p", "hi"):
        b.returns(name, "float16")
    with b.state() as s:
        s.library(ir.Reduce(op="+", dtype="float16"), {"inp": "x"}, {"out": "s"})
        s.library(ir.Reduce(op="*", dtype="float16"), {"inp": "y"}, {"out": "p"})
        s.library(ir.Reduce(op="max", identity=-0.1), {"inp": "z"}, {"out": "hi"})
    x = (np.arange(-20, 24) / 7).astype(np.float32)
    y = np.array([1.5, -2.0, 0.75, 1.0 / 3, 3.0], np.float32)
    z = -y.astype(np.float16) ** 2
    got = check(b.build(), [x, y, z])
    assert exact(np.add.reduce(x, dtype=np.float16), got[0]) is None
    assert exact(np.prod(y, dtype=np.float16), got[1]) is None
    assert exact(np.maximum.reduce(z, initial=-0.1), got[2]) is None
