"""Run one function under NumPy, the reference interpreter and the CPU backend, and require
NumPy's answer, or an error where NumPy raises one (issue #13: no silent wrong answers)."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import sluice
from sluice.errors import SluiceError


def _numpy(fn, args):
    args = copy.deepcopy(list(args))
    try:
        return fn(*args), args, None
    except (IndexError, ValueError, ArithmeticError, TypeError) as err:  # ZeroDivisionError too
        return None, args, err


def _same(want, got, what, rtol=0.0):
    if want is None:
        assert got is None, f"{what}: NumPy gives None, got {got!r}"
        return
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want), f"{what}: got {got!r}"
        for k, (w, g) in enumerate(zip(want, got, strict=True)):
            _same(w, g, f"{what}: result {k}", rtol)
        return
    w, g = np.asarray(want), np.asarray(got)
    assert w.shape == g.shape, f"{what}: shape {g.shape}, NumPy gives {w.shape}"
    assert w.dtype == g.dtype, f"{what}: dtype {g.dtype}, NumPy gives {w.dtype}"
    if rtol and w.dtype.kind in "fc":
        np.testing.assert_allclose(g, w, rtol=rtol, atol=0, equal_nan=True, err_msg=what)
    else:
        np.testing.assert_array_equal(g, w, err_msg=what)


def agree(fn, *arg_sets, targets=("interpret", "cpu"), rtol=0.0):
    """For each argument tuple: every target returns what NumPy returns and leaves the
    arguments as NumPy leaves them, or raises a SluiceError where NumPy raises. Results
    are compared exactly, floating-point ones to `rtol` where given (a sum's order is not
    NumPy's: compiled sums add in SIMD lanes)."""
    jitted = sluice.jit(fn)
    for args in arg_sets:
        want, want_args, err = _numpy(fn, args)
        for target in targets:
            ours = copy.deepcopy(list(args))
            what = f"{fn.__name__}{tuple(_short(a) for a in args)} on {target}"
            if err is not None:
                with pytest.raises(SluiceError):
                    jitted.compile(target, *ours)(*ours)
                continue
            got = jitted.compile(target, *ours)(*ours)
            _same(want, got, what, rtol)
            for k, (w, g) in enumerate(zip(want_args, ours, strict=True)):
                if isinstance(w, np.ndarray):
                    _same(w, g, f"{what}: argument {k}")


def _short(a):
    return f"array{a.shape}" if isinstance(a, np.ndarray) else a
