"""Floats cast to unsigned types give NumPy's values wherever NumPy defines them: a negative
value in int32's range wraps, -3.4 -> 2**32 - 3 as uint32, also in vectorised loops (which
would otherwise saturate to 2**32 - 1). Beyond that NumPy's own answer depends on the
instructions its cast loop uses for that element (vector body or scalar tail) and is not
compared."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import sluice


def to_unsigned(a):
    return a.astype(np.uint8), a.astype(np.uint16), a.astype(np.uint32), a.astype(np.uint64)


def _defined(values: np.ndarray, dtype) -> np.ndarray:
    """Which elements NumPy casts without an invalid-value warning."""
    ok = np.ones(values.shape, bool)
    for k, v in enumerate(values):
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            np.array([v]).astype(dtype)
        ok[k] = not any("in cast" in str(w.message) for w in seen)
    return ok


@pytest.mark.parametrize("ftype", [np.float64, np.float32, np.float16])
def test_float_to_unsigned_matches_numpy(ftype):
    rng = np.random.default_rng(7)
    a = np.concatenate([rng.uniform(-300.0, 300.0, 2000), [-3.4, -0.5, -0.0, 255.9, 65535.5,
                                                            -1e9, 4e9]])
    a = a.astype(ftype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = to_unsigned(a)
        for target in ("interpret", "cpu"):
            got = sluice.jit(to_unsigned).compile(target, a)(a)
            for w, g in zip(want, got, strict=True):
                assert g.dtype == w.dtype
                ok = _defined(a, w.dtype)
                np.testing.assert_array_equal(g[ok], w[ok], err_msg=f"{target} {w.dtype}")
