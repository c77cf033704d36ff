"""Vectorisation: strips of `width` iterations in a `vector` map, emitted with
`#pragma omp simd` only where the backend proves the lanes independent."""

from __future__ import annotations

import numpy as np
import pytest
from loop_checks import same_everywhere, transformed
from loop_kernels import KERNELS

from sluice.backends.cpu import generate
from sluice.ir import ProgramBuilder
from sluice.passes.loops import IllegalTransformation, Interchange, Parallelize, Vectorize

CASES = [
    ("matmul", [Interchange(order=("i", "k", "j")), Vectorize(width=4)]),
    ("stencil", [Vectorize(width=8), Parallelize(loops=("i",))]),
    ("colsum_int", [Vectorize(nest=1, width=2), Parallelize(nest=1, loops=())]),
]


@pytest.mark.parametrize(("name", "passes"), CASES, ids=[c[0] for c in CASES])
def test_vectorized_nest_keeps_results_and_is_simd(name, passes):
    make, args = KERNELS[name]
    original = make()
    changed = transformed(original, *passes)
    src = str(generate(changed, {"pipeline": None}))
    assert "#pragma omp simd\n" in src
    simd = src.index("#pragma omp simd\n")
    assert src[simd:].split("\n")[1].lstrip().startswith("for (int64_t j = j_vec;")
    for seed in range(2):
        same_everywhere(original, changed, args(np.random.default_rng(seed)))


@pytest.mark.parametrize(
    ("name", "p", "message"),
    [
        ("triangular", Vectorize(width=8), "carries an accumulation"),
        ("matmul", Vectorize(width=8), "carries an accumulation"),
        ("matmul", Vectorize(loop="j", width=8), "is not the innermost loop"),
        ("stencil", Vectorize(width=6), "not a power of two"),
    ],
)
def test_vectorize_refusals(name, p, message):
    with pytest.raises(IllegalTransformation, match=message):
        p.apply(KERNELS[name][0]())


def test_vectorize_space():
    assert [p.width for p in Vectorize.schedule_space(KERNELS["stencil"][0]())] == [2, 4, 8, 16]
    assert Vectorize.schedule_space(KERNELS["matmul"][0]()) == []


def test_backend_refuses_simd_on_a_carried_vector_map():
    """A `vector` map whose iterations accumulate into one element stays a plain loop."""
    b = ProgramBuilder("vector_sum")
    b.arg("x", "float64", ["N"])
    b.arg("out", "float64", [1])
    with b.state() as s:
        s.map(
            {"i": "0:N"},
            "o = a",
            inputs={"a": "x[i]"},
            outputs={"o": "out[0] wcr +"},
            schedule="vector",
        )
    program = b.build()
    assert "omp simd" not in str(generate(program, {"pipeline": None}))
    rng = np.random.default_rng(0)
    same_everywhere(program, program, [rng.standard_normal(9) * 1e3, np.zeros(1)])


def test_backend_refuses_simd_around_atomics():
    """Left to itself the backend runs colsum's i loop on threads with atomic updates,
    which may not sit in a simd loop: the vector map stays a plain loop."""
    make, args = KERNELS["colsum_int"]
    original = make()
    changed = transformed(original, Vectorize(nest=1, width=2))
    src = str(generate(changed, {"pipeline": None}))
    assert "#pragma omp atomic" in src and "omp simd" not in src
    same_everywhere(original, changed, args(np.random.default_rng(0)))
