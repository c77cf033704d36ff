"""NumPy 2's result types and values from compiled code (issue #13): the cases of
tests/frontend/python/numpy_type_cases.py, compiled for the CPU."""

import copy
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from cpu_helpers import assert_same

import sluice

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "frontend" / "python"))
from numpy_type_cases import CASES, FLOAT16_CASES  # noqa: E402


def _name(case):
    fn, args = case
    return f"{fn.__name__}-" + "-".join(str(np.asarray(a).dtype) for a in args)


def _compiled(fn, args):
    jf = sluice.jit(fn)
    jf.trace(*copy.deepcopy(args))
    return jf.compile("cpu")


def _results(v):
    return v if isinstance(v, tuple) else (v,)


@pytest.mark.parametrize("case", CASES + FLOAT16_CASES, ids=_name)
def test_cpu_numpy_result_types(case):
    fn, args = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = fn(*copy.deepcopy(args))
    got = _compiled(fn, args)(*copy.deepcopy(args))
    expected, got = _results(expected), _results(got)
    assert len(got) == len(expected)
    for k, (e, g) in enumerate(zip(expected, got, strict=True)):
        assert_same(np.asarray(e), np.asarray(g), f"result {k}")

