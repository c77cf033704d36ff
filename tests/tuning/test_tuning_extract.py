"""Map-nest cut-outs: standalone, symbols bound, compiled through the normal path, and
together equal to the program they came from."""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import numpy as np
import pytest

import sluice
import sluice.ir as ir
from sluice.errors import SluiceError
from sluice.passes.loops import Tile
from sluice.tuning import bind_symbols, extract_nests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "passes" / "loops"))
from loop_kernels import KERNELS, special  # noqa: E402


def test_cutouts_in_sequence_equal_the_program():
    rng = np.random.default_rng(0)
    program = KERNELS["colsum_int"][0]()
    A = rng.integers(-50, 50, (6, 5))
    want = ir.interpret(program, A.copy())
    cuts = extract_nests(program, {"N": 6, "M": 5})
    assert [c.program.name for c in cuts] == ["colsum_int_nest0", "colsum_int_nest1"]
    assert cuts[1].reads == ["A"] and cuts[1].writes == ["out"]
    assert cuts[0].program.args == ["out"] and cuts[1].program.args == ["A", "out"]
    out = np.full(5, 99, np.int64)
    cuts[0].run([out])
    cuts[1].run([A, out])
    np.testing.assert_array_equal(out, want)


def test_cutout_binds_symbols():
    program = KERNELS["triangular"][0]()
    (cut,) = extract_nests(program, {"N": 7})
    text = cut.program.to_text()
    assert "N" not in text.replace("nest", "") and "float64[7, 7]" in text
    assert cut.program.symbols == {} and cut.symbols == {"N": 7}
    rng = np.random.default_rng(1)
    args = [special(rng, (7, 7)), rng.standard_normal(7), rng.standard_normal(7)]
    want = copy.deepcopy(args)
    ir.interpret(program, *want)
    np.testing.assert_array_equal(cut.run(copy.deepcopy(args))[2], want[2])


def test_missing_symbol_is_named():
    with pytest.raises(SluiceError, match=r"needs a value for K, M") as err:
        extract_nests(KERNELS["matmul"][0](), {"N": 4})
    assert "hint:" in str(err.value)


def _scaled_sum(A, B):
    t = A * 2.0
    return t + B


def test_traced_program_nests_run_and_time_alone():
    rng = np.random.default_rng(2)
    A, B = rng.standard_normal((5, 6)), rng.standard_normal((5, 6))
    program = sluice.jit(_scaled_sum).trace(A, B)
    cuts = extract_nests(program, bind_symbols(program, A, B))
    assert len(cuts) == 2
    for cut in cuts:
        args = cut.random_args(np.random.default_rng(3))
        want = copy.deepcopy(args)
        ir.interpret(cut.program, *want)
        got = cut.run(copy.deepcopy(args))
        for x, y in zip(want, got, strict=True):
            np.testing.assert_array_equal(y, x)
        assert 0.0 < cut.time(repeat=3) < 1.0


def test_transformed_cutout_times_and_agrees():
    (cut,) = extract_nests(KERNELS["matmul"][0](), {"N": 16, "K": 16, "M": 16})
    args = cut.random_args(np.random.default_rng(4))
    tiled = copy.deepcopy(cut)
    Tile(sizes=(8, 8, 0)).apply(tiled.program)
    tiled.program.verify()
    np.testing.assert_array_equal(
        tiled.run(copy.deepcopy(args))[2], cut.run(copy.deepcopy(args))[2]
    )
    assert tiled.time(args, repeat=3) > 0.0
