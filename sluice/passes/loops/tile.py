"""Loop tiling, one or two levels: strip-mine loops and move the tile loops outside.

`sizes[k]` tiles the nest's k-th loop (0: untiled); `inner_sizes` tiles each first-level
tile again (each a divisor of its first-level size, so tiles nest exactly). The new order
is: first-level tile loops, second-level tile loops, then the original loops, each now
bounded by its tile. Legal when the tiled loops' ranges read no other loop of the nest,
steps are 1, and every dependence still goes forward under the tiled order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import product

import sympy

from sluice.ir.memlet import Range
from sluice.ir.program import Program
from sluice.passes.loops.base import LoopPass, fresh_name
from sluice.passes.loops.dependence import (
    Dependences,
    IllegalTransformation,
    require_reorderable,
)
from sluice.passes.loops.nest import Loop, MapNest
from sluice.passes.manager import register

TILE_SIZES = (4, 8, 16, 32, 64)


@register
@dataclass(frozen=True)
class Tile(LoopPass):
    name = "loop-tiling"

    sizes: tuple[int, ...] = ()
    inner_sizes: tuple[int, ...] = ()

    def is_noop(self) -> bool:
        return not self.sizes

    def plan(self, program: Program, nest: MapNest, deps: Dependences) -> list[Loop] | None:
        n = len(nest.loops)
        sizes = _padded(self.sizes, n, "sizes")
        inner = _padded(self.inner_sizes, n, "inner_sizes")
        if not any(sizes):
            return None
        for k, (t, t2) in enumerate(zip(sizes, inner, strict=True)):
            if t2 and (not t or t % t2 or t2 >= t):
                raise IllegalTransformation(
                    f"inner tile size {t2} of loop '{nest.params[k]}' does not divide its "
                    f"tile size {t or 'none'} into smaller tiles",
                    hint="choose inner sizes that are proper divisors of the sizes",
                )
        tiled = [k for k in range(n) if sizes[k]]
        for k in tiled:
            lp = nest.loops[k]
            if lp.range.step != 1:
                raise IllegalTransformation(
                    f"loop '{lp.param}' has step {lp.range.step}",
                    hint="only unit-step loops are tiled",
                )
            reads = {str(s) for s in lp.range.free_symbols()} & set(nest.params)
            if reads:
                raise IllegalTransformation(
                    f"the range of '{lp.param}' in {nest.describe()} reads "
                    f"{', '.join(sorted(reads))}: its tiles would run outside that loop",
                    hint="tile the loops whose ranges are rectangular",
                )
        require_reorderable(deps, nest)
        src = ", ".join(nest.params)
        dims = [_tile_index(nest.loops[k], sizes[k]) for k in tiled]
        dims += [_tile_index(nest.loops[k], inner[k]) for k in tiled if inner[k]]
        dims += nest.params
        if not deps.preserves(f"{{ S[{src}] -> [{', '.join(dims)}] }}", len(dims)):
            raise IllegalTransformation(
                f"tiling {nest.describe()} would reverse the order of contributions to an "
                "accumulated element",
                hint="leave the accumulating loop untiled",
            )
        outer: list[Loop] = []
        second: list[Loop] = []
        points: list[Loop] = []
        new: list[str] = []
        for k, lp in enumerate(nest.loops):
            if not sizes[k]:
                points.append(lp)
                continue
            r = lp.range
            t1 = fresh_name(program, nest, f"{lp.param}_tile", new)
            new.append(t1)
            outer.append(Loop(t1, Range(r.start, r.stop, sizes[k]), lp.schedule))
            lo, size = sympy.Symbol(t1, integer=True), sizes[k]
            if inner[k]:
                t2 = fresh_name(program, nest, f"{lp.param}_tile2", new)
                new.append(t2)
                second.append(
                    Loop(t2, Range(lo, sympy.Min(lo + size, r.stop), inner[k]), lp.schedule)
                )
                lo, size = sympy.Symbol(t2, integer=True), inner[k]
            points.append(Loop(lp.param, Range(lo, sympy.Min(lo + size, r.stop)), lp.schedule))
        return outer + second + points

    def summary(self) -> str:
        two = f", inner sizes {self.inner_sizes}" if any(self.inner_sizes) else ""
        return f"tiled with sizes {self.sizes}{two}"

    @classmethod
    def candidates(
        cls, program: Program, nest: int, target: MapNest, sizes: tuple[int, ...] = TILE_SIZES
    ) -> Iterator[Tile]:
        """One-level tilings (each loop untiled or tiled by a size from `sizes`), then the
        same with second-level tiles of a half or a quarter of each size."""
        n = len(target.loops)
        combos = [c for c in product((0, *sizes), repeat=n) if any(c)]
        for c in combos:
            yield cls(nest=nest, sizes=c)
        for c in combos:
            for div in (2, 4):
                inner = tuple(t // div if t and t // div > 1 else 0 for t in c)
                if any(inner):
                    yield cls(nest=nest, sizes=c, inner_sizes=inner)


def _padded(sizes: tuple[int, ...], n: int, what: str) -> list[int]:
    if len(sizes) > n or any(not isinstance(t, int) or t < 0 for t in sizes):
        raise IllegalTransformation(
            f"{what} {tuple(sizes)} must be at most {n} non-negative integers, one per loop",
            hint="0 leaves a loop untiled",
        )
    return [*sizes, *[0] * (n - len(sizes))]


def _tile_index(lp: Loop, size: int) -> str:
    return f"floor(({lp.param} - ({sympy.sstr(sympy.expand(lp.range.start))}))/{size})"
