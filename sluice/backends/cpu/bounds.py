"""Bounds-checked builds (`CpuOptions.boundscheck`, `SLUICE_BOUNDSCHECK=1`).

Every array element the generated code touches through a memlet goes through
`sl::bounds_at`, and every subset a copy, library node or call works on is checked as a whole
(`sl::bounds_span`) before the operation, which is skipped when it fails. The first violation
is recorded with a *site*: a number that stands for the container and the IR node (with its
source location) the access belongs to. Since no exception may leave an OpenMP region, the
code throws only at check points outside parallel loops (after each node that can fail);
the entry returns status 4 and the runner turns the record into an `OutOfBoundsError` that
points at the user's line.

With the option off nothing here is called and the generated code is unchanged.
"""

from __future__ import annotations

import linecache
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import sympy

from sluice.errors import OutOfBoundsError, SourceLocation
from sluice.ir.data import Array, Scalar, Stream
from sluice.ir.memlet import Index, Range, Subset
from sluice.ir.nodes import Access, Node
from sluice.runtime.switches import turned_on

if TYPE_CHECKING:
    from sluice.backends.cpu.emit import FnCtx, Scope

ENVIRONMENT = "SLUICE_BOUNDSCHECK"
STATUS = 4  # the entry's return code for a recorded violation
RECORD_WORDS = 6 + 2 * 8  # site, axis, lo, hi, extent, rank, index[8], shape[8]


def from_environment() -> bool:
    """`$SLUICE_BOUNDSCHECK` set (to anything but 0, off, no, false) turns checks on."""
    return turned_on(ENVIRONMENT)


@dataclass(frozen=True)
class Site:
    """Where a checked access comes from: the container and the IR node (and its source)."""

    container: str
    node: str
    program: str
    loc: SourceLocation | None


def enabled(fn: FnCtx) -> bool:
    return bool(getattr(fn.module.options, "bounds_checked", False))


@contextmanager
def at(fn: FnCtx, node: Node) -> Iterator[None]:
    """Accesses generated meanwhile belong to `node` (located where it, or the innermost
    enclosing node that has a location, was written)."""
    outer = fn.where
    # an access node generates the copies into it (and carries their location)
    what = f"the copy into '{node.data}'" if isinstance(node, Access) else node.describe()
    fn.where = (node.loc or outer[0], what)
    try:
        yield
    finally:
        fn.where = outer


def site(fn: FnCtx, container: str) -> int:
    fn.pending = True
    loc, what = fn.where
    return fn.module.site(Site(container, what, fn.program.name, loc))


def element(fn: FnCtx, name: str, indices: Sequence[object], scope: Scope) -> str:
    """The checked lvalue of `name[indices]` (a container with a shape)."""
    shape = fn.container(name).shape
    base = fn.cname(name)
    idx = ", ".join(fn.idx(i, scope) for i in indices)
    ext = ", ".join(fn.idx(d, scope) for d in shape)
    if name in fn.strided:  # an argument in any layout
        st = ", ".join(fn.idx(s, scope) for s in fn.strides(name))
        return f"sl::bounds_at({base}, {site(fn, name)}, {{{idx}}}, {{{ext}}}, {{{st}}})"
    return f"sl::bounds_at({base}, {site(fn, name)}, {{{idx}}}, {{{ext}}})"


def span_conditions(fn: FnCtx, name: str, subset: Subset | None, scope: Scope) -> list[str]:
    """C++ conditions that every element of `name[subset]` exists (recording the first that
    does not); dimensions the subset leaves out are whole and need none."""
    c = fn.container(name)
    if isinstance(c, Scalar) or not isinstance(c, Array | Stream) or not c.shape or not subset:
        return []
    out = []
    for axis, (d, extent) in enumerate(zip(subset, c.shape, strict=False)):
        if isinstance(d, Index):
            lo = hi = d.index
            count: sympy.Expr = sympy.Integer(1)
        else:
            assert isinstance(d, Range)
            count = d.size()
            lo, hi = d.start, d.start + d.step * (count - 1)
        if _provably_inside(lo, hi, count, extent) or (
                isinstance(d, Range) and d.start == 0 and d.step == 1 and d.stop == extent):
            continue  # (a whole dimension is always there)
        p = fn.idx
        out.append(f"sl::bounds_span({site(fn, name)}, {axis}, {p(lo, scope)}, {p(hi, scope)}, "
                   f"{p(count, scope)}, {p(extent, scope)})")
    return out


def _provably_inside(lo: sympy.Expr, hi: sympy.Expr, count: sympy.Expr,
                     extent: sympy.Expr) -> bool:
    """Only constant facts: SymPy's assumptions on symbols are not run-time facts."""
    vals = [sympy.sympify(x) for x in (lo, hi, count, extent)]
    if not all(v.is_Integer for v in vals):
        return False
    lo_, hi_, count_, extent_ = (int(v) for v in vals)
    return count_ <= 0 or (0 <= lo_ < extent_ and 0 <= hi_ < extent_)


@contextmanager
def guard(fn: FnCtx, spans: Sequence[tuple[str, Subset | None]], scope: Scope
          ) -> Iterator[None]:
    """Run the code emitted inside only when every span exists (checks on only)."""
    conds = list(dict.fromkeys(c for name, sub in spans
                               for c in span_conditions(fn, name, sub, scope))) \
        if enabled(fn) else []
    if not conds:
        yield
        return
    with fn.w.block(f"if ({' && '.join(conds)})"):
        yield


def check_point(fn: FnCtx, scope: Scope) -> None:
    """Throw a recorded violation here, if this point is outside every parallel loop."""
    if fn.pending and not scope.in_parallel and enabled(fn):
        fn.w("sl::bounds_check();")
        fn.pending = False


def error(program: str, sites: Sequence[Site], record: Sequence[int]) -> OutOfBoundsError:
    """The error for the entry's record (`RECORD_WORDS` integers)."""
    where, axis, lo, hi, extent, rank = (int(x) for x in record[:6])
    s = sites[where] if 0 <= where < len(sites) else Site("?", "?", program, None)
    if lo == hi:
        what = f"index {lo} is out of bounds for axis {axis} of '{s.container}' with size {extent}"
    else:
        what = (f"elements {lo} to {hi} of axis {axis} of '{s.container}' are out of bounds "
                f"for size {extent}")
    if rank > 1:
        idx = ", ".join(str(int(x)) for x in record[6:6 + rank])
        shape = ", ".join(str(int(x)) for x in record[14:14 + rank])
        what += f" (element [{idx}] of an array of shape ({shape}{',' if rank == 1 else ''}))"
    inside = f"{s.node} of program '{s.program}'"
    return OutOfBoundsError(f"{what}, in {inside}", _with_source(s.loc),
                            hint="the program reads or writes outside an array; NumPy raises "
                            "IndexError for such an index (this check is on because of "
                            "boundscheck=True or SLUICE_BOUNDSCHECK=1)", node=inside)


def _with_source(loc: SourceLocation | None) -> SourceLocation | None:
    """`loc` with its source line read back (locations parsed from IR text or JSON have
    only file, line and column)."""
    if loc is None or loc.source_line is not None or not loc.file or loc.line is None:
        return loc
    text = linecache.getline(loc.file, loc.line)
    return replace(loc, source_line=text.rstrip("\n")) if text else loc
