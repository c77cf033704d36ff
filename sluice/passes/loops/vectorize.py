"""Vectorisation: strip-mine one loop by the vector width into a `vector`-scheduled map.

`loop` (default: the innermost) becomes a loop over strips of `width` iterations and,
inside it, a `vector` map over one strip, which the CPU backend emits with
`#pragma omp simd` (it re-checks the proof). The vectorised loop must be innermost (the
lanes run its iterations together) and carry no dependence: iterations that agree on
the loops outside it never touch one element, accumulated or not.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import sympy

from sluice.ir.memlet import Range
from sluice.ir.nodes import Schedule
from sluice.ir.program import Program
from sluice.passes.loops.base import LoopPass, fresh_name
from sluice.passes.loops.dependence import (
    Dependences,
    IllegalTransformation,
    require_reorderable,
)
from sluice.passes.loops.nest import Loop, MapNest
from sluice.passes.manager import register

VECTOR_WIDTHS = (2, 4, 8, 16)


@register
@dataclass(frozen=True)
class Vectorize(LoopPass):
    name = "loop-vectorize"

    loop: str = ""  # the parameter to vectorise; "" the innermost
    width: int = 0  # 0: no change

    def is_noop(self) -> bool:
        return self.width == 0

    def plan(self, program: Program, nest: MapNest, deps: Dependences) -> list[Loop] | None:
        p = self.loop or nest.params[-1]
        if p not in nest.params:
            raise IllegalTransformation(
                f"{nest.describe()} has no loop {p}", hint=f"its loops are {', '.join(nest.params)}"
            )
        if p != nest.params[-1]:
            raise IllegalTransformation(
                f"loop '{p}' of {nest.describe()} is not the innermost loop",
                hint="interchange it innermost first (loop-interchange)",
            )
        if self.width < 2 or self.width & (self.width - 1):
            raise IllegalTransformation(
                f"vector width {self.width} is not a power of two of at least 2",
                hint="use 2, 4, 8 or 16",
            )
        lp = nest.loops[-1]
        if lp.range.step != 1:
            raise IllegalTransformation(
                f"loop '{p}' has step {lp.range.step}", hint="only unit-step loops are vectorised"
            )
        if lp.schedule == Schedule.vector:
            return None
        require_reorderable(deps, nest)
        if deps.carried_at(len(nest.loops) - 1):
            raise IllegalTransformation(
                f"loop '{p}' of {nest.describe()} carries an accumulation: vector lanes "
                "would add into the same element at once",
                hint="vectorise a loop that indexes the accumulated element",
            )
        strip = fresh_name(program, nest, f"{p}_vec")
        r = lp.range
        lo = sympy.Symbol(strip, integer=True)
        return [
            *nest.loops[:-1],
            Loop(strip, Range(r.start, r.stop, self.width), lp.schedule),
            Loop(p, Range(lo, sympy.Min(lo + self.width, r.stop)), Schedule.vector),
        ]

    def summary(self) -> str:
        return f"loop '{self.loop or 'innermost'}' vectorised, width {self.width}"

    @classmethod
    def candidates(
        cls, program: Program, nest: int, target: MapNest, widths: tuple[int, ...] = VECTOR_WIDTHS
    ) -> Iterator[Vectorize]:
        """The innermost loop at each of `widths`."""
        for w in widths:
            yield cls(nest=nest, loop=target.params[-1], width=w)
