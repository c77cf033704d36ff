"""Hypothesis: random small programs round-trip through text and JSON and interpret equal
to NumPy. Expressions are generated as small trees that are both printed as tasklet code
and evaluated directly with NumPy, so the oracle is independent of the IR."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sluice.ir as ir

BINARY = {
    "+": (lambda a, b: f"({a} + {b})", np.add),
    "-": (lambda a, b: f"({a} - {b})", np.subtract),
    "*": (lambda a, b: f"({a} * {b})", np.multiply),
    "max": (lambda a, b: f"max({a}, {b})", np.maximum),
    "min": (lambda a, b: f"min({a}, {b})", np.minimum),
    "sel": (lambda a, b: f"select({a} > {b}, {a}, {b} * 0.5)",
            lambda a, b: np.where(a > b, a, b * 0.5)),
}
UNARY = {
    "abs": (lambda a: f"abs({a})", np.abs),
    "neg": (lambda a: f"(-{a})", np.negative),
    "tanh": (lambda a: f"tanh({a})", np.tanh),
}


def exprs(n_inputs: int):
    leaf = st.one_of(
        st.integers(0, n_inputs - 1).map(lambda i: ("in", i)),
        st.sampled_from([0.5, 1.0, 2.0, -1.5]).map(lambda c: ("const", c)),
    )

    def extend(children):
        return st.one_of(
            st.tuples(st.sampled_from(sorted(BINARY)), children, children).map(
                lambda t: ("bin",) + t),
            st.tuples(st.sampled_from(sorted(UNARY)), children).map(lambda t: ("un",) + t),
        )

    return st.recursive(leaf, extend, max_leaves=6)


def to_code(e) -> str:
    kind = e[0]
    if kind == "in":
        return f"x{e[1]}"
    if kind == "const":
        return repr(e[1])
    if kind == "bin":
        return BINARY[e[1]][0](to_code(e[2]), to_code(e[3]))
    return UNARY[e[1]][0](to_code(e[2]))


def to_numpy(e, inputs):
    kind = e[0]
    if kind == "in":
        return inputs[e[1]]
    if kind == "const":
        return e[1]
    if kind == "bin":
        return BINARY[e[1]][1](to_numpy(e[2], inputs), to_numpy(e[3], inputs))
    return UNARY[e[1]][1](to_numpy(e[2], inputs))


def _check_round_trips(p: ir.Program) -> ir.Program:
    p.verify()
    text = p.to_text()
    q = ir.parse(text)
    assert q.to_text() == text
    assert q.structurally_equal(p)
    assert ir.from_json(p.to_json()).structurally_equal(p)
    return q


SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(shape=st.lists(st.integers(1, 5), min_size=1, max_size=3),
       n_inputs=st.integers(1, 3), data=st.data())
def test_random_elementwise_maps(shape, n_inputs, data):
    expr = data.draw(exprs(n_inputs))
    params = [f"i{k}" for k in range(len(shape))]
    dims = [f"N{k}" for k in range(len(shape))]
    idx = ", ".join(params)
    b = ir.ProgramBuilder("elementwise")
    for j in range(n_inputs):
        b.arg(f"A{j}", "float64", dims)
    b.returns("out", "float64", dims)
    with b.state() as s:
        s.map({p: f"0:{d}" for p, d in zip(params, dims, strict=True)}, f"o = {to_code(expr)}",
              inputs={f"x{j}": f"A{j}[{idx}]" for j in range(n_inputs)},
              outputs={"o": f"out[{idx}]"})
    q = _check_round_trips(b.build())
    rng = np.random.default_rng(len(shape) * 7 + n_inputs)
    inputs = [rng.standard_normal(shape) for _ in range(n_inputs)]
    got = ir.interpret(q, *inputs)
    want = np.broadcast_to(to_numpy(expr, inputs), shape)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@SETTINGS
@given(shape=st.lists(st.integers(1, 5), min_size=1, max_size=3), data=st.data(),
       op=st.sampled_from(["+", "max", "min"]), library=st.booleans())
def test_random_reductions(shape, data, op, library):
    rank = len(shape)
    axes = sorted(data.draw(st.sets(st.integers(0, rank - 1), min_size=1, max_size=rank)))
    kept = [k for k in range(rank) if k not in axes]
    dims = [f"N{k}" for k in range(rank)]
    params = [f"i{k}" for k in range(rank)]
    out_dims = [dims[k] for k in kept]
    b = ir.ProgramBuilder("reduction")
    b.arg("A", "float64", dims)
    if out_dims:
        b.returns("r", "float64", out_dims)
        target = f"r[{', '.join(params[k] for k in kept)}]"
    else:
        b.returns("r", "float64")
        target = "r"
    identity = {"+": "0.0", "max": "-inf", "min": "inf"}[op]
    if library:
        with b.state() as s:
            s.library(ir.Reduce(op=op, axes=axes), {"inp": "A"}, {"out": "r"})
    else:
        if out_dims:
            with b.state("init") as s:
                s.map({params[k]: f"0:{dims[k]}" for k in kept}, f"o = {identity}",
                      outputs={"o": target})
        elif op != "+":
            with b.state("init") as s:
                s.tasklet(f"o = {identity}", {}, {"o": "r"})
        with b.state("reduce") as s:
            s.map({p: f"0:{d}" for p, d in zip(params, dims, strict=True)}, "o = a",
                  inputs={"a": f"A[{', '.join(params)}]"}, outputs={"o": f"{target} wcr {op}"})
    q = _check_round_trips(b.build())
    A = np.random.default_rng(rank).standard_normal(shape)
    got = ir.interpret(q, A)
    ufunc = {"+": np.add, "max": np.maximum, "min": np.minimum}[op]
    np.testing.assert_allclose(got, ufunc.reduce(A, axis=tuple(axes)), rtol=1e-12, atol=1e-12)
