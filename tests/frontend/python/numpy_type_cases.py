"""Programs whose result types and values must be NumPy 2's (issue #13, type rules), shared
by the interpreter tests here and the CPU backend tests. Each case is (function, arguments);
functions return several results so that a backend compiles few programs."""

import numpy as np

RNG = np.random.default_rng(13)


def stats(a):
    return (np.mean(a), np.var(a), np.std(a), np.sum(a), np.prod(a), np.max(a), np.min(a),
            np.all(a), np.any(a), a.mean(axis=0), np.var(a, axis=1), np.sum(a, axis=1))


def mean_of_comparison(x):
    return np.mean(x > 0.5), np.sum(x > 0.5), np.var(x > 0.5)


def scalar_reductions(x32):
    # Reductions of Python scalars are NumPy scalars (strong): np.sum(2) + x32 is float64.
    return (np.sum(2) + x32, np.max(2.5) + x32, np.argmax(3), np.mean(True), np.prod(True),
            np.sum(x32[0]), np.mean(7) + x32)


def empty_truth(x):
    return np.all(x), np.any(x), np.all(x > 0), np.any(x > 0), np.sum(x), np.prod(x)


def bool_arithmetic(a, b):
    return (a + b, a * b, a << b, a >> b, a % b, a ** b, a // b, a / b, a & b, a | b, a ^ b,
            np.square(a), np.abs(a), a + 1, a * 2.5, np.add(a, b), np.multiply(a, b))


def bool_subtract(a, b):
    return a - b


def bool_negative(a):
    return -a


def bool_sign(a):
    return np.sign(a)


def nan_extrema(x, y):
    return np.fmax(x, y), np.fmin(x, y), np.maximum(x, y), np.minimum(x, y), np.fmax(x, 1.5)


def integer_rounding(i, b):
    return np.floor(i), np.ceil(i), np.floor(b), np.ceil(b)


def float16_math(b, i8):
    return np.sin(b), np.sqrt(b), np.exp(i8)


def carried_numpy_scalar(x):
    s = np.float32(0)
    for i in range(x.shape[0]):
        s = s + x[i]
    return s


def carried_dtype_type(x):
    s = x.dtype.type(0)
    for i in range(x.shape[0]):
        s = s + x[i]
    return s


def carried_python_float(x):
    s = 0.0
    t = 0.0
    for i in range(x.shape[0]):
        s = s + x[i]
        t += x[i] * 0.5
    return s, t


def carried_python_int(x):
    s = 0
    k = 0
    while k < x.shape[0]:
        s = s + x[k]
        k += 1
    return s


def carried_small_int(u8):
    s = 0  # a Python int; `s + u8[i]` is uint8 in NumPy 2 and wraps at 256
    for i in range(u8.shape[0]):
        s = s + u8[i]
    return s


def carried_array(x, y):
    a = np.zeros(3, np.float32)
    for _ in range(x.shape[0]):
        a = a + y
    return a


def mixed_kinds(i64, f32, u64, i8, u8):
    return (i64 + f32, i64 * f32, u64 + i64, i8 + u8, i64 < f32, np.where(i64 > 0, i64, f32),
            np.clip(i8, 0.5, 3), f32 + 0.1, u8 + 3, u8 * 2.5, np.arctan2(i8, i64))


def compare_out_of_range(u32, i8):
    return (u32 < -1, u32 > -1, -1 < u32, u32 == 2**40, u32 != -3, u32 <= 2**33, i8 >= -200,
            i8 < 128, np.maximum(u32, 2), np.clip(u32, 1, 4))


def mixed_sign_compare(i8, u64):
    return (i8 < u64, i8 <= u64, i8 > u64, i8 >= u64, i8 == u64, i8 != u64, u64 < i8,
            u64 >= i8, np.where(i8 > u64, i8, u64))


def complex_sign(z):
    return np.sign(z)


def weak_out_of_range(u8):
    return u8 + 300


def _bools(n):
    return RNG.random(n) > 0.5


def _special32(n):
    x = (RNG.random(n) * 1000).astype(np.float32)
    return x


F = RNG.random((4, 5))
U8 = np.array([[200, 100, 50, 255, 0], [1, 2, 3, 4, 5], [250, 250, 250, 250, 250]], np.uint8)
I32 = np.full((2, 3), 2**31 - 1, np.int32)
X32 = _special32(300)
NANS_X = np.array([1.0, np.nan, 3.0, np.nan, -np.inf, 0.0])
NANS_Y = np.array([np.nan, 2.0, 1.0, np.nan, np.nan, -0.0])

# (function, arguments); each must match NumPy's result types and values.
CASES = [
    (stats, [F > 0.5]),
    (stats, [U8]),
    (stats, [I32]),
    (stats, [np.array([[1, 2], [3, 4]], np.int8)]),
    (stats, [F.astype(np.float32)]),
    (mean_of_comparison, [F[0]]),
    (empty_truth, [np.zeros(0)]),
    (scalar_reductions, [np.array([1.5, 2.5], np.float32)]),
    (bool_arithmetic, [_bools(16), _bools(16)]),
    (nan_extrema, [NANS_X, NANS_Y]),
    (integer_rounding, [np.array([3, -4, 2**62 + 1]), np.array([True, False])]),
    (compare_out_of_range, [np.array([0, 5, 2**32 - 1], np.uint32),
                            np.array([-128, 0, 127], np.int8)]),
    (mixed_sign_compare, [np.array([-1, 5, -128, 127, 0], np.int8),
                          np.array([2**64 - 1, 5, 0, 2**63, 0], np.uint64)]),
    (complex_sign, [np.array([complex(np.inf, 1), complex(-np.inf, -1),
                              complex(np.inf, np.inf), complex(1, np.inf),
                              complex(1, -np.inf), complex(np.nan, 0), 3 - 4j, 0j])]),
    (carried_numpy_scalar, [X32]),
    (carried_dtype_type, [X32]),
    (carried_python_float, [X32]),
    (carried_python_int, [X32]),
    (carried_small_int, [np.array([200, 100, 50], np.uint8)]),
    (carried_small_int, [np.array([2**31 - 1, 5], np.int32)]),
    (carried_array, [X32[:2], np.ones(3)]),
    (mixed_kinds, [np.array([2**60 + 1, -3, 5]), np.array([0.5, 2.25, -1.0], np.float32),
                   np.array([2**63 + 5, 1, 2], np.uint64), np.array([-100, 5, 127], np.int8),
                   np.array([200, 5, 255], np.uint8)]),
]

# (function, arguments): NumPy raises; sluice must raise a SluiceError while compiling.
REJECTED = [
    (bool_subtract, [_bools(4), _bools(4)]),
    (bool_negative, [_bools(4)]),
    (bool_sign, [_bools(4)]),
    (weak_out_of_range, [np.arange(4, dtype=np.uint8)]),
]

# Results NumPy gives in float16 (the CPU backend computes them as `_Float16`).
FLOAT16_CASES = [(float16_math, [_bools(8), np.arange(-3, 5, dtype=np.int8)])]
