"""A map that combines into one array through several subsets (`B[i] += u; B[i + 1] +=
v`, as a stencil's adjoint does) may meet itself across iterations: each subset alone is
injective, the pair is not, so the map must not be split among threads without atomics."""

import numpy as np

import sluice.ir as ir
from sluice.backends.cpu import build, generate


def spread(apart: bool) -> ir.Program:
    b = ir.ProgramBuilder("spread")
    b.arg("x", "float64", ["N"])
    b.arg("B", "float64", ["N + 1"] if not apart else [2, "N"])
    with b.state() as s:
        outs = ({"u": "B[0, i] wcr +", "v": "B[1, i] wcr +"} if apart else
                {"u": "B[i] wcr +", "v": "B[i + 1] wcr +"})
        s.map({"i": "0:N"}, "u = xi; v = 2.0 * xi", inputs={"xi": "x[i]"}, outputs=outs)
    return b.build()


def test_overlapping_write_subsets_keep_the_map_in_order():
    src = generate(spread(apart=False))
    assert "(default: sequential)" in src
    n = 200_000  # far above the size where maps run in parallel
    x = np.random.default_rng(0).random(n)
    B = np.zeros(n + 1)
    build(spread(apart=False))(x, B)
    want = np.zeros(n + 1)
    want[:-1] += x
    want[1:] += 2.0 * x
    np.testing.assert_allclose(B, want, rtol=1e-15)


def test_subsets_apart_in_a_constant_dimension_still_run_in_parallel():
    assert "(default: parallel)" in generate(spread(apart=True))
