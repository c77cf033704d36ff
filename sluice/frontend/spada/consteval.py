"""Compile-time evaluation of `.sptl` expressions: literals, operators and built-ins.

Integer arithmetic follows the target (C/CSL): `/` between integers truncates toward zero and
`%` takes the sign of the dividend. Booleans take part only in logic and (in)equality, so
folding never hides a type error that `check` should report.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from sluice.frontend.spada import ast

Const = int | float | bool

# name -> (min args, max args, implementation). Casts (f32(...) etc.) are handled apart.
BUILTINS: dict[str, tuple[int, int, Callable[..., Const]]] = {
    "sqrt": (1, 1, math.sqrt),
    "exp": (1, 1, math.exp),
    "log": (1, 1, math.log),
    "log2": (1, 1, math.log2),
    "sin": (1, 1, math.sin),
    "cos": (1, 1, math.cos),
    "tanh": (1, 1, math.tanh),
    "fabs": (1, 1, math.fabs),
    "floor": (1, 1, math.floor),
    "ceil": (1, 1, math.ceil),
    "abs": (1, 1, abs),
    "min": (2, 8, min),
    "max": (2, 8, max),
    "pow": (2, 2, math.pow),
    "fmac": (3, 3, lambda a, b, c: a + b * c),  # SpaDA's one expression call (E12.2)
}
# Built-ins whose result is a float whatever the argument (the others follow the argument).
FLOAT_BUILTINS = {"sqrt", "exp", "log", "log2", "sin", "cos", "tanh", "fabs", "pow"}


class EvalError(Exception):
    """Folding failed (division by zero, domain error); `check`/`bind` report it."""


def literal(value: Const, pos: ast.Pos = ast.NOPOS) -> ast.Expr:
    if isinstance(value, bool):
        return ast.BoolLit(value, pos=pos)
    if isinstance(value, int):
        return ast.IntLit(value, pos=pos)
    return ast.FloatLit(float(value), pos=pos)


def value_of(e: ast.Expr) -> Const | None:
    """The value of a literal (or negated literal), else None."""
    if isinstance(e, ast.IntLit | ast.FloatLit | ast.BoolLit):
        return e.value
    if isinstance(e, ast.Unary) and e.op == "-":
        inner = e.operand
        if isinstance(inner, ast.IntLit | ast.FloatLit):
            return -inner.value
    return None


def _is_num(v: Const) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _int_div(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def unary(op: str, a: Const) -> Const | None:
    if op == "not":
        return (not a) if isinstance(a, bool) else None
    if not _is_num(a):
        return None
    if op == "-":
        return -a
    if op == "+":
        return a
    if op == "~" and isinstance(a, int):
        return ~a
    return None


def binary(op: str, a: Const, b: Const) -> Const | None:
    """The folded value, or None where folding would paper over a type error."""
    if op in ("and", "or"):
        if isinstance(a, bool) and isinstance(b, bool):
            return (a and b) if op == "and" else (a or b)
        return None
    if op in ("==", "!="):
        if isinstance(a, bool) != isinstance(b, bool):
            return None
        return (a == b) if op == "==" else (a != b)
    if not (_is_num(a) and _is_num(b)):
        return None
    both_int = isinstance(a, int) and isinstance(b, int)
    try:
        match op:
            case "+":
                return a + b
            case "-":
                return a - b
            case "*":
                return a * b
            case "/":
                if b == 0:
                    raise EvalError("division by zero")
                return _int_div(a, b) if both_int else a / b
            case "%":
                if not both_int:
                    return None
                if b == 0:
                    raise EvalError("modulo by zero")
                return a - b * _int_div(a, b)
            case "**":
                if both_int and b < 0:
                    raise EvalError("negative integer exponent")
                if both_int and b > 4096:
                    raise EvalError("exponent too large to fold")
                return a**b
            case "<":
                return a < b
            case ">":
                return a > b
            case "<=":
                return a <= b
            case ">=":
                return a >= b
        if not both_int:
            return None
        match op:
            case "&":
                return a & b
            case "|":
                return a | b
            case "^":
                return a ^ b
            case "<<" | ">>":
                if b < 0 or b > 64:
                    raise EvalError(f"shift by {b} is out of range")
                return a << b if op == "<<" else a >> b
    except OverflowError as err:
        raise EvalError("value too large") from err
    return None


def call(func: str, args: list[Const]) -> Const | None:
    if func in ast.SCALAR_TYPES:
        (a,) = args
        if func == "bool":
            return None
        if func.startswith("f"):
            return float(a) if _is_num(a) else None
        return int(a) if _is_num(a) else None
    spec = BUILTINS.get(func)
    if spec is None or not all(_is_num(a) for a in args):
        return None
    lo, hi, fn = spec
    if not lo <= len(args) <= hi:
        return None
    try:
        out = fn(*args)
    except (ValueError, OverflowError) as err:
        raise EvalError(f"{func}{tuple(args)} cannot be evaluated: {err}") from err
    if func in FLOAT_BUILTINS or (func in ("floor", "ceil") and isinstance(args[0], float)):
        return float(out)  # C semantics: floor/ceil of a float stay floats
    return out


def evaluate(e: ast.Expr, env: Mapping[str, Const]) -> Const | None:
    """The value of `e` if it is constant given `env`, else None (never raises on types)."""
    match e:
        case ast.IntLit() | ast.FloatLit() | ast.BoolLit():
            return e.value
        case ast.Name(id=n):
            return env.get(n)
        case ast.Unary(op=op, operand=a):
            va = evaluate(a, env)
            return None if va is None else unary(op, va)
        case ast.Binary(op=op, left=a, right=b):
            va = evaluate(a, env)
            if va is None:
                return None
            if op in ("and", "or") and isinstance(va, bool):
                # Short-circuit: `x > 0 and buf[0] > 1` is decided on PE x == 0.
                if (op == "and" and not va) or (op == "or" and va):
                    return va
            vb = evaluate(b, env)
            return None if vb is None else binary(op, va, vb)
        case ast.Ternary(then=t, cond=c, else_=f):
            vc = evaluate(c, env)
            if not isinstance(vc, bool):
                return None
            return evaluate(t if vc else f, env)
        case ast.Call(func=f, args=args):
            vals = [evaluate(a, env) for a in args]
            if any(v is None for v in vals) or (f in ast.SCALAR_TYPES and len(vals) != 1):
                return None
            return call(f, vals)  # type: ignore[arg-type]
    return None
