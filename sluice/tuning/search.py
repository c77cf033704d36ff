"""A small autotuner for one cut-out: compose loop passes, time each legal recipe,
keep the fastest if it beats the untransformed nest clearly.

The recipe space chains each pass's `schedule_space` on the program the previous steps
produced (interchange, then tiling, vectorisation, unrolling, and the parallel loop
last), so every recipe in it is legal where it was made. Every timed candidate is first
checked to give the baseline's outputs bit for bit: a mismatch is a sluice bug and
raises, it is never ranked. This is what a tuning database is built from (PASSES.md §2.2).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import numpy as np

from sluice.errors import SluiceError
from sluice.ir.program import Program
from sluice.ir.serialize import from_json
from sluice.passes.loops import Interchange, Parallelize, Tile, Unroll, Vectorize
from sluice.passes.loops.base import LoopPass
from sluice.tuning.extract import Cutout
from sluice.tuning.recipe import Recipe

# (pass, options for its schedule_space): one step each, or none, in this order
STAGES: tuple[tuple[type[LoopPass], dict[str, Any]], ...] = (
    (Interchange, {}),
    (Tile, {"sizes": (16, 32, 64)}),
    (Vectorize, {"widths": (4, 8)}),
    (Unroll, {"factors": (2, 4)}),
    (Parallelize, {}),
)


class WrongResult(SluiceError):  # noqa: N818 - names what went wrong
    """A transformed nest gave other outputs than the untransformed one (a sluice bug)."""

    kind = "internal error"


@dataclass
class Trial:
    recipe: Recipe
    seconds: float


@dataclass
class SearchResult:
    baseline: float  # seconds of the untransformed cut-out
    trials: list[Trial] = field(default_factory=list)
    best: Trial | None = None  # the fastest trial, if it beats the baseline by min_speedup

    @property
    def speedup(self) -> float:
        return self.baseline / self.best.seconds if self.best else 1.0


def recipe_space(
    program: Program,
    nest: int = 0,
    stages: tuple[tuple[type[LoopPass], dict[str, Any]], ...] = STAGES,
) -> Iterator[Recipe]:
    """Every chain of at most one step per stage, each legal on the program before it
    (the empty recipe excluded), depth first."""

    def walk(prog: Program, k: int, steps: tuple[LoopPass, ...]) -> Iterator[Recipe]:
        if k == len(stages):
            if steps:
                yield Recipe(steps)
            return
        yield from walk(prog, k + 1, steps)
        kind, options = stages[k]
        for p in kind.schedule_space(prog, nest, **options):
            nxt = from_json(prog.to_json())
            p.apply(nxt)
            yield from walk(nxt, k + 1, (*steps, p))

    yield from walk(program, 0, ())


def search(
    cut: Cutout,
    recipes: Iterator[Recipe] | list[Recipe],
    *,
    limit: int = 64,
    repeat: int = 3,
    min_speedup: float = 1.1,
    seed: int = 0,
) -> SearchResult:
    """Time up to `limit` recipes on `cut` (random arguments from `seed`)."""
    args = cut.random_args(np.random.default_rng(seed))
    want = cut.run(copy.deepcopy(args))
    result = SearchResult(cut.time(args, repeat=repeat))
    for recipe in islice(recipes, limit):
        trial = copy.copy(cut)
        trial.program = recipe.apply(cut.program)
        got = trial.run(copy.deepcopy(args))
        for k, (x, y) in enumerate(zip(want, got, strict=True)):
            if not np.array_equal(x, y, equal_nan=np.asarray(x).dtype.kind in "fc"):
                raise WrongResult(
                    f"recipe {recipe.dumps()} changed argument {k} of {cut.program.name}",
                    hint="this is a sluice bug; please report it with the recipe",
                )
        result.trials.append(Trial(recipe, trial.time(args, repeat=repeat)))
    fastest = min(result.trials, key=lambda t: t.seconds, default=None)
    if fastest is not None and result.baseline >= min_speedup * fastest.seconds:
        result.best = fastest
    return result
