import ctypes
from pathlib import Path

import numpy as np
import pytest

from sluice.errors import ToolchainError
from sluice.runtime import build, toolchain
from sluice.runtime.build import (
    build_cpp,
    build_cpp_entry,
    build_cuda,
    cpp_key_parts,
    cuda_key_parts,
    cxx_flags,
)
from sluice.runtime.native import ArgSpec, load

needs_cxx = pytest.mark.skipif(toolchain.find_cxx() is None, reason="no C++ compiler found")
needs_nvcc = pytest.mark.skipif(toolchain.find_nvcc() is None,
                                reason="nvcc not found: CUDA compile tests need the CUDA toolkit")
needs_gpu = pytest.mark.skipif(not toolchain.gpus(),
                               reason="no NVIDIA GPU (nvidia-smi lists none): CUDA run skipped")

ADD_ONE = r"""
#include <cstdint>
extern "C" void add_one(double *x, int64_t N) {
    #pragma omp parallel for
    for (int64_t i = 0; i < N; ++i) x[i] += 1.0;
}
"""


@needs_cxx
def test_build_is_cached_and_keyed_by_flags(cache):
    first = build_cpp_entry(ADD_ONE, name="add_one", cache=cache)
    again = build_cpp_entry(ADD_ONE, name="add_one", cache=cache)
    assert first == again
    assert first.artifact_path.name == "libadd_one.so" and first.size > 0
    assert first.parts["target"] == "cpu" and "-O3" in first.parts["flags"]
    other = build_cpp_entry(ADD_ONE, name="add_one", flags=["-O1"], cache=cache)
    assert other.path != first.path
    assert "flags" in cache.explain({**first.parts, "flags": "-O2"})
    changed = build_cpp_entry(ADD_ONE + "\n// edit\n", name="add_one", cache=cache)
    assert changed.path != first.path
    x = np.zeros(5)
    load(first.artifact_path, "add_one", [ArgSpec.array("x", "float64", ["N"])])(x)
    assert np.array_equal(x, np.ones(5))


@needs_cxx
def test_key_parts_find_the_entry_without_building(cache):
    entry = build_cpp_entry(ADD_ONE, name="add_one", ir_text="program add_one", cache=cache)
    parts = cpp_key_parts(ADD_ONE, ir_text="program add_one")
    assert cache.lookup(parts) == entry
    assert cache.lookup(cpp_key_parts(ADD_ONE)) is None  # the IR text is part of the key
    if "-march=native" in parts["flags"]:
        assert parts["host"]  # native code is tied to the CPU it was built for
        assert "host: was" in cache.explain({**parts, "host": "another cpu"})


@needs_cxx
def test_default_cache_comes_from_env(cache):
    path = build_cpp(ADD_ONE, name="add_one")
    assert Path(path).is_relative_to(cache.root)


@needs_cxx
def test_compile_error_shows_first_errors_and_keeps_source(cache):
    bad = "extern \"C\" void f(double *x) {\n    undeclared_thing(x);\n}\n"
    with pytest.raises(ToolchainError) as info:
        build_cpp(bad, name="broken kernel", cache=cache)
    msg = str(info.value)
    assert "failed to compile 'broken_kernel'" in msg
    assert "undeclared_thing" in msg and "error" in msg
    kept = next((cache.root / "failed").glob("broken_kernel-*.cpp"))
    assert kept.read_text() == bad
    assert str(kept) in msg
    assert cache.ls() == []  # nothing published


def test_missing_compiler_is_a_toolchain_error(cache, monkeypatch):
    monkeypatch.setattr(toolchain, "find_cxx", lambda: None)
    with pytest.raises(ToolchainError, match="no C\\+\\+ compiler"):
        build_cpp(ADD_ONE, name="x", cache=cache)


@needs_cxx
def test_flags_fall_back_when_unsupported(monkeypatch):
    monkeypatch.setattr(toolchain, "march_native_support", lambda cxx: (False, "unsupported"))
    monkeypatch.setattr(toolchain, "openmp_support", lambda cxx: (False, "no omp.h"))
    flags, notes = cxx_flags()
    assert "-march=native" not in flags and "-fopenmp" not in flags and "-O3" in flags
    assert len(notes) == 2
    assert build.cxx_flags(["-O2"])[0] == ["-O2"]


CUDA_SRC = r"""
#include <cstdint>
#include <cuda_runtime.h>

__global__ void scale_kernel(float *x, float a, int64_t n) {
    int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
    if (i < n) x[i] *= a;
}

extern "C" int scale(float *x, float a, int64_t N) {
    float *d = nullptr;
    if (cudaMalloc(&d, N * sizeof(float)) != cudaSuccess) return 1;
    cudaMemcpy(d, x, N * sizeof(float), cudaMemcpyHostToDevice);
    scale_kernel<<<(N + 255) / 256, 256>>>(d, a, N);
    cudaMemcpy(x, d, N * sizeof(float), cudaMemcpyDeviceToHost);
    cudaFree(d);
    return cudaGetLastError() != cudaSuccess;
}
"""


@needs_nvcc
def test_cuda_compiles_without_a_gpu(cache):
    path = build_cuda(CUDA_SRC, name="scale", cache=cache)
    assert path.is_file() and path.name == "libscale.so"
    (entry,) = cache.ls()
    assert entry.target == "cuda" and "release" in entry.parts["compiler_version"]
    assert cache.lookup(cuda_key_parts(CUDA_SRC)) == entry
    assert cache.lookup(cuda_key_parts(CUDA_SRC, arch="sm_90")) is None
    assert hasattr(ctypes.CDLL(str(path)), "scale")  # loads even where no GPU exists


@needs_nvcc
def test_cuda_arch_is_passed_and_keyed(cache):
    path = build_cuda(CUDA_SRC, name="scale", arch="sm_90", cache=cache)
    (entry,) = cache.ls()
    assert "-arch=sm_90" in entry.parts["flags"] and path == entry.artifact_path


@needs_nvcc
def test_cuda_compile_error_is_reported(cache):
    with pytest.raises(ToolchainError, match="nvcc failed to compile 'bad'"):
        build_cuda("__global__ void k() { nope(); }\n", name="bad", cache=cache)


@needs_nvcc
@needs_gpu
def test_cuda_runs_on_the_gpu(cache):
    path = build_cuda(CUDA_SRC, name="scale", cache=cache)
    fn = load(path, "scale", [ArgSpec.array("x", "float32", ["N"], writable=True),
                              ArgSpec.scalar("a", "float32")], restype="int32")
    x = np.arange(1000, dtype=np.float32)
    assert fn(x, 3.0) == 0
    np.testing.assert_allclose(x, 3.0 * np.arange(1000, dtype=np.float32))
