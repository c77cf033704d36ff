"""Unrolling: split one loop into strips of exactly `factor` iterations.

The loop over `p` becomes a loop over strip starts (step `factor`) and, inside it, a
`sequential` loop `p = s .. s + factor` whose trip count is the constant `factor`, which
the C++ compiler unrolls completely at -O3. Iterations keep their order, so this is
always legal where it applies: the loop's trip count must be a known multiple of
`factor` (bind the symbols first, as tuning cut-outs do), so that no strip runs past it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import sympy

from sluice.ir.memlet import Range
from sluice.ir.nodes import Schedule
from sluice.ir.program import Program
from sluice.passes.loops.base import LoopPass, fresh_name
from sluice.passes.loops.dependence import Dependences, IllegalTransformation
from sluice.passes.loops.nest import Loop, MapNest
from sluice.passes.manager import register

UNROLL_FACTORS = (2, 4, 8)


@register
@dataclass(frozen=True)
class Unroll(LoopPass):
    name = "loop-unroll"

    loop: str = ""  # the parameter to unroll; "" the innermost
    factor: int = 0  # 0: no change

    def is_noop(self) -> bool:
        return self.factor == 0

    def plan(self, program: Program, nest: MapNest, deps: Dependences) -> list[Loop] | None:
        p = self.loop or nest.params[-1]
        if p not in nest.params:
            raise IllegalTransformation(
                f"{nest.describe()} has no loop {p}", hint=f"its loops are {', '.join(nest.params)}"
            )
        if self.factor < 2:
            raise IllegalTransformation(
                f"unroll factor {self.factor} is below 2", hint="use 2, 4 or 8"
            )
        k = nest.params.index(p)
        lp = nest.loops[k]
        r = lp.range
        trips = sympy.simplify(r.stop - r.start)
        if r.step != 1 or not (trips.is_Integer and int(trips) % self.factor == 0):
            raise IllegalTransformation(
                f"loop '{p}' of {nest.describe()} runs {trips} iteration(s) with step "
                f"{r.step}: not a known multiple of {self.factor}",
                hint="unroll a unit-step loop of constant trip count (bind the size "
                "symbols, as a tuning cut-out does) by a factor dividing it",
            )
        strip = fresh_name(program, nest, f"{p}_unr")
        lo = sympy.Symbol(strip, integer=True)
        return [
            *nest.loops[:k],
            Loop(strip, Range(r.start, r.stop, self.factor), lp.schedule),
            Loop(p, Range(lo, lo + self.factor), Schedule.sequential),
            *nest.loops[k + 1 :],
        ]

    def summary(self) -> str:
        return f"loop '{self.loop or 'innermost'}' unrolled by {self.factor}"

    @classmethod
    def candidates(
        cls, program: Program, nest: int, target: MapNest, factors: tuple[int, ...] = UNROLL_FACTORS
    ) -> Iterator[Unroll]:
        """The innermost loop by each of `factors`."""
        for f in factors:
            yield cls(nest=nest, loop=target.params[-1], factor=f)
