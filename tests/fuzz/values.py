"""Input values: random arrays and scalars rich in the values that break compilers
(NaN, +-inf, -0.0, huge and tiny magnitudes, integer extremes, negative integers)."""

from __future__ import annotations

import random

import numpy as np

FLOAT_SPECIAL = [float("nan"), float("inf"), float("-inf"), -0.0, 0.0, 1.0, -1.0, 0.5, -2.5,
                 3.0, 1e308, -1e308, 1e-308, 5e-324, -5e-324, 1e20, 1e-20, 7.0, -0.75]
# Reductions only get moderate magnitudes: with 1e308 the sum's order decides inf or not.
FLOAT_MODERATE = [float("nan"), float("inf"), float("-inf"), -0.0, 0.0, 1.0, -1.0, 0.5, 3.0,
                  -2.5, 1e3, 1e-3]

INT_DTYPES = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]
FLOAT_DTYPES = ["float32", "float64"]
COMPLEX_DTYPES = ["complex64", "complex128"]


def kind(dtype: str) -> str:
    """'b', 'i', 'u', 'f' or 'c', as NumPy's dtype.kind."""
    return np.dtype(dtype).kind


def _float(rng: random.Random, moderate: bool) -> float:
    if rng.random() < 0.35:
        return rng.choice(FLOAT_MODERATE if moderate else FLOAT_SPECIAL)
    return round(rng.gauss(0.0, 4.0), rng.choice([0, 1, 3, 17]))


def _int(rng: random.Random, dtype: str, moderate: bool) -> int:
    info = np.iinfo(dtype)
    if not moderate and rng.random() < 0.3:
        return rng.choice([info.min, info.max, info.min + 1, info.max - 1, 0, 1])
    lo = max(info.min, -20)
    return rng.randint(lo, min(info.max, 20))


def scalar(rng: random.Random, dtype: str, moderate: bool = False) -> object:
    """One element of `dtype`, as a Python number."""
    k = kind(dtype)
    if k == "b":
        return rng.random() < 0.5
    if k in "iu":
        return _int(rng, dtype, moderate)
    if k == "f":
        return _float(rng, moderate)
    return complex(_float(rng, moderate), _float(rng, moderate))


def array(rng: random.Random, dtype: str, shape: tuple[int, ...],
          moderate: bool = False) -> np.ndarray:
    n = int(np.prod(shape, dtype=np.int64))
    flat = [scalar(rng, dtype, moderate) for _ in range(n)]
    with np.errstate(all="ignore"):  # 1e308 in float32 is inf: that is the point
        return np.array(flat, dtype=dtype).reshape(shape)


def literal(value: object) -> str:
    """Python source for a number, exact (NaN and infinities spelled through NumPy)."""
    if isinstance(value, bool | np.bool_):
        return repr(bool(value))
    if isinstance(value, complex):
        return f"complex({literal(value.real)}, {literal(value.imag)})"
    if isinstance(value, float):
        if value != value:
            return "np.nan"
        if value in (float("inf"), float("-inf")):
            return "np.inf" if value > 0 else "-np.inf"
        return repr(value)
    return repr(int(value))  # type: ignore[call-overload]


def array_source(a: np.ndarray) -> str:
    """Exact Python source for an array (bits preserved: -0.0, NaN payloads, extremes)."""
    return (f"np.frombuffer(bytes.fromhex({a.tobytes().hex()!r}), "
            f"dtype=np.{a.dtype.name}).reshape({a.shape!r}).copy()")
