"""The first accumulation into a container the program allocates is a plain write.

Such a container starts zeroed (DESIGN.md), so `T[i] += v` (a write with wcr '+') that is
the first thing to touch T, once per element, stores `v`. Autodiff's backward pass adds
every contribution to a gradient this way; as a plain write, the first contribution needs
no zeroed array under it (backends/cpu/initialised.py) and can fuse with the map that reads
it (map-fusion), which then never materialises T (go_fast's gradient of `sum(a + t)`
broadcast the scalar adjoint into an N x N array, then added that array into the gradient
of `a`).

Match (all must hold, else T is left alone):
* T is an array or scalar the program allocates (a transient or a return, not an argument
  or a stream);
* the first top-level block of the program that mentions T is a state: not inside a loop
  (whose next iteration would add onto the first) or a branch;
* in that state, T has one access node in the state's graph, written by one edge with wcr
  '+' from a tasklet (one execution, so a scalar or one element) or from a map whose body
  writes T through one edge with wcr '+' at exactly `T[p0, p1, ...]` (its parameters, in
  order: every iteration a different element) and reads nothing of T.
Apply: both memlets (inside the map and out of it) lose their wcr.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from sluice.ir.control import State
from sluice.ir.data import Array, Scalar
from sluice.ir.graph import DataflowGraph, Edge
from sluice.ir.nodes import Access, Map, Tasklet
from sluice.ir.program import Program
from sluice.passes.manager import Pass, PassReport, register
from sluice.passes.util import accesses_in, base, identity_subset, mentioned


@register
@dataclass(frozen=True)
class FirstAccumulation(Pass):
    name = "first-accumulation"

    def run(self, program: Program, report: PassReport) -> None:
        fresh = [n for n, c in program.data.items() if type(c) in (Array, Scalar)
                 and (c.transient or n in program.returns) and n not in program.args]
        blocks = program.body.blocks
        touched = [mentioned(b) for b in blocks]  # (dropping a wcr changes no names)
        for t in fresh:
            first = next((b for b, names in zip(blocks, touched, strict=True) if t in names),
                         None)
            if isinstance(first, State) and _plain(first.graph, t):
                report.changes.append(f"the first accumulation into '{t}' in state "
                                      f"'{first.name}' is a plain write")


def _plain(g: DataflowGraph, t: str) -> bool:
    """Drop the wcr of T's first write in `g` where the module docstring's match holds."""
    tops = [n for n in g.nodes if isinstance(n, Access) and base(n.data) == t]
    if len(tops) != 1 or tops[0].data != t:
        return False
    ins = list(g.in_edges(tops[0]))
    if len(ins) != 1 or ins[0].memlet is None or ins[0].memlet.wcr != "+":
        return False
    src = ins[0].src
    if isinstance(src, Tasklet):
        _plain_edge(ins[0])
        return True
    if not isinstance(src, Map):
        return False
    inner = accesses_in(src.body, t)  # (nested bodies too: a nested map's T[i] += ... adds)
    if len(inner) != 1 or inner[0][0] is not src.body:
        return False
    node = inner[0][1]
    writes = list(src.body.in_edges(node))
    if src.body.out_edges(node) or len(writes) != 1:
        return False
    m = writes[0].memlet
    if m is None or m.wcr != "+" or not identity_subset(m.subset, src.params):
        return False
    _plain_edge(writes[0])
    _plain_edge(ins[0])
    return True


def _plain_edge(e: Edge) -> None:
    e.memlet = dataclasses.replace(e.memlet, wcr=None)
