"""Exact value expressions (`sluice.ir.exact`): kept as written, printed with the
parentheses that parse back to the same tree, evaluated with NumPy's semantics."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest
import sympy

import sluice.ir as ir
from sluice.errors import VerificationError
from sluice.ir import exact as X
from sluice.ir import symbolic as S
from sluice.ir.text import parse_expr

VALUES = frozenset("abcxz")
SPECIAL = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e308, 5e-324, -1.5, 3.0, 0.1, 7.0, -2.0]


@pytest.mark.parametrize("src", [
    "(a % b) * c", "c * (a // b)", "a % (b * c)", "(a - b) - c", "a - (b - c)",
    "a / (b * c)", "(a / b) * c", "a / b / c", "-(a ** 2)", "(-a) ** 2", "a ** (b ** c)",
    "(a ** b) ** c", "abs(abs(x * 0.5))", "not (a > b)", "(a < b) == (b < c)",
    "a and (b or c)", "(a and b) or c", "a * -0.0", "-0.0 - a", "a + nan", "a * -inf",
    "complex(-0.0, 1.5) * z", "2j * z", "max(max(a, b), c)", "-a - -b", "a - -1e-300",
])
def test_text_round_trip_keeps_the_tree(src):
    e = parse_expr(src, VALUES)
    printed = S.to_text(e)
    again = parse_expr(printed, VALUES)
    assert again == e, f"{src!r} printed as {printed!r} parses to {S.to_text(again)!r}"
    assert S.to_text(again) == printed


def _bits(v) -> tuple:
    v = complex(v)
    return tuple((math.copysign(1.0, p), p) if not math.isnan(p) else ("nan",)
                 for p in (v.real, v.imag))


NUMPY_MEANING = {
    "(a % b) * c": lambda a, b, c: np.mod(a, b) * c,
    "c * (a // b)": lambda a, b, c: c * np.floor_divide(a, b),
    "a - (b - c)": lambda a, b, c: a - (b - c),
    "a / (b * c)": lambda a, b, c: a / (b * c),
    "a * b / b": lambda a, b, c: a * b / b,
    "a - a": lambda a, b, c: a - a,
    "(a + b) - a": lambda a, b, c: (a + b) - a,
    "0.1 * (a + b)": lambda a, b, c: 0.1 * (a + b),
    "a != a": lambda a, b, c: a != a,
    "not (a > 0)": lambda a, b, c: np.logical_not(a > 0),
    "exp(log(a))": lambda a, b, c: np.exp(np.log(a)),
    "a / 0.0": lambda a, b, c: a / 0.0,
    "(a + 1e16) - 1e16": lambda a, b, c: (a + 1e16) - 1e16,
    "a * 0.0": lambda a, b, c: a * 0.0,
}


@pytest.mark.parametrize("src", sorted(NUMPY_MEANING))
def test_printed_text_evaluates_like_numpy(src):
    e = parse_expr(src, VALUES)
    again = parse_expr(S.to_text(e), VALUES)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for a, b, c in itertools.product(SPECIAL, repeat=3):
            env = {"a": np.float64(a), "b": np.float64(b), "c": np.float64(c)}
            want = NUMPY_MEANING[src](env["a"], env["b"], env["c"])
            got = S.evaluate(e, env)
            assert _bits(got) == _bits(S.evaluate(again, env))
            assert _bits(got) == _bits(want), f"{src} at {(a, b, c)}: {got} != {want}"


def test_constants_keep_their_bits():
    assert X.Const(-0.0) != X.Const(0.0)
    assert X.Const(math.nan) == X.Const(math.nan)
    assert hash(X.Const(math.nan)) == hash(X.Const(math.nan))
    assert S.to_text(X.Const(-0.0)) == "-0.0"
    e = parse_expr("a * -0.0 + nan", VALUES)
    assert S.to_text(e) == "a * -0.0 + nan"
    assert math.copysign(1.0, S.evaluate(parse_expr("-0.0", VALUES), {})) == -1.0


def test_integer_index_arithmetic_still_simplifies():
    i, n = S.symbol("i"), S.symbol("N")
    assert X.sub(X.add(i, 1), 1) == i
    assert isinstance(X.compare(X.Lt2, i, n), sympy.StrictLessThan)
    assert X.truediv(i, 2) == X.Div2(i, sympy.Integer(2))  # true division is a value
    assert isinstance(X.power(i, -1), X.Pow2)  # NumPy refuses negative integer powers


def test_verifier_rejects_sympy_arithmetic_over_values():
    b = ir.ProgramBuilder("p")
    b.arg("x", "float64", ["N"])
    b.arg("y", "float64", ["N"])
    with b.state("s") as s:
        s.map({"i": "0:N"}, "o = v", inputs={"v": "x[i]"}, outputs={"o": "y[i]"})
    p = b.build()
    tasklet = next(n for st in p.body.states() for n, _ in st.graph.walk()
                   if isinstance(n, ir.Tasklet))
    tasklet.code = [("o", sympy.Add(S.value("v"), sympy.Integer(1)))]
    with pytest.raises(VerificationError, match="inexact-value|SymPy"):
        p.verify()


def test_value_expressions_pickle():
    # Programs travel to worker processes and caches pickled.
    import pickle

    e = parse_expr("a * -0.0 + nan - max(a, 1e-300) + exp(a) < 2 and not (b != b)", VALUES)
    again = pickle.loads(pickle.dumps(e))
    assert again == e and S.to_text(again) == S.to_text(e)


def test_index_products_print_their_floor_divisions_in_parentheses():
    a, n = S.symbol("a_0"), S.symbol("N")
    for e in (3 * S.FloorDiv(a, 3), n * S.FloorDiv(a, 3), 5 * sympy.Mod(a, 3),
              S.FloorDiv(a, 3) * S.FloorDiv(n, 2)):
        text = S.to_text(e)
        assert parse_expr(text) == e, f"{e} printed as {text!r}"


def test_exact_index_divisions_fold():
    n = S.symbol("N")
    assert S.FloorDiv(3 * n, 3) == n
    assert isinstance(S.FloorDiv(n, 3), S.FloorDiv)
