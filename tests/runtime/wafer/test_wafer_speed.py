"""32x32-PE programs simulate quickly to their NumPy results, with pinned cycle counts.

The pinned counts are those of the simulator before it stopped visiting quiet PEs and took
its inlined fast paths (issue #6): those changes must leave every cycle where it was.
`python -m bench.wafer_speed --kind laplace2d` times the 32x32 laplace2d example
(its 32x32 compile alone takes longer than this file should).
"""

from __future__ import annotations

import numpy as np
import pytest

from bench import wafer_speed
from sluice.csl import samples


@pytest.mark.parametrize(("build", "n", "cycles", "busy"), [
    (samples.pipelined_reduce, 64, 2182, 14336),
    (samples.row_broadcast, 8, 126, 91072),
    (samples.streaming_affine, 8, 80, 81920),
], ids=["pipelined_reduce", "row_broadcast", "streaming_affine"])
def test_32x32_sample_is_exact(build, n: int, cycles: int, busy: int) -> None:
    s = build(32, 32, n)
    inputs = s.make_inputs(np.random.default_rng(7))
    outs, rt, _, _ = wafer_speed.run_host(s.program, s.host, inputs)
    for k, v in s.reference(inputs).items():
        np.testing.assert_array_equal(outs[k].ravel(), v.ravel(), err_msg=k)
    assert rt.sim is not None
    assert (rt.sim.now, rt.sim.busy_cycles) == (cycles, busy)


def test_seeded_picker_gives_same_results_on_32x32() -> None:
    """A random task picker steps every live PE each cycle (no quiet-PE skipping)."""
    s = samples.row_broadcast(32, 32, 4)
    inputs = s.make_inputs(np.random.default_rng(3))
    outs, rt, _, _ = wafer_speed.run_host(s.program, s.host, inputs, seed=5)
    np.testing.assert_array_equal(outs["y"].ravel(), s.reference(inputs)["y"].ravel())


def test_bench_reports_laplace2d(capsys: pytest.CaptureFixture[str]) -> None:
    wafer_speed.main(["--kind", "laplace2d", "--width", "3", "--height", "2", "--n", "2"])
    assert "laplace2d 3x2, 2 elements/PE:" in capsys.readouterr().out
