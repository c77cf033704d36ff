"""The NumPy 2 type audit (tests/frontend/python/numpy_type_audit.py) on compiled code: one
program per dtype with every operation, reduction and weak-scalar form, and one program per
crossing dtype with every binary operation against the others (issue #13)."""

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "frontend" / "python"))
from numpy_type_audit import (  # noqa: E402
    BINARY,
    CROSS,
    DTYPES,
    REDUCTIONS,
    UNARY,
    WEAK,
    arguments,
    cross_table,
    run_table,
    split,
)
from test_numpy_type_audit import ALLOWED_REFUSALS  # noqa: E402

# The CPU backend has no boolean matrix product and no ordering of complex numbers
# (comparisons, extrema, arg-extrema); it says so when asked.
CPU_REFUSALS = {"ma @ mb"}
COMPLEX_ORDER = ("<", ">", "np.less", "max", "min", "argmax", "argmin", "amax", "amin",
                 "np.maximum", "np.minimum", "np.fmax", "np.fmin", "np.clip")


def _allowed(expr: str, complex_operand: bool) -> bool:
    plain = re.sub(r"\b(b|p|s|mb)_\w+", r"\1", expr)  # cross tables rename operands
    if plain in ALLOWED_REFUSALS or plain in CPU_REFUSALS:
        return True
    return complex_operand and any(w in plain for w in COMPLEX_ORDER)


def _check(name, params, exprs, args, tmp_path):
    problems, refused = run_table("cpu", tmp_path, name, params, split(exprs, args)[0], args)
    complex_operand = any(v.dtype.kind == "c" for v in args.values())
    problems += [f"{e}: refused, NumPy computes it" for e in refused
                 if not _allowed(e, complex_operand)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("dtype", DTYPES)
def test_cpu_audit_one_dtype(dtype, tmp_path):
    _check(f"c_{dtype}", ["a", "m", "r", "mr", "b", "p", "s", "ma", "mb"],
           UNARY + REDUCTIONS + WEAK + BINARY, arguments(dtype, dtype), tmp_path)


@pytest.mark.parametrize("dtype", CROSS)
def test_cpu_audit_crossing_dtypes(dtype, tmp_path):
    params, exprs, args = cross_table(dtype)
    _check(f"x_{dtype}", params, exprs, args, tmp_path)
