"""Loop order for vectorisation: a map whose writes are pinned by its parallel parameters and
that reduces over inner parameters runs the last parallel parameter innermost when it
indexes the unit-stride dimension (`tmp[n, i, o] += x[n, i, c] * w[c, o]` -> loops n, i, c,
o). Each element still receives its contributions in the original order, so results are
bit-identical to the interpreter; where the conditions fail, the old order stays."""

from __future__ import annotations

import numpy as np
import pytest
from cpu_helpers import NO_PASSES, O2, check

import sluice.ir as ir
from sluice.backends.cpu import build, generate

SIZES = [(2, 3, 4, 3), (8, 40, 30, 16)]  # below and above the parallel threshold


def _map_comment(src: str, label: str) -> str:
    line = next(ln for ln in src.splitlines() if f"// map '{label}'" in ln)
    return line


def _exact(p: ir.Program, args: list, options: dict | None = None) -> None:
    """Compiled and interpreted results agree bit for bit (and within `check`'s rules)."""
    got = check(p, args, options=options)
    expected = ir.interpret(p, *[a.copy() for a in args])
    if isinstance(expected, tuple):
        for e, g in zip(expected, got, strict=True):
            np.testing.assert_array_equal(g, e)
    elif expected is not None:
        np.testing.assert_array_equal(got, expected)


def _contract(dtype: str = "float64", wcr: str = "wcr +", code: str = "r = a * b") -> ir.Program:
    b = ir.ProgramBuilder("contract")
    b.arg("x", dtype, ["N", "H", "C"])
    b.arg("w", dtype, ["C", "O"])
    b.returns("t", dtype, ["N", "H", "O"])
    with b.state("s") as s:
        s.map({"n": "0:N", "i": "0:H - 1", "o": "0:O", "c": "0:C"}, code,
              inputs={"a": "x[n, i + 1, c]", "b": "w[c, o]"},
              outputs={"r": f"t[n, i, o] {wcr}".strip()}, label="contract")
    return b.build()


def _args(rng, n, h, c, o, dtype=np.float64):
    if np.dtype(dtype).kind == "f":
        return [rng.standard_normal((n, h, c)).astype(dtype),
                rng.standard_normal((c, o)).astype(dtype)]
    return [rng.integers(-100, 100, (n, h, c)).astype(dtype),
            rng.integers(-100, 100, (c, o)).astype(dtype)]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("dtype", ["float64", "float32", "int8"])
def test_reduction_moves_outside_the_unit_stride_loop(size, dtype):
    p = _contract(dtype)
    assert "loops ordered n, i, c, o" in _map_comment(generate(p, NO_PASSES), "contract")
    _exact(p, _args(np.random.default_rng(1), *size, dtype=dtype))


@pytest.mark.parametrize("wcr", ["wcr *", "wcr max", "wcr min", ""])
def test_other_combiners_and_plain_writes_keep_each_elements_order(wcr):
    """A plain write from every c: the last one wins, in either order."""
    p = _contract(wcr=wcr, code="r = a * b + c")
    assert "loops ordered n, i, c, o" in _map_comment(generate(p, NO_PASSES), "contract")
    _exact(p, _args(np.random.default_rng(2), *SIZES[1]))


def _one_map(ranges: dict, code: str, inputs: dict, outputs: dict,
             extra: dict | None = None) -> ir.Program:
    b = ir.ProgramBuilder("one_map")
    b.arg("A", "float64", ["N", "K"])
    b.arg("B", "float64", ["K", "M"])
    b.arg("X", "float64", ["N", "M"])
    b.arg("Y", "float64", ["M", "N"])
    for name, shape in (extra or {}).items():
        b.arg(name, "float64", shape)
    with b.state("s") as s:
        s.map(ranges, code, inputs=inputs, outputs=outputs, label="m")
    return b.build()


def _mats(rng, n=37, k=5, m=23, **extra):
    return [rng.standard_normal((n, k)), rng.standard_normal((k, m)),
            rng.standard_normal((n, m)), rng.standard_normal((m, n)),
            *[rng.standard_normal(s) for s in extra.values()]]


def test_matmul_map_runs_i_k_j():
    p = _one_map({"i": "0:N", "j": "0:M", "k": "0:K"}, "o = a * b",
                 {"a": "A[i, k]", "b": "B[k, j]"}, {"o": "X[i, j] wcr +"})
    assert "loops ordered i, k, j" in _map_comment(generate(p, NO_PASSES), "m")
    rng = np.random.default_rng(3)
    for n, k, m in ((3, 2, 4), (300, 7, 90)):
        _exact(p, _mats(rng, n, k, m))


NOT_APPLIED = {
    # the last parallel parameter indexes a strided dimension of the write
    "strided write": ({"i": "0:N", "j": "0:M", "k": "0:K"}, "o = a * b",
                      {"a": "A[i, k]", "b": "B[k, j]"}, {"o": "Y[j, i] wcr +"}),
    # ... or of a read
    "strided read": ({"j": "0:M", "i": "0:N", "k": "0:K"}, "o = a * b",
                     {"a": "A[i, k]", "b": "B[k, j]"}, {"o": "Y[j, i] wcr +"}),
    # the body reads what it writes
    "reads its target": ({"i": "0:N", "j": "0:M", "k": "0:K"}, "o = a * b + x",
                         {"a": "A[i, k]", "b": "B[k, j]", "x": "X[i, j]"}, {"o": "X[i, j]"}),
    # one parallel parameter only
    "matvec": ({"i": "0:N", "k": "0:K"}, "o = a * a",
               {"a": "A[i, k]"}, {"o": "X[i, 0] wcr +"}),
}


@pytest.mark.parametrize("case", sorted(NOT_APPLIED))
def test_order_stays_when_the_conditions_fail(case):
    ranges, code, inputs, outputs = NOT_APPLIED[case]
    p = _one_map(ranges, code, inputs, outputs)
    assert ", k, " not in _map_comment(generate(p, NO_PASSES), "m")
    # a map reading what other iterations write plainly has no order-free meaning (the
    # interpreter reads all points before writing): compare it with one k only
    _exact(p, _mats(np.random.default_rng(4), k=1 if case == "reads its target" else 5))


def test_two_write_subsets_of_one_container_keep_the_order():
    """X[i, j] and X[i, j + 1] both receive from different iterations: moving j inside k
    would interleave their contributions, so the loops stay i, j, k."""
    b = ir.ProgramBuilder("two_writes")
    b.arg("A", "float64", ["N", "K"])
    b.arg("X", "float64", ["N", "M + 1"])
    with b.state("s") as s:
        with s.map_scope({"i": "0:N", "j": "0:M", "k": "0:K"}, label="m") as body:
            body.tasklet("o = a * 2.0\nq = a - 1.0", inputs={"a": "A[i, k]"},
                         outputs={"o": "X[i, j] wcr +", "q": "X[i, j + 1] wcr +"})
    p = b.build()
    assert "loops ordered" not in _map_comment(generate(p, NO_PASSES), "m")
    rng = np.random.default_rng(5)
    check(p, [rng.standard_normal((50, 3)), np.zeros((50, 41))], {"M": 40})


def test_a_scalar_reduction_in_the_body_keeps_the_order():
    b = ir.ProgramBuilder("with_total")
    b.arg("A", "float64", ["N", "K"])
    b.arg("B", "float64", ["K", "M"])
    b.arg("X", "float64", ["N", "M"])
    b.returns("total", "float64")
    with b.state("s") as s:
        with s.map_scope({"i": "0:N", "j": "0:M", "k": "0:K"}, label="m") as body:
            body.tasklet("o = a * b\nt = a", inputs={"a": "A[i, k]", "b": "B[k, j]"},
                         outputs={"o": "X[i, j] wcr +", "t": "total wcr +"})
    p = b.build()
    assert "loops ordered i, k, j" not in _map_comment(generate(p, NO_PASSES), "m")
    rng = np.random.default_rng(6)
    check(p, [rng.standard_normal((40, 3)), rng.standard_normal((3, 30)),
              rng.standard_normal((40, 30))])


def test_conv2d_bias_kernel_matches_numpy_and_the_interpreter():
    """The benchmark kernel (its per-tap variant) through the frontend and O2: the per-tap
    contraction runs with the channel loop outside the output-channel loop."""
    import sluice
    from bench.kernels import conv2d_bias as k

    args = k.init(**k.SIZES["test"])
    f = sluice.jit(k.kernel_restructured)
    src = f.lower("cpu", *args)
    assert "loops ordered _i0, _i1, _i2, _i4, _i3" in src  # [n, i, j, o, c]: c before o
    p = f.trace(*args)
    fn = build(p, O2)
    got = fn(*[a.copy() for a in args])
    np.testing.assert_array_equal(got, ir.interpret(p, *[a.copy() for a in args]))
    np.testing.assert_allclose(got, k.kernel_restructured(*args), rtol=1e-12)
