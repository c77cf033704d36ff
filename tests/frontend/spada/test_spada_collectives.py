"""Collective multistreams (SPADA-EXTENSIONS.md E2): the routing patterns, the static
checks, and reductions/broadcasts on the interpreter and the CSL simulator against NumPy."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from sluice.errors import SluiceError
from sluice.frontend.spada import bind, check, format_kernel, parse_source
from sluice.frontend.spada.collective_patterns import (
    DIRS,
    broadcast_roles,
    grid_roles,
    snake_roles,
)
from sluice.spatial import loads

RECTS = [(0, 1, 0, 1), (0, 4, 0, 1), (0, 1, 0, 3), (0, 3, 0, 3), (1, 5, 2, 4), (0, 4, 0, 5)]


def _corners(r):
    x0, x1, y0, y1 = r
    return sorted({(x, y) for x in (x0, x1 - 1) for y in (y0, y1 - 1)})


def _all(r):
    x0, x1, y0, y1 = r
    return list(itertools.product(range(x0, x1), range(y0, y1)))


def _step(p, d):
    return p[0] + DIRS[d][0], p[1] + DIRS[d][1]


@pytest.mark.parametrize("algorithm", ["grid", "snake"])
@pytest.mark.parametrize("rect", RECTS)
def test_reduce_patterns_are_trees_into_the_root(algorithm, rect) -> None:
    roots = _all(rect) if algorithm == "grid" else _corners(rect)
    for root in roots:
        roles = (grid_roles if algorithm == "grid" else snake_roles)(rect, root)
        assert set(roles) == set(_all(rect))
        for p in roles:
            q, hops = p, 0
            while roles[q].parent is not None:
                nxt = _step(q, roles[q].parent)
                assert nxt in roles and roles[nxt].children.count(roles[q].parent) >= 1
                q, hops = nxt, hops + 1
                assert hops <= len(roles)
            assert q == root
        assert sum(len(r.children) for r in roles.values()) == len(roles) - 1
        if algorithm == "snake":  # one path: nobody has two children
            assert all(len(r.children) <= 1 for r in roles.values())
            horizontal = {r.parent for r in roles.values()} - {None, "n", "s"}
            assert len(horizontal) <= 2


@pytest.mark.parametrize("rect", RECTS)
def test_broadcast_reaches_every_pe_once(rect) -> None:
    for root in _all(rect):
        roles = broadcast_roles(rect, root)
        got = {root}
        frontier = [root]
        while frontier:
            p = frontier.pop()
            for d in roles[p].sends:
                q = _step(p, d)
                assert roles[q].children == (d,) and q not in got
                got.add(q)
                frontier.append(q)
        assert got == set(roles) and roles[root].children == ()


KERNEL = """
kernel @c<W, H, N, RX, RY>(stream<f32, N>[W, H] readonly v, stream<f32, N>[1, 1] writeonly r,
                           stream<f32, N>[W, H] writeonly b) {
    place i16 x, i16 y in [0:W, 0:H] {
        f32[N] a
    }
    dataflow i16 x, i16 y in [0:W, 0:H] {
        multistream<f32> s = reduce_stream(RX, RY) { @OPTS@ }
        multistream<f32> t = broadcast_stream(RX, RY)
    }
    compute i16 x, i16 y in [0:W, 0:H] {
        await receive(a, v[x, y])
        await reduce(a, s)
        if x == RX and y == RY { await send(a, r[0, 0]) }
        await broadcast(a, t)
        await send(a, b[x, y])
    }
}
"""

NUMPY = {"CL_SUM": np.sum, "CL_PRODUCT": np.prod, "CL_MAX": np.max, "CL_MIN": np.min}


@pytest.mark.parametrize(
    ("opts", "params"),
    [
        ("op = CL_SUM", {"W": 3, "H": 2, "N": 3, "RX": 1, "RY": 1}),
        ("op = CL_MAX, pipelined = true", {"W": 4, "H": 3, "N": 2, "RX": 2, "RY": 0}),
        ("op = CL_MIN, algorithm = snake", {"W": 3, "H": 3, "N": 2, "RX": 2, "RY": 2}),
        (
            "op = CL_PRODUCT, algorithm = snake, pipelined = true",
            {"W": 2, "H": 3, "N": 4, "RX": 0, "RY": 0},
        ),
        (
            "graph = 0, op = 1, pipelined = false, channel = auto, hops = auto",
            {"W": 1, "H": 4, "N": 1, "RX": 0, "RY": 3},
        ),
    ],
)
def test_reduce_then_broadcast_like_numpy(opts: str, params: dict[str, int]) -> None:
    src = KERNEL.replace("@OPTS@", opts)
    op = next((k for k in NUMPY if k in opts), "CL_MIN")
    rng = np.random.default_rng(3)
    v = rng.uniform(0.5, 1.5, (params["W"], params["H"], params["N"])).astype(np.float32)
    v[0, 0, 0] = -0.0
    k = loads(src, params, "c.sptl")
    want = NUMPY[op](v.astype(np.float64), axis=(0, 1)).astype(np.float32)
    for got in (k(v=v), k(target="csl", v=v)):
        np.testing.assert_allclose(got["r"][0, 0], want, rtol=1e-5)
        np.testing.assert_allclose(got["b"], np.broadcast_to(want, v.shape), rtol=1e-5)


@pytest.mark.parametrize("op", ["CL_SUM", "CL_MAX", "CL_MIN"])
def test_nan_and_inf_propagate_as_in_numpy(op: str) -> None:
    params = {"W": 3, "H": 2, "N": 4, "RX": 1, "RY": 0}
    v = np.ones((3, 2, 4), np.float32)
    v[2, 1, 0] = np.nan
    v[0, 1, 1] = np.inf
    v[1, 1, 1] = -np.inf
    v[0, 0, 2] = np.inf
    v[1, 0, 3] = -0.0
    k = loads(KERNEL.replace("@OPTS@", f"op = {op}, pipelined = true"), params, "c.sptl")
    with np.errstate(invalid="ignore"):  # inf + -inf is NaN, as wanted
        want = NUMPY[op](v, axis=(0, 1))
        runs = (k(v=v), k(target="csl", v=v))
    for got in runs:
        np.testing.assert_array_equal(got["r"][0, 0], want)


def test_scalar_and_2d_fields() -> None:
    src = """
kernel @c<W, N>(stream<f32, N>[W, 1] readonly v, stream<f32, N>[1, 1] writeonly m,
                stream<f32, 1>[1, 1] writeonly s) {
    place i16 x, i16 y in [0:W, 0] {
        f32[2, N] a
        f32 acc
    }
    dataflow i16 x, i16 y in [0:W, 0] {
        multistream<f32> sum = reduce(W - 1, 0) { op = CL_SUM }
        multistream<f32> lo = reduce_stream(W - 1, 0) { op = CL_MIN, pipelined = true }
    }
    compute i16 x, i16 y in [0:W, 0] {
        for i16 k in [0:N] { await receive(acc, v[x, y]); a[0, k] = acc; a[1, k] = -acc }
        acc = a[0, 0]
        completion c1 = reduce(acc, sum)
        completion c2 = reduce(a, lo)
        awaitall
        if x == W - 1 {
            await send(acc, s[0, 0])
            for i16 k in [0:N] { await send(a[1, k], m[0, 0]) }
        }
    }
}
"""
    v = np.random.default_rng(1).standard_normal((4, 1, 3)).astype(np.float32)
    k = loads(src, {"W": 4, "N": 3}, "c.sptl")
    for got in (k(v=v), k(target="csl", v=v)):
        np.testing.assert_allclose(got["s"][0, 0, 0], v[:, 0, 0].sum(), rtol=1e-5)
        np.testing.assert_array_equal(got["m"][0, 0], (-v[:, 0, :]).min(axis=0))


def test_spellings_round_trip_through_the_printer() -> None:
    src = KERNEL.replace("@OPTS@", "graph = 2, op = 2, channel = auto")
    k = parse_source(src, "c.sptl")
    text = format_kernel(k)
    assert "reduce_stream(RX, RY) { graph = 2, op = 2, channel = auto }" in text
    assert parse_source(text, "again.sptl") == k


BAD = [
    ("reduce_stream(W, 0)", "", "is not in its dataflow block", 7),
    ("reduce_stream(1, 1) { algorithm = snake }", "", "needs its root on a corner", 7),
    ("reduce_stream(0, 0) { colour = 2 }", "", "unknown multistream option", 7),
    ("reduce_stream(0, 0) { graph = grid, algorithm = snake }", "", "given twice", 7),
    ("reduce_stream(0, 0) { op = CL_AVG }", "", "unknown reduction operator", 7),
    ("reduce_stream(0, 0) { pipelined = 1 }", "", "true or false", 7),
    ("broadcast_stream(0, 0) { op = CL_SUM }", "", "takes no 'op'", 7),
    ("reduce_stream(1, 1) { channels = 3 }", "", "needs 4 channels", 7),
    ("reduce_stream(0, 0)", "await broadcast(a, s)", "not a broadcast", 10),
    ("reduce_stream(0, 0)", "await send(a, s)", "send and receive do not apply", 10),
    ("reduce_stream(0, 0)", "await reduce(n, s)", "holds i32", 10),
    ("reduce_stream(0, 0)", "await reduce(a, q)", "needs a multistream", 10),
    ("reduce_stream(0, 0)", "await reduce(a[0], s)", "takes a whole field", 10),
]


@pytest.mark.parametrize(("ctor", "stmt", "fragment", "line"), BAD)
def test_misuse_is_reported(ctor: str, stmt: str, fragment: str, line: int) -> None:
    src = f"""
kernel @c<W>(stream<f32, 2>[W, W] readonly v) {{
    place i16 x, i16 y in [0:W, 0:W] {{
        f32[2] a
        i32[2] n
    }}
    dataflow i16 x, i16 y in [0:W, 0:W] {{ multistream<f32> s = {ctor} }}
    compute i16 x, i16 y in [0:W, 0:W] {{
        await receive(a, v[x, y])
        {stmt or "await reduce(a, s)"}
    }}
}}
"""
    with pytest.raises(SluiceError) as info:
        check(bind(parse_source(src, "c.sptl"), {"W": 3}))
    err = info.value
    assert fragment in err.message, str(err)
    assert err.loc is not None and err.loc.line == line and err.hint, str(err)
    assert "^" in str(err)


def test_participants_only() -> None:
    src = """
kernel @c(stream<f32, 1>[3, 1] readonly v) {
    place i16 x, i16 y in [0:3, 0] { f32 a }
    dataflow i16 x, i16 y in [0:2, 0] { multistream<f32> s = reduce_stream(0, 0) }
    compute i16 x, i16 y in [0:3, 0] {
        await receive(a, v[x, y])
        @CALL@
    }
}
"""
    with pytest.raises(SluiceError, match=r"PE \(2, 0\) calls reduce"):
        check(bind(parse_source(src.replace("@CALL@", "await reduce(a, s)"), "c.sptl")))
    ok = src.replace("@CALL@", "if x < 2 { await reduce(a, s) }")
    v = np.array([[[1.0]], [[2.5]], [[4.0]]], np.float32)
    check(bind(parse_source(ok, "c.sptl")))
    loads(ok, {}, "c.sptl")(v=v)


P2P = """
kernel @c<W, H>(stream<f32, 3>[1, 1] readonly v, stream<f32, 3>[W, H] writeonly b) {
    place i16 x, i16 y in [0:W, 0:H] { f32[3] a }
    dataflow i16 x, i16 y in [0:W, 0:H] { multistream<f32> t = broadcast_stream(W - 1, 0) }
    compute i16 x, i16 y in [0:W, 0:H] {
        if x == W - 1 and y == 0 {
            await receive(a, v[0, 0])
            @SEND@
        } else {
            completion c = receive(a, t)
            await c
        }
        await send(a, b[x, y])
    }
}
"""


def test_broadcast_multistream_point_to_point() -> None:
    v = np.array([[[2.0, -0.0, np.nan]]], np.float32)
    k = loads(P2P.replace("@SEND@", "await send(a, t)"), {"W": 3, "H": 2}, "c.sptl")
    for got in (k(v=v), k(target="csl", v=v)):
        np.testing.assert_array_equal(got["b"], np.broadcast_to(v[0, 0], (3, 2, 3)))


def test_point_to_point_roles_are_checked() -> None:
    src = P2P.replace("@SEND@", "await send(a, t)").replace("receive(a, t)", "send(a, t)")
    with pytest.raises(SluiceError, match=r"PE \(0, 0\) sends on 't', whose root is \(2, 0\)"):
        check(bind(parse_source(src, "c.sptl"), {"W": 3, "H": 2}))


def test_snake_on_five_by_five_matches_the_documented_path() -> None:
    # SPADA-EXTENSIONS.md E2: rows 4, 2, 0 flow west, rows 3, 1 east; turns (0,4)->(0,3),
    # (4,3)->(4,2), (0,2)->(0,1), (4,1)->(4,0)
    roles = snake_roles((0, 5, 0, 5), (0, 0))
    for y in range(5):
        flow = "w" if y % 2 == 0 else "e"
        turn = 0 if y % 2 == 0 else 4
        for x in range(5):
            want = flow if x != turn else ("n" if y else None)
            assert roles[(x, y)].parent == want, (x, y)


def test_top_level_multistreams_serve_every_phase() -> None:
    src = """
kernel @c<W>(stream<f32, 2>[W, 1] readonly v, stream<f32, 2>[W, 1] writeonly r) {
    place i16 x, i16 y in [0:W, 0] { f32[2] a }
    dataflow i16 x, i16 y in [0:W, 0] {
        multistream<f32> s = reduce_stream(W - 1, 0)
        multistream<f32> t = broadcast_stream(W - 1, 0)
    }
    phase {
        compute i16 x, i16 y in [0:W, 0] {
            await receive(a, v[x, y])
            await reduce(a, s)
        }
    }
    phase {
        compute i16 x, i16 y in [0:W, 0] {
            await broadcast(a, t)
            await send(a, r[x, y])
        }
    }
}
"""
    v = np.random.default_rng(5).standard_normal((3, 1, 2)).astype(np.float32)
    k = loads(src, {"W": 3}, "c.sptl")
    want = np.broadcast_to(v.sum(axis=(0, 1)), v.shape)
    for got in (k(v=v), k(target="csl", v=v)):
        np.testing.assert_allclose(got["r"], want, rtol=1e-5)
