"""Loop interchange: run a map nest's loops in another order.

Legal when every loop's range only reads loops outside it in the new order, and every
dependence (the order of `+=` contributions to one element) still goes forward.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import permutations

from sluice.ir.program import Program
from sluice.passes.loops.base import LoopPass
from sluice.passes.loops.dependence import (
    Dependences,
    IllegalTransformation,
    require_reorderable,
)
from sluice.passes.loops.nest import Loop, MapNest
from sluice.passes.manager import register


@register
@dataclass(frozen=True)
class Interchange(LoopPass):
    name = "loop-interchange"

    order: tuple[str, ...] = ()  # the nest's parameters, outermost first (): no change

    def is_noop(self) -> bool:
        return not self.order

    def plan(self, program: Program, nest: MapNest, deps: Dependences) -> list[Loop] | None:
        if sorted(self.order) != sorted(nest.params):
            raise IllegalTransformation(
                f"order {list(self.order)} is not a permutation of the loops "
                f"{nest.params} of {nest.describe()}",
                hint="name every loop once",
            )
        if list(self.order) == nest.params:
            return None
        by_param = {lp.param: lp for lp in nest.loops}
        loops = [by_param[p] for p in self.order]
        check_bounds(nest, loops)
        require_reorderable(deps, nest)
        src = ", ".join(nest.params)
        if not deps.preserves(f"{{ S[{src}] -> [{', '.join(self.order)}] }}", len(loops)):
            raise IllegalTransformation(
                f"interchanging {nest.describe()} to ({', '.join(self.order)}) would reverse "
                "the order of contributions to an accumulated element",
                hint="keep the loop that carries the accumulation inside the loops of its element",
            )
        return loops

    def summary(self) -> str:
        return f"loops interchanged to ({', '.join(self.order)})"

    @classmethod
    def candidates(cls, program: Program, nest: int, target: MapNest) -> Iterator[Interchange]:
        """Every order of the nest's loops but the current one."""
        for order in permutations(target.params):
            if list(order) != target.params:
                yield cls(nest=nest, order=order)


def check_bounds(nest: MapNest, loops: list[Loop]) -> None:
    """Every loop's range may only read loops outside it."""
    for k, lp in enumerate(loops):
        inner = {x.param for x in loops[k:]} & {str(s) for s in lp.range.free_symbols()}
        if inner:
            raise IllegalTransformation(
                f"the range of '{lp.param}' in {nest.describe()} reads "
                f"{', '.join(sorted(inner))}, which would run inside it",
                hint="a triangular loop's bounds need their loop outside it",
            )
