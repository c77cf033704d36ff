"""`fits_int64(e)` evaluated in Python: the integer expression `e` computed as Python
computes ints, saturated at +-2**100 like the CPU backend's `sl::w*` helpers (so that
`x ** y` with a huge exponent costs a few steps, not all of memory)."""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable, Mapping

from sluice.errors import ExecutionError

WIDE_MAX = 2**100
INT64_MIN, INT64_MAX = -2**63, 2**63 - 1


class _NotInteger(Exception):
    """An expression `fits_int64` cannot compute as Python ints."""


def _clamp(v: int) -> int:
    return max(-WIDE_MAX, min(WIDE_MAX, v))


def _pow(a: int, b: int) -> int:
    if b < 0:
        return 0  # (a negative exponent is refused before the result is checked)
    if a in (0, 1, -1):
        return a ** b
    return _clamp(a ** min(b, 101))  # |a| >= 2: beyond 2**100 after 101 steps


def _shl(a: int, b: int) -> int:
    return 0 if a == 0 or b < 0 else _clamp(a << min(b, 101))


def _floordiv(a: int, b: int) -> int:
    return 0 if b == 0 else a // b


def _mod(a: int, b: int) -> int:
    return 0 if b == 0 else a % b


_BINARY: dict[type, Callable[[int, int], int]] = {
    ast.Add: lambda a, b: _clamp(a + b), ast.Sub: lambda a, b: _clamp(a - b),
    ast.Mult: lambda a, b: _clamp(a * b), ast.Pow: _pow, ast.FloorDiv: _floordiv,
    ast.Mod: _mod, ast.LShift: _shl, ast.RShift: lambda a, b: a >> min(b, 127) if b >= 0 else 0,
    ast.BitAnd: lambda a, b: a & b, ast.BitOr: lambda a, b: a | b,
    ast.BitXor: lambda a, b: a ^ b,
}
_COMPARE: dict[type, Callable[[int, int], bool]] = {
    ast.Lt: int.__lt__, ast.LtE: int.__le__, ast.Gt: int.__gt__, ast.GtE: int.__ge__,
    ast.Eq: int.__eq__, ast.NotEq: int.__ne__,
}


@functools.lru_cache(maxsize=1024)
def _parse(text: str) -> ast.AST:
    return ast.parse(text, mode="eval").body


def unsupported(text: str) -> str | None:
    """Why `text` is not an integer expression `fits_int64` can evaluate, or None."""
    try:
        _eval(_parse(text), _ANY_VALUE)
    except SyntaxError as err:
        return f"fits_int64 of {text!r}: {err.msg}"
    except _NotInteger as err:
        return str(err)
    return None



class _AnyValue(dict):
    """Every name is 1: enough to walk an expression and see that it is evaluable."""

    def __missing__(self, key: str) -> int:
        return 1


_ANY_VALUE = _AnyValue()


def fits_int64(text: str, env: Mapping[str, int]) -> int:
    """1 when the IR integer expression `text` lies in int64 for symbol values `env`."""
    try:
        v = _eval(_parse(text), {k: int(x) for k, x in env.items()})
    except _NotInteger as err:  # (the verifier refuses such programs first)
        raise ExecutionError(str(err)) from None
    return int(INT64_MIN <= v <= INT64_MAX)


def _eval(n: ast.AST, env: Mapping[str, int]) -> int:  # noqa: C901 - one case per syntax
    if isinstance(n, ast.Name):
        if n.id in ("True", "False"):
            return int(n.id == "True")
        return env[n.id]
    if isinstance(n, ast.Constant) and isinstance(n.value, int):
        return _clamp(int(n.value))
    if isinstance(n, ast.UnaryOp):
        a = _eval(n.operand, env)
        if isinstance(n.op, ast.USub):
            return -a
        if isinstance(n.op, ast.Not):
            return int(not a)
        if isinstance(n.op, ast.Invert):
            return ~a
    if isinstance(n, ast.BinOp) and type(n.op) in _BINARY:
        return _BINARY[type(n.op)](_eval(n.left, env), _eval(n.right, env))
    if isinstance(n, ast.Compare) and len(n.ops) == 1 and type(n.ops[0]) in _COMPARE:
        return int(_COMPARE[type(n.ops[0])](_eval(n.left, env), _eval(n.comparators[0], env)))
    if isinstance(n, ast.BoolOp):
        vals = [_eval(v, env) != 0 for v in n.values]
        return int(all(vals) if isinstance(n.op, ast.And) else any(vals))
    if isinstance(n, ast.Call) and isinstance(n.func, ast.Name):
        args = [_eval(a, env) for a in n.args]
        name = n.func.id
        if name in ("max", "min") and len(args) >= 2:
            return max(args) if name == "max" else min(args)
        if name == "abs" and len(args) == 1:
            return abs(args[0])
        if name == "select" and len(args) == 3:
            return args[1] if args[0] else args[2]
        if name == "floordiv" and len(args) == 2:
            return _floordiv(*args)
        if name == "int64" and len(args) == 1:
            return (args[0] + 2**63) % 2**64 - 2**63
    raise _NotInteger(f"fits_int64 takes integer arithmetic over int symbols, not "
                      f"{ast.unparse(n)}")
