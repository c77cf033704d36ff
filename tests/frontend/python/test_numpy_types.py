"""NumPy 2's result types and values on the interpreter (issue #13): reductions, boolean
arithmetic, NaN-aware extrema, integer rounding, float16 results and loop-carried scalars."""

import warnings

import numpy as np
import pytest
from checks import check_against_numpy
from numpy_type_cases import CASES, FLOAT16_CASES, REJECTED

import sluice
from sluice.errors import SluiceError


def _name(case):
    fn, args = case
    return f"{fn.__name__}-" + "-".join(str(np.asarray(a).dtype) for a in args)


@pytest.mark.parametrize("case", CASES + FLOAT16_CASES, ids=_name)
def test_numpy_result_types(case):
    fn, args = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        check_against_numpy(fn, args)


@pytest.mark.parametrize("case", REJECTED, ids=_name)
def test_numpy_rejects_and_so_does_sluice(case):
    fn, args = case
    with pytest.raises(Exception) as numpy_error:
        fn(*args)
    assert not isinstance(numpy_error.value, SluiceError)
    with pytest.raises(SluiceError):
        sluice.jit(fn).trace(*args)
