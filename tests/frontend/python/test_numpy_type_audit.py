"""Every element-wise operation and reduction on every dtype (and dtype pair, weak Python
scalars included) against NumPy 2 on the interpreter: same dtype and values, or a clear
SluiceTypeError/UnsupportedError where sluice cannot do what NumPy does; and where NumPy
refuses, sluice refuses too (issue #13)."""

import pytest
from numpy_type_audit import (
    BINARY,
    DTYPES,
    REDUCTIONS,
    UNARY,
    WEAK,
    arguments,
    pairs,
    refusals,
    run_table,
    split,
)

# What sluice refuses clearly although NumPy computes it (each with the reason).
ALLOWED_REFUSALS = {
    # Python's min/max return an argument unchanged: the type depends on the values.
    "max(a[0], 2)", "min(a[1], 2.5)",
    # Not implemented for complex numbers.
    "np.std(r)", "np.var(r)", "np.var(mr, axis=1)", "np.std(mr, axis=0)",
    "np.maximum(a, 2)", "np.fmin(a, 0.5)", "np.clip(a, 1, 4)", "np.maximum(a, b)",
    "np.minimum(a, b)", "np.fmax(a, b)", "np.fmin(a, b)", "np.clip(a, b, p)",
}


def _check(name, params, exprs, args, tmp_path):
    ok, refused_by_numpy = split(exprs, args)
    problems, refused = run_table("interpret", tmp_path, name, params, ok, args)
    problems += refusals(tmp_path, f"{name}_r", params, refused_by_numpy, args)
    problems += [f"{e}: refused, NumPy computes it" for e in refused
                 if e not in ALLOWED_REFUSALS]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("dtype", DTYPES)
def test_unary_reductions_and_weak_scalars(dtype, tmp_path):
    _check(f"u_{dtype}", ["a", "m", "r", "mr"], UNARY + REDUCTIONS + WEAK, arguments(dtype),
           tmp_path)


@pytest.mark.parametrize("da,db", pairs(), ids=lambda d: d)
def test_binary_operations(da, db, tmp_path):
    _check(f"b_{da}_{db}", ["a", "b", "p", "s", "ma", "mb"], BINARY, arguments(da, db),
           tmp_path)

