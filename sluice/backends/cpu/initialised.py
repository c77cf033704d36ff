"""Which transients a program completely writes before it reads any element of them.

The IR says a container a program allocates starts zeroed, and the generated code zeroes
it, unless this analysis proves nobody can observe the zeros: then the storage is handed
over as it is (a recycled block, or fresh pages). The proof is deliberately narrow:

* the first block of the program (in order) that mentions the transient is a state whose
  graph writes the *whole* transient through a single edge, without wcr, from an element-wise
  map (`t[p0, p1, ...] = ...` over full ranges), a library node (its output memlet covers
  `t`), or a copy from another container covering `t`;
* every other access of the transient in that state reads it after that write (it is
  reachable from the written access node);
* or the first such block is a loop that contains every mention of the transient, and the
  same holds, recursively, for the loop body: each iteration writes it before reading, and a
  loop that runs zero times reads nothing.

Anything else (a branch first, a read by a condition, a nested call, a partial or wcr write,
a stream) keeps the zeroing. A wrong "yes" here reads garbage, so when in doubt, say no.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sluice.ir.control import Block, Loop, Region, Return, State, While
from sluice.ir.data import Array, Scalar
from sluice.ir.graph import DataflowGraph, Edge
from sluice.ir.nodes import Access, LibraryNode, Map
from sluice.ir.program import Program
from sluice.passes.util import (
    accesses_in,
    base,
    control_reads,
    covers,
    elementwise_writer,
    reachable,
)
from sluice.runtime.switches import turned_on


def written_before_read(p: Program) -> set[str]:
    """Transient arrays of `p` that need no zeroing (see the module docstring)."""
    passed = set(p.args) | set(p.returns)
    mentioned_by_control = control_reads(p)
    out = set()
    for name, c in p.data.items():
        if not isinstance(c, Array) or not c.transient or name in passed:
            continue
        if name in mentioned_by_control:
            continue
        if _defined_first(p, p.body, name):
            out.add(name)
    return out


def unzeroed_returns(p: Program) -> set[str]:
    """Returned arrays that need no zeroing: the first top-level block that mentions one is a
    state that writes all of it before anything reads it, and no earlier block can return.
    (Unlike a transient's, a loop's proof does not do: the caller sees the array even when
    the loop runs zero times.)"""
    passed, control = set(p.args), control_reads(p)
    out = set()
    for name in p.returns:
        if not isinstance(p.data.get(name), Array) or name in passed or name in control:
            continue
        for b in p.body.blocks:
            if _mentions(b, name):
                if isinstance(b, State) and _state_writes_first(p, b.graph, name):
                    out.add(name)
                break
            if isinstance(b, Return) or any(isinstance(x, Return) for r in b.regions()
                                            for x in r.walk()):
                break
    return out


def return_allocators(p: Program) -> list[Callable[[tuple, np.dtype], np.ndarray]]:
    """How the runner allocates each returned array: `np.empty` where `unzeroed_returns`
    proves the zeros unobservable (filled with all-ones bytes under
    `$SLUICE_POISON_UNZEROED`, as the generated code fills its own), else `np.zeros`."""
    fresh = _poisoned if poison_unzeroed() else np.empty
    unzeroed = unzeroed_returns(p)
    return [fresh if r in unzeroed else np.zeros for r in p.returns]


def poison_unzeroed() -> bool:
    """`$SLUICE_POISON_UNZEROED` is set (not 0/off): memory handed out unzeroed, by the
    generated code and by the runner, is filled with all-ones bytes instead."""
    return turned_on("SLUICE_POISON_UNZEROED")


def _poisoned(shape: tuple, dtype: np.dtype) -> np.ndarray:
    a = np.empty(shape, dtype)
    a.reshape(-1).view(np.uint8).fill(0xFF)
    return a


def _mentions(block: Block, name: str) -> bool:
    if isinstance(block, State):
        return bool(accesses_in(block.graph, name))
    return any(_mentions(b, name) for r in block.regions() for b in r.blocks)


def _defined_first(p: Program, region: Region, name: str) -> bool:
    refs = [b for b in region.blocks if _mentions(b, name)]
    if not refs:
        return False  # never touched here: nothing to prove, keep the zeroing
    first = refs[0]
    if isinstance(first, State):
        return _state_writes_first(p, first.graph, name)
    if isinstance(first, Loop | While) and len(refs) == 1:
        return _defined_first(p, first.body, name)
    return False


def _state_writes_first(p: Program, g: DataflowGraph, name: str) -> bool:
    nodes = [n for n in g.nodes if isinstance(n, Access) and base(n.data) == name]
    # Mentions inside map bodies must be connected to the outside through those nodes; a map
    # body that names the transient on its own is not something this proof covers.
    if not all(_inner_ok(g, n, name) for n in g.nodes if isinstance(n, Map)):
        return False
    written = [n for n in nodes if any(e.memlet is not None for e in g.in_edges(n))]
    if len(written) != 1 or written[0].data != name:
        return False
    target = written[0]
    writers = [e for e in g.in_edges(target) if e.memlet is not None]
    if len(writers) != 1 or not _full_write(p, g, writers[0], name):
        return False
    after = reachable(g, target)
    return all(n is target or n in after for n in nodes)


def _inner_ok(g: DataflowGraph, m: Map, name: str) -> bool:
    """A map whose body names `name` is connected to an outer access node of it."""
    if not accesses_in(m.body, name):
        return True
    return any(isinstance(e.src, Access) and base(e.src.data) == name for e in g.in_edges(m)) \
        or any(isinstance(e.dst, Access) and base(e.dst.data) == name for e in g.out_edges(m))


def _full_write(p: Program, g: DataflowGraph, e: Edge, name: str) -> bool:
    m = e.memlet
    if m.wcr is not None:
        return False
    shape = p.data[name].shape
    src = e.src
    if isinstance(src, Map):
        return elementwise_writer(src, name, shape) and not any(
            isinstance(x.src, Access) and base(x.src.data) == name for x in g.in_edges(src))
    if isinstance(src, LibraryNode):
        return base(m.data) == name and covers(m.subset, shape) and not any(
            x.memlet is not None and base(x.memlet.data) == name for x in g.in_edges(src))
    if isinstance(src, Access):
        other = p.data.get(base(src.data))
        if base(src.data) == name or not isinstance(other, Array | Scalar):
            return False  # a self-copy, or a stream pop
        dst_sub = m.other_subset if m.other is not None else m.subset
        return covers(dst_sub, shape)
    return False
