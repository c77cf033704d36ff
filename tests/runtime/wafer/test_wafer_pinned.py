"""Cycle counts and outputs of many programs, pinned to the simulator before its speed work
(issue #20): speeding it up must leave every cycle, busy PE-cycle and output bit in place.

Each row: the program, the cycles of its whole host script, the PE-cycles its PEs were busy
and a digest of the bytes of its outputs (float32 results, so any change of rounding or
order shows). `.sptl` examples are checked against their NumPy reference too.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from bench import wafer_speed
from sluice.csl import samples
from sluice.runtime.wafer.pe import DsdState
from sluice.spatial import load

EXAMPLES = [
    ("allreduce", {"W": 3, "H": 2, "N": 3}, 99, 404, "31e1f3cb206681a9"),
    ("axpy", {"W": 2, "H": 3, "N": 8}, 63, 174, "5581ef708123e3e3"),
    ("bcast_chain", {"W": 3, "N": 5}, 276, 320, "d62dd8fe66f57297"),
    ("bcast_multicast", {"W": 4, "H": 3, "N": 4}, 38, 228, "700b37e3d152d0e8"),
    ("gemm", {"P": 2, "T": 3}, 213, 704, "c61f3aaaea9e8014"),
    ("gemv", {"PX": 3, "PY": 2, "M": 4, "N": 2}, 119, 370, "f120ffad939d380c"),
    ("laplace2d", {"W": 3, "H": 3, "N": 4}, 167, 903, "65d1064a57be06c8"),
    ("laplace2d", {"W": 8, "H": 8, "N": 4}, 187, 8488, "88ac5c6e14803834"),
    ("piecewise", {"W": 3, "H": 2, "N": 5}, 52, 200, "6e763c469159be79"),
    ("reduce_grid", {"W": 3, "H": 2, "N": 4}, 62, 239, "726df4b7c7b6e63c"),
    ("reduce_pipelined", {"W": 5, "N": 8}, 67, 83, "393f087111170b00"),
    ("reduce_row", {"W": 4, "N": 8}, 86, 163, "78b8db666725586e"),
    ("reduce_tree", {"L": 2, "N": 4}, 62, 147, "1960133015a3270e"),
    ("scale2d", {"W": 2, "H": 2, "M": 3, "N": 4}, 64, 152, "dbaec4c486f62fcc"),
    ("stencil3d", {"W": 3, "H": 4, "K": 6}, 203, 1606, "501235636e642606"),
    ("stencil3d", {"W": 6, "H": 5, "K": 6}, 221, 4544, "573e2c6b7cc20334"),
    ("vadv", {"W": 3, "H": 2, "K": 6}, 496, 1916, "1838f57a6f17e41d"),
]

SAMPLES = [
    (samples.gemv, (5, 7), 127, 80, "1dcd38ca51341552"),
    (samples.chain_reduce, (6, 5), 85, 152, "617887b83e11fdea"),
    (samples.pipelined_reduce, (5, 3, 7), 58, 210, "ec350a604afa81fa"),
    (samples.row_broadcast, (4, 3, 5), 66, 615, "141b9a66208459cc"),
    (samples.streaming_affine, (3, 4, 6), 60, 720, "5685911764f2991c"),
]


def digest(outs: dict[str, np.ndarray]) -> str:
    """The names, dtypes and bytes of `outs`, hashed."""
    h = hashlib.sha256()
    for k in sorted(outs):
        a = np.ascontiguousarray(np.asarray(outs[k]))
        h.update(k.encode())
        h.update(str(a.dtype).encode())
        h.update(a.tobytes())
    return h.hexdigest()[:16]


@pytest.mark.parametrize(
    ("name", "params", "cycles", "busy", "want"),
    EXAMPLES,
    ids=[f"{e[0]}-{'-'.join(map(str, e[1].values()))}" for e in EXAMPLES],
)
def test_example_cycles_and_outputs_are_pinned(name, params, cycles, busy, want) -> None:
    ref = wafer_speed._references()[name]
    art = load(wafer_speed.EXAMPLES / f"{name}.sptl", params).compile("csl")
    host_in = ref.make_inputs(params, np.random.default_rng(11))
    outs, rt, _, _ = wafer_speed.run_host(art.program, art.host, art.pack_inputs(host_in))
    got = art.unpack_outputs(outs)
    for k, v in ref.reference(host_in, params).items():
        np.testing.assert_allclose(got[k], v, rtol=2e-4, atol=2e-4, err_msg=k)
    assert rt.sim is not None
    assert (rt.sim.now, rt.sim.busy_cycles, digest(got)) == (cycles, busy, want)


@pytest.mark.parametrize("seed", [None, 3], ids=["lowest-id", "seeded-picker"])
@pytest.mark.parametrize(
    ("build", "args", "cycles", "busy", "want"), SAMPLES, ids=[s[0].__name__ for s in SAMPLES]
)
def test_sample_cycles_and_outputs_are_pinned(build, args, cycles, busy, want, seed) -> None:
    s = build(*args)
    inputs = s.make_inputs(np.random.default_rng(11))
    outs, rt, _, _ = wafer_speed.run_host(s.program, s.host, inputs, seed=seed)
    for k, v in s.reference(inputs).items():
        np.testing.assert_array_equal(outs[k].ravel(), v.ravel(), err_msg=k)
    assert rt.sim is not None
    assert (rt.sim.now, rt.sim.busy_cycles, digest(outs)) == (cycles, busy, want)


@pytest.mark.parametrize(
    ("offset", "stride", "extent"),
    [(0, 1, 4), (3, 2, 5), (9, -3, 4), (2, 0, 3), (1, 1, 0), (5, -1, -2)],
)
def test_index_list_is_the_dsd_indices(offset: int, stride: int, extent: int) -> None:
    """The element loop's index lists (pure Python) equal the NumPy indices they replace."""
    d = DsdState("d", "mem", extent, "a", offset, stride)
    assert d.index_list() == d.indices().tolist()
