"""Variables whose shape changes while the program runs.

A variable that a loop or a run-time `if` assigns has storage, made for it before (see
`StatementLowering.promote_for`), and every assignment writes into it. NumPy lets the shape
change from one assignment to the next: mandelbrot's `Z = Z[I]` shrinks every iteration, and
`X = inv(T)` on one path of an `if` is (n, n) where `X = solve(T, Y)` on the other is
(n, m). Such storage is sized by symbols of its own, one per dimension, which every
assignment sets to the new value's sizes before it stores (the backends reallocate a
container when its size changes).

The tracer cannot know beforehand which variables change shape, so the loop or `if` is
traced with fixed-size storage first; an assignment of another shape (same rank) raises
`Resize`, and the loop or `if` that owns the variable drops what it traced and traces again
with resizable storage for it. A change of rank is still refused.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import sympy

from sluice.errors import UnsupportedError
from sluice.frontend.python import kept_sizes
from sluice.frontend.python.values import Elem, View, to_elem
from sluice.ir.dtypes import DType
from sluice.ir.symbolic import free_names


class Resize(Exception):
    """Internal: a variable got a value of another shape; never reaches users."""

    def __init__(self, frame: Any, name: str, refusal: UnsupportedError) -> None:
        super().__init__(name)
        self.frame, self.name, self.refusal = frame, name, refusal


def resizable(tr: Any, data: str) -> bool:
    return data in tr.resizable


def owner(tr: Any, name: str) -> bool:
    """Whether a loop or `if` being traced owns `name`'s storage and can trace again."""
    f = tr.frame
    return any(fr is f and name in names for fr, names in tr.resize_scopes)


def storage(tr: Any, name: str, dtype: DType, rank: int, weak: bool) -> View:
    """Fresh resizable storage (empty until its first assignment sets its sizes)."""
    em = tr.em
    sizes = []
    for _ in range(rank):
        s = em.symbol(f"{name}_len")
        em.b.assign(**{s.name: 0})
        sizes.append(s)
        tr.size_of[s.name] = name
    t = em.temp(dtype, tuple(sizes), name)
    tr.resizable.add(t.data)
    return dataclasses.replace(t, owned=False, weak=weak)


def write(tr: Any, name: str, st: View, val: Any, node: Any) -> None:
    """`name = val` into the resizable storage `st`: sizes first, then the elements."""
    em = tr.em
    if len(val.shape) != len(st.shape):
        raise UnsupportedError(f"'{name}' changes from {len(st.shape)} to {len(val.shape)} "
                               "dimensions inside a loop or branch", tr.loc(node),
                               hint="use a new variable name")
    sizes = [sympy.sympify(d) for d in em.b.program.data[st.data].shape]
    names = {s.name for s in sizes}
    if _reads(val, st.data) or any(free_names(sympy.sympify(d)) & names for d in val.shape):
        # (`Z = Z[1:]`: the value is computed before the storage changes size)
        kept = []
        for d in val.shape:
            s = em.symbol(f"{name}_new")
            em.b.assign(**{s.name: d})
            kept.append(s)
        tmp = em.temp(val.dtype, tuple(kept), name)
        em.store(to_elem(val), tmp)
        val = tmp
    kept_sizes.keep_sizes(tr, sizes, node, own=st.data)
    em.b.assign(**{s.name: d for s, d in zip(sizes, val.shape, strict=True)})
    em.store(to_elem(val), st)


def _reads(val: Any, data: str) -> bool:
    if isinstance(val, View):
        return val.data == data
    if isinstance(val, Elem):
        return any(d == data for d, _ in val.reads.values())
    return False


def copied(tr: Any, name: str, old: View) -> View:
    """Resizable storage holding the value of the fixed-size storage `old`."""
    st = storage(tr, name, old.dtype, len(old.shape), bool(old.weak))
    write(tr, name, st, old, None)
    return st
