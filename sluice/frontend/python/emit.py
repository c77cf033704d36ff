"""Writing IR: fresh names, temporaries, element-wise stores as maps, library nodes, copies.

Every operation gets its own state, so program order alone orders them; a later pass may
fuse states. Element-wise values are written by one map whose single tasklet evaluates the
whole expression (the interpreter runs such maps batched).
"""

from __future__ import annotations

import keyword
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

import sympy

from sluice.errors import ShapeError
from sluice.frontend.python.values import Elem, Rng, View, placeholder, to_elem
from sluice.ir.builder import ProgramBuilder
from sluice.ir.dtypes import DType
from sluice.ir.memlet import Index, Memlet, Range
from sluice.ir.nodes import LibraryNode, Tasklet
from sluice.ir.requires import Requirement, bound_by_arguments, requirement
from sluice.ir.symbolic import FUNCTIONS, Expr, provably_differ, symbol, value

_RESERVED = {"inf", "nan", "True", "False", "None", *FUNCTIONS}

# The Emitter of the trace in progress: `broadcast` records its assumptions there.
_ACTIVE: ContextVar[Emitter | None] = ContextVar("sluice_emitter", default=None)

BROADCAST = "operands could not be broadcast together"


def broadcast(shapes: list[tuple[Expr, ...]]) -> tuple[Expr, ...] | None:
    """NumPy broadcasting of symbolic shapes; None when provably incompatible.

    Dimensions of size 1 stretch; two symbolic sizes are assumed to agree, and the
    program being traced requires it of its arguments (`Emitter.require`)."""
    rank = max((len(s) for s in shapes), default=0)
    out: list[Expr] = []
    for k in range(rank):
        sizes = [s[len(s) - rank + k] for s in shapes if len(s) - rank + k >= 0]
        big = [d for d in sizes if d != 1]
        if not big:
            out.append(sympy.Integer(1))
            continue
        pick = next((d for d in big if d.is_number), big[0])
        if any(provably_differ(pick, d) for d in big):
            return None
        em = _ACTIVE.get()
        if em is not None:
            for d in big:
                em.require(pick, "==", d, BROADCAST)
        out.append(pick)
    return tuple(out)


def align(e: Elem, shape: tuple[Expr, ...]) -> Elem:
    """`e` re-indexed to broadcast into `shape` (same placeholders as the result)."""
    r, rank = len(e.shape), len(shape)
    sub = {placeholder(k): (sympy.Integer(0) if d == 1 else placeholder(k + rank - r))
           for k, d in enumerate(e.shape)}
    if all(v == placeholder(k) for k, v in enumerate(sub.values())) and r == rank:
        return e
    reads = {c: (data, tuple(sympy.sympify(i).xreplace(sub) for i in idx))
             for c, (data, idx) in e.reads.items()}
    return Elem(shape, e.dtype, e.expr.xreplace(sub), reads, e.weak)


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

    def activate(self) -> Any:
        """Make this the Emitter `broadcast` records into; returns the token to `reset`."""
        return _ACTIVE.set(self)

    @staticmethod
    def reset(token: Any) -> None:
        _ACTIVE.reset(token)

    # --- assumptions about argument sizes --------------------------------------------------
    def require(self, lhs: Expr, op: str, rhs: Expr, why: str) -> None:
        """The program computes NumPy's answer only if `lhs op rhs`: check it at each call,
        or, where it involves sizes computed inside the program, here while it runs."""
        r = requirement(lhs, op, rhs, why, self.where())
        if r is None or any((q.lhs, q.op, q.rhs) == (r.lhs, r.op, r.rhs)
                            for q in self.requires):
            return
        if r.names <= bound_by_arguments(self.b.program):
            self.requires.append(r)
        elif self.can_add_block():
            self.b.check(r)

    # --- containers ----------------------------------------------------------------------
    def temp(self, dtype: DType, shape: tuple[Expr, ...], hint: str = "tmp") -> View:
        name = self.names.fresh(hint)
        if shape:
            self.b.transient(name, dtype, list(shape))
            dims = tuple(Rng(sympy.Integer(0), sympy.Integer(1), d) for d in shape)
            return View(name, dtype, dims, tuple(range(len(shape))), owned=True)
        self.b.transient(name, dtype)
        return View(name, dtype, (), (), owned=True)

    def symbol(self, hint: str) -> sympy.Symbol:
        name = self.names.fresh(hint)
        self.b.symbol(name)
        return symbol(name)

    # --- element-wise stores --------------------------------------------------------------
    def store(self, e: Elem, dst: View, label: str = "assign") -> None:
        """Write `e` (broadcast to the destination's shape) into the view `dst`."""
        shape = dst.shape
        # NumPy stretches the value's size-1 dimensions; every other one must match.
        pairs = [(v, d) for v, d in zip(reversed(e.shape), reversed(shape), strict=False)
                 if v != 1]
        if len(e.shape) > len(shape) or any(provably_differ(v, d) for v, d in pairs):
            raise ShapeError(f"cannot assign a value of shape {_fmt(e.shape)} to a view of "
                             f"shape {_fmt(shape)}")
        for v, d in pairs:
            self.require(v, "==", d, "could not broadcast the value into the view assigned to")
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
