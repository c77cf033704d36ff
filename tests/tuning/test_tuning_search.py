"""The small autotuner: legal recipes only, every candidate checked bit for bit before
it is timed, the best kept only when clearly faster."""

from __future__ import annotations

import sys
from itertools import islice
from pathlib import Path

from sluice.passes.loops import Interchange, Parallelize, Tile
from sluice.tuning import extract_nests
from sluice.tuning.search import recipe_space, search

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "passes" / "loops"))
from loop_kernels import KERNELS  # noqa: E402

STAGES = ((Interchange, {}), (Tile, {"sizes": (4,)}), (Parallelize, {}))


def test_recipe_space_chains_legal_steps():
    program = KERNELS["total"][0]()
    recipes = list(recipe_space(program, stages=STAGES))
    kinds = {tuple(type(p).__name__ for p in r.steps) for r in recipes}
    # one element accumulates in order: no interchange, and no parallel loop
    assert all("Interchange" not in k for k in kinds)
    assert ("Tile", "Parallelize") in kinds and ("Parallelize",) in kinds
    assert all(p.loops == () for r in recipes for p in r.steps if isinstance(p, Parallelize))
    assert len(recipes) == len({r.dumps() for r in recipes})


def test_search_times_checked_candidates():
    (cut,) = extract_nests(KERNELS["matmul"][0](), {"N": 12, "K": 8, "M": 16})
    space = list(islice(recipe_space(cut.program, stages=STAGES), 40))
    picked = [space[0], space[-1]]
    result = search(cut, picked, repeat=1)
    assert [t.recipe for t in result.trials] == picked
    assert result.baseline > 0 and all(t.seconds > 0 for t in result.trials)
    if result.best is not None:
        assert result.best.seconds * 1.1 <= result.baseline and result.speedup >= 1.1
    else:
        assert result.speedup == 1.0
