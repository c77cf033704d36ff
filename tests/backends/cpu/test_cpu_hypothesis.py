"""Property: random element-wise and reduction programs compute, compiled, what the
interpreter computes. Each example is one compile, so the example count stays small."""

from __future__ import annotations

import numpy as np
from cpu_helpers import NO_PASSES, O2, check
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sluice.ir as ir

DTYPES = ["float64", "float32", "int64", "int32"]


def _expr(dtype: str):
    leaves = st.sampled_from(["a", "b", "c"])
    if dtype.startswith("float"):
        consts = st.sampled_from(["0.5", "2.0", "3", "1.25"])
        binops = ["+", "-", "*", "/"]
    else:
        consts = st.sampled_from(["1", "2", "3", "7"])
        binops = ["+", "-", "*", "//", "%"]

    def extend(inner):
        return st.one_of(
            st.tuples(inner, st.sampled_from(binops), inner).map(lambda t: f"({t[0]} {t[1]} "
                                                                           f"{t[2]})"),
            st.tuples(st.sampled_from(["max", "min"]), inner, inner).map(
                lambda t: f"{t[0]}({t[1]}, {t[2]})"),
            st.tuples(inner, inner, inner).map(lambda t: f"select({t[0]} > {t[1]}, {t[1]}, "
                                                         f"{t[2]})"),
            inner.map(lambda e: f"abs({e})"),
            inner.map(lambda e: f"(-{e})"),
        )

    return st.recursive(st.one_of(leaves, consts), extend, max_leaves=6)


@st.composite
def programs(draw):
    dtype = draw(st.sampled_from(DTYPES))
    e1, e2 = draw(_expr(dtype)), draw(_expr(dtype))
    red = draw(st.sampled_from(["+", "max", "min"]))
    two_d = draw(st.booleans())
    fusable = draw(st.booleans())  # t read by one consumer only: O2 fuses the pair
    b = ir.ProgramBuilder("random_program")
    shape = ["N", "M"] if two_d else ["N"]
    rng = {"i": "0:N", "j": "0:M"} if two_d else {"i": "0:N"}
    idx = "i, j" if two_d else "i"
    for name in ("x", "y", "z"):
        b.arg(name, dtype, shape)
    b.transient("t", dtype, shape)
    b.returns("out", dtype, shape)
    b.returns("r", dtype)
    b.returns("rows", dtype, ["N"])
    ins = {"a": f"x[{idx}]", "b": f"y[{idx}]", "c": f"z[{idx}]"}
    with b.state("first") as s:
        s.map(rng, f"o = {e1}", inputs=ins, outputs={"o": f"t[{idx}]"}, label="first")
    with b.state("second") as s:  # a producer/consumer pair: fusion material for O2
        s.map(rng, f"o = {e2}", inputs={"a": f"t[{idx}]", "b": f"y[{idx}]", "c": f"z[{idx}]"},
              outputs={"o": f"out[{idx}]"}, label="second")
        src = "x" if fusable else "t"
        s.map(rng, "o = v", inputs={"v": f"{src}[{idx}]"}, outputs={"o": f"r wcr {red}"},
              label="reduce")
        s.library(ir.Reduce(op=red, axes=[1] if two_d else None),
                  {"inp": src}, {"out": "rows" if two_d else "rows[0]"})
    return dtype, two_d, b.build(), draw(st.integers(0, 2**31))


def _args(dtype: str, two_d: bool, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    shape = (int(rng.integers(1, 6)), int(rng.integers(1, 6))) if two_d else \
        (int(rng.integers(1, 40)),)
    if dtype.startswith("float"):
        return [(rng.standard_normal(shape) * 4).astype(dtype) for _ in range(3)]
    return [rng.integers(-20, 20, shape).astype(dtype) for _ in range(3)]


@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(programs())
def test_random_programs_compiled_equal_interpreted(case):
    dtype, two_d, program, seed = case
    with np.errstate(all="ignore"):
        for options in (NO_PASSES, O2):
            check(program, _args(dtype, two_d, seed), {}, options)
