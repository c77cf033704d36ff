"""Each optimisation of the CSL lowering, on and off: same results, fewer resources or
cycles when on."""

from __future__ import annotations

import pytest

from sluice.backends.csl import CslOptions, compile_kernel, simulate
from sluice.csl import model as m
from sluice.errors import UnsupportedError
from tests.backends.csl.lowering_util import assert_matches, inputs, kernel


def run(name: str, params: dict[str, int], **off: bool):
    art = compile_kernel(kernel(name, params).lowered, CslOptions(**off))
    inp = inputs(name, params)
    got, figures = simulate(art, inp)
    assert_matches(name, params, inp, got)
    return art, figures


def dsd_ops(art) -> int:
    return int(art.stats["dsd_ops"])


def test_vectorize_uses_dsd_ops_and_saves_cycles() -> None:
    params = {"PX": 3, "PY": 2, "M": 16, "N": 4}
    on, c_on = run("gemv", params)
    off, c_off = run("gemv", params, vectorize=False)
    assert dsd_ops(on) > dsd_ops(off)
    assert c_on["cycles"] < c_off["cycles"]


def test_vectorized_receive_loop_is_one_fabric_op() -> None:
    params = {"W": 4, "N": 16}
    on, c_on = run("reduce_pipelined", params)
    off, c_off = run("reduce_pipelined", params, vectorize=False)
    fadds = [s for v in on.program.variants for f in v.program.functions for s in f.body
             if isinstance(s, m.DsdOp) and s.op == "fadds"]
    assert fadds and all(s.is_async for s in fadds)
    assert c_on["cycles"] * 2 < c_off["cycles"]


def test_task_fusion_merges_tasks() -> None:
    params = {"L": 2, "N": 4}
    on, c_on = run("reduce_tree", params, task_recycling=False)
    off, c_off = run("reduce_tree", params, task_fusion=False, task_recycling=False)
    assert on.stats["local_tasks"] < off.stats["local_tasks"]
    assert c_on["cycles"] < c_off["cycles"]


def test_task_recycling_shares_ids() -> None:
    params = {"W": 3, "H": 2, "N": 3}
    on, _ = run("allreduce", params)
    off, _ = run("allreduce", params, task_recycling=False)
    assert on.stats["local_tasks"] < off.stats["local_tasks"]
    # without recycling a larger program runs out of local task IDs
    with pytest.raises(UnsupportedError, match="local task IDs"):
        compile_kernel(kernel("gemm", {"P": 3, "T": 2}).lowered,
                       CslOptions(task_recycling=False, task_fusion=False))


def test_color_assignment_reuses_colors() -> None:
    params = {"W": 3, "H": 2, "N": 3}
    on, _ = run("allreduce", params)
    off, _ = run("allreduce", params, color_assignment=False)
    assert on.stats["colors"] < off.stats["colors"]
    with pytest.raises(UnsupportedError, match="more than 21 colors"):
        compile_kernel(kernel("laplace2d", {"W": 3, "H": 3, "N": 4}).lowered,
                       CslOptions(color_assignment=False))


def sram(art) -> int:
    size = {"f32": 4, "i16": 2, "i32": 4, "f16": 2, "u16": 2, "u32": 4}
    return max(sum(size[f.dtype] * (f.length.value if f.length is not None else 1)
                   for f in v.program.fields) for v in art.program.variants)


def test_copy_elision_saves_memory_and_copies() -> None:
    params = {"W": 2, "H": 3, "N": 8}
    on, c_on = run("axpy", params)
    off, c_off = run("axpy", params, copy_elision=False)
    assert sram(on) < sram(off)
    assert dsd_ops(on) < dsd_ops(off)
    assert c_on["cycles"] < c_off["cycles"]


def test_disabled_flags_parse() -> None:
    opts = CslOptions.from_disabled(["task-fusion", "copy-elision"])
    assert not opts.task_fusion and not opts.copy_elision and opts.vectorize
    assert "task-recycling" in CslOptions.names()
    opts = CslOptions.from_disabled(["router-switching", "close-elision"])
    assert not opts.router_switching and not opts.close_elision and opts.color_assignment
    with pytest.raises(ValueError, match="unknown CSL optimisation"):
        CslOptions.from_disabled(["no-such-thing"])
