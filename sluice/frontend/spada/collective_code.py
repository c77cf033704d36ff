"""The statements that replace one `reduce(a, s)` / `broadcast(a, s)` call (E2): the code
of each role of the pattern, chosen by conditions on the compute block's coordinates that
hold exactly on the PEs of that role (rows of equal x runs, y in arithmetic progressions).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sluice.frontend.spada import ast, consteval
from sluice.frontend.spada.collective_patterns import Multistream, Role
from sluice.frontend.spada.expand import PE


class CallCode:
    """The statements of one call, per role, selected by conditions on the coordinates."""

    def __init__(self, ex: Any, ms: Multistream, c: ast.CollectiveCall, t: ast.Type):
        self.ex, self.ms, self.c, self.t = ex, ms, c, t
        self.pos = c.pos
        self.x, self.y = ex.blk.xvar, ex.blk.yvar
        self.dims = [consteval.value_of(d) for d in t.dims] if isinstance(t, ast.ArrayType) else []

    # tiny AST builders, all at the call's position
    def n(self, name: str) -> ast.Name:
        return ast.Name(name, pos=self.pos)

    def i(self, v: int) -> ast.IntLit:
        return ast.IntLit(v, pos=self.pos)

    def b(self, op: str, a: ast.Expr, b: ast.Expr) -> ast.Binary:
        return ast.Binary(op, a, b, pos=self.pos)

    def statements(self) -> tuple[ast.Stmt, ...]:
        roles = self.ms.roles()
        groups: dict[tuple, list[PE]] = {}
        for pe in sorted(self.ex.blk.pes):
            if pe in roles:
                groups.setdefault(self.key(pe, roles[pe]), []).append(pe)
        chain: tuple[ast.Stmt, ...] | None = None
        for key, pes in reversed(list(groups.items())):
            chain = (ast.If(self.member(pes), self.code(key), chain, pos=self.pos),)
        return chain or ()

    def key(self, pe: PE, r: Role) -> tuple:
        par = (pe[0] + pe[1]) % 2 if self.ms.pipelined else 0
        return (r.children, r.parent, r.sends, par)

    def stream(self, d: str, parity: int) -> ast.Name:
        return self.n(self.ms.streams[(d, parity if self.ms.pipelined else 0)])

    def code(self, key: tuple) -> tuple[ast.Stmt, ...]:
        children, parent, sends, par = key
        a = self.c.target
        if self.ms.kind == "broadcast":
            out: list[ast.Stmt] = [
                ast.Await(ast.Receive(a, self.stream(d, 0), pos=self.pos), pos=self.pos)
                for d in children
            ]
            out += [
                ast.Await(ast.Send(a, self.stream(d, 0), pos=self.pos), pos=self.pos) for d in sends
            ]
            return tuple(out)
        if self.ms.pipelined and self.dims:
            return self.pipelined(children, parent, par)
        buf = self.n(self.ex.buffer(self.ms, self.t))
        out = []
        for d in children:
            out.append(
                ast.Await(ast.Receive(buf, self.stream(d, 1 - par), pos=self.pos), pos=self.pos)
            )
            out.append(self.combine_all(a, buf))
        if parent is not None:
            out.append(ast.Await(ast.Send(a, self.stream(parent, par), pos=self.pos), pos=self.pos))
        return tuple(out)

    def loop_vars(self) -> tuple[ast.LoopVar, ...]:
        return tuple(
            ast.LoopVar(
                ast.ScalarType("i32", pos=self.pos),
                self.ex.fresh(f"{self.ms.name}__k{k}"),
                pos=self.pos,
            )
            for k in range(len(self.dims))
        )

    def ranges(self) -> tuple[ast.Range, ...]:
        return tuple(ast.Range(self.i(0), self.i(d), pos=self.pos) for d in self.dims)

    def combine_all(self, a: ast.Name, buf: ast.Name) -> ast.Stmt:
        if not self.dims:
            return self.combine(a, buf)
        vs = self.loop_vars()
        idx = tuple(self.n(v.name) for v in vs)
        body = (
            self.combine(
                ast.Subscript(a, idx, pos=self.pos), ast.Subscript(buf, idx, pos=self.pos)
            ),
        )
        return ast.Await(ast.Map(vs, self.ranges(), body, pos=self.pos), pos=self.pos)

    def combine(self, a: ast.Expr, v: ast.Expr) -> ast.Stmt:
        op = self.ms.op
        if op in ("sum", "product"):
            val = self.b("+" if op == "sum" else "*", a, v)
        else:  # NaN wins, as in NumPy's maximum/minimum
            better = self.b(">" if op == "max" else "<", v, a)
            val = ast.Ternary(v, self.b("or", better, self.b("!=", v, v)), a, pos=self.pos)
        return ast.Assign(a, "=", val, pos=self.pos)

    def pipelined(self, children, parent, par) -> tuple[ast.Stmt, ...]:
        """Element by element: receive element k from each child, combine, send it on."""
        vs = self.loop_vars()
        idx = tuple(self.n(v.name) for v in vs)
        a = self.c.target
        elem = ast.Subscript(a, idx, pos=self.pos)
        tmp = self.n(self.ex.buffer(self.ms, ast.ScalarType(self.ms.elem, pos=self.pos)))
        body: list[ast.Stmt] = []
        for d in children:
            body.append(
                ast.Await(ast.Receive(tmp, self.stream(d, 1 - par), pos=self.pos), pos=self.pos)
            )
            body.append(self.combine(elem, tmp))
        if parent is not None:
            body.append(
                ast.Await(ast.Send(elem, self.stream(parent, par), pos=self.pos), pos=self.pos)
            )
        return (ast.For(vs, self.ranges(), tuple(body), pos=self.pos),)

    def member(self, pes: Sequence[PE]) -> ast.Expr:
        """A condition on the coordinates that holds exactly on `pes` (among the block's):
        rows with equal runs of x, grouped into arithmetic progressions of y."""
        rows: dict[int, list[int]] = {}
        for x, y in pes:
            rows.setdefault(y, []).append(x)
        by_runs: dict[tuple, list[int]] = {}
        for y, xs in sorted(rows.items()):
            by_runs.setdefault(_runs(sorted(xs)), []).append(y)
        terms = []
        for runs, ys in by_runs.items():
            xcond = _any([self.span(self.x, a, b, 1) for a, b in runs], self.b)
            for a, b, s in _progressions(ys):
                terms.append(self.b("and", xcond, self.span(self.y, a, b, s)))
        return _any(terms, self.b)

    def span(self, var: str, a: int, b: int, s: int) -> ast.Expr:
        v = self.n(var)
        if b - a <= s:
            return self.b("==", v, self.i(a))
        cond = self.b("and", self.b(">=", v, self.i(a)), self.b("<", v, self.i(b)))
        if s != 1:
            cond = self.b(
                "and",
                cond,
                self.b("==", self.b("%", self.b("-", v, self.i(a)), self.i(s)), self.i(0)),
            )
        return cond


def _any(terms: list[ast.Expr], b: Callable) -> ast.Expr:
    out = terms[0]
    for t in terms[1:]:
        out = b("or", out, t)
    return out


def _runs(xs: list[int]) -> tuple[tuple[int, int], ...]:
    runs: list[list[int]] = []
    for x in xs:
        if runs and runs[-1][1] == x:
            runs[-1][1] = x + 1
        else:
            runs.append([x, x + 1])
    return tuple((a, b) for a, b in runs)


def _progressions(ys: list[int]) -> list[tuple[int, int, int]]:
    """Sorted ints as (start, stop, step) arithmetic progressions, greedily."""
    out: list[tuple[int, int, int]] = []
    k = 0
    while k < len(ys):
        if k + 1 == len(ys):
            out.append((ys[k], ys[k] + 1, 1))
            break
        s = ys[k + 1] - ys[k]
        j = k + 1
        while j + 1 < len(ys) and ys[j + 1] - ys[j] == s:
            j += 1
        out.append((ys[k], ys[j] + 1, s))
        k = j + 1
    return out
