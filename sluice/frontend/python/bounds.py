"""What the tracer knows about the sign and range of integer symbols, so that Python's slice
rules (clip out-of-range bounds, wrap negative ones) cost nothing where they provably do not
apply: array sizes are never negative, and while a loop body is traced its variable lies in
its range. Anything unproven keeps the run-time form (`max`, `min`, `select`)."""

from __future__ import annotations

import sympy

from sluice.ir.symbolic import Expr, Select


class Facts:
    def __init__(self) -> None:
        self.sizes: set[str] = set()  # symbols that are array sizes (>= 0)
        self.ranges: dict[str, tuple[Expr, Expr]] = {}  # loop variable -> (lowest, highest)
        self.known: list[Expr] = []  # expressions checked >= 0 (dimensions of new arrays)

    def with_size(self, e: Expr) -> Facts:
        """These facts, and that the symbol `e` (a dimension's size) is not negative."""
        if not isinstance(e, sympy.Symbol) or e.name in self.sizes:
            return self
        out = Facts()
        out.sizes, out.ranges, out.known = self.sizes | {e.name}, self.ranges, self.known
        return out

    def nonneg(self, e: Expr) -> bool:
        """`e >= 0` holds wherever `e` is evaluated (False when it cannot be proven)."""
        e = sympy.expand(sympy.sympify(e))
        if isinstance(e, sympy.Min):
            return all(self.nonneg(a) for a in e.args)
        if isinstance(e, sympy.Max):
            return any(self.nonneg(a) for a in e.args)
        for _ in range(16):  # each step replaces one loop variable by a bound of it
            if e.is_number:
                return bool(e >= 0)
            ranged = sorted((s for s in e.free_symbols if s.name in self.ranges),
                            key=lambda s: s.name)
            if not ranged:
                break
            s = ranged[0]
            if not e.is_polynomial(s) or sympy.degree(e, s) != 1:
                return False
            c = e.coeff(s, 1)
            if not c.is_number:
                return False
            lo, hi = self.ranges[s.name]
            e = sympy.expand(e.xreplace({s: lo if c > 0 else hi}))
        else:
            return False
        sizes = {s: sympy.Symbol(s.name, integer=True, nonnegative=True)
                 for s in e.free_symbols if s.name in self.sizes}
        if e.xreplace(sizes).is_nonnegative:
            return True
        # e = f + (something >= 0) for a known f >= 0, e.g. di + (H - K + 1) with di >= 0
        return any(sympy.expand(e - f).xreplace(sizes).is_nonnegative for f in self.known
                   if f.free_symbols <= e.free_symbols)

    def le(self, a: Expr, b: Expr) -> bool:
        """`a <= b` is provable."""
        return self.nonneg(sympy.sympify(b) - sympy.sympify(a))

    def negative(self, e: Expr) -> bool:
        """`e < 0` is provable."""
        return self.nonneg(-sympy.sympify(e) - 1)

    def at_least(self, e: Expr, floor: Expr) -> Expr:
        """max(e, floor), written out only when `e >= floor` is not provable."""
        return e if self.le(floor, e) else sympy.Max(e, floor)

    def at_most(self, e: Expr, ceil: Expr) -> Expr:
        """min(e, ceil), written out only when `e <= ceil` is not provable."""
        return e if self.le(e, ceil) else sympy.Min(e, ceil)

    def wrap(self, e: Expr, n: Expr) -> Expr:
        """A Python index into a dimension of size `n`: negative ones count from the end."""
        if self.nonneg(e):
            return e
        if self.negative(e):
            return e + n
        return Select(sympy.StrictLessThan(e, 0), e + n, e)


def difference(a: Expr, b: Expr) -> Expr:
    """`a - b` with the subtraction moved inside `min`/`max`, so that sizes of one slice
    written two ways meet: n - max(0, n - 3) is min(n, 3), as x[:3] has."""
    a_args = a.args if isinstance(a, sympy.Min) else (a,)
    b_args = b.args if isinstance(b, sympy.Max) else (b,)
    try:
        return sympy.Min(*[sympy.expand(x - y) for x in a_args for y in b_args])
    except ValueError:  # SymPy cannot order a select(...) bound: leave it as it is
        return sympy.expand(a - b)
