"""Parallelisation choice: which loop of a nest runs as the OpenMP parallel loop.

The chosen loop's map gets the `cpu_parallel` schedule and every other loop of the nest
`sequential`, so the backend neither parallelises another loop nor reorders this one (it
still checks its own conditions and runs a loop in order where it cannot prove them).
A loop may run in parallel when no dependence is carried by it: no two iterations that
agree on the loops outside it and differ in it touch one accumulated element.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from sluice.ir.nodes import Schedule
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
class Parallelize(LoopPass):
    name = "loop-parallelize"

    # the parameter whose loop runs in parallel; (): none, every loop in order; None: no change
    loops: tuple[str, ...] | None = None

    def is_noop(self) -> bool:
        return self.loops is None

    def plan(self, program: Program, nest: MapNest, deps: Dependences) -> list[Loop] | None:
        if self.loops is None:
            return None
        unknown = set(self.loops) - set(nest.params)
        if unknown:
            raise IllegalTransformation(
                f"{nest.describe()} has no loop {', '.join(sorted(unknown))}",
                hint=f"its loops are {', '.join(nest.params)}",
            )
        if len(self.loops) > 1:
            raise IllegalTransformation(
                f"{len(self.loops)} parallel loops requested for {nest.describe()}: threads "
                "split one loop of a nest (a parallel loop inside another runs on its "
                "thread)",
                hint="choose one loop; tile first to parallelise over blocks",
            )
        if self.loops:
            require_reorderable(deps, nest)
        for k, p in enumerate(nest.params):
            if p in self.loops and deps.carried_at(k):
                raise IllegalTransformation(
                    f"loop '{p}' of {nest.describe()} carries an accumulation: its "
                    "iterations add into the same element",
                    hint="parallelise a loop that indexes the accumulated element instead",
                )
        loops = [replace(lp, schedule=_schedule(lp, lp.param in self.loops)) for lp in nest.loops]
        if loops == nest.loops and len(nest.loops) == len(nest.top.params):
            return None
        return loops

    def summary(self) -> str:
        return f"parallel loops ({', '.join(self.loops or ()) or 'none'})"

    @classmethod
    def candidates(cls, program: Program, nest: int, target: MapNest) -> Iterator[Parallelize]:
        """No loop in parallel, or any one loop."""
        yield cls(nest=nest, loops=())
        for p in target.params:
            yield cls(nest=nest, loops=(p,))


def _schedule(lp: Loop, parallel: bool) -> Schedule:
    """Chosen loops run in parallel, vectorised ones stay vector, the others in order."""
    if parallel:
        return Schedule.cpu_parallel
    return Schedule.vector if lp.schedule == Schedule.vector else Schedule.sequential
