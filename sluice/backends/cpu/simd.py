"""`#pragma omp simd` for a `vector`-scheduled single-parameter map, where it is safe.

SIMD lanes run several iterations at once, so the pragma needs iterations that never
meet on an element (islpy dependence analysis, `sluice.passes.loops.dependence`), and a
body OpenMP allows inside a simd loop: tasklets and access nodes only (no copies, calls,
streams or nested maps), no atomic writes, and no bounds checks (they throw). Otherwise
the loop stays a plain loop: the schedule is a request, never a licence.
"""

from __future__ import annotations

from sluice.backends.cpu import bounds
from sluice.backends.cpu.analysis import is_stream, private_scalars
from sluice.backends.cpu.emit import FnCtx, Scope
from sluice.backends.cpu.writes import conflicts
from sluice.errors import SluiceError
from sluice.ir.data import Scalar
from sluice.ir.graph import DataflowGraph
from sluice.ir.nodes import Access, Map, Schedule, Tasklet

SIMD_PRAGMA = "#pragma omp simd"


def simd_pragma(fn: FnCtx, m: Map, parent: DataflowGraph, scope: Scope) -> str | None:
    """The pragma for `m`'s loop, or None where it is not proven safe."""
    if m.schedule != Schedule.vector or len(m.params) != 1 or bounds.enabled(fn):
        return None
    if any(not isinstance(n, Access | Tasklet) for n in m.body.nodes):
        return None
    private = private_scalars(fn.program, m, parent)
    if any(
        isinstance(fn.program.data.get(n.data), Scalar) and n.data not in private
        for n in m.body.accesses()
    ):
        return None  # a scalar the lanes would share
    for e in m.body.edges:
        mm = e.memlet
        if mm is None or isinstance(e.src, Access) and isinstance(e.dst, Access):
            return None
        if is_stream(fn.program, mm.data):
            return None
        if mm.wcr is not None and conflicts(fn, mm, scope):
            return None  # (an atomic update may not sit in a simd loop)
    # (islpy loads only for maps a loop pass scheduled)
    from sluice.passes.loops.dependence import analyse
    from sluice.passes.loops.nest import Loop, MapNest

    nest = MapNest(None, parent, m, [Loop(m.params[0], m.ranges[0], m.schedule)], m.body)
    try:
        deps = analyse(fn.program, nest)
    except SluiceError:  # not affine: not provable
        return None
    if deps.blocking or deps.carried_at(0):
        return None
    return SIMD_PRAGMA
