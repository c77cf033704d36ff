"""SymPy expressions of the IR as CSL model expressions (`model.Expr`).

Only what CSL's scalar expressions can say is accepted: arithmetic, comparisons, logic,
integer `%` and `/`, casts. Anything else raises `UnsupportedError` naming it.
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy
from sympy.logic.boolalg import BooleanFalse, BooleanTrue

from sluice.csl import model as m
from sluice.errors import UnsupportedError
from sluice.ir import exact as X
from sluice.ir import symbolic as S

_REL = {sympy.StrictLessThan: "<", sympy.LessThan: "<=", sympy.StrictGreaterThan: ">",
        sympy.GreaterThan: ">=", sympy.Equality: "==", sympy.Unequality: "!="}
_CASTS = {"float32": "f32", "float16": "f16", "int16": "i16", "int32": "i32",
          "uint16": "u16", "uint32": "u32"}


_EXACT_BINARY = {X.Add2: "+", X.Sub2: "-", X.Mul2: "*", X.Div2: "/", X.Mod2: "%",
                 X.Lt2: "<", X.Le2: "<=", X.Gt2: ">", X.Ge2: ">=", X.Eq2: "==", X.Ne2: "!=",
                 X.And2: "and", X.Or2: "or"}


def _exact(e: X.Exact, env: Mapping[str, m.Expr]) -> m.Expr:
    """An exact value operation, one CSL operation for each of the user's."""
    op = _EXACT_BINARY.get(type(e))
    if op is not None:
        return m.BinOp(op, to_csl(e.args[0], env), to_csl(e.args[1], env))
    if isinstance(e, X.Neg):
        return m.UnOp("-", to_csl(e.args[0], env))
    if isinstance(e, X.Not1):
        return m.UnOp("!", to_csl(e.args[0], env))
    if isinstance(e, X.Pow2):
        return _power(e.args[0], e.args[1], env)
    raise UnsupportedError(f"'{S.to_text(e)}' has no CSL equivalent in the emitted subset")


def _power(base: sympy.Basic, exp: sympy.Basic, env: Mapping[str, m.Expr]) -> m.Expr:
    if exp == -1:
        return m.BinOp("/", m.Lit(1.0), to_csl(base, env))
    if isinstance(exp, sympy.Integer) and 1 <= int(exp) <= 4:
        b = to_csl(base, env)
        out = b
        for _ in range(int(exp) - 1):
            out = m.BinOp("*", out, b)
        return out
    raise UnsupportedError(f"power '{S.to_text(base)} ** {S.to_text(exp)}' has no CSL "
                           "equivalent in the emitted subset")


def to_csl(e: sympy.Basic, env: Mapping[str, m.Expr]) -> m.Expr:
    """`e` with its symbols replaced by `env[name]` (connectors, loop variables, scalars)."""
    if isinstance(e, X.Const):
        if isinstance(e.value, complex):
            raise UnsupportedError("complex constants have no CSL type")
        return m.Lit(e.value)
    if isinstance(e, X.Exact):
        return _exact(e, env)
    if isinstance(e, BooleanTrue):
        return m.Lit(True)
    if isinstance(e, BooleanFalse):
        return m.Lit(False)
    if isinstance(e, sympy.Integer):
        return m.Lit(int(e))
    if isinstance(e, sympy.Float | sympy.Rational):
        return m.Lit(float(e))
    if isinstance(e, sympy.Symbol):
        if e.name not in env:
            raise UnsupportedError(f"symbol '{e.name}' has no value on the PE")
        return env[e.name]
    if isinstance(e, sympy.Add):
        return _add(e, env)
    if isinstance(e, sympy.Mul):
        return _mul(e, env)
    if isinstance(e, sympy.Pow):
        return _power(e.args[0], e.args[1], env)
    for cls, op in _REL.items():
        if isinstance(e, cls):
            return m.BinOp(op, to_csl(e.args[0], env), to_csl(e.args[1], env))
    if isinstance(e, sympy.And | sympy.Or):
        op = "and" if isinstance(e, sympy.And) else "or"
        args = [to_csl(a, env) for a in e.args]
        out = args[0]
        for a in args[1:]:
            out = m.BinOp(op, out, a)
        return out
    if isinstance(e, sympy.Not):
        return m.UnOp("!", to_csl(e.args[0], env))
    if isinstance(e, sympy.Mod):
        return m.BinOp("%", to_csl(e.args[0], env), to_csl(e.args[1], env))
    if isinstance(e, S.FloorDiv):
        return m.BinOp("/", to_csl(e.args[0], env), to_csl(e.args[1], env))
    if isinstance(e, S.Cast):
        name = type(e).__name__
        if name not in _CASTS:
            raise UnsupportedError(f"cast '{name}' has no CSL type")
        return m.Cast(_CASTS[name], to_csl(e.args[0], env))
    raise UnsupportedError(f"expression '{e}' ({type(e).__name__}) cannot be lowered to CSL")


def _add(e: sympy.Add, env: Mapping[str, m.Expr]) -> m.Expr:
    out: m.Expr | None = None
    for t in e.as_ordered_terms():
        neg = t.could_extract_minus_sign()
        if out is None:
            out = to_csl(t, env)
            continue
        v = to_csl(-t if neg else t, env)
        out = m.BinOp("-" if neg else "+", out, v)
    assert out is not None
    return out


def _mul(e: sympy.Mul, env: Mapping[str, m.Expr]) -> m.Expr:
    coeff, factors = e.as_coeff_mul()
    num: list[m.Expr] = []
    den: list[m.Expr] = []
    for f in factors:
        if isinstance(f, sympy.Pow) and f.args[1] == -1:
            den.append(to_csl(f.args[0], env))
        else:
            num.append(to_csl(f, env))
    neg = coeff < 0
    c = -coeff if neg else coeff
    if c != 1:
        num.insert(0, to_csl(c, env))
    out = num[0] if num else m.Lit(1.0)
    for f in num[1:]:
        out = m.BinOp("*", out, f)
    for d in den:
        out = m.BinOp("/", out, d)
    return m.UnOp("-", out) if neg else out


def names_in(e: m.Expr) -> set[str]:
    """Field and variable names an expression reads."""
    if isinstance(e, m.Name):
        return {e.id}
    if isinstance(e, m.Index):
        return {e.array} | names_in(e.index)
    if isinstance(e, m.BinOp):
        return names_in(e.lhs) | names_in(e.rhs)
    if isinstance(e, m.UnOp | m.Cast):
        return names_in(e.operand if isinstance(e, m.UnOp) else e.value)
    return set()


def arrays_in(e: m.Expr) -> set[str]:
    """Arrays an expression indexes."""
    if isinstance(e, m.Index):
        return {e.array} | arrays_in(e.index)
    if isinstance(e, m.BinOp):
        return arrays_in(e.lhs) | arrays_in(e.rhs)
    if isinstance(e, m.UnOp):
        return arrays_in(e.operand)
    if isinstance(e, m.Cast):
        return arrays_in(e.value)
    return set()
