"""Memlet propagation: the subset a map touches, from the subsets its body touches.

For a body memlet dimension `e(p)` with `p` ranging over `start:stop:step`, the propagated
range is [min e, max e] when `e` is affine in `p` with a constant coefficient, and the
whole dimension otherwise. Several memlets of one container merge to their bounding box
where the bounds compare, and to the whole container where they do not.
"""

from __future__ import annotations

import sympy

from sluice.ir.exact import Const
from sluice.ir.memlet import Index, Memlet, Range, Subset, full_subset
from sluice.ir.symbolic import Expr, simplified, symbol


def _last(r: Range) -> Expr:
    """The last value a range takes (stop - 1 for unit steps)."""
    if r.step == 1:
        return r.stop - 1
    from sluice.ir.symbolic import FloorDiv

    return r.start + r.step * FloorDiv(r.stop - r.start - 1, r.step)


def _bounds(e: Expr, params: list[str], ranges: list[Range]) -> tuple[Expr, Expr] | None:
    if e.atoms(Const):  # a float in an index: not affine in integers (the verifier says so)
        return None
    lo, hi = e, e
    for p, r in zip(params, ranges, strict=True):
        s = symbol(p)
        if s not in lo.free_symbols and s not in hi.free_symbols:
            continue
        new = []
        for bound, want_min in ((lo, True), (hi, False)):
            if not bound.is_polynomial(s):  # e.g. select(p == 1, 0, p): not affine
                return None
            c = sympy.diff(bound, s)
            if s in c.free_symbols or not c.is_number:
                return None
            at_start, at_last = bound.subs(s, r.start), bound.subs(s, _last(r))
            use_start = (c >= 0) == want_min
            new.append(at_start if use_start else at_last)
        lo, hi = new
    if lo.atoms(Const) or hi.atoms(Const):  # a float map range: the verifier says so
        return None
    return sympy.expand(lo), sympy.expand(hi)


def propagate_subset(subset: Subset, params: list[str], ranges: list[Range],
                     shape: tuple[Expr, ...]) -> Subset:
    """The subset covered by `subset` over all points of the map."""
    out: list[Index | Range] = []
    whole = full_subset(shape)
    for i, d in enumerate(subset):
        names = {str(x) for x in d.free_symbols()}
        if not names & set(params):
            out.append(d)
            continue
        if isinstance(d, Index):
            b = _bounds(d.index, params, ranges)
            out.append(Range(b[0], b[1] + 1) if b else whole[i])
        else:
            b1 = _bounds(d.start, params, ranges)
            b2 = _bounds(_last(d), params, ranges)
            out.append(Range(b1[0], b2[1] + 1) if b1 and b2 and d.step == 1 else whole[i])
    return tuple(out)


def _as_range(d: Index | Range) -> Range:
    return d if isinstance(d, Range) else Range(d.index, d.index + 1)


def _merge_dim(a: Index | Range, b: Index | Range, whole: Range) -> Index | Range:
    if a == b:
        return a
    ra, rb = _as_range(a), _as_range(b)
    if ra.step != 1 or rb.step != 1:
        return whole
    d_start = simplified(ra.start - rb.start)
    d_stop = simplified(ra.stop - rb.stop)
    if not (d_start.is_number and d_stop.is_number):
        return whole
    start = ra.start if d_start <= 0 else rb.start
    stop = ra.stop if d_stop >= 0 else rb.stop
    return Range(start, stop)


def _empty(s: Subset) -> bool:
    """Whether `s` provably touches nothing (some dimension has no elements)."""
    for d in s:
        if isinstance(d, Range):
            size = simplified(d.size())
            if size.is_number and size <= 0:
                return True
    return False


def merge_subsets(a: Subset, b: Subset, shape: tuple[Expr, ...]) -> Subset:
    """A subset covering both `a` and `b` (their bounding box, or the whole container).

    An empty subset adds nothing: `x[3:3]` merged with `x[0:1]` is `x[0:1]`, not `x[0:3]`,
    which would reach past a length-1 dimension that no access touches.
    """
    if a == b or _empty(b):
        return a
    if _empty(a):
        return b
    whole = full_subset(shape)
    if len(a) != len(b):
        return whole
    return tuple(_merge_dim(x, y, w) for x, y, w in zip(a, b, whole, strict=True))


def merge_memlets(memlets: list[Memlet], shape: tuple[Expr, ...]) -> Memlet:
    subset = memlets[0].subset
    for m in memlets[1:]:
        subset = merge_subsets(subset, m.subset, shape)
    wcrs = {m.wcr for m in memlets}
    return Memlet(memlets[0].data, subset, wcrs.pop() if len(wcrs) == 1 else None)
