"""Counting Python ranges built from kernel parameters, which may be huge: `len()` stops at
sys.maxsize (an OverflowError) and `min()`/`max()` walk every value."""

from __future__ import annotations


def length(r: range) -> int:
    """How many values `r` has."""
    return max(0, -(-(r.stop - r.start) // r.step))


def extent(r: range) -> tuple[int, int] | None:
    """The smallest and largest value of `r` (None if it is empty)."""
    n = length(r)
    if n == 0:
        return None
    last = r.start + (n - 1) * r.step
    return min(r.start, last), max(r.start, last)


def negative_multicast(start: int, stop: int, no_step: bool) -> bool:
    """E9: a multicast range `[-a:-b]` without a step, b > a >= 1, counts downwards: its
    receivers sit at offsets -a, -a-1, ..., -(b-1) (SpaDA's reading). Every other range
    keeps Python's upward meaning."""
    return no_step and start < 0 and stop < start


__all__ = ["extent", "length", "negative_multicast"]
