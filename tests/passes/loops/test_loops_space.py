"""`schedule_space()`: every legal parameterisation, nothing illegal, each one applicable."""

from __future__ import annotations

import copy
from itertools import permutations

import numpy as np
import pytest
from loop_checks import same_everywhere, transformed
from loop_kernels import KERNELS

import sluice.ir as ir
from sluice.passes.loops import Interchange, Parallelize, Tile, Unroll, Vectorize, map_nests


def _make(name):
    return KERNELS[name][0]()


def test_interchange_space():
    got = {p.order for p in Interchange.schedule_space(_make("matmul"))}
    assert got == set(permutations("ijk")) - {("i", "j", "k")}  # k stays ordered per C[i, j]
    assert Interchange.schedule_space(_make("total")) == []  # one element: order is fixed
    assert Interchange.schedule_space(_make("triangular")) == []  # j's range reads i
    assert {p.order for p in Interchange.schedule_space(_make("colsum_int"), nest=1)} == {
        ("j", "i")
    }


def test_parallel_space():
    assert [p.loops for p in Parallelize.schedule_space(_make("matmul"))] == [(), ("i",), ("j",)]
    assert [p.loops for p in Parallelize.schedule_space(_make("total"))] == [()]
    assert [p.loops for p in Parallelize.schedule_space(_make("stencil"))] == [(), ("i",), ("j",)]
    assert Parallelize.schedule_space(_make("last_writer")) == [Parallelize(loops=())]


def test_tile_space():
    tiles = Tile.schedule_space(_make("total"))
    # one element accumulates in (i, j) order: only i may be tiled
    assert {p.sizes[1] for p in tiles} == {0}
    assert {p.sizes[0] for p in tiles} == {4, 8, 16, 32, 64}
    mm = Tile.schedule_space(_make("matmul"), sizes=(4, 8))
    assert len({p for p in mm if not p.inner_sizes}) == 3**3 - 1  # every one-level tiling
    two = [p for p in mm if p.inner_sizes]
    assert two and all(
        t2 == 0 or t % t2 == 0 and t2 < t
        for p in two
        for t, t2 in zip(p.sizes, p.inner_sizes, strict=True)
    )
    tri = Tile.schedule_space(_make("triangular"), sizes=(4, 8))
    assert tri and all(p.sizes[1:] in ((), (0,)) for p in tri)


def test_every_tiling_in_a_space_keeps_results():
    """A sample of the stencil's space, run against the untransformed program."""
    make, args = KERNELS["stencil"]
    original = make()
    space = Tile.schedule_space(original, sizes=(2, 3))
    rng = np.random.default_rng(5)
    for k in rng.choice(len(space), size=3, replace=False):
        same_everywhere(original, transformed(original, space[int(k)]), args(rng))


SPACES = (
    (Tile, {"sizes": (2, 4)}),
    (Interchange, {}),
    (Parallelize, {}),
    (Vectorize, {"widths": (2, 4)}),
    (Unroll, {"factors": (2, 4)}),
)


@pytest.mark.parametrize("name", sorted(KERNELS))
def test_sampled_space_entries_keep_results(name):
    """Two entries of every pass's space on every nest of every kernel, interpreted bit
    for bit against the untransformed program; one of them also compiled."""
    make, args = KERNELS[name]
    original = make()
    rng = np.random.default_rng(len(name))
    picked = []
    for nest in range(len(map_nests(original))):
        for cls, options in SPACES:
            space = cls.schedule_space(original, nest, **options)
            picked += [
                space[int(k)] for k in rng.choice(len(space), min(2, len(space)), replace=False)
            ]
    for k, p in enumerate(picked):
        changed = transformed(original, p)
        a = args(rng)
        want = copy.deepcopy(a)
        ir.interpret(original, *want)
        got = copy.deepcopy(a)
        ir.interpret(changed, *got)
        for x, y in zip(want, got, strict=True):
            np.testing.assert_array_equal(y, x, err_msg=p.describe())
        if k == len(picked) - 1:
            same_everywhere(original, changed, a)
