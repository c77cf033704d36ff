"""Data-dependent subscripts (SPADA-EXTENSIONS.md E8).

Outside `map`, a subscript may be any integer expression, also one that reads fields at run
time (`z[tmp]`); the race check then counts the access as touching the whole array. A `map`
body is a vectorisable loop: each of its subscripts must be affine in the loop variables of
the map (and of loops inside it), with constants, parameters, block coordinates, scalar
arguments and variables of enclosing loops as coefficients and offsets. This module finds
the first subscript of a map body that breaks that rule.
"""

from __future__ import annotations

from collections.abc import Callable

from sluice.frontend.spada import ast
from sluice.frontend.spada.astwalk import nodes

# How a name outside the map body counts: "data" (a field or local: read at run time),
# "host" (a stream argument: its subscript names PEs, not elements), anything else constant.
Classify = Callable[[str], str]


def _bound_in(body: tuple[ast.Stmt, ...]) -> tuple[set[str], set[str]]:
    """Names the body binds: loop indices (affine variables) and data (locals, received
    values)."""
    index, data = set(), set()
    for n in nodes(body):
        if isinstance(n, ast.For | ast.Map):
            index |= {v.name for v in n.vars}
        elif isinstance(n, ast.Foreach):
            k = 0
            for g in n.gens:
                if isinstance(g, ast.ReceiveGen):
                    data.add(n.vars[k].name)
                    k += 1
                else:
                    index |= {v.name for v in n.vars[k : k + len(g)]}
                    k += len(g)
        elif isinstance(n, ast.LocalDecl):
            data.add(n.name)
    return index, data


def _degree(e: ast.Expr, index: set[str], is_data: Callable[[str], bool]) -> int | None:
    """The degree of `e` in the index variables (2 stands for "not affine"); None when `e`
    reads data."""
    match e:
        case ast.IntLit() | ast.BoolLit() | ast.FloatLit():
            return 0
        case ast.Name(id=n):
            if n in index:
                return 1
            return None if is_data(n) else 0
        case ast.Unary(op="-" | "+", operand=a):
            return _degree(a, index, is_data)
        case ast.Binary(op=op, left=a, right=b):
            da, db = _degree(a, index, is_data), _degree(b, index, is_data)
            if da is None or db is None:
                return None
            if op in ("+", "-"):
                return max(da, db)
            if op == "*":
                return min(da + db, 2)
            return 0 if da == db == 0 else 2
        case ast.Subscript():
            return None
        case ast.Call(args=args):
            ds = [_degree(a, index, is_data) for a in args]
            if any(d is None for d in ds):
                return None
            return 0 if all(d == 0 for d in ds) else 2
        case ast.Ternary(cond=c, then=a, else_=b):
            ds = [_degree(x, index, is_data) for x in (c, a, b)]
            if any(d is None for d in ds):
                return None
            return 0 if all(d == 0 for d in ds) else 2
    return 2


def non_affine_subscript(m: ast.Map, classify: Classify) -> tuple[ast.Expr, str] | None:
    """The first subscript index of `m`'s body that is not affine in its loop variables,
    with the reason, or None."""
    index, data = _bound_in(m.body)
    index |= {v.name for v in m.vars}

    def is_data(n: str) -> bool:
        return n in data or (n not in index and classify(n) == "data")

    for n in nodes(m.body):
        if not isinstance(n, ast.Subscript) or not isinstance(n.base, ast.Name):
            continue
        if n.base.id not in data and classify(n.base.id) == "host":
            continue
        for i in n.indices:
            d = _degree(i, index, is_data)
            if d is None:
                return i, "reads data"
            if d > 1:
                return i, "is not affine in the loop variables"
    return None
