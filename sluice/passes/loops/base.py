"""What the loop-nest passes share: choosing a nest, analysing it, planning the new loops,
rebuilding, and enumerating the legal parameterisations (`schedule_space`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Self

from sluice.errors import SluiceError
from sluice.ir.program import Program
from sluice.passes.loops.dependence import Dependences, analyse
from sluice.passes.loops.nest import Loop, MapNest, nest_at, rebuild
from sluice.passes.manager import Pass, PassReport


@dataclass(frozen=True)
class LoopPass(Pass):
    """A transformation of one top-level map nest: `nest` is its index in program order
    (`sluice.passes.loops.map_nests`). Subclasses implement `plan` (the new loops, or an
    `IllegalTransformation` saying why not) and `candidates` (what to try in the space).
    """

    nest: int = 0

    def is_noop(self) -> bool:
        """Whether the options ask for nothing (the defaults: a pass a pipeline may run
        anywhere without effect)."""
        return False

    def run(self, program: Program, report: PassReport) -> None:
        if self.is_noop():
            return
        nest = nest_at(program, self.nest)
        what = nest.describe()
        try:
            loops = self.plan(program, nest, analyse(program, nest))
        except SluiceError as err:
            if err.loc is not None or nest.top.loc is None:
                raise
            # point at the nest the user wrote
            raise type(err)(err.message, nest.top.loc, err.hint, err.node) from None
        if loops is None:
            return
        rebuild(program, nest, loops)
        report.changes.append(f"{what}: {self.summary()}")

    def plan(self, program: Program, nest: MapNest, deps: Dependences) -> list[Loop] | None:
        """The nest's new loops (None: nothing to change); raises when not provably legal."""
        raise NotImplementedError

    def summary(self) -> str:
        return self.describe()

    @classmethod
    def candidates(
        cls, program: Program, nest: int, target: MapNest, **options: Any
    ) -> Iterable[Self]:
        raise NotImplementedError

    @classmethod
    def schedule_space(cls, program: Program, nest: int = 0, **options: Any) -> list[Self]:
        """Every parameterisation from `candidates` (which takes `options`, e.g. Tile's
        `sizes`) that is legal on the nest."""
        target = nest_at(program, nest)
        try:
            deps = analyse(program, target)
        except SluiceError:
            return []
        out = []
        for p in cls.candidates(program, nest, target, **options):
            try:
                p.plan(program, target, deps)
            except SluiceError:  # illegal, or not analysable: either way not in the space
                continue
            out.append(p)
        return out


def fresh_name(program: Program, nest: MapNest, base: str, taken: Iterable[str] = ()) -> str:
    """`base`, or `base_2`, ... : a name no symbol, container or loop of the nest uses."""
    used = set(program.symbols) | set(program.data) | set(nest.params) | set(taken)
    name, k = base, 2
    while name in used:
        name, k = f"{base}_{k}", k + 1
    return name
