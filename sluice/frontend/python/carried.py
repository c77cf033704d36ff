"""Types of loop-carried variables, as NumPy's own iterations give them.

A variable a loop reassigns gets storage before the loop, typed by its value there. In
NumPy the type can change on the first iteration: `s = 0.0` is a Python float, and
`s = s + x[i]` with float32 `x` makes it a float32 scalar (NEP 50), which every later
iteration then adds in float32. When the loop body assigns a variable a value of another
type, the loop is traced again with storage of that type, until the types settle; the
abandoned trace's blocks are dropped. A `for` loop that runs zero times would then return the
first value converted to the settled type, where NumPy keeps its type: such a call stops with
an error (a `while` loop's first test is not checked: it returns the converted value).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import sympy

from sluice.errors import SluiceTypeError
from sluice.frontend.python import ops, resizing, ufunc_types
from sluice.frontend.python.values import Elem, Sym, View, to_elem
from sluice.ir.dtypes import DType

# Retracing stops after this many type changes of one variable (e.g. two branches that
# assign different types); the storage then keeps its type, as before.
_MAX_RETYPES = 3


class Retype(Exception):
    """Internal: a loop-carried variable got a value of another type; never reaches users."""

    def __init__(self, frame: Any, name: str, dtype: DType, weak: bool) -> None:
        super().__init__(name)
        self.frame, self.name, self.dtype, self.weak = frame, name, dtype, weak


def _type_of(st: Any) -> tuple[DType, bool]:
    if isinstance(st, sympy.Symbol):
        return DType.int64, True  # integer storage holds Python integers
    return st.dtype, bool(st.weak)


def check_write(tr: Any, name: str, st: Any, val: Any) -> None:
    """Raise `Retype` when a loop that owns `name`'s storage must be traced again because
    `val` has another type than the storage (dtype, or Python scalar against NumPy one)."""
    if not any(f is tr.frame and name in owned and name not in settled
               for f, owned, settled in tr.carried):
        return
    if not isinstance(val, Sym | View | Elem):
        return
    dtype, weak = val.dtype, bool(getattr(val, "weak", False))
    if isinstance(st, sympy.Symbol):
        if val.shape or dtype == DType.bool or (dtype.is_integer and weak):
            return  # Python integers stay in the integer symbol
        # NumPy integers leave it: `s = 0; s = s + u8[i]` is uint8 in NumPy, and wraps at
        # 256; `s = s + i64[i]` is an np.int64, which wins over an int8 array's type.
    else:
        if len(val.shape) != len(st.shape):
            return  # a change of rank is reported by the caller
        weak = weak and not st.shape  # only scalars are weak
    if (dtype, weak) != _type_of(st):
        raise Retype(tr.frame, name, dtype, weak)


def trace_loop(tr: Any, owned: set[str], trace: Callable[[], None],
               runs: sympy.Basic | None = None) -> None:
    """Run `trace` (which appends one loop block to the current region); when a variable
    whose storage `owned` names changes type inside, drop the block, give the variable
    storage of the new type and run it again.

    `runs` is the condition under which the loop runs at least once (None: not known). A
    retyped variable is only right when it holds: run zero times, NumPy keeps the value
    of the old type, so a call where `runs` fails stops with an error instead."""
    f = tr.frame
    region = tr.em.b.region
    counts: dict[str, int] = {}
    settled: set[str] = set()
    first = len(region.blocks)
    before = {n: _type_of(f.mutable[n])[0] for n in owned if n in f.mutable}
    while True:
        mark = len(region.blocks)
        env, pending, returns = dict(f.env), set(f.pending), tr.returns
        tr.carried.append((f, owned, settled))
        tr.resize_scopes.append((f, owned))
        resize = retype = None
        try:
            trace()
            # (a Python float that became a NumPy float64 is still a float64)
            changed = sorted(n for n in counts if _type_of(f.mutable[n])[0] != before.get(n))
            if changed and runs is not None:
                _require_a_run(tr, region, first, runs, changed)
            return
        except Retype as r:
            if r.frame is not f or r.name not in owned:
                raise
            retype = r
        except resizing.Resize as r:
            if r.frame is not f or r.name not in owned:
                raise
            resize = r
        finally:
            tr.carried.pop()
            tr.resize_scopes.pop()
        if tr.returns is not returns:
            if resize is not None:
                raise resize.refusal
            raise SluiceTypeError(
                f"'{retype.name}' changes type inside a loop that also returns",
                hint=f"initialise '{retype.name}' with its final type before the loop")
        del region.blocks[mark:]
        f.env.clear()
        f.env.update(env)
        f.pending.clear()
        f.pending.update(pending)
        if resize is not None:  # traced again with storage that changes size (resizing.py)
            f.mutable[resize.name] = resizing.copied(tr, resize.name, f.mutable[resize.name])
            continue
        f.mutable[retype.name] = _storage(tr, retype.name, f.mutable[retype.name], retype)
        counts[retype.name] = counts.get(retype.name, 0) + 1
        if counts[retype.name] >= _MAX_RETYPES:
            settled.add(retype.name)


def _require_a_run(tr: Any, region: Any, at: int, runs: sympy.Basic,
                   names: list[str]) -> None:
    """A check, placed before the retyped storage is made, that the loop runs at least once."""
    before = len(region.blocks)
    which = ", ".join(f"'{n}'" for n in names)
    tr.em.require_here(runs, f"the loop ran zero times, where NumPy keeps the value {which} "
                       "had before it, of another type than the loop gives it")
    if len(region.blocks) == before + 1:
        region.blocks.insert(at, region.blocks.pop())


def _storage(tr: Any, name: str, st: Any, r: Retype) -> View:
    """Fresh storage of the new type holding the old storage's value."""
    old = Sym(st, DType.int64) if isinstance(st, sympy.Symbol) else st
    if isinstance(st, sympy.Symbol) and r.dtype.is_integer and not r.weak:
        # the Python int the loop starts from meets the NumPy integer on the first
        # iteration, where NumPy 2 refuses one that type cannot hold (`c = -3; c = c - u16`)
        ufunc_types.check_weak_int(old, r.dtype)
    t = tr.em.temp(r.dtype, tuple(old.shape), name)
    tr.em.store(to_elem(ops.cast(old, r.dtype)), t)
    return dataclasses.replace(t, owned=False, weak=r.weak)
