"""Unrolling: constant-trip strips, order kept, refused where the trip count is unknown."""

from __future__ import annotations

import numpy as np
import pytest
from loop_checks import same_everywhere, transformed
from loop_kernels import KERNELS

from sluice.backends.cpu import generate
from sluice.passes.loops import IllegalTransformation, Interchange, Tile, Unroll, Vectorize

CASES = [
    [Unroll(factor=4)],  # the accumulating loop: order kept
    [Unroll(loop="i", factor=2), Unroll(loop="j", factor=4)],
    [Interchange(order=("i", "k", "j")), Vectorize(width=4), Unroll(loop="i", factor=3)],
    [Tile(sizes=(3, 0, 0)), Unroll(factor=8)],
]


@pytest.mark.parametrize("passes", CASES, ids=lambda ps: "+".join(p.describe() for p in ps))
def test_unrolled_nest_keeps_results(passes):
    make, args = KERNELS["matmul_fixed"]
    original = make()
    changed = transformed(original, *passes)
    for seed in range(2):
        same_everywhere(original, changed, args(np.random.default_rng(seed)))


def test_unrolled_loop_has_a_constant_trip_count():
    p = transformed(KERNELS["matmul_fixed"][0](), Unroll(factor=4))
    src = str(generate(p, {"pipeline": None}))
    assert "for (int64_t k = k_unr; k < k_unr + 4; k += 1)" in src
    assert "k_unr += 4" in src


@pytest.mark.parametrize(
    ("name", "p", "message"),
    [
        ("matmul", Unroll(factor=4), "not a known multiple of 4"),
        ("matmul_fixed", Unroll(factor=3), "not a known multiple of 3"),
        ("triangular", Unroll(factor=2), "not a known multiple"),
        ("matmul_fixed", Unroll(factor=1), "below 2"),
    ],
)
def test_unroll_refusals(name, p, message):
    with pytest.raises(IllegalTransformation, match=message) as err:
        p.apply(KERNELS[name][0]())
    assert "hint:" in str(err.value)


def test_unroll_space():
    assert [p.factor for p in Unroll.schedule_space(KERNELS["matmul_fixed"][0]())] == [2, 4, 8]
    assert Unroll.schedule_space(KERNELS["matmul"][0]()) == []
