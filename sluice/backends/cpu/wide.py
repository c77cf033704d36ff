"""C++ for `fits_int64(e)`: the integer expression `e` computed as Python computes it.

Python ints are int64 in compiled code; where an integer result may leave int64 the frontend
requires `fits_int64(e) == 1`. Computing `e` with int64 arithmetic would wrap and always
"fit", so `e` is computed with the prelude's `sl::w*` helpers on `__int128`, which saturate
at +-2**100: every value beyond int64 stays beyond it. The expression arrives as IR text
(how the NumPy printer spells `fits_int64`), whose Python syntax is parsed here.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping

from sluice.errors import UnsupportedError

_BINARY = {ast.Add: "sl::wadd", ast.Sub: "sl::wsub", ast.Mult: "sl::wmul",
           ast.Pow: "sl::wpow", ast.FloorDiv: "sl::wfloordiv", ast.Mod: "sl::wmod",
           ast.LShift: "sl::wshl", ast.RShift: "sl::wshr"}
# Bitwise operations of int64 values stay in int64 (each operand was checked before).
_BITWISE = {ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^"}
_CALLS = {"max": "sl::wmax", "min": "sl::wmin", "abs": "sl::wabs"}
_COMPARE = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==",
            ast.NotEq: "!="}


def fits_int64(text: str, names: Mapping[str, str]) -> str:
    """C++ (an int64_t 0 or 1) saying whether the IR integer expression `text` fits int64;
    `names` maps its symbols to C++ expressions of their int64 values."""
    return f"sl::fits_int64({_Wide(names).visit(ast.parse(text, mode='eval').body)})"


class _Wide:
    def __init__(self, names: Mapping[str, str]) -> None:
        self.names = names

    def fail(self, what: str) -> UnsupportedError:
        return UnsupportedError(f"the CPU backend cannot check {what} against int64")

    def visit(self, n: ast.AST) -> str:
        m: Callable[[ast.AST], str] | None = getattr(self, "visit_" + type(n).__name__, None)
        if m is None:
            raise self.fail(f"expression syntax {type(n).__name__}")
        return m(n)

    def visit_Name(self, n: ast.Name) -> str:  # noqa: N802 - ast visitor naming
        if n.id in ("True", "False"):
            return "1" if n.id == "True" else "0"
        if n.id not in self.names:
            raise self.fail(f"'{n.id}', which has no value here,")
        return f"static_cast<sl::wide>({self.names[n.id]})"

    def visit_Constant(self, n: ast.Constant) -> str:  # noqa: N802
        if isinstance(n.value, bool) or not isinstance(n.value, int):
            raise self.fail(f"constant {n.value!r}")
        v = max(-2**100, min(2**100, n.value))
        if -2**62 < v < 2**62:
            return f"static_cast<sl::wide>({v}LL)"
        return f"(static_cast<sl::wide>({v // 2**62}LL) * (1LL << 62) + {v % 2**62}LL)"

    def visit_UnaryOp(self, n: ast.UnaryOp) -> str:  # noqa: N802
        a = self.visit(n.operand)
        if isinstance(n.op, ast.USub):
            return f"sl::wneg({a})"
        if isinstance(n.op, ast.Not):
            return f"static_cast<sl::wide>(!({a}))"
        if isinstance(n.op, ast.Invert):
            return f"(-1 - {a})"
        raise self.fail(f"operator {type(n.op).__name__}")

    def visit_BinOp(self, n: ast.BinOp) -> str:  # noqa: N802
        a, b = self.visit(n.left), self.visit(n.right)
        if type(n.op) in _BINARY:
            return f"{_BINARY[type(n.op)]}({a}, {b})"
        if type(n.op) in _BITWISE:
            return (f"static_cast<sl::wide>(static_cast<int64_t>({a}) {_BITWISE[type(n.op)]} "
                    f"static_cast<int64_t>({b}))")
        raise self.fail(f"operator {type(n.op).__name__}")

    def visit_Compare(self, n: ast.Compare) -> str:  # noqa: N802
        if len(n.ops) != 1 or type(n.ops[0]) not in _COMPARE:
            raise self.fail("this comparison")
        a, b = self.visit(n.left), self.visit(n.comparators[0])
        return f"static_cast<sl::wide>({a} {_COMPARE[type(n.ops[0])]} {b})"

    def visit_BoolOp(self, n: ast.BoolOp) -> str:  # noqa: N802
        op = " && " if isinstance(n.op, ast.And) else " || "
        return "static_cast<sl::wide>(" + op.join(f"({self.visit(v)} != 0)"
                                                  for v in n.values) + ")"

    def visit_Call(self, n: ast.Call) -> str:  # noqa: N802
        name = n.func.id if isinstance(n.func, ast.Name) else None
        args = [self.visit(a) for a in n.args]
        if name in _CALLS and len(args) == 2 - (name == "abs"):
            return f"{_CALLS[name]}({', '.join(args)})"
        if name in ("max", "min") and len(args) > 2:
            out = args[0]
            for a in args[1:]:
                out = f"{_CALLS[name]}({out}, {a})"
            return out
        if name == "select" and len(args) == 3:
            return f"(({args[0]}) != 0 ? ({args[1]}) : ({args[2]}))"
        if name == "floordiv" and len(args) == 2:
            return f"sl::wfloordiv({args[0]}, {args[1]})"
        if name == "int64" and len(args) == 1:  # the value as int64 holds it (wrapping)
            return f"static_cast<sl::wide>(static_cast<int64_t>({args[0]}))"
        raise self.fail(f"function {name}")
