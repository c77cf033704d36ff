"""Dependence-analysis proofs the parallel plan may use besides its own syntactic test.

`plan_parallel` runs a parameter on threads when every write is injective in it, read
off the subsets. A loop pass's `cpu_parallel` tile loop (`i_tile` around
`i = i_tile .. i_tile + 4`) never indexes an array itself, so that test fails although
the tiles are disjoint. islpy decides it: no two iterations of the map touch one element
that either writes (`sluice.passes.loops.dependence`). Where that is proven, the loop
runs on threads without atomics; anything the analysis does not cover (scalars, streams,
library nodes, calls, non-affine subsets) leaves the decision to the usual test.
"""

from __future__ import annotations

from sluice.errors import SluiceError
from sluice.ir.data import Array
from sluice.ir.graph import DataflowGraph
from sluice.ir.nodes import Access, Map, Schedule, Tasklet
from sluice.ir.program import Program


def disjoint_iterations(p: Program, m: Map) -> bool:
    """Whether the iterations of the single-parameter `cpu_parallel` map `m` provably
    never touch an element that one of them writes."""
    if m.schedule != Schedule.cpu_parallel or len(m.params) != 1:
        return False
    for n, _ in m.body.walk():
        if isinstance(n, Access):
            if not isinstance(p.data.get(n.data.partition(".")[0]), Array):
                return False
        elif not isinstance(n, Tasklet | Map):
            return False
    # (islpy loads only for maps a loop pass scheduled)
    from sluice.passes.loops.dependence import analyse
    from sluice.passes.loops.nest import nest_of

    try:
        deps = analyse(p, nest_of(None, DataflowGraph(), m))
    except SluiceError:  # not affine: not provable
        return False
    return not deps.blocking and not deps.carried_at(0)
