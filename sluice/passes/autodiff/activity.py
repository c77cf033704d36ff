"""Which containers carry gradients: those that depend on a differentiated input (varied)
and that the output depends on (useful), as DaCe AD's critical computation subgraph.

The analysis works on whole containers and iterates to a fixed point over every operation
of the program, so values that flow around a loop are found whatever the order of its
states. Only floating-point data is differentiated: integers and booleans stop a path.
"""

from __future__ import annotations

from collections.abc import Iterable

from sluice.ir.program import Program
from sluice.passes.autodiff.ops import Op


def active_containers(program: Program, ops: Iterable[Op], wrt: Iterable[str],
                      output: str) -> set[str]:
    """The containers whose gradients the reverse sweep must compute."""
    ops = list(ops)
    floats = {n for n, c in program.data.items() if c.dtype.is_float}
    varied = _closure(set(wrt) & floats, ops, lambda op: op.read_names,
                      lambda op: op.written_names, floats)
    useful = _closure({output} & floats, ops, lambda op: op.written_names,
                      lambda op: op.read_names, floats)
    return varied & useful


def _closure(start: set[str], ops: list[Op], source, target, floats: set[str]) -> set[str]:
    reached = set(start)
    changed = True
    while changed:
        changed = False
        for op in ops:
            if source(op) & reached:
                new = (target(op) & floats) - reached
                if new:
                    reached |= new
                    changed = True
    return reached


__all__ = ["active_containers"]
