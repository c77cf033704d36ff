"""Python code inside an SDFG (tasklets, conditions, symbolic ranges, wcr lambdas) as IR values.

Tasklet arithmetic goes through the Python frontend's typed operators (`frontend.python.ops`),
so the IR keeps every operation as written with explicit casts. Index expressions (map ranges,
memlet subsets, loop bounds) are plain SymPy integer arithmetic.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any

import numpy as np
import sympy

from sluice.frontend.python import ops, ufunc_types
from sluice.frontend.python.values import Sym, const
from sluice.ir import exact as X
from sluice.ir.dtypes import DType
from sluice.ir.symbolic import FloorDiv, Select, symbol, value


class CodeError(Exception):
    """Why a piece of SDFG code cannot be imported (the caller names the node)."""


# DaCe's type names (typeclass `to_string` spellings) -> sluice types.
DTYPES = {d.value: d for d in DType} | {"bool_": DType.bool, "float": DType.float32,
                                         "double": DType.float64}


def dtype_of(name: Any) -> DType:
    dt = DTYPES.get(str(name))
    if dt is None:
        raise CodeError(f"element type {name!r} has no sluice counterpart")
    return dt


# --- index expressions ------------------------------------------------------------------

# Symbols that stand for a sluice expression (an SDFG sluice exported renames and derives
# some: `sdfg_import_own`), set while such an SDFG is imported.
SUBST: ContextVar[Mapping[str, sympy.Basic] | None] = ContextVar("sluice_sdfg_subst",
                                                                 default=None)


# And expressions that stand for another (the exporter's Min/Max for a select).
REWRITES: ContextVar[Mapping[sympy.Basic, sympy.Basic] | None] = ContextVar(
    "sluice_sdfg_rewrites", default=None)


def _subst() -> Mapping[str, sympy.Basic]:
    return SUBST.get() or {}


def rewritten(e: sympy.Basic) -> sympy.Basic:
    """`e` with the expressions of REWRITES replaced."""
    rw = REWRITES.get()
    return e.xreplace(dict(rw)) if rw and isinstance(e, sympy.Basic) else e

_INDEX_CALLS: dict[str, Callable[..., Any]] = {
    "Min": sympy.Min, "min": sympy.Min, "Max": sympy.Max, "max": sympy.Max,
    "Abs": sympy.Abs, "abs": sympy.Abs,
    "int_floor": lambda a, b: FloorDiv(a, b),
    "int_ceil": lambda a, b: -FloorDiv(-a, b),
    "floor": lambda a: a, "ceiling": lambda a: a, "int": lambda a: a,
}
_INDEX_OPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
    ast.FloorDiv: lambda a, b: FloorDiv(a, b), ast.Mod: lambda a, b: sympy.Mod(a, b),
    ast.Pow: lambda a, b: a ** b,
}
_INDEX_CMP = {ast.Lt: sympy.Lt, ast.LtE: sympy.Le, ast.Gt: sympy.Gt, ast.GtE: sympy.Ge,
              ast.Eq: sympy.Eq, ast.NotEq: sympy.Ne}


def index_expr(text: Any) -> sympy.Basic:
    """An integer SymPy expression from DaCe's text of a size, range bound or index."""
    if isinstance(text, int | bool):
        return sympy.Integer(int(text))
    try:
        tree = ast.parse(str(text).strip(), mode="eval").body
    except SyntaxError:
        raise CodeError(f"cannot read the expression {text!r}") from None
    return rewritten(_index(tree))


def _index(n: ast.expr) -> sympy.Basic:
    if isinstance(n, ast.Constant) and isinstance(n.value, int):
        return sympy.Integer(int(n.value))
    if isinstance(n, ast.Name):
        return _subst().get(n.id, symbol(n.id))
    if isinstance(n, ast.BinOp) and type(n.op) in _INDEX_OPS:
        return _INDEX_OPS[type(n.op)](_index(n.left), _index(n.right))
    if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub):
        return -_index(n.operand)
    if isinstance(n, ast.Compare) and len(n.ops) == 1 and type(n.ops[0]) in _INDEX_CMP:
        return _INDEX_CMP[type(n.ops[0])](_index(n.left), _index(n.comparators[0]))
    if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in _INDEX_CALLS \
            and not n.keywords:
        return _INDEX_CALLS[n.func.id](*(_index(a) for a in n.args))
    raise CodeError(f"'{ast.unparse(n)}' is not an integer expression sluice can read")


# --- write-conflict resolution ------------------------------------------------------------

_WCR_BINOPS = {ast.Add: "+", ast.Mult: "*", ast.Sub: "-"}


def wcr_op(text: str) -> str:
    """`+`, `*`, `max`, `min` (or `-`, which callers rewrite) from a wcr lambda's text."""
    try:
        lam = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        raise CodeError(f"cannot read the write-conflict resolution {text!r}") from None
    if isinstance(lam, ast.Lambda) and len(lam.args.args) == 2:
        x, y = (a.arg for a in lam.args.args)
        body = _nan_first(lam.body, x, y)
        args = None
        if isinstance(body, ast.BinOp) and type(body.op) in _WCR_BINOPS:
            args, op = (body.left, body.right), _WCR_BINOPS[type(body.op)]
        elif isinstance(body, ast.Call) and isinstance(body.func, ast.Name) \
                and body.func.id in ("max", "min") and len(body.args) == 2:
            args, op = tuple(body.args), body.func.id
        if args is not None and all(isinstance(a, ast.Name) for a in args):
            names = tuple(a.id for a in args)
            if names == (x, y) or (names == (y, x) and op != "-"):
                return op
    raise CodeError(f"write-conflict resolution {text} is not one of + * max min")


def _nan_first(body: ast.expr, x: str, y: str) -> ast.expr:
    """`max(a, b)` from `a if a != a else (b if b != b else max(a, b))`: max or min that
    propagates NaN as NumPy's (and sluice's) do; any other body as it is."""
    def is_nan(n: ast.expr, name: str) -> bool:
        return (isinstance(n, ast.Compare) and len(n.ops) == 1 and isinstance(n.ops[0], ast.NotEq)
                and ast.unparse(n.left) == name == ast.unparse(n.comparators[0]))

    if (isinstance(body, ast.IfExp) and is_nan(body.test, x) and ast.unparse(body.body) == x
            and isinstance(body.orelse, ast.IfExp) and is_nan(body.orelse.test, y)
            and ast.unparse(body.orelse.body) == y):
        return body.orelse.orelse
    return body


# --- typed values ---------------------------------------------------------------------------

def _math_rule(ufunc: np.ufunc, fn: Callable[..., Any]) -> Callable[..., Any]:
    """A NumPy function on typed values, computed in the types of NumPy's loop."""
    def rule(*xs: Any) -> Any:
        ins, dtype = ufunc_types.loop_types(ufunc, list(xs))
        return ops.elementwise(fn, ops.loop_cast(list(xs), ins), dtype)
    return rule


def _call(name: str) -> Callable[..., Any]:
    return lambda *a: X.call(name, *a)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    name: _math_rule(getattr(np, np_name), _call(name)) for name, np_name in [
        ("exp", "exp"), ("log", "log"), ("sqrt", "sqrt"), ("sin", "sin"), ("cos", "cos"),
        ("tan", "tan"), ("asin", "arcsin"), ("acos", "arccos"), ("atan", "arctan"),
        ("sinh", "sinh"), ("cosh", "cosh"), ("tanh", "tanh"), ("floor", "floor"),
        ("ceil", "ceil"), ("abs", "absolute"), ("atan2", "arctan2"), ("hypot", "hypot")]
} | {
    "arcsin": _math_rule(np.arcsin, _call("asin")), "arccos": _math_rule(np.arccos, _call("acos")),
    "arctan": _math_rule(np.arctan, _call("atan")), "fabs": _math_rule(np.fabs, _call("abs")),
    "absolute": _math_rule(np.absolute, _call("abs")),
    "arctan2": _math_rule(np.arctan2, _call("atan2")),
    "max": _math_rule(np.maximum, _call("max")), "min": _math_rule(np.minimum, _call("min")),
    "maximum": _math_rule(np.maximum, _call("max")),
    "minimum": _math_rule(np.minimum, _call("min")),
    "pow": lambda a, b: ops.binary(ast.Pow, a, b), "power": lambda a, b: ops.binary(ast.Pow, a, b),
}
CASTS = {d.value: d for d in DType} | {"float": DType.float64, "int": DType.int64,
                                        "bool_": DType.bool, "complex": DType.complex128}
CONSTANTS = {"pi": math.pi, "e": math.e, "inf": math.inf, "nan": math.nan}
_MODULES = ("math", "np", "numpy", "dace", "dace.math", "cmath")


def _dotted(n: ast.expr) -> str | None:
    if isinstance(n, ast.Name):
        return n.id
    if isinstance(n, ast.Attribute):
        base = _dotted(n.value)
        return None if base is None else f"{base}.{n.attr}"
    return None


def _function_name(n: ast.expr) -> str | None:
    """`exp` from `exp`, `math.exp`, `np.exp`, `dace.float64`, ..."""
    full = _dotted(n)
    if full is None:
        return None
    module, _, name = full.rpartition(".")
    return name if module in ("",) + _MODULES else None


class Values:
    """Evaluates Python expressions over typed names (`env`: name -> Sym)."""

    def __init__(self, env: Mapping[str, Sym]) -> None:
        self.env = dict(env)

    def ev(self, n: ast.expr) -> Any:
        fn = getattr(self, "ev_" + type(n).__name__.lower(), None)
        if fn is None:
            raise CodeError(f"'{ast.unparse(n)}' ({type(n).__name__}) is not supported")
        return fn(n)

    def ev_constant(self, n: ast.Constant) -> Any:
        if isinstance(n.value, bool | int | float | complex):
            return const(n.value)
        raise CodeError(f"constant {n.value!r} is not a number")

    def ev_name(self, n: ast.Name) -> Any:
        if n.id in self.env:
            return self.env[n.id]
        if n.id in ("True", "False"):
            return const(n.id == "True")
        raise CodeError(f"name '{n.id}' is neither a connector, a local nor a symbol")

    def ev_attribute(self, n: ast.Attribute) -> Any:
        full = _dotted(n)
        module, _, name = (full or "").rpartition(".")
        if module in _MODULES and name in CONSTANTS:
            return const(CONSTANTS[name])
        raise CodeError(f"'{ast.unparse(n)}' is not supported")

    def ev_binop(self, n: ast.BinOp) -> Any:
        if type(n.op) not in ops.BINARY:
            raise CodeError(f"operator in '{ast.unparse(n)}' is not supported")
        return ops.binary(type(n.op), self.ev(n.left), self.ev(n.right))

    def ev_unaryop(self, n: ast.UnaryOp) -> Any:
        return ops.unary(type(n.op), self.ev(n.operand))

    def ev_compare(self, n: ast.Compare) -> Any:
        out = None
        left = self.ev(n.left)
        for op, right_node in zip(n.ops, n.comparators, strict=True):
            if type(op) not in ops.COMPARE:
                raise CodeError(f"comparison in '{ast.unparse(n)}' is not supported")
            right = self.ev(right_node)
            c = ops.compare(type(op), left, right)
            out = c if out is None else self._logic(X.and_, out, c)
            left = right
        return out

    def _logic(self, fn: Callable[..., Any], a: Any, b: Any) -> Any:
        a, b = ops.cast(a, DType.bool), ops.cast(b, DType.bool)
        return ops.elementwise(fn, [a, b], DType.bool, numeric=False)

    def ev_boolop(self, n: ast.BoolOp) -> Any:
        fn = X.and_ if isinstance(n.op, ast.And) else X.or_
        vals = [self.ev(v) for v in n.values]
        out = vals[0]
        for v in vals[1:]:
            out = self._logic(fn, out, v)
        return out

    def ev_ifexp(self, n: ast.IfExp) -> Any:
        c = ops.cast(self.ev(n.test), DType.bool)
        a, b = self.ev(n.body), self.ev(n.orelse)
        dt = ops.promote([a, b])
        a, b = ops.cast(a, dt), ops.cast(b, dt)
        return ops.elementwise(lambda x, y, z: Select(x, y, z), [c, a, b], dt, numeric=False)

    def ev_call(self, n: ast.Call) -> Any:
        name = _function_name(n.func)
        if n.keywords or name is None:
            raise CodeError(f"call '{ast.unparse(n)}' is not supported")
        args = [self.ev(a) for a in n.args]
        if name in CASTS and len(args) == 1:
            return ops.cast(args[0], CASTS[name])
        fn = FUNCTIONS.get(name)
        if fn is None:
            raise CodeError(f"function '{ast.unparse(n.func)}' has no sluice counterpart")
        if name in ("max", "min") and len(args) > 2:
            out = args[0]
            for a in args[1:]:
                out = fn(out, a)
            return out
        return fn(*args)

    def ev_subscript(self, n: ast.Subscript) -> Any:
        raise CodeError(f"'{ast.unparse(n)}' indexes a connector (only one element per "
                        "connector is supported)")


def typed(v: Any) -> tuple[sympy.Basic, DType]:
    return v.expr, v.dtype


def _symbol_env(symbols: Mapping[str, DType]) -> dict[str, Sym]:
    # Symbols are integers of the generated code, like Python ints in the frontend: weak, so
    # that `x_f32 * i` stays float32 as C++ computes it, and `i + 1` stays index arithmetic.
    out = {s: Sym(symbol(s), DType.int64, weak=True) for s in symbols}
    out.update({s: Sym(e, DType.int64, weak=True) for s, e in _subst().items()})
    return out


def tasklet_code(code: str, inputs: Mapping[str, DType], outputs: Mapping[str, DType],
                 symbols: Mapping[str, DType]) -> list[tuple[str, sympy.Basic]]:
    """Tasklet statements -> one `out = expr` per output connector (locals substituted)."""
    try:
        tree = ast.parse(code.strip())
    except SyntaxError as e:
        raise CodeError(f"cannot parse the tasklet code: {e.msg}") from None
    env = _symbol_env(symbols)
    env.update({c: Sym(value(c), d, weak=False) for c, d in inputs.items()})
    vals = Values(env)
    for st in tree.body:
        if isinstance(st, ast.Pass) or (isinstance(st, ast.Expr)
                                        and isinstance(st.value, ast.Constant)):
            continue
        if isinstance(st, ast.Assign) and len(st.targets) == 1:
            target, rhs = st.targets[0], vals.ev(st.value)
        elif isinstance(st, ast.AugAssign) and type(st.op) in ops.BINARY:
            target = st.target
            rhs = ops.binary(type(st.op), vals.ev(st.target), vals.ev(st.value))
        elif isinstance(st, ast.AnnAssign) and st.value is not None:
            target, rhs = st.target, vals.ev(st.value)
        else:
            raise CodeError(f"statement '{ast.unparse(st)}' is not an assignment")
        if not isinstance(target, ast.Name):
            raise CodeError(f"assignment target '{ast.unparse(target)}' is not a name")
        vals.env[target.id] = Sym(rhs.expr, rhs.dtype, weak=False) \
            if isinstance(rhs, Sym) else rhs
    out = []
    for name, dt in outputs.items():
        if name not in vals.env or name in inputs and vals.env[name] is env.get(name):
            raise CodeError(f"the code never assigns the output connector '{name}'")
        v = ops.cast(vals.env[name], dt)
        out.append((name, v.expr))
    return out


def condition(text: str, values: Mapping[str, DType], symbols: Mapping[str, DType]) \
        -> sympy.Basic:
    """A condition or assignment right-hand side over symbols and scalar containers."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        raise CodeError(f"cannot parse {text!r}") from None
    env = _symbol_env(symbols)
    env.update({c: Sym(value(c), d, weak=False) for c, d in values.items()})
    return Values(env).ev(tree).expr
