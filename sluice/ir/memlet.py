"""Memlets: which part of which container an edge moves, and how conflicting writes combine."""

from __future__ import annotations

from dataclasses import dataclass

import sympy
from sympy.logic.boolalg import BooleanAtom, BooleanFunction

from sluice.errors import VerificationError
from sluice.ir.exact import Const, sub
from sluice.ir.symbolic import Expr, as_expr, free_names, substitute

WCR_OPS = ("+", "*", "max", "min")


def _integer(e: Expr) -> Expr:
    """`e`, unless it is a comparison or a truth value (`x[0 > N]` in IR text), which no
    arithmetic on subsets can take."""
    if isinstance(e, sympy.Rel | BooleanAtom | BooleanFunction):  # (select(c, a, b) is fine)
        raise VerificationError("subset", f"subset bound {e} is a comparison or a truth value, "
                                "not an integer", hint="write start:stop or start:stop:step")
    return e


@dataclass(frozen=True)
class Index:
    """One dimension addressed by a single index (the dimension is dropped from the view)."""

    index: Expr

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", _integer(as_expr(self.index)))

    def size(self) -> Expr:
        return sympy.Integer(1)

    def free_symbols(self) -> set[str]:
        return free_names(self.index)

    def subs(self, mapping) -> Index:
        return Index(substitute(self.index, mapping))


@dataclass(frozen=True)
class Range:
    """A half-open strided range `start:stop:step`, as in Python slicing (step > 0)."""

    start: Expr
    stop: Expr
    step: Expr = sympy.Integer(1)

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", _integer(as_expr(self.start)))
        object.__setattr__(self, "stop", _integer(as_expr(self.stop)))
        object.__setattr__(self, "step", _integer(as_expr(self.step)))

    def size(self) -> Expr:
        """Number of elements: ceil((stop - start) / step), clamped at 0 where decidable."""
        if any(isinstance(e, Const) or e.atoms(Const) for e in (self.start, self.stop, self.step)):
            return sub(self.stop, self.start)  # not integers: the verifier reports them
        n = self.stop - self.start
        if self.step != 1:
            n = -FloorDivNeg(n, self.step)
        if n.is_number and n < 0:
            return sympy.Integer(0)
        return n

    def free_symbols(self) -> set[str]:
        return free_names(self.start) | free_names(self.stop) | free_names(self.step)

    def subs(self, mapping) -> Range:
        return Range(substitute(self.start, mapping), substitute(self.stop, mapping),
                     substitute(self.step, mapping))


def FloorDivNeg(n: Expr, step: Expr) -> Expr:  # noqa: N802 - reads like the formula
    """floor(-n / step), so that -FloorDivNeg(n, s) == ceil(n / s)."""
    from sluice.ir.symbolic import FloorDiv

    return FloorDiv(-n, step)


Dim = Index | Range
Subset = tuple[Dim, ...]


def full_subset(shape: tuple[Expr, ...]) -> Subset:
    return tuple(Range(0, d) for d in shape)


def subset_shape(subset: Subset) -> tuple[Expr, ...]:
    """Shape of the view a subset describes (index dimensions dropped)."""
    return tuple(d.size() for d in subset if isinstance(d, Range))


def subset_free_symbols(subset: Subset) -> set[str]:
    out: set[str] = set()
    for d in subset:
        out |= d.free_symbols()
    return out


@dataclass(frozen=True)
class Memlet:
    """Data moved along an edge: `data[subset]`, optionally `-> other[...]` for a copy
    between two containers, and a write-conflict resolution `wcr` (one of WCR_OPS)."""

    data: str
    subset: Subset = ()
    wcr: str | None = None
    other: str | None = None
    other_subset: Subset | None = None

    def volume(self) -> Expr:
        """Number of elements moved (symbolic)."""
        v = sympy.Integer(1)
        for d in self.subset:
            v = v * d.size()
        return v

    def free_symbols(self) -> set[str]:
        out = subset_free_symbols(self.subset)
        if self.other_subset is not None:
            out |= subset_free_symbols(self.other_subset)
        return out

    def subs(self, mapping) -> Memlet:
        return Memlet(
            self.data,
            tuple(d.subs(mapping) for d in self.subset),
            self.wcr,
            self.other,
            None if self.other_subset is None
            else tuple(d.subs(mapping) for d in self.other_subset),
        )
