"""What the CUDA backend makes of maps, arguments and errors (emulated; compiled by nvcc)."""

from __future__ import annotations

import numpy as np
import pytest
from corpus_programs import CORPUS
from cuda_helpers import EMULATED, check, needs_nvcc

import sluice
import sluice.ir as ir
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


def test_a_column_reduction_accumulates_in_each_thread():
    src = generate(CORPUS["column_max_wcr"].build(), EMULATED)
    kernel = src[src.index("SL_KERNEL sl_kernel1_reduce"):]
    assert "double sl_acc1 = m[j];" in kernel and "sl_acc1 = sl::maximum(sl_acc1, v_o);" in kernel


_ONE_ELEMENT = ir.parse("""program one_element(A, h) {
  symbol N: int64
  data A: float64[N]
  data h: float64[2]
  state s1 {
    %0 = access A
    %1 = map [i = 0:N] default "into_one" {
      %2 = access A
      %3 = tasklet "into_one" (a) -> (o) {
        o = a
      }
      %4 = access h
      %2 -> %3.a : A[i]
      %3.o -> %4 : h[1] wcr +
    }
    %5 = access h
    %0 -> %1 : A[0:N]
    %1 -> %5 : h[1] wcr +
  }
}
""")


def test_threads_meeting_on_an_element_combine_atomically():
    src = generate(_ONE_ELEMENT, EMULATED)
    assert "sl::gpu_atomic_update(&h[1]" in src and "runs on the host" not in src
    for n in (0, 5, 700):
        check(_ONE_ELEMENT, [np.arange(n, dtype=np.float64), np.ones(2)], {}, EMULATED)


@pytest.mark.parametrize(("program", "why"), [
    (CORPUS["complex_arithmetic"].build(), "complex numbers"),
    (CORPUS["stream_producer_consumer"].build(), "stream"),
])
def test_a_map_left_on_the_host_says_why(program, why):
    src = generate(program, EMULATED)
    reasons = [ln for ln in src.splitlines() if "runs on the host:" in ln]
    assert any(why in ln for ln in reasons), reasons


_REDUCTION = """program reduce(A) -> (s) {{
  symbol N: int64
  data A: {dtype}[N]
  data s: {dtype}
  state s1 {{
    %0 = access A
    %1 = map [i = 0:N] default "red" {{
      %2 = access A
      %3 = tasklet "red" (a) -> (o) {{
        o = a
      }}
      %4 = access s
      %2 -> %3.a : A[i]
      %3.o -> %4 : s wcr {op}
    }}
    %5 = access s
    %0 -> %1 : A[0:N]
    %1 -> %5 : s wcr {op}
  }}
}}
"""


@pytest.mark.parametrize("op", ["+", "*", "max", "min"])
@pytest.mark.parametrize("dtype", ["float64", "float32", "int32", "int64", "uint32"])
def test_a_reduction_into_a_scalar_is_a_kernel_with_atomic_partials(op, dtype):
    program = ir.parse(_REDUCTION.format(op=op, dtype=dtype))
    assert "sl::atomic_apply(sl_gpu_red0" in generate(program, EMULATED)
    rng = np.random.default_rng(3)
    for n in (0, 1, 7, 500):  # 500: many threads, three emulated blocks going round
        if dtype.startswith("float"):
            a = (rng.standard_normal(n) * (1.01 if op == "*" else 100)).astype(dtype)
            if n > 10:
                a[[3, 9]] = [np.nan, -0.0]  # max/min: NaN wins, whichever thread holds it
        else:
            a = rng.integers(-50 if dtype[0] == "i" else 0, 50, n).astype(dtype)
        with np.errstate(all="ignore"):
            check(program, [a], {}, EMULATED)


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


@needs_nvcc
@pytest.mark.parametrize(("op", "dtype"), [("+", "float32"), ("*", "int64"),
                                           ("max", "uint32"), ("min", "float64")])
def test_atomic_partials_compile_with_nvcc(op, dtype):
    build(ir.parse(_REDUCTION.format(op=op, dtype=dtype)), {"emulate": False, "host_opt": "-O0"})


@needs_nvcc
def test_atomic_element_updates_compile_with_nvcc():
    build(_ONE_ELEMENT, {"emulate": False, "host_opt": "-O0"})


def _reductions(A, I):
    return (A.max(axis=0), A.min(axis=1), A.sum(axis=0), np.argmax(A, axis=1),
            np.argmin(A, axis=0), I.sum(axis=1), I.prod(axis=0), A.max(), np.amin(I))


@pytest.mark.parametrize("shape", [(1, 1), (7, 5), (40, 130)])
def test_reduce_nodes_run_a_thread_per_result(shape, monkeypatch):
    monkeypatch.setenv(EMULATE_VARIABLE, "1")
    rng = np.random.default_rng(4)
    A = rng.standard_normal(shape)
    A.flat[::7] = np.nan  # max/min/argmax: the first NaN wins, whichever thread meets it
    A.flat[1::5] = -0.0
    I = rng.integers(-3, 4, shape).astype(np.int32)
    f = sluice.jit(_reductions, target="cuda")
    src = f.lower("cuda", A, I)
    assert src.count("a thread per result") >= 9 and "runs on the host" not in src
    got, want = f(A, I), _reductions(A, I)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-12, equal_nan=True)
        assert np.asarray(g).dtype == np.asarray(w).dtype


def _transposes(A, B):
    return A.T.copy(), np.transpose(B, (2, 0, 1)) + 1.0, B.transpose(1, 2, 0)[::2] * 2


def test_transposes_run_on_the_gpu(monkeypatch):
    """A Transpose node is a kernel, a thread per result (its values: the corpus test);
    the frontend's transposed views become map kernels."""
    src = generate(CORPUS["transpose_and_rowmax"].build(), EMULATED)
    assert "// library node Transpose: a thread per result" in src
    monkeypatch.setenv(EMULATE_VARIABLE, "1")
    rng = np.random.default_rng(5)
    A, B = rng.standard_normal((37, 19)), rng.standard_normal((5, 6, 7))
    f = sluice.jit(_transposes, target="cuda")
    src = f.lower("cuda", A, B)
    assert "SL_KERNEL sl_kernel" in src and "runs on the host" not in src
    for g, w in zip(f(A, B), _transposes(A, B), strict=True):
        np.testing.assert_array_equal(g, w)


def test_host_optimisation_reaches_nvcc_and_is_checked(monkeypatch):
    """nvcc optimises the host half at -O3 unless asked otherwise (-O0: a compile check);
    anything but -O0 .. -O3 is refused before nvcc runs."""
    from sluice.backends.cuda import driver

    seen: list[list[str]] = []
    monkeypatch.setattr(driver.toolchain, "find_nvcc", lambda: "/usr/bin/nvcc")
    monkeypatch.setattr(driver, "build_cuda", lambda source, **kw: seen.append(kw["flags"]))
    for opts in (driver.CudaOptions(), driver.CudaOptions(host_opt="-O0")):
        driver.build_device("int main;", "k", None, opts)
    assert seen[0][0] == "-O3" and seen[1][0] == "-O0"
    assert all(sum(f.startswith("-O") for f in flags) == 1 for flags in seen)
    with pytest.raises(SluiceError, match="host_opt"):
        driver.build_device("int main;", "k", None, driver.CudaOptions(host_opt="-Ofast"))
