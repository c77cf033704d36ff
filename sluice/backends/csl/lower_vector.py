"""Vector maps as DSD operations (`@fmovs/@fmuls/@fadds/@fsubs/@fmacs` over mem1d DSDs).

A map `t[var] = sum_i c_i * v_i[var] + k` whose vectors are unit-affine in the map variable
and whose coefficients do not depend on it becomes a short sequence of DSD ops that
accumulate into `t`. Anything else returns None and stays a loop.
"""

from __future__ import annotations

from dataclasses import dataclass

from sluice.backends.csl.lower_expr import names_in
from sluice.csl import model as m


@dataclass(frozen=True)
class Vec:
    """Elements `array[off + k * stride]`, k < extent."""

    array: str
    off: int
    stride: int


def affine(e: m.Expr, var: str) -> tuple[int, int] | None:
    """(a, b) with e == a * var + b, for integer index expressions."""
    if isinstance(e, m.Lit) and isinstance(e.value, int) and not isinstance(e.value, bool):
        return 0, e.value
    if isinstance(e, m.Name):
        return (1, 0) if e.id == var else None
    if isinstance(e, m.UnOp) and e.op == "-":
        a = affine(e.operand, var)
        return None if a is None else (-a[0], -a[1])
    if isinstance(e, m.BinOp) and e.op in ("+", "-", "*"):
        x, y = affine(e.lhs, var), affine(e.rhs, var)
        if x is None or y is None:
            return None
        if e.op == "+":
            return x[0] + y[0], x[1] + y[1]
        if e.op == "-":
            return x[0] - y[0], x[1] - y[1]
        if x[0] and y[0]:
            return None
        return x[0] * y[1] + y[0] * x[1], x[1] * y[1]
    return None


Term = tuple[m.Expr, Vec | None]  # coefficient, vector (None: a scalar term)


def _terms(e: m.Expr, var: str, start: int, step: int) -> list[Term] | None:
    if var not in names_in(e):
        return [(e, None)]
    if isinstance(e, m.Index):
        a = affine(e.index, var)
        if a is None or a[0] == 0 or var in names_in(m.Name(e.array)):
            return None
        return [(m.Lit(1.0), Vec(e.array, a[0] * start + a[1], a[0] * step))]
    if isinstance(e, m.BinOp) and e.op in "+-":
        x, y = _terms(e.lhs, var, start, step), _terms(e.rhs, var, start, step)
        if x is None or y is None:
            return None
        if e.op == "-":
            y = [(_neg(c), v) for c, v in y]
        return x + y
    if isinstance(e, m.UnOp) and e.op == "-":
        x = _terms(e.operand, var, start, step)
        return None if x is None else [(_neg(c), v) for c, v in x]
    if isinstance(e, m.BinOp) and e.op == "*":
        for s, v in ((e.lhs, e.rhs), (e.rhs, e.lhs)):
            if var not in names_in(s):
                x = _terms(v, var, start, step)
                if x is None:
                    return None
                return [(_mul(s, c), vv) for c, vv in x]
    return None


def _neg(c: m.Expr) -> m.Expr:
    if isinstance(c, m.Lit) and not isinstance(c.value, bool):
        return m.Lit(-c.value)
    if isinstance(c, m.UnOp) and c.op == "-":
        return c.operand
    return m.UnOp("-", c)


def _mul(a: m.Expr, b: m.Expr) -> m.Expr:
    if isinstance(b, m.Lit) and b.value == 1.0:
        return a
    if isinstance(a, m.Lit) and a.value == 1.0:
        return b
    return m.BinOp("*", a, b)


def _is(c: m.Expr, v: float) -> bool:
    return isinstance(c, m.Lit) and not isinstance(c.value, bool) and c.value == v


def vector_ops(target: m.Index, value: m.Expr, var: str, start: int, stop: int, step: int,
               dsd) -> list[m.DsdOp] | None:
    """DSD ops computing the map, or None. `dsd(vec, n)` names a mem1d DSD for a vector."""
    n = len(range(start, stop, step))
    a = affine(target.index, var)
    terms = _terms(value, var, start, step)
    if a is None or a[0] == 0 or terms is None or n <= 0:
        return None
    t = Vec(target.array, a[0] * start + a[1], a[0] * step)
    vecs = [(c, v) for c, v in terms if v is not None]
    consts = [c for c, v in terms if v is None]
    if any(v.array == t.array and v != t for _, v in vecs):
        return None  # a shifted read of the target: the loop's order matters
    if any(t.array in names_in(c) for c, _ in terms) or sum(1 for _, v in vecs if v == t) > 1:
        return None
    T = m.Name(dsd(t, n))
    ops: list[m.DsdOp] = []
    own = next((c for c, v in vecs if v == t), None)
    rest = [(c, v) for c, v in vecs if v != t]
    if own is not None:
        if not _is(own, 1.0):
            ops.append(m.DsdOp("fmuls", (T, T, own)))
    elif rest:
        c, v = rest.pop(0)
        src = m.Name(dsd(v, n))
        if _is(c, 1.0):
            ops.append(m.DsdOp("fmovs", (T, src)))
        elif _is(c, -1.0):
            ops.append(m.DsdOp("fnegs", (T, src)))
        else:
            ops.append(m.DsdOp("fmuls", (T, src, c)))
    elif consts:
        ops.append(m.DsdOp("fmovs", (T, _sum(consts))))
        consts = []
    for c, v in rest:
        src = m.Name(dsd(v, n))
        if _is(c, 1.0):
            ops.append(m.DsdOp("fadds", (T, T, src)))
        elif _is(c, -1.0):
            ops.append(m.DsdOp("fsubs", (T, T, src)))
        else:
            ops.append(m.DsdOp("fmacs", (T, T, src, c)))
    if consts:
        ops.append(m.DsdOp("fadds", (T, T, _sum(consts))))
    return ops


def _sum(cs: list[m.Expr]) -> m.Expr:
    out = cs[0]
    for c in cs[1:]:
        out = m.BinOp("+", out, c)
    return out
