"""Which forward values the reverse sweep needs, and how it keeps them.

A backward rule reads forward values (`rules.backward_reads`); the sweep must show it the
values its operation saw. Two ways to keep a value that a later state overwrites:

* an undo tape at the write: before the overwriting state, the forward pass copies the part
  it overwrites into a slot per iteration, and the sweep copies it back when it passes the
  state (`reverse._TapePlanner._save`);
* a snapshot at the read: before the reading state, the forward pass copies the part its
  rules read, and those rules read the copy (`Slot.moved`).

Per container, the cheaper one is chosen from the volumes both would copy (`at_reads`):
symm rewrites the rows above row i at every step (an undo tape of O(M^2 N) values) but its
rules read one row per step (snapshots of O(M N)).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

from sluice.ir.control import Loop, Region, State
from sluice.ir.data import Array
from sluice.ir.graph import DataflowGraph
from sluice.ir.memlet import Index, Memlet, Range
from sluice.ir.nodes import Access, Map
from sluice.ir.program import Program
from sluice.ir.symbolic import Expr, evaluate, free_names
from sluice.passes.autodiff.ops import Op
from sluice.passes.autodiff.rules import backward_reads, view_shape


@dataclass(frozen=True)
class Place:
    """Where a state is: its position in program order and its enclosing loops."""

    order: int
    loops: frozenset[int]


def places(region: Region, loops: frozenset[int] = frozenset(),
           out: dict[int, Place] | None = None) -> dict[int, Place]:
    """The place of every state of `region`, by the state's id."""
    out = {} if out is None else out
    for blk in region.blocks:
        if isinstance(blk, State):
            out[id(blk)] = Place(len(out), loops)
        inner = loops | {id(blk)} if isinstance(blk, Loop) else loops
        for r in blk.regions():
            places(r, inner, out)
    return out


@dataclass
class Reader:
    """A state whose backward rules read a container, and the subsets they read it at
    (the operations' own memlets: a rule reads nothing outside them)."""

    state: int
    place: Place
    subsets: set[tuple] = field(default_factory=set)


def backward_readers(p: Program, ops: dict[int, list[Op]], active: set[str]
                     ) -> dict[str, list[Reader]]:
    """Per container, the states whose backward rules read its forward values (only
    operations that write a gradient-carrying container have rules to run)."""
    where = places(p.body)
    out: dict[str, dict[int, Reader]] = {}
    for sid, v in ops.items():
        for op in v:
            if not op.written_names & active:
                continue
            for d in backward_reads(op, active, p.data):
                r = out.setdefault(d, {}).setdefault(sid, Reader(sid, where[sid]))
                r.subsets |= {m.subset for _, m, _ in op.reads if m.data == d}
    return {d: list(rs.values()) for d, rs in out.items()}


def read_later(readers: list[Reader], here: Place) -> bool:
    """Whether a rule that the sweep runs after it passes the state at `here` reads the
    container: the rule of an operation before that state in program order, of the state
    itself, or of one that shares a loop with it (its earlier iterations come before).
    Rules of the operations after it, outside its loops, run earlier in the sweep, while
    the container still holds what they read: a write only they read needs no tape."""
    return any(r.place.order <= here.order or r.place.loops & here.loops for r in readers)


def at_reads(p: Program, ops: dict[int, list[Op]], readers: dict[str, list[Reader]],
             new_reads: Callable[[list[Op], Op, str], bool]) -> dict[str, set[int]]:
    """The containers kept by snapshots at their reads, with the reading states that take
    one (those that some later write would otherwise change under them): where each of
    those states reads one subset (with unit steps) and no value it writes itself
    (`new_reads`), and the snapshots copy less than undo tapes would (sizes estimated at
    1000, loop variables at 500)."""
    loops = {id(b): b for b in p.body.walk() if isinstance(b, Loop)}
    loop_vars = {b.var for b in loops.values()}
    env = {n: 500 if n in loop_vars else 1000 for n in p.symbols}
    where = places(p.body)

    def volume(subset: tuple, place: Place) -> float:
        n = 1.0
        for d in view_shape(subset):
            n *= max(0.0, float(evaluate(d, env)))
        for lp in place.loops:
            b = loops[lp]
            step = float(evaluate(b.step, env))
            n *= max(0.0, (float(evaluate(b.stop, env)) - float(evaluate(b.start, env)))
                     / step)
        return n

    out = {}
    for d, rs in readers.items():
        c = p.data[d]
        if not isinstance(c, Array) or set().union(*(free_names(n) for n in c.shape)) \
                & loop_vars:
            continue
        writes = [(sid, m.subset) for sid, v in ops.items() for op in v
                  for _, m, _ in op.writes if m.data == d]
        undo = sum(volume(sub, where[sid]) for sid, sub in writes
                   if read_later(rs, where[sid]))
        taking = [r for r in rs if any(read_later([r], where[sid]) for sid, _ in writes)]
        if any(len(r.subsets) != 1 or not _unit_steps(next(iter(r.subsets)))
               or any(new_reads(ops[r.state], op, d) for op in ops[r.state]
                      if d in op.written_names) for r in taking):
            continue
        snaps = sum(volume(next(iter(r.subsets)), r.place) for r in taking)
        if undo > 0 and snaps < undo:
            out[d] = {r.state for r in taking}
    return out


def _unit_steps(subset: tuple) -> bool:
    return all(isinstance(d, Index) or d.step == 1 for d in subset)


@dataclass
class Slot:
    """A copy of the part `saved` of a container, in a tape slot: reads of that part move
    into the slot."""

    saved: tuple  # the subset copied (unit steps)
    slot: Memlet  # the tape's slot: an index per enclosing loop, then a range per range

    def moved(self, subset: tuple) -> tuple:
        """The slot's subset that holds the container's `subset` (inside `saved`)."""
        out = list(self.slot.subset[:len(self.slot.subset) - len(view_shape(self.saved))])
        for s, t in zip(self.saved, subset, strict=True):
            if isinstance(s, Index):
                continue
            if isinstance(t, Index):
                out.append(Index(t.index - s.start))
            else:
                out.append(Range(t.start - s.start, t.stop - s.start, t.step))
        return tuple(out)


def redirect(g: DataflowGraph, slots: dict[str, Slot]) -> None:
    """Make the reads of the containers in `slots` in `g` (and its map bodies) read their
    slots."""
    for node in g.nodes:
        if isinstance(node, Access) and node.data in slots:
            node.data = slots[node.data].slot.data
        if isinstance(node, Map):
            redirect(node.body, slots)
    for e in g.edges:
        m = e.memlet
        if m is not None and m.data in slots:
            s = slots[m.data]
            e.memlet = dataclasses.replace(m, data=s.slot.data, subset=s.moved(m.subset))


def whole_slot(slot: Memlet, shape: tuple[Expr, ...]) -> Slot:
    """The slot of a whole container (its shape's ranges from 0)."""
    return Slot(tuple(Range(0, n) for n in shape), slot)


__all__ = ["Place", "Reader", "Slot", "at_reads", "backward_readers", "places", "read_later",
           "redirect", "whole_slot"]
