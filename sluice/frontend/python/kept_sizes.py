"""Arrays keep their size when the integer variable that gave it changes.

An integer variable that a loop or a run-time branch reassigns lives in a symbol, and each
assignment sets the symbol anew (`n -= 1`). A view `b = x[:n]` or an array `b = x[:n] * 2`
made before the change keeps its elements in NumPy: five, even when `n` is 3 afterwards. In
the IR both would read the symbol again: the view through its bounds, the temporary through
its declared size (which the backends reallocate, zeroed, when it changes). So before such
a symbol is assigned, every binding that mentions it moves onto a snapshot symbol that holds
the value it had: a view's bounds are rewritten, and a temporary sized by it is copied into
one sized by the snapshot (once per temporary, so names sharing it still share the copy).

Storage of a variable the loop or branch itself reassigns cannot move like this (the next
iteration writes it again), so such storage sized by the changing symbol is refused.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import sympy

from sluice.errors import UnsupportedError
from sluice.frontend.python.values import Rng, View, to_elem
from sluice.ir.symbolic import free_names


def _dims_mention(v: View, names: set[str]) -> bool:
    for d in v.dims:
        parts = (d.start, d.step, d.size) if isinstance(d, Rng) else (d,)
        if any(free_names(sympy.sympify(p)) & names for p in parts):
            return True
    return False


def _container_mentions(tr: Any, data: str, names: set[str]) -> bool:
    c = tr.em.b.program.data.get(data)
    shape = getattr(c, "shape", None) or ()
    return any(free_names(sympy.sympify(d)) & names for d in shape)


def _rebased_dims(v: View, sub: dict) -> tuple:
    return tuple(Rng(*(sympy.sympify(p).xreplace(sub) for p in (d.start, d.step, d.size)))
                 if isinstance(d, Rng) else sympy.sympify(d).xreplace(sub) for d in v.dims)


class _Rebase:
    """The snapshots and copies made for one assignment of `changing`."""

    def __init__(self, tr: Any, changing: list[sympy.Symbol]) -> None:
        self.tr, self.symbols, self.changing = tr, changing, {s.name for s in changing}
        self.sub: dict[sympy.Symbol, sympy.Symbol] = {}
        self.copies: dict[str, str] = {}

    def snapshots(self) -> dict:
        if not self.sub:
            em = self.tr.em
            for old in self.symbols:
                s = em.symbol(f"{old.name}_kept")
                em.b.assign(**{s.name: old})
                self.sub[old] = s
        return self.sub

    def value(self, v: Any) -> Any:
        if isinstance(v, tuple):
            return tuple(self.value(x) for x in v)
        if not isinstance(v, View):
            return v
        inside = _container_mentions(self.tr, v.data, self.changing)
        if not inside and not _dims_mention(v, self.changing):
            return v
        sub = self.snapshots()
        data = v.data
        if inside:
            data = self.copies.get(v.data) or self._copy(v.data, sub)
        return dataclasses.replace(v, data=data, dims=_rebased_dims(v, sub))

    def _copy(self, data: str, sub: dict) -> str:
        em = self.tr.em
        c = em.b.program.data[data]
        shape = tuple(sympy.sympify(d) for d in c.shape)
        kept = em.temp(c.dtype, tuple(d.xreplace(sub) for d in shape), data)
        whole = View(data, c.dtype, tuple(Rng(sympy.Integer(0), sympy.Integer(1), d)
                                          for d in shape), tuple(range(len(shape))))
        em.store(to_elem(whole), kept)
        self.copies[data] = kept.data
        made = self.tr.view_copies.get(data)
        if made is not None:  # (a reshape NumPy makes as a view stays one: viewcopies.py)
            self.tr.view_copies[kept.data] = made
        return kept.data


def keep_sizes(tr: Any, changing: list[sympy.Symbol], node: Any, own: str | None = None
               ) -> None:
    """Before the symbols `changing` (an integer variable, or the sizes of the resizable
    storage `own`: resizing.py) are assigned: move every binding whose size or bounds read
    them onto the values they have now (module docstring)."""
    names = {s.name for s in changing}
    for f in tr.frames:
        for name, st in f.mutable.items():
            if isinstance(st, View) and st.data != own and (
                    _container_mentions(tr, st.data, names) or _dims_mention(st, names)):
                raise UnsupportedError(
                    f"'{name}' has a size that depends on a size assigned here (an integer "
                    "variable, or the shape of an array that changes shape), and both "
                    "change inside this loop or branch", tr.loc(node),
                    hint=f"assign the new size to another variable, or make '{name}' with a "
                    "size fixed before the loop")
    rebase = _Rebase(tr, changing)
    for f in tr.frames:
        for name, v in list(f.env.items()):
            new = rebase.value(v)
            if new is not v:
                f.env[name] = new
