"""Every `.sptl` example compiles to CSL, passes the validators, and its printed CSL (parsed
back) simulates to the NumPy reference."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sluice.backends.csl import compile_kernel, run_on_simulator, write
from sluice.csl.parser import parse_dir
from sluice.csl.validate import check
from sluice.spatial import loads
from tests.backends.csl.lowering_util import REFERENCES, assert_matches, inputs, kernel
from tests.frontend.spada.name_clash_case import NAME_CLASH, clash_reference

CASES = [(name, p) for name, ex in sorted(REFERENCES.items()) for p in ex.param_sets]


@pytest.mark.parametrize(("name", "params"), CASES,
                         ids=[f"{n}-{'-'.join(map(str, p.values()))}" for n, p in CASES])
def test_example_simulates_to_reference(name: str, params: dict[str, int]) -> None:
    k = kernel(name, params)
    art = compile_kernel(k.lowered)
    assert check(art.program) == []
    inp = inputs(name, params)
    assert_matches(name, params, inp, run_on_simulator(art, inp))


@pytest.mark.parametrize(("name", "params"), [
    ("axpy", {"W": 16, "H": 16, "N": 4}),
    ("reduce_grid", {"W": 16, "H": 16, "N": 2}),
])
def test_large_grid(name: str, params: dict[str, int]) -> None:
    k = kernel(name, params)
    inp = inputs(name, params)
    assert_matches(name, params, inp, k(target="csl", **inp))


@pytest.mark.parametrize("name", ["gemv", "reduce_pipelined", "laplace2d"])
def test_wse3(name: str) -> None:
    params = REFERENCES[name].param_sets[1]
    art = compile_kernel(kernel(name, params).lowered, arch="wse3")
    assert art.program.layout.arch == "wse3" and check(art.program) == []
    assert any(v.program.queues for v in art.program.variants)
    inp = inputs(name, params)
    assert_matches(name, params, inp, run_on_simulator(art, inp))


def test_compile_writes_files_that_parse_back(tmp_path: Path) -> None:
    params = {"PX": 3, "PY": 2, "M": 4, "N": 2}
    k = kernel("gemv", params)
    art = k.compile("csl", out_dir=tmp_path)
    assert (tmp_path / "layout.csl").exists() and (tmp_path / "commands.sh").exists()
    assert parse_dir(tmp_path) == art.program
    assert art.stats["csl_lines"] == sum(
        (tmp_path / f).read_text().count("\n") for f in art.files if f.endswith(".csl"))
    write(art, tmp_path / "again")
    assert (tmp_path / "again" / "run.py").read_text() == art.files["run.py"]


def test_csl_target_matches_interpreter() -> None:
    params = {"W": 5, "N": 8}
    k = kernel("reduce_pipelined", params)
    inp = inputs("reduce_pipelined", params, seed=3)
    a, b = k(target="csl", **inp), k(**inp)
    assert a.keys() == b.keys()
    for key in a:
        assert (a[key] == b[key]).all() or abs(a[key] - b[key]).max() < 1e-5


def test_user_names_like_generated_ones_simulate() -> None:
    # fields and arguments named x, y, pe_x, ... compile, and simulate like the interpreter
    k = loads(NAME_CLASH, {"W": 3, "H": 2, "N": 4}, "clash.sptl")
    x = np.random.default_rng(2).standard_normal((3, 2, 4)).astype(np.float32)
    got = k(target="csl", x=x)["y"]
    np.testing.assert_array_equal(got, k(x=x)["y"])
    np.testing.assert_allclose(got, clash_reference(x), rtol=1e-6)
