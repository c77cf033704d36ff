"""Shared helpers of the CPU backend tests: compile once, compare with the interpreter."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

import sluice.ir as ir
from sluice.backends.cpu import build

NO_PASSES = {"pipeline": None, "verify": True}
O2 = {"pipeline": "O2", "verify": True}
O2_CHECKED = {**O2, "boundscheck": True}  # every access of the generated code checked
ALSO_CHECKED = False  # `pytest --boundscheck` (conftest.py): `check` also runs checked builds


def tolerance(dtype: np.dtype) -> dict[str, float]:
    if dtype.kind == "f" and dtype.itemsize == 4 or dtype.kind == "c" and dtype.itemsize == 8:
        return {"rtol": 2e-5, "atol": 1e-6}
    return {"rtol": 1e-11, "atol": 1e-12}


def assert_same(expected: Any, got: Any, what: str = "result") -> None:
    """Same type, dtype and shape; values equal (ints, bools) or close (floats)."""
    if expected is None or isinstance(expected, dict):
        assert got is None or isinstance(got, dict), f"{what}: expected {expected!r}, got {got!r}"
        return
    if isinstance(expected, tuple):
        assert isinstance(got, tuple) and len(got) == len(expected), what
        for k, (e, g) in enumerate(zip(expected, got, strict=True)):
            assert_same(e, g, f"{what}[{k}]")
        return
    e, g = np.asarray(expected), np.asarray(got)
    assert type(got) is type(expected) or isinstance(got, np.ndarray) == isinstance(
        expected, np.ndarray), f"{what}: {type(expected)} vs {type(got)}"
    assert e.dtype == g.dtype, f"{what}: dtype {e.dtype} vs {g.dtype}"
    assert e.shape == g.shape, f"{what}: shape {e.shape} vs {g.shape}"
    if e.dtype.kind in "fc":
        np.testing.assert_allclose(g, e, equal_nan=True, err_msg=what, **tolerance(e.dtype))
    else:
        np.testing.assert_array_equal(g, e, err_msg=what)


def check(program: ir.Program, args: list, kwargs: dict | None = None,
          options: dict | None = None, backend: Any = build) -> Any:
    """Run `program` interpreted and compiled (by `backend`'s build) on copies of the
    arguments; compare both the results and every array argument afterwards. Returns the
    compiled result."""
    kwargs = kwargs or {}
    options = options or NO_PASSES
    if ALSO_CHECKED and not options.get("boundscheck") and backend is build:
        check(program, args, kwargs, {**options, "boundscheck": True})
    fn = backend(program, options)
    a1, a2 = copy.deepcopy(args), copy.deepcopy(args)
    k1, k2 = copy.deepcopy(kwargs), copy.deepcopy(kwargs)
    expected = ir.interpret(program, *a1, **k1)
    got = fn(*a2, **k2)
    assert_same(expected, got)
    for k, (x, y) in enumerate(zip(a1, a2, strict=True)):
        if isinstance(x, np.ndarray):
            assert_same(x, y, f"argument {k} after the call")
    for k in k1:
        if isinstance(k1[k], np.ndarray):
            assert_same(k1[k], k2[k], f"argument {k} after the call")
    return got
