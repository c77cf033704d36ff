"""What the CUDA backend makes of maps, arguments and errors (emulated; compiled by nvcc)."""

from __future__ import annotations

import numpy as np
import pytest
from corpus_programs import CORPUS
from cuda_helpers import EMULATED, needs_nvcc

import sluice
from sluice.backends.cuda import build, generate
from sluice.backends.cuda.driver import EMULATE_VARIABLE
from sluice.errors import ExecutionError, SluiceError
from sluice.runtime import toolchain


def test_independent_iterations_become_a_kernel():
    src = generate(CORPUS["jacobi_2d"].build(), EMULATED)
    assert "SL_KERNEL sl_kernel0_stencil(" in src
    assert "SL_LAUNCH(sl_kernel0_stencil," in src
    # the arguments are copied to the device and back around the call
    assert "sl::Device<double> sl_dev_A(A," in src and "sl_dev_A.back(A);" in src


@pytest.mark.parametrize(("name", "why"), [
    ("sum_wcr", "it reduces into a scalar"),
    ("complex_arithmetic", "complex numbers"),
    ("stream_producer_consumer", "stream"),
])
def test_a_map_left_on_the_host_says_why(name, why):
    src = generate(CORPUS[name].build(), EMULATED)
    reasons = [ln for ln in src.splitlines() if "runs on the host:" in ln]
    assert any(why in ln for ln in reasons), reasons


def _stepped(A, B):
    B[1:-1:2, ::3] = A[1:-1:2, ::3] * 2.0 + 1.0
    return B


def _scaled(x, alpha: float):
    return np.sqrt(np.abs(x)) * alpha - x // 3.0


@pytest.mark.parametrize("shape", [(3, 4), (41, 37), (200, 9)])
def test_strided_ranges_and_many_grid_stride_rounds(shape, monkeypatch):
    """Steps and offsets decompose the thread index right, also where the emulated grid
    (3 blocks of 32 threads) goes round many times."""
    monkeypatch.setenv(EMULATE_VARIABLE, "1")
    rng = np.random.default_rng(1)
    A, B = rng.standard_normal(shape), rng.standard_normal(shape)
    f = sluice.jit(_stepped, target="cuda")
    assert "SL_KERNEL" in f.lower("cuda", A, B.copy())
    np.testing.assert_array_equal(f(A, B.copy()), _stepped(A, B.copy()))


def test_scalar_arguments_reach_the_kernel_by_value(monkeypatch):
    monkeypatch.setenv(EMULATE_VARIABLE, "1")
    x = np.array([-7.5, -0.0, 0.0, 2.25, np.inf, -np.inf, np.nan, 1e300, -3.0])
    f = sluice.jit(_scaled, target="cuda")
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(f(x, 1.5), _scaled(x, 1.5))


def test_bounds_checks_are_refused_on_cuda(monkeypatch):
    monkeypatch.setenv(EMULATE_VARIABLE, "1")
    f = sluice.jit(_scaled, target="cuda", boundscheck=True)
    with pytest.raises(SluiceError, match="cannot check indices"):
        f(np.ones(3), 1.0)


def test_unknown_option_is_named():
    with pytest.raises(TypeError, match="unknown CUDA backend option 'emulated'"):
        build(CORPUS["jacobi_2d"].build(), {"emulated": True})


@needs_nvcc
@pytest.mark.skipif(bool(toolchain.gpus()), reason="a GPU is present: the call would succeed")
def test_without_a_gpu_the_call_says_so(monkeypatch):
    monkeypatch.delenv(EMULATE_VARIABLE, raising=False)
    f = sluice.jit(_scaled, target="cuda")
    with pytest.raises(ExecutionError, match="failed on the GPU") as err:
        f(np.ones(3), 1.0)
    assert EMULATE_VARIABLE in str(err.value)
