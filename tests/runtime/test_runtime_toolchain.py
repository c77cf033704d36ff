import shutil

import pytest

from sluice.runtime import toolchain
from sluice.runtime.toolchain import Tool, discover, doctor_report


@pytest.fixture
def fresh_cxx_lookup():
    toolchain.find_cxx.cache_clear()
    yield
    toolchain.find_cxx.cache_clear()


def test_discover_reports_every_tool_with_a_reason():
    tools = discover()
    names = {t.name for t in tools}
    assert {"python", "c++ compiler", "nvcc", "gpu", "graphviz dot", "blas"} <= names
    assert all(isinstance(t, Tool) and t.detail for t in tools)
    assert next(t for t in tools if t.name == "python").found


def test_doctor_report_lists_found_and_missing():
    tools = [Tool("python", True, "3.11"), Tool("nvcc", False, "not on PATH")]
    text = doctor_report(tools)
    assert "ok  python" in text and "--  nvcc" in text and "not on PATH" in text


def test_cxx_env_wins(monkeypatch, fresh_cxx_lookup):
    gxx = shutil.which("g++") or shutil.which("c++")
    if gxx is None:
        pytest.skip("no g++/c++ on PATH")
    monkeypatch.setenv("CXX", gxx)
    assert toolchain.find_cxx() == gxx


def test_missing_cxx_env_falls_back(monkeypatch, fresh_cxx_lookup):
    monkeypatch.setenv("CXX", "no-such-compiler-sluice")
    found = toolchain.find_cxx()
    assert found is None or "no-such-compiler" not in found


@pytest.mark.skipif(toolchain.find_cxx() is None, reason="no C++ compiler")
def test_compiler_probes_answer_with_reasons():
    cxx = toolchain.find_cxx()
    assert toolchain.cxx_version(cxx) != "unknown"
    for ok, detail in (toolchain.openmp_support(cxx), toolchain.march_native_support(cxx)):
        assert isinstance(ok, bool)
        assert ok or detail  # a failure always says why


def test_float16_code_builds_with_the_flags_chosen_for_this_machine():
    # GCC 12 with -march=native on AVX512-FP16 CPUs emits masked `vmovsh` forms binutils
    # refuses (seen 2026-12-07): the flags must then leave AVX512-FP16 out
    from sluice.runtime.build import cxx_flags

    cxx = toolchain.find_cxx()
    if cxx is None:
        pytest.skip("no C++ compiler")
    flags, _ = cxx_flags()
    ok, why = toolchain._try_compile(cxx, toolchain._FP16_PROBE,
                                     [f for f in flags if f != "-fopenmp"], run=False)
    assert ok, why
    assert ("-mno-avx512fp16" in flags) == toolchain.native_fp16_broken(cxx)
