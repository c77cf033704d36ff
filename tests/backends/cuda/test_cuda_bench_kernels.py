"""The bench kernels (NPBench's NumPy code) on the CUDA target at the "test" size: emulated
and equal to NumPy, and the same generated file compiled by nvcc."""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import pytest

from sluice.backends.cuda.driver import EMULATE_VARIABLE, CudaOptions, build_device
from sluice.runtime import toolchain

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "frontend" / "python"))

from checks import assert_same, flatten  # noqa: E402

from bench.kernels import load  # noqa: E402
from tests.bench_kernel_jits import jitted, kernel_params  # noqa: E402


@pytest.mark.parametrize("name", kernel_params())
def test_bench_kernel_on_cuda(name, monkeypatch):
    monkeypatch.setenv(EMULATE_VARIABLE, "1")
    mod = load(name)
    args = mod.init(**mod.SIZES["test"])
    numpy_args, our_args = copy.deepcopy(list(args)), copy.deepcopy(list(args))
    expected = mod.kernel_numpy(*numpy_args)
    run = jitted(name).compile("cuda", *our_args)  # (the trace the frontend test made)
    got = run(*our_args)
    exp, out = flatten(expected), flatten(got)
    assert len(exp) == len(out)
    for k, (e, g) in enumerate(zip(exp, out, strict=True)):
        assert_same(e, g, f"result {k}")
    for k in mod.OUTPUTS:
        assert_same(numpy_args[k], our_args[k], f"argument {k} after the call")
    if toolchain.find_nvcc() is None:
        pytest.skip("nvcc not found: the kernel was emulated, not compiled for a GPU")
    compiled = getattr(run.native, "__wrapped__", run.native)
    assert build_device(compiled.source, name, None, CudaOptions(host_opt="-O0")).is_file()
