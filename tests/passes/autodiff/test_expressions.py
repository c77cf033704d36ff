"""Reverse-mode derivatives of value expressions against central finite differences."""

import numpy as np
import pytest

from sluice.errors import UnsupportedError
from sluice.ir import exact as X
from sluice.ir.symbolic import evaluate, value
from sluice.ir.text import parse_expr
from sluice.passes.autodiff.expressions import vjp

x, y = value("x"), value("y")

# (expression, domain of x and y): every function with a rule, alone and composed
CASES = [
    ("x + y", (-3, 3)), ("x - y", (-3, 3)), ("x * y", (-3, 3)), ("x / y", (0.5, 3)),
    ("x ** 2", (-3, 3)), ("x ** 3.0", (0.5, 3)), ("x ** y", (0.5, 3)), ("2.0 ** x", (-2, 2)),
    ("-x * y", (-3, 3)), ("exp(x) * y", (-2, 2)), ("log(x * y)", (0.5, 3)),
    ("sqrt(x + y)", (0.5, 3)), ("sin(x) * cos(y)", (-3, 3)), ("tan(x) + y", (-1, 1)),
    ("asin(x) * acos(y)", (-0.9, 0.9)), ("atan(x / y)", (0.5, 3)), ("atan2(x, y)", (0.5, 3)),
    ("sinh(x) + cosh(y)", (-2, 2)), ("tanh(x * y)", (-2, 2)), ("abs(x - 2.0 * y)", (0.5, 3)),
    ("erf(x) * y", (-2, 2)), ("hypot(x, y)", (0.5, 3)), ("max(x, y) * min(x, y)", (-3, 3)),
    ("select(x > y, x * x, y / x)", (0.5, 3)), ("(x + y) * (x + y)", (-3, 3)),
    ("exp(x) + exp(x) * exp(x)", (-1, 1)), ("x % 1.5 + y", (0.1, 3)),
    ("float64(x) * y", (-3, 3)), ("floor(x) * y + x", (0.1, 3)),
]


def _numeric(expr, at, wrt, h=1e-6):
    hi, lo = dict(at), dict(at)
    hi[wrt.name] += h
    lo[wrt.name] -= h
    return (evaluate(expr, hi) - evaluate(expr, lo)) / (2 * h)


@pytest.mark.parametrize("text,domain", CASES, ids=[c[0] for c in CASES])
def test_adjoints_match_central_differences(text, domain):
    expr = parse_expr(text, frozenset({"x", "y"}))
    rng = np.random.default_rng(sum(map(ord, text)))
    grads = vjp(expr, [x, y], X.literal(1.0))
    for g in grads.values():
        assert X.check_exact(g) is None, "a derivative was simplified by SymPy"
    for _ in range(5):
        at = {"x": rng.uniform(*domain), "y": rng.uniform(*domain)}
        if abs(at["x"] - at["y"]) < 1e-3 or abs(at["x"] - round(at["x"])) < 1e-3:
            continue  # keep clear of kinks (max, select, floor)
        for s in (x, y):
            want = _numeric(expr, at, s)
            got = float(evaluate(grads[s], at))
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=f"d/d{s}")


def test_the_seed_scales_every_adjoint():
    expr = parse_expr("x * y + sin(x)", frozenset({"x", "y"}))
    g = value("g")
    grads = vjp(expr, [x, y], g)
    at = {"x": 0.7, "y": -1.3, "g": 2.5}
    assert float(evaluate(grads[x], at)) == pytest.approx(2.5 * (-1.3 + np.cos(0.7)))
    assert float(evaluate(grads[y], at)) == pytest.approx(2.5 * 0.7)


def test_an_unused_symbol_gets_zero_and_flat_functions_give_zero():
    expr = parse_expr("floor(x) + sign(x) + ceil(x)", frozenset({"x", "y"}))
    grads = vjp(expr, [x, y], X.literal(1.0))
    assert float(evaluate(grads[x], {"x": 1.5})) == 0.0
    assert X.const_value(grads[y]) == 0.0


def test_conventions_at_kinks_are_jax_ones():
    # abs'(0) = sign(0) = 0; maximum/minimum give a tie to the first operand
    expr = parse_expr("abs(x) + max(x, y) + 3.0 * min(x, y)", frozenset({"x", "y"}))
    grads = vjp(expr, [x, y], X.literal(1.0))
    at = {"x": 0.0, "y": 0.0}
    assert float(evaluate(grads[x], at)) == 4.0
    assert float(evaluate(grads[y], at)) == 0.0


def test_a_shared_subexpression_is_one_node():
    # z = x * y used twice: the adjoint of x is 2 * z * y, built from one z
    expr = parse_expr("(x * y) * (x * y)", frozenset({"x", "y"}))
    grads = vjp(expr, [x], X.literal(1.0))
    assert float(evaluate(grads[x], {"x": 1.5, "y": 2.0})) == pytest.approx(2 * 3.0 * 2.0)


def test_complex_values_are_not_differentiated():
    expr = parse_expr("real(x) * y", frozenset({"x", "y"}))
    with pytest.raises(UnsupportedError, match="complex"):
        vjp(expr, [x, y], X.literal(1.0))
