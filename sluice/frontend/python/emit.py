"""Writing IR: fresh names, temporaries, element-wise stores as maps, library nodes, copies.

Every operation gets its own state, so program order alone orders them; a later pass may
fuse states. Element-wise values are written by one map whose single tasklet evaluates the
whole expression (the interpreter runs such maps batched).
"""

from __future__ import annotations

import itertools
import keyword
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

import sympy

from sluice.errors import ShapeError, SluiceIndexError
from sluice.frontend.python.bounds import Facts
from sluice.frontend.python.values import Elem, Rng, View, placeholder, reindexed, to_elem
from sluice.ir.builder import ProgramBuilder
from sluice.ir.dtypes import DType
from sluice.ir.memlet import Index, Memlet, Range
from sluice.ir.nodes import LibraryNode, Tasklet
from sluice.ir.requires import Requirement, bound_by_arguments, requirement
from sluice.ir.symbolic import (
    FUNCTIONS,
    Expr,
    FloorDiv,
    Select,
    free_names,
    provably_differ,
    symbol,
    value,
)

_RESERVED = {"inf", "nan", "True", "False", "None", *FUNCTIONS}

# The Emitter of the trace in progress: `broadcast` records its assumptions there.
_ACTIVE: ContextVar[Emitter | None] = ContextVar("sluice_emitter", default=None)

BROADCAST = "operands could not be broadcast together"


def active() -> Emitter | None:
    """The Emitter of the trace in progress, if any."""
    return _ACTIVE.get()


def broadcast(shapes: list[tuple[Expr, ...]], check: bool = True) -> tuple[Expr, ...] | None:
    """NumPy broadcasting of symbolic shapes; None when provably incompatible.

    Dimensions of size 1 stretch. Sizes of arguments are assumed to agree, and the program
    being traced requires it of its arguments (`Emitter.require`). Other sizes that do not
    provably agree are checked before the next store (`Emitter.flush_checks`): clipped sizes
    (`min(3, x_0)`) must be equal, and sizes known only at run time (a slice with run-time
    bounds) may also be 1, which stretches like a 1 does (`align` reads index 0 there).
    `check=False` leaves the checks to the caller."""
    rank = max((len(s) for s in shapes), default=0)
    out: list[Expr] = []
    for k in range(rank):
        sizes = [s[len(s) - rank + k] for s in shapes if len(s) - rank + k >= 0]
        big = list(dict.fromkeys(d for d in sizes if d != 1))
        if not big:
            out.append(sympy.Integer(1))
            continue
        pick = next((d for d in big if d.is_number), big[0])
        if any(differ(pick, d) and not runtime_size(pick) and not runtime_size(d)
               for d in big):
            return None
        # Sizes that are 1 unless clipped to 0 (x[:, k:k+1]) stretch like a 1.
        ones = [d for d in big if nominal(d) == 1]
        rest = [d for d in big if nominal(d) != 1] or ones[:1]
        pick = next((d for d in rest if d.is_number), rest[0])
        conds = [sympy.Or(sympy.Eq(d, 1), sympy.Eq(d, pick)) for d in ones if d != pick]
        if any(runtime_size(d) for d in rest) and len({nominal(d) for d in rest}) > 1:
            pick = rest[0]
            for d in rest[1:]:  # the first size that is not 1 (a 0 wins over a 1, as in NumPy)
                pick = Select(sympy.Eq(pick, 1), d, pick)
            conds += [sympy.Or(sympy.Eq(a, 1), sympy.Eq(b, 1), sympy.Eq(a, b))
                      for a, b in itertools.combinations(rest, 2)]
        elif any(clipped_size(d) or runtime_size(d) for d in rest):
            # equal unless clipped differently: compared, not stretched (a clear error
            # where NumPy would stretch a size clipped to 1)
            conds += [sympy.Eq(d, pick) for d in rest if d != pick]
        elif check and (em := _ACTIVE.get()) is not None:
            for d in rest:  # argument sizes: required of every call
                em.require(pick, "==", d, BROADCAST)
        if check:
            _check(*conds)
        out.append(pick)
    return tuple(out)


def nominal(d: Expr) -> Expr:
    """A slice's size before clipping against array sizes: min(i, A_1) is i, min(1, n - k)
    is 1, max(n - 2, 0) is n - 2 (other sizes are their own)."""
    d = _strip_clamp(sympy.sympify(d))
    em = _ACTIVE.get()
    sizes = em.facts.sizes if em is not None else set()

    def unclip(e: Expr) -> Expr:
        keep = [a for a in e.args if not free_names(a) & sizes]
        return sympy.Min(*keep) if keep and len(keep) < len(e.args) else e

    try:
        return sympy.expand(d.replace(lambda e: isinstance(e, sympy.Min), unclip))
    except ValueError:  # SymPy cannot order the arguments: no simpler form
        return d


def differ(a: Expr, b: Expr) -> bool:
    """Two sizes that differ wherever they are not both empty (x[1:] and x: n - 1 and n)."""
    return provably_differ(_strip_clamp(sympy.sympify(a)), _strip_clamp(sympy.sympify(b)))


def _strip_clamp(d: Expr) -> Expr:
    """`d` without the max(..., 0) that keeps an empty slice's size from going negative."""
    return d.replace(lambda e: isinstance(e, sympy.Max) and len(e.args) == 2 and 0 in e.args,
                     lambda e: e.args[0] if e.args[1] == 0 else e.args[1])


def clipped_size(d: Expr) -> bool:
    """A size over argument sizes with a clip (`min(3, x_0)`): two of them that are not
    identical may differ at run time, so they are compared there."""
    d = sympy.sympify(d)
    return not d.is_number and _strip_clamp(d).has(sympy.Max, sympy.Min)


def runtime_size(d: Expr) -> bool:
    """A size that depends on run-time values (loop variables, scalars, slices with such
    bounds), and so may be 1 at run time where another size is not."""
    d = sympy.sympify(d)
    if d.is_number:
        return False
    if d.has(Select, FloorDiv):
        return True
    em = _ACTIVE.get()
    sizes = em.facts.sizes if em is not None else set()
    return not free_names(d) <= sizes


def _check(*conds: Expr) -> None:
    em = _ACTIVE.get()
    if em is not None:
        em.pending.extend(conds)


def align(e: Elem, shape: tuple[Expr, ...]) -> Elem:
    """`e` re-indexed to broadcast into `shape` (same placeholders as the result)."""
    r, rank = len(e.shape), len(shape)
    sub = {}
    for k, d in enumerate(e.shape):
        p = placeholder(k + rank - r)
        t = shape[k + rank - r]
        if d == 1 or (nominal(d) == 1 and d != t):  # (a size clipped to 0 fails a check)
            sub[placeholder(k)] = sympy.Integer(0)
        elif d != t and runtime_size(d) and (nominal(d) != nominal(t) or t.has(Select)):
            # 1 only at run time; a Select size is `broadcast` stretching d, whatever its
            # nominal size (x[3:0:-2] is 2 before clipping, and 1 on a length-2 axis)
            sub[placeholder(k)] = Select(sympy.Eq(d, 1), 0, p)
        else:
            sub[placeholder(k)] = p
    if all(v == placeholder(k) for k, v in enumerate(sub.values())) and r == rank:
        return e
    return reindexed(e, sub, shape)


class Namer:
    """Unique IR names; user-derived names never start with '_' (internal names do)."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def fresh(self, base: str) -> str:
        base = base.lstrip("_") or "v"
        if base in _RESERVED or keyword.iskeyword(base):
            base = base + "_"
        name, k = base, 0
        while name in self.taken:
            k += 1
            name = f"{base}_{k}"
        self.taken.add(name)
        return name


class Emitter:
    """Builds one Program."""

    def __init__(self, name: str) -> None:
        self.b = ProgramBuilder(name)
        self.names = Namer()
        self.names.taken.add(name)
        self.requires: list[Requirement] = []
        self.where: Callable[[], str | None] = lambda: None  # the construct being traced
        self.can_add_block: Callable[[], bool] = lambda: True  # (not inside a map body)
        # Inside a loop or run-time branch, or after a return that may have been taken: a
        # requirement holds only where the operation runs (NumPy never runs the others)
        self.conditional: Callable[[], bool] = lambda: False
        self.facts = Facts()
        self.pending: list[Expr] = []  # conditions `broadcast` needs at run time
        self.arrays0d: set[str] = set()  # 0-d containers that are arrays, not NumPy scalars

    def activate(self) -> Any:
        """Make this the Emitter `broadcast` records into; returns the token to `reset`."""
        return _ACTIVE.set(self)

    @staticmethod
    def reset(token: Any) -> None:
        _ACTIVE.reset(token)

    # --- assumptions about sizes -----------------------------------------------------------
    def require(self, lhs: Expr, op: str, rhs: Expr, why: str) -> None:
        """The program computes NumPy's answer only if `lhs op rhs`: check it at each call,
        or, where it involves sizes computed inside the program, here while it runs."""
        r = requirement(lhs, op, rhs, why, self.where())
        if r is None or any((q.lhs, q.op, q.rhs) == (r.lhs, r.op, r.rhs)
                            for q in self.requires):
            return
        at_call = r.names <= bound_by_arguments(self.b.program)
        if at_call and not (self.conditional() and self.can_add_block()):
            self.requires.append(r)  # (a map body holds no checks: at the call, as before)
        elif self.can_add_block():
            self.b.check(r)

    def require_that(self, ok: Expr, what: str) -> None:
        """Stop with an error unless the condition `ok` (over integer sizes) holds; `what`
        says why, as NumPy would (`index_out_of_range` reads "index out of range")."""
        ok = sympy.sympify(ok)
        why = what.replace("_", " ")
        if ok is sympy.true:
            return
        if ok is sympy.false:  # fails whatever the arguments: say so now
            kind = SluiceIndexError if what.startswith("index") else ShapeError
            raise kind(why)
        self.require(Select(ok, 1, 0), "==", 1, why)

    def require_here(self, ok: Expr, what: str) -> None:
        """Like `require_that`, but checked where the operation runs (it may sit in a branch
        that a call does not take), not at the call."""
        ok = sympy.sympify(ok)
        if ok is sympy.true:
            return
        r = requirement(Select(ok, 1, 0), "==", 1, what, self.where())
        if r is not None and self.can_add_block():
            self.b.check(r)
        elif r is not None:
            self.require_that(ok, what)

    def flush_checks(self) -> None:
        """Emit the queued broadcast checks (see `broadcast`)."""
        pending, self.pending = list(dict.fromkeys(self.pending)), []
        if pending:
            self.require_that(sympy.And(*pending), "operands_could_not_be_broadcast")

    # --- containers ----------------------------------------------------------------------
    def temp(self, dtype: DType, shape: tuple[Expr, ...], hint: str = "tmp",
             array: bool = False) -> View:
        """A new transient; `array`: one the user made as an array (`np.zeros(())`), which
        NumPy treats as a 0-d array where a reduction's result would be a NumPy scalar."""
        name = self.names.fresh(hint)
        if shape:
            self.b.transient(name, dtype, list(shape))
            dims = tuple(Rng(sympy.Integer(0), sympy.Integer(1), d) for d in shape)
            return View(name, dtype, dims, tuple(range(len(shape))), owned=True)
        self.b.transient(name, dtype)
        if array:
            self.arrays0d.add(name)
        return View(name, dtype, (), (), owned=True)

    def symbol(self, hint: str) -> sympy.Symbol:
        name = self.names.fresh(hint)
        self.b.symbol(name)
        return symbol(name)

    # --- element-wise stores --------------------------------------------------------------
    def store(self, e: Elem, dst: View, label: str = "assign") -> None:
        """Write `e` (broadcast to the destination's shape) into the view `dst`."""
        shape = dst.shape
        self.flush_checks()
        full = broadcast([e.shape, shape], check=False)  # `fits` below checks the store
        if full is None or len(e.shape) > len(shape) or any(
                provably_differ(a, b) for a, b in zip(full, shape, strict=True)):
            raise ShapeError(f"cannot assign a value of shape {_fmt(e.shape)} to a view of "
                             f"shape {_fmt(shape)}")
        # A value stretches into the destination, never the other way (NumPy's rule).
        # (sizes equal before clipping are read without stretching: they must be equal)
        pairs = [(d, t) for d, t in zip(e.shape, shape[len(shape) - len(e.shape):],
                                        strict=True) if d != 1 and d != t]
        varying = [(d, t) for d, t in pairs if runtime_size(d) or runtime_size(t)
                   or clipped_size(d) or clipped_size(t)]
        fits = [sympy.Eq(d, t) if nominal(d) == nominal(t) and nominal(d) != 1
                else sympy.Or(sympy.Eq(d, 1), sympy.Eq(d, t)) for d, t in varying]
        for d, t in pairs:
            if (d, t) not in varying:  # argument sizes: required of every call
                self.require(d, "==", t, "could not broadcast the value into the view "
                             "assigned to")
        self.flush_checks()
        if fits:
            self.require_that(sympy.And(*fits), "could_not_broadcast_into_the_destination")
        e = align(e, shape)
        params = [symbol(f"_i{k}") for k in range(len(shape))]
        sub = {placeholder(k): p for k, p in enumerate(params)}
        out_idx = dst.index_exprs(params)
        reads = {c: (data, tuple(sympy.sympify(i).xreplace(sub) for i in idx))
                 for c, (data, idx) in e.reads.items()}
        if any(data == dst.data and idx != out_idx for data, idx in reads.values()):
            # The value reads elements the store overwrites: evaluate it fully first.
            tmp = self.temp(dst.dtype, shape)
            self.store(e, tmp, label)
            self.store(to_elem(tmp), dst, label)
            return
        expr = e.expr.xreplace(sub)  # NumPy's assignment casts to the destination's type
        # One connector per distinct element read.
        conns: dict[tuple, str] = {}
        inputs: dict[str, Memlet] = {}
        rename: dict[Any, Any] = {}
        for c, (data, idx) in reads.items():
            key = (data, idx)
            if key not in conns:
                conns[key] = c
                inputs[c] = Memlet(data, tuple(Index(i) for i in idx))
            else:
                rename[value(c)] = value(conns[key])
        if rename:
            expr = expr.xreplace(rename)
        out = Memlet(dst.data, tuple(Index(i) for i in out_idx))
        code = [("_out", expr)]
        with self.b.state() as s:
            if not shape:
                s.node(Tasklet(list(inputs), ["_out"], code, label=label), inputs, {"_out": out})
                return
            ranges = {str(p): Range(0, d) for p, d in zip(params, shape, strict=True)}
            with s.map_scope(ranges, label=label) as body:
                body.node(Tasklet(list(inputs), ["_out"], code, label=label), inputs,
                          {"_out": out})

    def accumulate(self, e: Elem, dst: View, n_out: int, label: str = "contract") -> None:
        """dst = sum of `e` over its dimensions after the first `n_out` (zeroed first)."""
        from sluice.frontend.python.values import Sym

        self.store(to_elem(Sym(sympy.Integer(0), dst.dtype)), dst, "zero")
        params = [symbol(f"_i{k}") for k in range(len(e.shape))]
        sub = {placeholder(k): p for k, p in enumerate(params)}
        inputs = {c: Memlet(data, tuple(Index(sympy.sympify(i).xreplace(sub)) for i in idx))
                  for c, (data, idx) in e.reads.items()}
        out = Memlet(dst.data, tuple(Index(i) for i in dst.index_exprs(params[:n_out])), "+")
        code = [("_out", e.expr.xreplace(sub))]
        ranges = {str(p): Range(0, d) for p, d in zip(params, e.shape, strict=True)}
        with self.b.state() as s, s.map_scope(ranges, label=label) as body:
            body.node(Tasklet(list(inputs), ["_out"], code, label=label), inputs, {"_out": out})

    def materialize(self, v: Any, hint: str = "tmp") -> View:
        """A view holding `v`: views stay as they are; other values go to a fresh temporary."""
        if isinstance(v, View):
            return v
        e = to_elem(v)
        t = self.temp(e.dtype, e.shape, hint)
        self.store(e, t)
        return t

    def cell(self, v: Any, hint: str = "tmp") -> View:
        """A scalar container holding the scalar `v` (conditions and symbols read these)."""
        if isinstance(v, View) and not v.dims:
            return v
        e = to_elem(v)
        t = self.temp(e.dtype, (), hint)
        self.store(e, t)
        return t

    def plain(self, v: Any, hint: str = "tmp") -> View:
        """A view expressible as a memlet subset (copying or transposing when needed)."""
        if isinstance(v, View) and v.plain:
            return v
        if isinstance(v, View) and None not in v.axes and all(
                not isinstance(d, Rng) or (d.step.is_number and d.step > 0) for d in v.dims):
            # A permuted view: one Transpose node.
            from sluice.ir.library import Transpose

            order = sorted(a for a in v.axes if a is not None)
            natural = View(v.data, v.dtype, v.dims, tuple(order))
            perm = [order.index(a) for a in v.axes]
            t = self.temp(v.dtype, v.shape, hint)
            self.library(Transpose(axes=perm), {"inp": natural}, {"out": t})
            return t
        t = self.temp(v.dtype, v.shape, hint)
        self.store(to_elem(v), t)
        return t

    # --- library nodes and copies ------------------------------------------------------------
    def library(self, node: LibraryNode, inputs: dict[str, View], outputs: dict[str, View]
                ) -> None:
        with self.b.state() as s:
            s.node(node, {k: memlet(v) for k, v in inputs.items()},
                   {k: memlet(v) for k, v in outputs.items()})

    def copy(self, src: View, dst: View) -> None:
        """Copy between plain views of equal size (shapes may differ: a reshape)."""
        self.require(_volume(src.shape), "==", _volume(dst.shape),
                     "the numbers of elements copied from and to differ")
        with self.b.state() as s:
            s.copy(memlet(src), memlet(dst))


def memlet(v: View) -> Memlet:
    """The memlet subset of a plain view."""
    subset = []
    for d in v.dims:
        if isinstance(d, Rng):
            stop = d.start + d.size if d.step == 1 else d.start + d.step * (d.size - 1) + 1
            subset.append(Range(d.start, stop, d.step))
        else:
            subset.append(Index(d))
    return Memlet(v.data, tuple(subset))


def _volume(shape: tuple) -> Expr:
    out = sympy.Integer(1)
    for d in shape:
        out = out * d
    return out


def _fmt(shape: tuple) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"
