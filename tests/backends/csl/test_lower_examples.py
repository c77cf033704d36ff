"""Every `.sptl` example compiles to CSL, passes the validators, and its printed CSL (parsed
back) simulates to the NumPy reference."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sluice.backends.csl import compile_kernel, run_on_simulator, write
from sluice.backends.csl.lower_pe import KernelInfo, made_up
from sluice.csl.parser import parse_dir
from sluice.csl.validate import check, declared_names
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
    got = run_on_simulator(art, k.to_frontend_shapes(inp))  # rank-0/1 host arrays as (a, b, N)
    assert_matches(name, params, inp, k.to_host_shapes(got))


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


# Fields named like the names the CSL lowering makes up: tasks, DSDs, the scheduler's
# variables, staging fields, loop variables, host buffers, colour parameters and their flags.
MADE_UP = """
kernel @made_up<W, N>(stream<f32, N>[W, 1] readonly a,
                      stream<f32, N>[W, 1] writeonly b) {
    place i16 x, i16 y in [0:W, 0] {
        f32[N] a_buf
        f32[N] t1
        f32 pc
        f32 wsite
        f32 start
        f32 in0
        f32 out1
        f32 stage0
        f32 k_l1
        f32 resume
        f32 busy_c_west_p0_tx
        f32 c_west_p0_rx
    }
    dataflow i16 x, i16 y in [0:W, 0] {
        stream<f32> west = relative_stream(-1, 0)
    }
    compute i16 x, i16 y in [0:W, 0] {
        await receive(a_buf, a[x, y])
        pc = 1.0
        wsite = 2.0
        start = 0.5
        in0 = 0.25
        out1 = 3.0
        stage0 = 4.0
        resume = 5.0
        busy_c_west_p0_tx = 6.0
        c_west_p0_rx = 7.0
        for i16 k in [0:N] {
            k_l1 = a_buf[k] * pc + wsite
            a_buf[k] = k_l1 * start + in0 + out1 * stage0 + resume + busy_c_west_p0_tx
        }
        if x < W - 1 {
            await receive(t1, west)
        } else {
            await map i16 k in [0:N] {
                t1[k] = c_west_p0_rx
            }
        }
        if x > 0 {
            await send(a_buf, west)
        }
        await map i16 k in [0:N] {
            a_buf[k] = a_buf[k] + t1[k]
        }
        await send(a_buf, b[x, y])
    }
}
"""


def test_fields_named_like_made_up_names_keep_their_own_storage() -> None:
    w, n = 3, 4
    k = loads(MADE_UP, {"W": w, "N": n}, "made_up.sptl")
    a = np.random.default_rng(5).standard_normal((w, 1, n)).astype(np.float32)
    f = (a * 1.0 + 2.0) * 0.5 + 0.25 + 3.0 * 4.0 + 5.0 + 6.0
    t = np.concatenate([f[1:], np.full((1, 1, n), 7.0, np.float32)])
    got = k(target="csl", a=a)["b"]
    np.testing.assert_array_equal(got, k(a=a)["b"])
    np.testing.assert_allclose(got, f + t, rtol=1e-6)


@pytest.mark.parametrize("arch", ["wse2", "wse3"])
def test_every_made_up_name_has_a_made_up_shape(arch: str) -> None:
    # what keeps the kernel's fields off the made-up names: their shapes (lower_pe.made_up)
    # cover every name a compiled example declares that is not one of its fields
    for name, ex in sorted(REFERENCES.items()):
        k = kernel(name, ex.param_sets[1])
        art = compile_kernel(k.lowered, arch=arch)
        fields = set(KernelInfo(k.lowered).fields)
        for v in art.program.variants:
            names, local_names = declared_names(v.program)
            printed = {f"{e}_ptr" for e in v.program.exports} | {
                f"{t.name}_task_id" for t in v.program.tasks}
            odd = {x for x in set(names) | set(local_names)
                   if x not in fields and x not in printed and not made_up(x)}
            assert not odd, f"{name} {arch}: {sorted(odd)}"
