import ctypes
import re

import numpy as np
import pytest

from sluice.errors import ArgumentError, ToolchainError
from sluice.runtime import toolchain
from sluice.runtime.build import build_cpp
from sluice.runtime.cache import BuildCache
from sluice.runtime.compiled import compile_cpp
from sluice.runtime.native import ArgSpec, NativeFunction, load

pytestmark = pytest.mark.skipif(toolchain.find_cxx() is None, reason="no C++ compiler found")

SOURCE = r"""
#include <complex>
#include <cstdint>

extern "C" void saxpy(const float *x, float *y, float a, int64_t N) {
    #pragma omp parallel for
    for (int64_t i = 0; i < N; ++i) y[i] += a * x[i];
}

extern "C" void matvec(const double *A, const double *x, double *y, int64_t M, int64_t N) {
    #pragma omp parallel for
    for (int64_t i = 0; i < M; ++i) {
        double s = 0.0;
        for (int64_t j = 0; j < N; ++j) s += A[i * N + j] * x[j];
        y[i] = s;
    }
}

extern "C" void scalars(double *out, float f, double d, int32_t i, int64_t l, bool b,
                        const double *c) {
    out[0] = f; out[1] = d; out[2] = i; out[3] = (double)l; out[4] = b;
    out[5] = c[0]; out[6] = c[1];
}

extern "C" void pad(const double *x, double *y, int64_t N) {
    y[0] = 0.0; y[N + 1] = 0.0;
    for (int64_t i = 0; i < N; ++i) y[i + 1] = x[i];
}

extern "C" double head_sum(const double *x, int64_t N, int64_t K) {
    double s = 0.0;
    for (int64_t i = 0; i < K && i < N; ++i) s += x[i];
    return s;
}
"""


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    return build_cpp(SOURCE, name="native_tests", cache=BuildCache(tmp_path_factory.mktemp("c")))


@pytest.fixture(scope="module")
def saxpy(lib):
    return load(lib, "saxpy", [ArgSpec.array("x", "float32", ["N"]),
                               ArgSpec.array("y", "float32", ["N"], writable=True),
                               ArgSpec.scalar("a", "float32")])


@pytest.fixture(scope="module")
def matvec(lib):
    return load(lib, "matvec", [ArgSpec.array("A", np.float64, ["M", "N"]),
                                ArgSpec.array("x", np.float64, ["N"]),
                                ArgSpec.array("y", np.float64, ["M"], writable=True)])


def vec(n, dtype=np.float32, start=0.0):
    return np.arange(start, start + n, dtype=dtype)


def test_saxpy_computes_in_place(saxpy):
    x, y = vec(1000), np.ones(1000, np.float32)
    assert saxpy(x, y, 2.0) is None
    np.testing.assert_allclose(y, 2.0 * vec(1000) + 1.0)
    # Keyword arguments and NumPy scalars take the thorough path, same result.
    y2 = np.ones(1000, np.float32)
    saxpy(a=np.float32(2.0), y=y2, x=x)
    np.testing.assert_array_equal(y, y2)


def test_matvec_binds_two_symbols(matvec):
    rng = np.random.default_rng(0)
    A, x, y = rng.random((7, 5)), rng.random(5), np.empty(7)
    matvec(A, x, y)
    np.testing.assert_allclose(y, A @ x)
    assert matvec.symbols == ("M", "N")


def test_views_that_are_contiguous_are_accepted_without_copy(matvec):
    big = np.arange(40.0).reshape(8, 5)
    y = np.zeros(10)
    matvec(big[2:6], np.ones(5), y[3:7])  # row slices and 1-D slices stay C-contiguous
    np.testing.assert_allclose(y[3:7], big[2:6].sum(axis=1))
    assert np.count_nonzero(y) == 4


def test_scalars_by_value_and_complex_by_pointer(lib):
    fn = load(lib, "scalars", [
        ArgSpec.array("out", "float64", [7], writable=True),
        ArgSpec.scalar("f", "float32"), ArgSpec.scalar("d", "float64"),
        ArgSpec.scalar("i", "int32"), ArgSpec.scalar("l", "int64"),
        ArgSpec.scalar("b", "bool"), ArgSpec.scalar("c", "complex128"),
    ])
    out = np.zeros(7)
    fn(out, 1.5, 2.25, -7, 2**40, True, 3 - 4j)
    np.testing.assert_array_equal(out, [1.5, 2.25, -7, 2**40, 1, 3, -4])
    fn(out, np.float32(0.5), np.float64(1.0), np.int32(3), np.int64(-5), np.bool_(False), 2.0)
    np.testing.assert_array_equal(out, [0.5, 1.0, 3, -5, 0, 2, 0])


def test_derived_extent_from_a_callable(lib):
    fn = load(lib, "pad", [ArgSpec.array("x", "float64", ["N"]),
                           ArgSpec.array("y", "float64", [lambda s: s["N"] + 2], writable=True)])
    y = np.full(5, 9.0)
    fn(np.array([1.0, 2.0, 3.0]), y)
    np.testing.assert_array_equal(y, [0, 1, 2, 3, 0])
    with pytest.raises(ArgumentError, match=r"argument 'y': axis 0 must be 5 .*N=3.*got 4"):
        fn(np.array([1.0, 2.0, 3.0]), np.zeros(4))


def test_free_symbol_by_keyword_and_return_value(lib):
    fn = load(lib, "head_sum", [ArgSpec.array("x", "float64", ["N"])], symbols=["N", "K"],
              restype="float64")
    x = np.arange(10.0)
    assert fn(x, K=4) == 6.0
    with pytest.raises(ArgumentError, match="symbol 'K' not determined") as info:
        fn(x)
    assert "K=..." in str(info.value)
    with pytest.raises(ArgumentError, match="symbol 'K' must be an integer"):
        fn(x, K=2.5)
    with pytest.raises(ArgumentError, match=r"axis 0 is N = 3 \(from its keyword\)"):
        fn(x, N=3, K=1)
    assert "K: int64 (by keyword)" in fn.signature


# -- every argument-check error, each naming the argument, expected vs got, and a hint ---------

@pytest.mark.parametrize(
    "args, kwargs, pattern, hint",
    [
        ((vec(4, np.float64), np.ones(4, np.float32), 1.0), {},
         r"argument 'x': expected dtype float32, got float64", r"x\.astype\(np\.float32\)"),
        ((vec(4), np.ones((4, 1), np.float32), 1.0), {},
         r"argument 'y': expected 1 dimension\(s\) \(N,\), got 2 \(shape \(4, 1\)\)", "reshape"),
        ((vec(4), np.ones(5, np.float32), 1.0), {},
         r"argument 'y': axis 0 is N = 4 \(from 'x' axis 0\), got 5", "must agree"),
        ((vec(8)[::2], np.ones(4, np.float32), 1.0), {},
         r"argument 'x' is not C-contiguous", r"np\.ascontiguousarray\(x\)"),
        (([1.0, 2.0], np.ones(2, np.float32), 1.0), {},
         r"argument 'x': expected a float32 array of shape \(N,\), got list",
         r"np\.asarray\(x, dtype=np\.float32\)"),
        ((vec(4), np.ones(4, np.float32), "2"), {},
         r"argument 'a': expected a float32 scalar, got str", "Python number"),
        ((vec(4), np.ones(4, np.float32), 1j), {},
         r"argument 'a': expected a float32 scalar, got complex", "Python number"),
        ((vec(4), np.ones(4, np.float32)), {},
         r"saxpy\(\) missing argument\(s\): 'a'", r"call saxpy\(x: float32\[N\]"),
        ((vec(4), np.ones(4, np.float32), 1.0, 2.0), {},
         r"saxpy\(\) takes 3 argument\(s\), got 4", "call saxpy"),
        ((vec(4), np.ones(4, np.float32)), {"alpha": 1.0},
         r"unexpected argument 'alpha'", "call saxpy"),
        ((vec(4), np.ones(4, np.float32)), {"aa": 1.0},
         r"unexpected argument 'aa'", "did you mean 'a'"),
        ((vec(4), np.ones(4, np.float32), 1.0), {"x": vec(4)},
         r"argument 'x' given twice", "call saxpy"),
    ],
)
def test_saxpy_argument_errors(saxpy, args, kwargs, pattern, hint):
    with pytest.raises(ArgumentError, match=pattern) as info:
        saxpy(*args, **kwargs)
    assert info.value.hint and re.search(hint, info.value.hint), info.value.hint


def test_misaligned_array(saxpy):
    raw = np.zeros(4 * 4 + 1, np.uint8)
    x = raw[1:].view(np.float32)  # contiguous, but 1 byte off
    assert not x.flags.aligned and x.flags.c_contiguous
    with pytest.raises(ArgumentError, match="not aligned to its 4-byte elements") as info:
        saxpy(x, np.ones(4, np.float32), 1.0)
    assert "x.copy()" in info.value.hint


def test_read_only_output(saxpy):
    y = np.ones(4, np.float32)
    y.flags.writeable = False
    with pytest.raises(ArgumentError, match="argument 'y' is written by saxpy.* read-only"):
        saxpy(vec(4), y, 1.0)
    x = vec(4)
    x.flags.writeable = False  # inputs may be read-only
    y = np.ones(4, np.float32)
    saxpy(x, y, 1.0)
    np.testing.assert_array_equal(y, vec(4) + 1)


def test_fast_and_thorough_paths_pass_the_same_pointers(matvec):
    A = np.arange(60.0).reshape(12, 5)[3:9]
    x = np.ones(5)
    x.flags.writeable = False
    y = np.zeros(8)[1:7]
    for args in [(A, x, y), (np.zeros((0, 5)), x, np.zeros(0))]:
        fast = matvec._fast(args)
        assert fast is not None  # the common case never needs the thorough path
        assert fast == matvec._checked(args, {})
        assert fast[:3] == [a.ctypes.data for a in args]
    assert matvec._fast((A, x, np.zeros(5))) is None  # declines; the thorough path explains


def test_byte_swapped_dtype_is_rejected_with_its_byte_order(saxpy):
    x = vec(4).astype(">f4")
    with pytest.raises(ArgumentError, match=r"expected dtype float32, got float32 \(>f4\)"):
        saxpy(x, np.ones(4, np.float32), 1.0)


def test_fixed_extent_mismatch(lib):
    fn = load(lib, "scalars", [ArgSpec.array("out", "float64", [7], writable=True)]
              + [ArgSpec.scalar(n, t) for n, t in
                 [("f", "float32"), ("d", "float64"), ("i", "int32"), ("l", "int64"),
                  ("b", "bool"), ("c", "complex128")]])
    good = (1.0, 1.0, 1, 1, True, 1j)
    with pytest.raises(ArgumentError, match=r"argument 'out': axis 0 must be 7, got 6"):
        fn(np.zeros(6), *good)
    with pytest.raises(ArgumentError, match=r"argument 'i': 2147483648 does not fit in int32"):
        fn(np.zeros(7), 1.0, 1.0, 2**31, 1, True, 1j)
    with pytest.raises(ArgumentError, match=r"argument 'l': expected a int64 scalar, got float"):
        fn(np.zeros(7), 1.0, 1.0, 1, 1.5, True, 1j)
    with pytest.raises(ArgumentError, match=r"argument 'b': expected a bool scalar, got int"):
        fn(np.zeros(7), 1.0, 1.0, 1, 1, 1, 1j)
    with pytest.raises(ArgumentError, match=r"argument 'c': expected a complex128 scalar"):
        fn(np.zeros(7), 1.0, 1.0, 1, 1, True, "1j")


def test_zero_size_and_zero_dim_arrays(lib, saxpy):
    saxpy(np.zeros(0, np.float32), np.zeros(0, np.float32), 1.0)
    fn = load(lib, "head_sum", [ArgSpec.array("x", "float64", ["N"])], symbols=["N", "K"],
              restype="float64")
    assert fn(np.zeros(0), K=3) == 0.0


def test_entry_not_found_and_bad_library(lib, tmp_path):
    with pytest.raises(ToolchainError, match="entry function 'nope' not found") as info:
        load(lib, "nope", [])
    assert 'extern "C"' in info.value.hint
    junk = tmp_path / "libjunk.so"
    junk.write_bytes(b"not an ELF file")
    with pytest.raises(ToolchainError, match="cannot load"):
        load(junk, "f", [])


def test_spec_validation():
    with pytest.raises(ValueError, match="not a Python identifier"):
        ArgSpec.scalar("my arg", "float64")
    with pytest.raises(ValueError, match="dtype uint16 unsupported"):
        ArgSpec.scalar("s", "uint16")
    with pytest.raises(ValueError, match="bad shape entry"):
        ArgSpec.array("x", "float64", [1.5])
    assert ArgSpec.array("x", "f8", ["N", 3]).describe() == "x: float64[N, 3]"


def test_duplicate_names_and_symbol_clash(lib):
    lib_handle = ctypes.CDLL(str(lib))
    with pytest.raises(ValueError, match="duplicate argument names"):
        NativeFunction(lib_handle, "saxpy", [ArgSpec.scalar("a", "float32")] * 2)
    with pytest.raises(ValueError, match="both as symbol and argument"):
        NativeFunction(lib_handle, "saxpy", [ArgSpec.array("N", "float32", ["N"])])


def test_compile_cpp_end_to_end(cache):
    fn = compile_cpp(SOURCE, "saxpy", [ArgSpec.array("x", "float32", ["N"]),
                                       ArgSpec.array("y", "float32", ["N"], writable=True),
                                       ArgSpec.scalar("a", "float32")], name="saxpy_e2e")
    y = np.zeros(3, np.float32)
    fn(np.ones(3, np.float32), y, 4)
    np.testing.assert_array_equal(y, [4, 4, 4])
    assert [e.program for e in cache.ls()] == ["saxpy_e2e"]
    assert repr(fn) == "<NativeFunction saxpy(x: float32[N], y: float32[N], a: float32)>"


def test_symbols_must_cover_the_shapes(lib):
    with pytest.raises(ValueError, match="must list each symbol once"):
        load(lib, "matvec", [ArgSpec.array("A", "float64", ["M", "N"])], symbols=["M"])
    with pytest.raises(ValueError, match="must list each symbol once"):
        load(lib, "matvec", [ArgSpec.array("A", "float64", ["M", "N"])],
             symbols=["M", "N", "M"])
    # An explicit order is the order of the trailing int64 parameters.
    fn = load(lib, "matvec", [ArgSpec.array("A", "float64", ["N", "M"])], symbols=["M", "N"])
    assert fn.symbols == ("M", "N")
