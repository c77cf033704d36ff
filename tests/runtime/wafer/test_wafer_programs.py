"""Print -> parse -> simulate the sample CSL programs and compare with NumPy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sluice.csl import samples
from sluice.runtime.wafer import MemcpyDataType, MemcpyOrder, SdkRuntime
from sluice.runtime.wafer.harness import run_printed


def check_sample(sample: samples.Sample, tmp_path: Path, seed: int = 0) -> None:
    inputs = sample.make_inputs(np.random.default_rng(seed))
    out = run_printed(sample.program, sample.host, inputs, tmp_path)
    ref = sample.reference(inputs)
    assert set(out) == set(ref)
    for k, v in ref.items():
        np.testing.assert_array_equal(out[k].ravel(), v.ravel(), err_msg=f"{sample.name}:{k}")


@pytest.mark.parametrize("M,K", [(1, 1), (4, 3), (16, 16)])
@pytest.mark.parametrize("arch", ["wse2", "wse3"])
def test_gemv(M: int, K: int, arch: str, tmp_path: Path) -> None:
    check_sample(samples.gemv(M, K, arch), tmp_path)


@pytest.mark.parametrize("W,n", [(2, 1), (5, 7), (16, 16)])
@pytest.mark.parametrize("arch", ["wse2", "wse3"])
def test_chain_reduce(W: int, n: int, arch: str, tmp_path: Path) -> None:
    check_sample(samples.chain_reduce(W, n, arch), tmp_path)


@pytest.mark.parametrize("W,H,n", [(2, 1, 1), (3, 2, 5), (8, 4, 9), (16, 16, 8)])
def test_pipelined_reduce(W: int, H: int, n: int, tmp_path: Path) -> None:
    check_sample(samples.pipelined_reduce(W, H, n), tmp_path)


def test_pipelined_reduce_wse3(tmp_path: Path) -> None:
    check_sample(samples.pipelined_reduce(5, 3, 6, "wse3"), tmp_path)


@pytest.mark.parametrize("W,H,n,arch", [(2, 1, 3, "wse2"), (2, 3, 4, "wse2"), (7, 2, 5, "wse2"),
                                         (16, 16, 4, "wse2"), (2, 1, 3, "wse3"),
                                         (7, 2, 5, "wse3")])
def test_row_broadcast(W: int, H: int, n: int, arch: str, tmp_path: Path) -> None:
    check_sample(samples.row_broadcast(W, H, n, arch), tmp_path)


@pytest.mark.parametrize("W,H,n,arch", [(1, 1, 1, "wse2"), (3, 2, 12, "wse2"),
                                         (16, 16, 3, "wse2"), (1, 1, 1, "wse3"),
                                         (3, 2, 12, "wse3")])
def test_streaming(W: int, H: int, n: int, arch: str, tmp_path: Path) -> None:
    check_sample(samples.streaming_affine(W, H, n, arch), tmp_path)


def test_32x32_pipelined_reduce(tmp_path: Path) -> None:
    check_sample(samples.pipelined_reduce(32, 32, 16), tmp_path, seed=3)


def test_random_picker_gives_same_results() -> None:
    """Correct programs do not depend on task order: seeded random pickers agree."""
    s = samples.row_broadcast(4, 3, 5)
    inputs = s.make_inputs(np.random.default_rng(1))
    for seed in (1, 2, 3):
        rt = SdkRuntime(s.program, seed=seed)
        rt.load()
        rt.run()
        rt.memcpy_h2d(rt.get_id("x"), inputs["x"].ravel(), 0, 0, 1, 3, 5)
        rt.launch("start")
        y = np.zeros(4 * 3 * 5, np.float32)
        rt.memcpy_d2h(y, rt.get_id("y"), 0, 0, 4, 3, 5)
        rt.stop()
        np.testing.assert_array_equal(y, s.reference(inputs)["y"].ravel())


def test_col_major_and_nonblocking_transfers() -> None:
    s = samples.pipelined_reduce(3, 2, 4)
    y = np.random.default_rng(5).uniform(size=(2, 3, 4)).astype(np.float32)
    rt = SdkRuntime(s.program)
    rt.load()
    rt.run()
    sym = rt.get_id("y")
    task = rt.memcpy_h2d(sym, y.ravel(order="F"), 0, 0, 3, 2, 4,
                         order=MemcpyOrder.COL_MAJOR, nonblock=True)
    assert task is not None and not task.done()
    task.wait()
    assert task.done()
    back = np.zeros(24, np.float32)
    rt.memcpy_d2h(back, sym, 0, 0, 3, 2, 4, order=MemcpyOrder.COL_MAJOR)
    np.testing.assert_array_equal(back.reshape((2, 3, 4), order="F"), y)
    rt.launch("start", nonblock=True).wait()
    out = np.zeros(8, np.float32)
    rt.memcpy_d2h(out, sym, 2, 0, 1, 2, 4)
    np.testing.assert_array_equal(out.reshape(2, 4), s.reference({"y": y})["sum"])
    rt.stop()
    stats = rt.sim.stats()
    assert stats["cycles"] > 0 and stats["pe_cycles"] == stats["cycles"] * 6


def test_16bit_copy_memcpy() -> None:
    """f16 data travels as the low halves of 32-bit words (MEMCPY_16BIT)."""
    from sluice.csl import model as m

    prog = m.PeProgram("h", fields=(m.Field("a", "f16", m.Lit(4), m.Zeros()),),
                       functions=(m.Function("neg", (
                           m.DsdOp("fnegh", (m.Name("a_dsd"), m.Name("a_dsd"))),
                           m.UnblockCmdStream())),),
                       dsds=(m.Mem1dDsd("a_dsd", "a", m.Lit(4)),),
                       exports=("a",), rpcs=("neg",))
    lay = m.Layout(1, 1, exports=(m.Export("a", "data", "f16"), m.Export("neg", "fn")))
    rt = SdkRuntime(m.CslProgram(lay, (m.TileVariant(prog, (m.Placement(0, 0),)),)))
    rt.load()
    vals = np.array([1.5, -2.0, 0.25, 3.0], np.float16)
    words = vals.view(np.uint16).astype(np.uint32)
    rt.memcpy_h2d(rt.get_id("a"), words, 0, 0, 1, 1, 4, data_type=MemcpyDataType.MEMCPY_16BIT)
    rt.launch("neg")
    out = np.zeros(4, np.uint32)
    rt.memcpy_d2h(out, rt.get_id("a"), 0, 0, 1, 1, 4, data_type=MemcpyDataType.MEMCPY_16BIT)
    rt.stop()
    np.testing.assert_array_equal(out.astype(np.uint16).view(np.float16), -vals)


def test_printed_run_py_works_from_the_command_line(tmp_path: Path) -> None:
    """`python run.py --name DIR` as a user would run it (falls back to the simulator)."""
    import os
    import subprocess
    import sys

    from sluice.csl.printer import write_files

    s = samples.gemv(3, 2)
    write_files(s.program, str(tmp_path), s.host)
    inputs = s.make_inputs(np.random.default_rng(2))
    np.savez(tmp_path / "in.npz", **inputs)
    subprocess.run([sys.executable, str(tmp_path / "run.py"), "--name", str(tmp_path),
                    "--inputs", str(tmp_path / "in.npz"), "--outputs", str(tmp_path / "out.npz")],
                   check=True, timeout=60,
                   env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[3])})
    out = np.load(tmp_path / "out.npz")
    np.testing.assert_array_equal(out["y"], s.reference(inputs)["y"])
