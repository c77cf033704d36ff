"""The generated C++: readable (comments name states, maps, tasklets), scheduled as the
IR asks, and constructs the backend cannot generate fail with `UnsupportedError`."""

from __future__ import annotations

import numpy as np
import pytest
from corpus_programs import CORPUS
from cpu_helpers import NO_PASSES, check

import sluice.ir as ir
from sluice.backends.cpu import CpuOptions, generate
from sluice.errors import UnsupportedError


def test_source_names_what_it_came_from():
    src = generate(CORPUS["gemm_maps"].build(), NO_PASSES)
    assert "// state 'accumulate'" in src and "// map 'mac'" in src
    assert "// tasklet 'mac'" in src
    assert 'extern "C" int sluice_gemm_maps(' in src
    # C[i, j] wcr + over i, j, k: i in parallel, then k, then the unit-stride j innermost
    # (it vectorises; each C[i, j] still sums over k in order), no atomics
    assert "loops ordered i, k, j" in src and "#pragma omp parallel for if(" in src
    assert "atomic" not in src.split("// state 'accumulate'")[1]


def test_schedules():
    b = ir.ProgramBuilder("schedules")
    b.arg("x", "float64", ["N", "M"])
    with b.state() as s:
        s.map({"i": "0:N", "j": "0:M"}, "o = v + 1.0", inputs={"v": "x[i, j]"},
              outputs={"o": "x[i, j]"}, schedule="sequential", label="seq")
    with b.state() as s, s.map_scope({"i": "0:N"}, label="outer") as body:
        body.map({"j": "0:i + 1"}, "o = v * 2.0", inputs={"v": "x[i, j]"},
                 outputs={"o": "x[i, j]"}, label="inner")
    p = b.build()
    src = generate(p, NO_PASSES)
    seq = src.split("// map 'seq'")[1].split("// state")[0]
    assert "#pragma omp" not in seq
    nested = src.split("// map 'outer'")[1]
    assert nested.count("#pragma omp parallel") == 1  # the inner map is a plain loop
    check(p, [np.random.default_rng(0).random((5, 5))])


def test_options_accept_a_dict_or_dataclass():
    p = CORPUS["gemm_maps"].build()
    assert generate(p, CpuOptions(pipeline=None)) == generate(p, {"pipeline": None})
    with pytest.raises(TypeError, match="unknown CPU backend option"):
        generate(p, {"pipelin": None})


def test_spatial_maps_are_unsupported():
    b = ir.ProgramBuilder("spatial")
    b.arg("x", "float64", ["N"])
    with b.state() as s:
        s.map({"i": "0:N"}, "o = v", inputs={"v": "x[i]"}, outputs={"o": "x[i]"},
              schedule="spatial", label="pe")
    with pytest.raises(UnsupportedError, match="map 'pe'"):
        generate(b.build(), NO_PASSES)


def test_half_precision_is_float16_and_softmax_of_it_is_unsupported():
    b = ir.ProgramBuilder("half")
    b.arg("x", "float16", ["N"])
    with b.state() as s:
        s.map({"i": "0:N"}, "o = v", inputs={"v": "x[i]"}, outputs={"o": "x[i]"})
    assert "_Float16* x" in generate(b.build(), NO_PASSES)
    b = ir.ProgramBuilder("half_softmax")
    b.arg("x", "float16", ["N"])
    b.returns("y", "float16", ["N"])
    with b.state() as s:
        s.library(ir.Softmax(axis=0), {"inp": "x"}, {"out": "y"})
    with pytest.raises(UnsupportedError, match="Softmax of float16"):
        generate(b.build(), NO_PASSES)


def test_stream_arguments_are_unsupported():
    b = ir.ProgramBuilder("stream_arg")
    b.stream("q", "float64", transient=False)
    b.program.args.append("q")
    b.returns("y", "float64")
    with b.state() as s:
        s.tasklet("o = v", {"v": "q"}, {"o": "y"})
    with pytest.raises(UnsupportedError, match="stream 'q'"):
        generate(b.build(verify=False), NO_PASSES)


def test_ordering_complex_values_is_unsupported():
    b = ir.ProgramBuilder("complex_max")
    b.arg("z", "complex128", ["N"])
    b.returns("m", "complex128")
    with b.state() as s:
        s.map({"i": "0:N"}, "o = v", inputs={"v": "z[i]"}, outputs={"o": "m wcr max"})
    with pytest.raises(UnsupportedError, match="complex"):
        generate(b.build(), NO_PASSES)


def test_invalid_ir_is_reported_before_generation():
    from sluice.errors import VerificationError

    p = CORPUS["gemm_maps"].build()
    p.args.append("missing")
    with pytest.raises(VerificationError):
        generate(p, NO_PASSES)
