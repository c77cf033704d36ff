"""Reverse-mode derivatives of value expressions: the rule for tasklets.

`vjp(expr, wrt, seed)` gives, for each symbol `x` in `wrt`, `seed * d expr / d x` as a
value expression, from one reverse sweep over `expr` seen as a DAG: SymPy shares equal
subtrees, so a subexpression used twice (`z * z`, `exp(a) + exp(a)`) is one node whose
adjoint sums both uses, and each forward subexpression appears once in the results, where
the tasklet printer's common-subexpression elimination finds it.

Derivatives are built with the exact constructors (`sluice.ir.exact`), so nothing is
simplified behind the user's back either. Conventions where the derivative does not exist,
chosen as JAX chooses them so that gradients compare: `abs` has slope `sign(x)` (0 at 0),
`maximum`/`minimum` send the whole adjoint to the first operand on ties, `floor`, `ceil`,
`sign`, comparisons and integer operations have derivative 0, and `select(c, a, b)` routes
the adjoint to the branch taken.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import sympy

from sluice.errors import UnsupportedError
from sluice.ir import exact as X
from sluice.ir.symbolic import CASTS, Cast, Expr, Select

Rule = Callable[[Expr, Expr], list[Expr | None]]  # (node, adjoint) -> per-argument adjoints


def vjp(expr: Expr, wrt: Sequence[sympy.Symbol], seed: Expr) -> dict[sympy.Symbol, Expr]:
    """`seed * d expr / d x` for every `x` in `wrt` (0.0 where `expr` does not depend on
    `x`)."""
    targets = set(wrt)
    adjoint: dict[Expr, Expr] = {expr: X.literal(seed) if not isinstance(seed, sympy.Basic)
                                 else seed}
    for node in reversed(_topological(expr, targets)):
        g = adjoint.get(node)
        if g is None or node.is_Symbol:
            continue
        for arg, d in zip(node.args, _rule(node)(node, g), strict=True):
            if d is not None and _depends(arg, targets):
                adjoint[arg] = d if arg not in adjoint else X.add(adjoint[arg], d)
    return {x: adjoint.get(x, X.literal(0.0)) for x in wrt}


def _depends(e: Expr, targets: set[sympy.Symbol]) -> bool:
    return bool(e.free_symbols & targets)


def _topological(expr: Expr, targets: set[sympy.Symbol]) -> list[Expr]:
    """The subexpressions of `expr` that depend on `targets`, each before its users."""
    order: list[Expr] = []
    seen: set[Expr] = set()
    stack: list[tuple[Expr, bool]] = [(expr, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if node in seen or not _depends(node, targets):
            continue
        seen.add(node)
        stack.append((node, True))
        stack.extend((a, False) for a in node.args if isinstance(a, sympy.Basic))
    return order


# --- rules ------------------------------------------------------------------------------------

def _zero(node: Expr, g: Expr) -> list[Expr | None]:
    return [None] * len(node.args)


def _mul(*factors: Expr) -> Expr:
    out = factors[0]
    for f in factors[1:]:
        out = X.mul(out, f)
    return out


def _square(x: Expr) -> Expr:
    return X.mul(x, x)


def _one_minus(x: Expr) -> Expr:
    return X.sub(X.literal(1.0), x)


_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)

# name -> (node, x, adjoint) -> adjoint of x, for functions of one argument
_UNARY: dict[str, Callable[[Expr, Expr, Expr], Expr]] = {
    "exp": lambda n, x, g: X.mul(g, n),
    "log": lambda n, x, g: X.truediv(g, x),
    "sqrt": lambda n, x, g: X.truediv(g, X.mul(X.literal(2.0), n)),
    "sin": lambda n, x, g: X.mul(g, X.call("cos", x)),
    "cos": lambda n, x, g: X.neg(X.mul(g, X.call("sin", x))),
    "tan": lambda n, x, g: X.mul(g, X.add(X.literal(1.0), _square(n))),
    "asin": lambda n, x, g: X.truediv(g, X.call("sqrt", _one_minus(_square(x)))),
    "acos": lambda n, x, g: X.neg(X.truediv(g, X.call("sqrt", _one_minus(_square(x))))),
    "atan": lambda n, x, g: X.truediv(g, X.add(X.literal(1.0), _square(x))),
    "sinh": lambda n, x, g: X.mul(g, X.call("cosh", x)),
    "cosh": lambda n, x, g: X.mul(g, X.call("sinh", x)),
    "tanh": lambda n, x, g: X.mul(g, _one_minus(_square(n))),
    "abs": lambda n, x, g: X.mul(g, X.call("sign", x)),
    "erf": lambda n, x, g: _mul(g, X.literal(_TWO_OVER_SQRT_PI),
                                X.call("exp", X.neg(_square(x)))),
}
_FLAT = {"floor", "ceil", "sign"}
_COMPLEX = {"real", "imag", "conj", "complex"}


def _function(node: Expr, g: Expr) -> list[Expr | None]:
    name = node.name
    if name in _UNARY:
        return [_UNARY[name](node, node.args[0], g)]
    if name in _FLAT:
        return [None]
    a, b = node.args[0], node.args[-1]
    if name in ("max", "min"):
        first = X.compare(X.Ge2 if name == "max" else X.Le2, a, b)
        zero = X.literal(0.0)
        return [Select(first, g, zero), Select(first, zero, g)]
    if name == "hypot":
        return [X.truediv(X.mul(g, a), node), X.truediv(X.mul(g, b), node)]
    if name == "atan2":  # atan2(y, x): d/dy = x / (x² + y²), d/dx = -y / (x² + y²)
        r2 = X.add(_square(a), _square(b))
        return [X.truediv(X.mul(g, b), r2), X.neg(X.truediv(X.mul(g, a), r2))]
    if name in _COMPLEX:
        raise UnsupportedError(f"differentiating {name}() (complex values are not "
                               "differentiated)")
    raise UnsupportedError(f"no derivative rule for {name}()")


def _binary(node: Expr, g: Expr) -> list[Expr | None]:
    a, b = node.args
    if isinstance(node, X.Add2):
        return [g, g]
    if isinstance(node, X.Sub2):
        return [g, X.neg(g)]
    if isinstance(node, X.Mul2):
        return [X.mul(g, b), X.mul(a, g)]
    if isinstance(node, X.Div2):  # d(a/b)/db = -(a/b) / b
        return [X.truediv(g, b), X.neg(X.truediv(X.mul(g, node), b))]
    if isinstance(node, X.Mod2):  # a - floor(a / b) * b
        return [g, X.neg(X.mul(g, X.call("floor", X.truediv(a, b))))]
    return _zero(node, g)  # comparisons and logic


def _power(node: Expr, g: Expr) -> list[Expr | None]:
    a, b = node.args
    n = X.const_value(b)
    if n == 0:
        return [None, None]
    if n == 2:
        lower = a
    elif n is not None:  # a literal exponent: its predecessor is a literal too
        lower = X.power(a, X.literal(n - 1))
    else:
        lower = X.power(a, X.sub(b, X.literal(1.0)))
    da = _mul(g, X.literal(float(n)) if n is not None else b, lower)
    db = _mul(g, node, X.call("log", a)) if b.free_symbols else None
    return [da, db]


def _neg(node: Expr, g: Expr) -> list[Expr | None]:
    return [X.neg(g)]


def _select(node: Expr, g: Expr) -> list[Expr | None]:
    zero = X.literal(0.0)
    c = node.args[0]
    return [None, Select(c, g, zero), Select(c, zero, g)]


def _cast(node: Expr, g: Expr) -> list[Expr | None]:
    if node.dtype.is_float:  # a float-to-float cast passes the adjoint through
        return [g]
    return [None]


def _rule(node: Expr) -> Rule:
    if isinstance(node, X.Pow2):
        return _power
    if isinstance(node, X.Binary):
        return _binary
    if isinstance(node, X.Neg):
        return _neg
    if isinstance(node, X.Func):
        return _function
    if isinstance(node, Select):
        return _select
    if isinstance(node, Cast) and type(node) in CASTS.values():
        return _cast
    if _integer_valued(node):
        return _zero
    raise UnsupportedError(f"no derivative rule for {type(node).__name__} "
                           f"({node})")


def _integer_valued(node: Expr) -> bool:
    return node.is_integer is True or isinstance(node, sympy.logic.boolalg.Boolean) \
        or isinstance(node, X.Not1)

