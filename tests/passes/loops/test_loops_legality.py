"""Dependence analysis and the refusals it leads to, each with a clear message."""

from __future__ import annotations

import numpy as np
import pytest
from loop_checks import same_everywhere, transformed
from loop_kernels import KERNELS

import sluice
from sluice.errors import SluiceError
from sluice.passes.loops import (
    IllegalTransformation,
    Interchange,
    NotAffine,
    Parallelize,
    Tile,
    analyse,
    map_nests,
)


def _deps(name: str, nest: int = 0):
    p = KERNELS[name][0]()
    return analyse(p, map_nests(p)[nest])


def test_carried_loops():
    assert [_deps("matmul").carried_at(k) for k in range(3)] == [False, False, True]
    assert [_deps("stencil").carried_at(k) for k in range(2)] == [False, False]
    assert [_deps("total").carried_at(k) for k in range(2)] == [True, True]
    assert [_deps("colsum_int", 1).carried_at(k) for k in range(2)] == [True, False]
    assert [_deps("triangular").carried_at(k) for k in range(2)] == [False, True]
    assert _deps("last_writer").blocking == ["out"]
    assert _deps("matmul").blocking == []


REFUSED = [
    ("total", Interchange(order=("j", "i")), "reverse the order of contributions"),
    ("total", Tile(sizes=(2, 2)), "reverse the order of contributions"),
    ("total", Parallelize(loops=("i",)), "loop 'i' of map 'map' [i, j] in state 's1' carries"),
    ("matmul", Parallelize(loops=("k",)), "loop 'k'"),
    ("colsum_int", Parallelize(nest=1, loops=("i",)), "carries an accumulation"),
    ("triangular", Interchange(order=("j", "i")), "the range of 'j' in"),
    ("triangular", Tile(sizes=(0, 2)), "reads i: its tiles would run outside"),
    ("last_writer", Tile(sizes=(2,)), "meet through 'out' other than by accumulating"),
    ("matmul", Interchange(order=("i", "j")), "not a permutation"),
    ("matmul", Parallelize(loops=("q",)), "has no loop q"),
    ("matmul", Parallelize(loops=("i", "j")), "2 parallel loops requested"),
    ("matmul", Tile(sizes=(4, 0, 0), inner_sizes=(3, 0, 0)), "does not divide"),
]


@pytest.mark.parametrize(
    ("name", "p", "message"), REFUSED, ids=[f"{n}-{p.describe()}" for n, p, _ in REFUSED]
)
def test_refusals(name, p, message):
    program = KERNELS[name][0]()
    before = program.to_text()
    with pytest.raises(IllegalTransformation, match="hint:") as err:
        p.apply(program)
    assert message in err.value.message
    assert program.to_text() == before  # refused before anything changed


def test_not_affine_is_refused():
    program = KERNELS["quadratic_index"][0]()
    with pytest.raises(NotAffine, match="is not affine"):
        Tile(sizes=(2,)).apply(program)
    assert Tile.schedule_space(program) == []


def test_unknown_nest():
    with pytest.raises(SluiceError, match="has 1 top-level map nest"):
        Tile(nest=3, sizes=(2,)).apply(KERNELS["matmul"][0]())


def _row_sums(A, out):
    for i, j in sluice.map[0 : A.shape[0], 0 : A.shape[1]]:
        out[i] += A[i, j]


def test_traced_program_refusal_points_at_the_source():
    rng = np.random.default_rng(3)
    args = [rng.standard_normal((5, 7)), np.zeros(5)]
    program = sluice.jit(_row_sums).trace(*args)
    nest = next(k for k, n in enumerate(map_nests(program)) if n.params == ["i", "j"])
    with pytest.raises(IllegalTransformation) as err:
        Parallelize(nest=nest, loops=("j",)).apply(program)
    text = str(err.value)
    line = _row_sums.__code__.co_firstlineno + 1  # the `for ... in sluice.map` line
    assert f"test_loops_legality.py:{line}:" in text and "hint:" in text
    changed = transformed(
        program, Interchange(nest=nest, order=("j", "i")), Parallelize(nest=nest, loops=("i",))
    )
    same_everywhere(program, changed, args)


@pytest.mark.parametrize("name", sorted(KERNELS))
def test_default_options_change_nothing(name):
    """A loop pass with its default options is a no-op anywhere (pipelines may list it)."""
    from sluice.passes.loops import Unroll, Vectorize

    program = KERNELS[name][0]()
    before = program.to_text()
    for cls in (Tile, Interchange, Parallelize, Vectorize, Unroll):
        assert not cls().apply(program).changed
    assert program.to_text() == before
