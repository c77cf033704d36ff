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


SELECT_SENDS = """
kernel @select_sends<W, N>(stream<f32, N>[W, 1] readonly a,
                           stream<f32, 1>[W, 1] writeonly s) {
    place i16 x, i16 y in [0:W, 0] {
        f32[N] fa
        f32 r
    }
    dataflow i16 x, i16 y in [0:W, 0] {
        stream<f32> west = relative_stream(-1, 0)
    }
    compute i16 x, i16 y in [0:W, 0] {
        await receive(fa, a[x, y])
        if x == W - 1 {
            r = 0.0
        } else {
            await receive(r, west)
        }
        if x > 0 {
            await send(fa[0] + r if fa[0] > r else fa[1] - r, west)
        }
        await send(r if r > 0.0 else -r, s[x, y])
    }
}
"""


def test_selects_on_data_choose_what_is_sent() -> None:
    # a value chosen at run time, sent on the fabric and to the host
    w = 5
    k = loads(SELECT_SENDS, {"W": w, "N": 2}, "select_sends.sptl")
    a = np.random.default_rng(4).standard_normal((w, 1, 2)).astype(np.float32)
    r = np.zeros(w, np.float32)
    for x in range(w - 1, 0, -1):
        f0, f1 = a[x, 0]
        r[x - 1] = f0 + r[x] if f0 > r[x] else f1 - r[x]
    want = np.abs(r).reshape(w, 1, 1)
    got = k(target="csl", a=a)["s"]
    np.testing.assert_array_equal(got, k(a=a)["s"])
    np.testing.assert_array_equal(got, want)
