"""`.sptl` kernels lowered to the IR: they verify, round-trip, and run on the reference
interpreter to the NumPy results, for every example and parameter set."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import sluice.ir as ir
from sluice.errors import ArgumentError, DeadlockError
from sluice.frontend.spada.kernel import load, loads
from tests.frontend.spada.name_clash_case import NAME_CLASH, USER_NAMES, clash_reference

EXAMPLES = Path(__file__).parents[3] / "examples" / "spada"
sys.path.insert(0, str(EXAMPLES))
from references import REFERENCES  # noqa: E402

CASES = [(name, i) for name in sorted(REFERENCES) for i in range(len(REFERENCES[name].param_sets))]


@pytest.mark.parametrize("name, which", CASES)
def test_example_runs_like_numpy(name, which):
    ex = REFERENCES[name]
    params = ex.param_sets[which]
    k = load(EXAMPLES / f"{name}.sptl", params)
    inputs = ex.make_inputs(params, np.random.default_rng(which))
    got = k(**inputs)
    want = ex.reference(inputs, params)
    assert set(got) == set(want)
    for out, ref in want.items():
        assert got[out].shape == ref.shape
        np.testing.assert_allclose(got[out], ref, rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_lowered_program_round_trips(name):
    k = load(EXAMPLES / f"{name}.sptl", REFERENCES[name].param_sets[-1])
    p = k.program
    p.verify()
    text = p.to_text()
    q = ir.parse(text)
    assert q.to_text() == text and q.structurally_equal(p)
    assert ir.from_json(p.to_json()).structurally_equal(p)


CYCLE = """
// Two PEs that each wait for the other before sending: counts match, order does not.
kernel @cycle<N>(stream<f32, N>[2, 1] readonly a, stream<f32, N>[2, 1] writeonly b) {
    place i16 x, i16 y in [0:2, 0] { f32[N] mine
                                     f32[N] other }
    dataflow i16 x, i16 y in [0:2, 0] {
        stream<f32> right = relative_stream(1, 0)
        stream<f32> left = relative_stream(-1, 0)
    }
    compute i16 x, i16 y in [0, 0] {
        await receive(mine, a[x, y])
        await receive(other, left)
        await send(mine, right)
        await send(other, b[x, y])
    }
    compute i16 x, i16 y in [1, 0] {
        await receive(mine, a[x, y])
        await receive(other, right)
        await send(mine, left)
        await send(other, b[x, y])
    }
}
"""


def test_runtime_deadlock_is_reported_with_pes_and_streams():
    k = loads(CYCLE, {"N": 3}, "cycle.sptl")
    with pytest.raises(DeadlockError) as info:
        k(a=np.ones((2, 1, 3), np.float32))
    msg = str(info.value)
    assert "PE (0, 0) waits on left[0, 0]" in msg and "PE (1, 0) waits on right[1, 0]" in msg


def test_swapping_the_order_fixes_it():
    fixed = CYCLE.replace("""        await receive(other, right)
        await send(mine, left)""", """        await send(mine, left)
        await receive(other, right)""")
    k = loads(fixed, {"N": 3}, "cycle.sptl")
    a = np.arange(6, dtype=np.float32).reshape(2, 1, 3)
    out = k(a=a)["b"]
    np.testing.assert_array_equal(out[0], a[1])
    np.testing.assert_array_equal(out[1], a[0])


def test_kernel_arguments_are_checked():
    k = load(EXAMPLES / "axpy.sptl", {"W": 2, "H": 1, "N": 3})
    good = {"x_in": np.ones((2, 1, 3), np.float32), "y_in": np.ones((2, 1, 3), np.float32),
            "alpha": 2.0}
    with pytest.raises(ArgumentError, match="missing input 'alpha'"):
        k(x_in=good["x_in"], y_in=good["y_in"])
    with pytest.raises(ArgumentError, match="has shape \\(3, 1, 3\\), expected \\(2, 1, 3\\)"):
        k(**{**good, "x_in": np.ones((3, 1, 3), np.float32)})
    with pytest.raises(ArgumentError, match="no input 'x_inn'") as info:
        k(**good, x_inn=1)
    assert "x_in" in info.value.hint
    assert set(k.outputs) == {"y_out"} and k.inputs["x_in"] == (2, 1, 3)


def test_user_names_never_clash_with_generated_names():
    k = loads(NAME_CLASH, {"W": 3, "H": 2, "N": 4}, "clash.sptl")
    k.program.verify()
    assert not set(k.lowered.coords) & USER_NAMES
    (st,) = k.program.body.blocks
    (mp,) = [n for n in st.graph.nodes if isinstance(n, ir.Map)]
    assert not set(mp.params) & USER_NAMES
    x = np.random.default_rng(1).standard_normal((3, 2, 4)).astype(np.float32)
    np.testing.assert_allclose(k(x=x)["y"], clash_reference(x), rtol=1e-6)


# Phase 1's `q` is an i32 stream, phase 0's an f32 one: they need two containers, and the
# second may not take the name of the kernel's own i32 stream `q_2`.
TWO_Q = """
kernel @ph<W>(stream<f32, 1>[W, 1] readonly a,
              stream<f32, 1>[W, 1] writeonly b,
              stream<f32, 1>[W, 1] writeonly c) {
    place i16 x, i16 y in [0:W, 0] {
        f32 v
        i32 iv
        f32 w
    }
    phase {
        dataflow i16 x, i16 y in [0:W, 0] {
            stream<f32> q = relative_stream(-1, 0)
            stream<i32> q_2 = relative_stream(-1, 0)
        }
        compute i16 x, i16 y in [0:W, 0] {
            await receive(v, a[x, y])
            iv = i32(x)
            if x > 0 {
                await send(v, q)
                await send(iv, q_2)
            }
            if x < W - 1 {
                await receive(v, q)
                await receive(iv, q_2)
            }
        }
    }
    phase {
        dataflow i16 x, i16 y in [0:W, 0] {
            stream<i32> q = relative_stream(1, 0)
        }
        compute i16 x, i16 y in [0:W, 0] {
            if x < W - 1 {
                await send(iv + 100, q)
            }
            if x > 0 {
                await receive(iv, q)
            }
            await send(v, b[x, y])
            await send(f32(iv), c[x, y])
        }
    }
}
"""


def test_a_renamed_stream_takes_no_name_of_the_kernel():
    k = loads(TWO_Q, {"W": 3}, "ph.sptl")
    assert {"q", "q_2"} < set(k.program.data) and len(
        [n for n, c in k.program.data.items() if isinstance(c, ir.Stream)]) == 6
    out = k(a=np.array([1, 2, 3], np.float32).reshape(3, 1, 1))
    np.testing.assert_array_equal(out["b"].ravel(), [2, 3, 3])
    np.testing.assert_array_equal(out["c"].ravel(), [1, 101, 102])
