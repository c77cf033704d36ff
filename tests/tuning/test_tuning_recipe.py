"""Recipes: JSON round trip, replay on a cut-out, all-or-nothing refusal."""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import numpy as np
import pytest

from sluice.errors import SluiceError
from sluice.passes.loops import Interchange, Parallelize, Tile, Vectorize
from sluice.tuning import Recipe, extract_nests, try_recipe

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "passes" / "loops"))
from loop_kernels import KERNELS  # noqa: E402

RECIPE = Recipe(
    (
        Interchange(order=("i", "k", "j")),
        Tile(sizes=(4, 0, 8)),
        Vectorize(width=4),
        Parallelize(loops=("i_tile",)),
    )
)


def test_recipe_json_round_trip():
    text = RECIPE.dumps()
    assert Recipe.loads(text) == RECIPE
    assert RECIPE.to_json()[1] == {
        "pass": "loop-tiling",
        "options": {"nest": 0, "sizes": [4, 0, 8], "inner_sizes": []},
    }


def test_recipe_replays_on_a_cutout():
    (cut,) = extract_nests(KERNELS["matmul"][0](), {"N": 12, "K": 10, "M": 16})
    tuned = try_recipe(cut.program, RECIPE)
    assert tuned is not None and tuned.to_text() != cut.program.to_text()
    args = cut.random_args(np.random.default_rng(0))
    want = cut.run(copy.deepcopy(args))
    tuned_cut = copy.deepcopy(cut)
    tuned_cut.program = tuned
    got = tuned_cut.run(copy.deepcopy(args))
    np.testing.assert_array_equal(got[2], want[2])


def test_recipe_that_does_not_apply_changes_nothing():
    program = KERNELS["total"][0]()
    before = program.to_text()
    assert try_recipe(program, Recipe((Tile(sizes=(2,)), Interchange(order=("j", "i"))))) is None
    assert program.to_text() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([{"pass": "dead-code", "options": {}}], "not a loop pass"),
        ([{"pass": "loop-tiling", "options": {"size": [4]}}], "bad options"),
    ],
)
def test_bad_recipes(data, message):
    with pytest.raises(SluiceError, match=message):
        Recipe.from_json(data)
