"""Python ints are int64 in compiled code: results that may leave int64 are checked.

Python computes `x * y` of two ints exactly however large; compiled code holds Python ints
in int64, so an integer result beyond it would wrap. Each integer operation on Python ints
known only at run time requires `fits_int64(result) == 1` where it runs — unless interval
arithmetic over what the program knows of its symbols proves that it fits:

* an argument dimension lies in [0, 2**62] (no array holds 2**62 elements);
* a loop variable lies between its range's first value and the one before its stop;
* any other symbol (a Python int argument, a value read at run time) may be any int64.

So `n - 1`, `i + 1` and `2 * i + j` over sizes and loop variables need no check, while
`x * y` of two int arguments is checked (at the call, exactly, when both are arguments).
"""

from __future__ import annotations

import sympy

from sluice.ir.program import Program
from sluice.ir.symbolic import INT64_MAX, INT64_MIN, BitAnd, FloorDiv, RShift, Select

SIZE_MAX = 2**62
_UNBOUNDED = 2**200  # stands for "any integer" (exact arithmetic, clamped)

Interval = tuple[int, int]
_ANY: Interval = (-_UNBOUNDED, _UNBOUNDED)
_INT64: Interval = (INT64_MIN, INT64_MAX)


def provably_fits(e: sympy.Basic, p: Program, lo: int = INT64_MIN, hi: int = INT64_MAX) -> bool:
    """Whether the integer expression `e` lies in [lo, hi] (int64) for every run of `p`."""
    e_lo, e_hi = _interval(e, _symbol_ranges(p), depth=0)
    return lo <= e_lo and e_hi <= hi


def _symbol_ranges(p: Program) -> dict[str, tuple[sympy.Basic, sympy.Basic] | Interval]:
    """What is known of each symbol: an interval, or (for a loop variable) the two
    expressions it lies between."""
    out: dict[str, tuple[sympy.Basic, sympy.Basic] | Interval] = {}
    for a in p.args:
        for d in getattr(p.data.get(a), "shape", ()) or ():
            if isinstance(d, sympy.Symbol):
                out[d.name] = (0, SIZE_MAX)
    from sluice.ir.control import Loop

    for b in p.body.walk():
        if isinstance(b, Loop) and b.var not in out:
            # range(start, stop, step) never reaches stop
            if b.step.is_Integer and int(b.step) > 0:
                out[b.var] = (b.start, b.stop - 1)
            elif b.step.is_Integer:
                out[b.var] = (b.stop + 1, b.start)
            else:
                out[b.var] = (b.start, b.stop)
    return out


def _clamp(v: int) -> int:
    return max(-_UNBOUNDED, min(_UNBOUNDED, v))


def _interval(e: sympy.Basic, known: dict, depth: int) -> Interval:  # noqa: C901 - one table
    if depth > 20:
        return _ANY
    if e.is_Integer:
        return int(e), int(e)
    if e.is_Symbol:
        k = known.get(e.name)
        if k is None:
            return _INT64
        if isinstance(k[0], int):
            return k
        (a_lo, a_hi), (b_lo, b_hi) = (_interval(x, known, depth + 1) for x in k)
        return min(a_lo, b_lo), max(a_hi, b_hi)
    parts = [_interval(a, known, depth + 1) for a in e.args]
    if e.is_Add:
        return _clamp(sum(p[0] for p in parts)), _clamp(sum(p[1] for p in parts))
    if e.is_Mul:
        lo, hi = parts[0]
        for a, b in parts[1:]:
            corners = [lo * a, lo * b, hi * a, hi * b]
            lo, hi = _clamp(min(corners)), _clamp(max(corners))
        return lo, hi
    if e.is_Pow and e.args[1].is_Integer and int(e.args[1]) >= 0:
        m = max(abs(parts[0][0]), abs(parts[0][1]))
        big = _clamp(m ** min(int(e.args[1]), 200)) if m > 1 else 1
        return -big, big
    if isinstance(e, FloorDiv):  # |a // b| <= |a| for integer b != 0
        m = max(abs(parts[0][0]), abs(parts[0][1]))
        return -m, m
    if isinstance(e, sympy.Mod):  # |a % b| < |b|
        m = max(abs(parts[1][0]), abs(parts[1][1]))
        return -m, m
    if isinstance(e, sympy.Max | sympy.Min):
        return min(p[0] for p in parts), max(p[1] for p in parts)
    if isinstance(e, Select):
        return min(parts[1][0], parts[2][0]), max(parts[1][1], parts[2][1])
    if isinstance(e, BitAnd) and any(a.is_Integer and int(a) >= 0 for a in e.args):
        return 0, min(int(a) for a in e.args if a.is_Integer and int(a) >= 0)  # a mask
    if isinstance(e, RShift) and e.args[1].is_Integer and int(e.args[1]) >= 0:
        return min(parts[0][0], 0), max(parts[0][1], 0)  # moves towards 0 (or -1)
    if isinstance(e, sympy.Abs):
        m = max(abs(parts[0][0]), abs(parts[0][1]))
        return 0, m
    return _ANY
