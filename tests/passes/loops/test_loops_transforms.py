"""Tiling, interchange and parallelisation on matmul, a stencil, reductions and a
triangular nest: differential against the untransformed program on random inputs."""

from __future__ import annotations

import numpy as np
import pytest
from loop_checks import same_everywhere, transformed
from loop_kernels import KERNELS

from sluice.backends.cpu import generate
from sluice.passes.loops import Interchange, Parallelize, Tile, map_nests

LEGAL = [
    ("matmul", [Interchange(order=("k", "i", "j"))]),
    ("matmul", [Tile(sizes=(4, 4, 0), inner_sizes=(2, 0, 0))]),
    ("matmul", [Tile(sizes=(0, 0, 3))]),  # the accumulating loop, tiled: order kept
    ("matmul", [Interchange(order=("j", "k", "i")), Parallelize(loops=("j",))]),
    ("stencil", [Tile(sizes=(3, 4))]),
    ("stencil", [Interchange(order=("j", "i")), Parallelize(loops=("i",))]),
    ("total", [Tile(sizes=(2,))]),
    ("colsum_int", [Interchange(nest=1, order=("j", "i")), Parallelize(nest=1, loops=("j",))]),
    ("triangular", [Tile(sizes=(4,)), Parallelize(loops=("i",))]),
]


@pytest.mark.parametrize(
    ("name", "passes"), LEGAL, ids=[f"{n}-{'+'.join(p.describe() for p in ps)}" for n, ps in LEGAL]
)
def test_transformation_keeps_results(name, passes):
    make, args = KERNELS[name]
    original = make()
    changed = transformed(original, *passes)
    for seed in range(2):
        same_everywhere(original, changed, args(np.random.default_rng(seed)))


def _loop_order(source: str, params: list[str]) -> list[str]:
    pos = {p: source.index(f"for (int64_t {p} =") for p in params}
    return sorted(params, key=pos.__getitem__)


def test_interchange_reaches_the_generated_loops():
    p = transformed(KERNELS["matmul"][0](), Interchange(order=("k", "j", "i")))
    src = str(generate(p, {"pipeline": None}))
    assert _loop_order(src, ["i", "j", "k"]) == ["k", "j", "i"]


def test_parallel_choice_reaches_the_generated_loops():
    p = transformed(KERNELS["matmul"][0](), Parallelize(loops=("j",)))
    src = str(generate(p, {"pipeline": None}))
    pragma = src.index("#pragma omp parallel for")
    assert src.index("for (int64_t i =") < pragma < src.index("for (int64_t j =")
    assert src.count("#pragma omp parallel for") == 1


def test_tiles_reach_the_generated_loops():
    p = transformed(KERNELS["matmul"][0](), Tile(sizes=(8, 0, 16)))
    src = str(generate(p, {"pipeline": None}))
    assert _loop_order(src, ["i_tile", "k_tile", "i", "j", "k"]) == [
        "i_tile",
        "k_tile",
        "i",
        "j",
        "k",
    ]
    assert "i_tile += 8" in src and "k_tile += 16" in src


def test_nest_loops_after_tiling():
    p = transformed(KERNELS["matmul"][0](), Tile(sizes=(4, 0, 0), inner_sizes=(2, 0, 0)))
    assert map_nests(p)[0].params == ["i_tile", "i_tile2", "i", "j", "k"]


def test_transformed_program_round_trips_and_survives_o2():
    """IR text and JSON keep every loop and schedule; after loop-parallelize the O2
    pipeline (which collapses maps of equal schedule) and the backend keep the order."""
    from sluice.ir.serialize import from_json
    from sluice.ir.text import parse
    from sluice.passes.loops import Vectorize

    p = transformed(
        KERNELS["matmul"][0](),
        Interchange(order=("i", "k", "j")),
        Tile(sizes=(0, 0, 8)),
        Vectorize(width=4),
        Parallelize(loops=("i",)),
    )
    assert map_nests(p)[0].params == ["j_tile", "i", "k", "j_vec", "j"]
    assert parse(p.to_text()).to_text() == p.to_text()
    assert from_json(p.to_json()).to_text() == p.to_text()
    src = str(generate(p, {"pipeline": "O2", "verify": True}))
    order = ["j_tile", "i", "k", "j_vec", "j"]
    assert _loop_order(src, order) == order
    assert src.count("#pragma omp parallel for") == 1 and "#pragma omp simd\n" in src
    assert "omp atomic" not in src


@pytest.mark.parametrize("name", ["blur_long", "rowsum_long"])
def test_parallel_tile_loop_runs_on_threads_without_atomics(name):
    """A tile loop never indexes an array itself; islpy proves its tiles disjoint, so
    the backend runs it on threads (more iterations than its threshold) without atomics."""
    make, args = KERNELS[name]
    original = make()
    changed = transformed(original, Tile(sizes=(2,)), Parallelize(loops=("i_tile",)))
    src = str(generate(changed, {"pipeline": None}))
    pragma = src.index("#pragma omp parallel for")
    assert pragma < src.index("for (int64_t i_tile =") < src.index("for (int64_t i =")
    assert "omp atomic" not in src and "sl::atomic_update(&" not in src
    same_everywhere(original, changed, args(np.random.default_rng(0)))
