"""What a gradient keeps, and how much memory it needs, for concrete arguments.

A joint program allocates every container it owns when it starts and frees it when it
returns (the CPU backend and the interpreter both do), so its peak memory is the sum of its
containers: arguments, results, gradients, temporaries and the tapes the forward pass saves
for the sweep. `plan` evaluates those sizes for one call; `check_budget` refuses a budget
the gradient cannot keep, naming the smallest one that works.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

from sluice.errors import SluiceError
from sluice.ir.control import Loop, State
from sluice.ir.data import Array, Scalar
from sluice.ir.interpreter import bind_symbols
from sluice.ir.nodes import Access, Tasklet
from sluice.ir.program import Program
from sluice.ir.symbolic import Expr, evaluate, free_names
from sluice.passes.autodiff.structure import loop_trips

_SAVES = ("save_", "record_case")  # the states of the forward pass that fill tapes


@dataclass
class TapeRow:
    value: str  # the forward container (or symbol, or branch) the tape keeps
    tape: str
    bytes: int
    decision: str = "store"  # or "checkpoint"
    loop: int | None = None  # the outermost loop the tape belongs to


@dataclass
class Plan:
    rows: list[TapeRow]
    tape_bytes: int
    gradient_bytes: int
    other_bytes: int  # arguments, results and the forward pass's own temporaries

    @property
    def peak_bytes(self) -> int:
        return self.tape_bytes + self.gradient_bytes + self.other_bytes

    def __str__(self) -> str:
        lines = [f"{'value':24s} {'bytes':>12s}  decision"]
        lines += [f"{r.value:24s} {r.bytes:12,d}  {r.decision}"
                  + (f" (loop {r.loop})" if r.loop is not None else "") for r in self.rows]
        lines.append(f"tapes {self.tape_bytes:,d} B, gradients {self.gradient_bytes:,d} B, "
                     f"other {self.other_bytes:,d} B: peak {self.peak_bytes:,d} B")
        return "\n".join(lines)


def plan(joint: Program, args: Sequence[Any]) -> Plan:
    """The tapes of `joint` and its memory, for the call `joint(*args)` (positional, in
    `joint.args` order)."""
    shapes = {n: np.shape(a) for n, a in zip(joint.args, args, strict=False)
              if n in joint.data and isinstance(joint.data[n], Array)}
    given = {n: int(a) for n, a in zip(joint.args, args, strict=False)
             if n in joint.symbols and not isinstance(a, np.ndarray)}
    env = bind_symbols(joint, shapes, given)
    ends = _loop_ends(joint)
    size = {n: _bytes(joint, n, env, ends) for n in joint.data}
    tapes = _tapes(joint)
    loops = getattr(joint, "tape_loops", {})
    rows = [TapeRow(value, tape, size[tape], "checkpoint" if tape.startswith("ckpt_") else
                    "store", loops.get(tape)) for tape, value in tapes.items()]
    grads = sum(size[n] for n in joint.data if n.startswith("grad_"))
    tape_bytes = sum(r.bytes for r in rows)
    other = sum(size.values()) - tape_bytes - grads
    return Plan(rows, tape_bytes, grads, other)


def _bytes(p: Program, name: str, env: dict[str, Any],
           ends: list[tuple[str, Expr, Expr]]) -> int:
    """The container's size; for one sized by loop variables (allocated again when its
    shape changes), its largest, taking each variable at its loop's first and last value
    (sizes are affine in them, as tapes' are)."""
    c = p.data[name]
    if isinstance(c, Scalar):
        return c.dtype.itemsize
    size = sympy.Mul(*c.shape)
    envs = [env]
    for var, first, last in ends:
        if var in free_names(size) and var not in env:
            envs = [e | {var: int(evaluate(v, e))} for e in envs for v in (first, last)
                    if free_names(v) <= set(e)] or envs
    return max((max(0, int(evaluate(size, e))) for e in envs), default=0) \
        * c.dtype.itemsize


def _loop_ends(p: Program) -> list[tuple[str, Expr, Expr]]:
    """(variable, first value, last value) of every loop, outer loops first."""
    out = []
    for blk in p.body.walk():
        if isinstance(blk, Loop):
            out.append((blk.var, blk.start, blk.start + (loop_trips(blk) - 1) * blk.step))
    return out


def _tapes(joint: Program) -> dict[str, str]:
    """Tape container -> what it keeps, from the forward pass's save states."""
    out: dict[str, str] = {}
    for st in joint.body.walk():
        if not (isinstance(st, State) and st.name.startswith(_SAVES)):
            continue
        g = st.graph
        for node in g.nodes:
            if isinstance(node, Tasklet):  # a branch's case, or a symbol's old value
                kept = ("a branch's case" if node.label == "record_case"
                        else f"symbol {node.code[0][1]}")
                for e in g.out_edges(node):
                    out.setdefault(e.memlet.data, kept)
        for e in g.edges:
            if isinstance(e.src, Access) and isinstance(e.dst, Access) and e.memlet:
                out.setdefault(e.memlet.other or e.dst.data, e.memlet.data)
    return out


_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def parse_budget(budget: int | float | str) -> int:
    """Bytes from `256MB`, `1.5 GiB`, `1e9` or a number."""
    if isinstance(budget, int | float) and not isinstance(budget, bool):
        if budget <= 0:
            raise SluiceError(f"memory_budget must be positive, not {budget!r}")
        return int(budget)
    m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([A-Za-z]*)\s*",
                     str(budget))
    if m is None or m.group(2).lower() not in _UNITS or float(m.group(1)) <= 0:
        raise SluiceError(f"memory_budget {budget!r} is not a size",
                          hint="write bytes as a number or with a unit: '256MB', '2GiB'")
    return int(float(m.group(1)) * _UNITS[m.group(2).lower()])


def loop_bytes(p: Plan) -> dict[int, int]:
    """Tape bytes per outermost loop."""
    out: dict[int, int] = {}
    for r in p.rows:
        if r.loop is not None:
            out[r.loop] = out.get(r.loop, 0) + r.bytes
    return out


def check_budget(p: Plan, budget: int) -> None:
    """Refuse a budget below what storing every needed value takes."""
    if p.peak_bytes > budget:
        raise SluiceError(
            f"the gradient needs {p.peak_bytes:,d} bytes ({p.tape_bytes:,d} of them tapes "
            f"of overwritten values), more than memory_budget = {budget:,d}",
            hint=f"the smallest feasible budget is {p.peak_bytes:,d} bytes, with "
                 + ("its loops checkpointed" if any(r.decision == "checkpoint" for r in p.rows)
                    else "every needed value stored"))


__all__ = ["Plan", "TapeRow", "check_budget", "loop_bytes", "parse_budget", "plan"]
