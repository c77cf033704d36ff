"""Parser, binder and checker behaviour on small kernels."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sluice.errors import RaceError, SluiceError, SluiceSyntaxError
from sluice.frontend.spada import (
    ParameterError,
    PlacementError,
    StreamMatchError,
    ast,
    bind,
    check,
    format_expr,
    format_kernel,
    parse_source,
)


def kernel_with(body: str, extra: str = "", params: str = "W, N") -> str:
    return f"""kernel @t<{params}>(stream<f32, N>[W, 1] readonly src, f32 alpha) {{
    place i16 x, i16 y in [0:W, 0] {{
        f32[N] buf
        f32 acc
        i32 n
    }}
    dataflow i16 x, i16 y in [0:W, 0] {{
        stream<f32> east = relative_stream(1, 0)
    }}
{extra}
    compute i16 x, i16 y in [0:W, 0] {{
        await receive(buf, src[x, y])
{body}
    }}
}}
"""


def compute_body(text: str) -> tuple[ast.Stmt, ...]:
    k = parse_source(kernel_with(text))
    comp = next(it for it in k.items if isinstance(it, ast.Compute))
    return comp.body[1:]


def expr_of(text: str) -> ast.Expr:
    (stmt,) = compute_body(f"acc = {text}")
    return stmt.value


# ---- lexical and statements


def test_separators_and_comments() -> None:
    body = compute_body(
        "acc = 1.0; acc = 2.0;;  // two on a line\n"
        "acc = /* inline */ 3.0 /* spans\n lines */ acc = 4.0\n"
        "acc = f32(n\n + 1)")
    assert [s.value for s in body[:4]] == [ast.FloatLit(v) for v in (1.0, 2.0, 3.0, 4.0)]
    assert isinstance(body[4].value, ast.Call)


def test_literals() -> None:
    assert expr_of("0x1F") == ast.IntLit(31)
    assert expr_of("2.5e-3") == ast.FloatLit(0.0025)
    assert expr_of(".5") == ast.FloatLit(0.5)
    assert expr_of("-1") == ast.Unary("-", ast.IntLit(1))
    assert expr_of("true") == ast.BoolLit(True)


def test_precedence_and_associativity() -> None:
    a, b, c, d = (ast.Name(n) for n in "abcd")
    assert expr_of("a + b * c ** -d") == ast.Binary(
        "+", a, ast.Binary("*", b, ast.Binary("**", c, ast.Unary("-", d))))
    assert expr_of("a - b - c") == ast.Binary("-", ast.Binary("-", a, b), c)
    assert expr_of("-a ** b") == ast.Unary("-", ast.Binary("**", a, b))
    assert expr_of("not a == b and c") == ast.Binary(
        "and", ast.Unary("not", ast.Binary("==", a, b)), c)
    assert expr_of("a | b ^ c & d << 1") == ast.Binary("|", a, ast.Binary(
        "^", b, ast.Binary("&", c, ast.Binary("<<", d, ast.IntLit(1)))))
    assert expr_of("a if b else c if d else a") == ast.Ternary(a, b, ast.Ternary(c, d, a))


def test_comparisons_do_not_chain() -> None:
    with pytest.raises(SluiceSyntaxError):
        expr_of("a < b < c")


def test_foreach_generators_in_either_order() -> None:
    f1, f2, f3 = compute_body(
        "foreach i16 k, f32 v in [0:N], receive(east) { buf[k] = v }\n"
        "foreach f32 v, i16 k in receive(east), [0:N] { buf[k] = v }\n"
        "foreach f32 v in receive(east) { acc = v }")
    assert isinstance(f1.gens[0], tuple) and isinstance(f1.gens[1], ast.ReceiveGen)
    assert isinstance(f2.gens[0], ast.ReceiveGen) and f2.index_ranges == f1.index_ranges
    assert f3.index_ranges is None and f3.receive_gen == ast.ReceiveGen(ast.Name("east"))


def test_async_prefixes_and_close() -> None:
    body = compute_body(
        "completion c = send(buf, east)\nawait c\nawait map i16 k in [0:N] { buf[k] = 0.0 }\n"
        "async { east.close() }\nawait east.close()\nawaitall")
    kinds = [type(s) for s in body]
    assert kinds == [ast.Completion, ast.AwaitName, ast.Await, ast.Async, ast.Await,
                     ast.AwaitAll]
    assert body[0].name == "c" and isinstance(body[0].op, ast.Send)
    assert body[4].op == ast.Close(ast.Name("east"))


def test_positions_are_recorded() -> None:
    k = parse_source(kernel_with("acc = buf[0] * alpha"), "p.sptl")
    comp = k.items[-1]
    stmt = comp.body[1]
    assert (stmt.pos.line, stmt.pos.col) == (13, 1)
    assert (stmt.value.right.pos.line, stmt.value.right.pos.col) == (13, 16)
    assert k.items[1].streams[0].pos == ast.Pos(8, 21, 4)


def test_routing_block_forms() -> None:
    src = kernel_with("", extra="""    dataflow i16 x, i16 y in [0, 0] {
        stream<f32> a = relative_stream(0, [1:3]) { hops = auto, channel = 2,
                                                      count = auto }
        stream<f32> b = relative_stream(2, 0) {
            hops = [(1, 0), (1, 0)]
            channel = auto
        }
    }""")
    df = parse_source(src).items[2]
    a, b = df.streams
    assert a.source.routing == ast.Routing(ast.Auto(), ast.IntLit(2), ast.Auto())
    assert isinstance(a.source.dy, ast.Range)
    assert b.source.routing.hops == ((ast.IntLit(1), ast.IntLit(0)),) * 2


def test_kernel_without_name_or_params() -> None:
    k = parse_source("kernel(f32 a) {\n compute i16 x, i16 y in [0, 0] { }\n}")
    assert k.name is None and k.params == () and k.args[0].name == "a"


# ---- binding


def test_bind_folds_constants_and_sets_grid() -> None:
    src = kernel_with("acc = f32(N * 2 + 1) + alpha", extra="""    place i16 x, i16 y in [W, 2] {
        f32[N / 2 + 1] tail
    }""")
    bk = bind(parse_source(src), {"W": 3, "N": 5})
    assert bk.grid == (4, 3)
    tail = bk.places[-1]
    assert tail.pes == ((3, 2),)
    assert tail.node.fields[0].type.dims == (ast.IntLit(3),)
    stmt = bk.phases[0].computes[0].node.body[1]
    assert stmt.value == ast.Binary("+", ast.FloatLit(11.0), ast.Name("alpha"))


def test_integer_division_truncates_like_the_target() -> None:
    src = kernel_with("n = N / -2\nn = N % -2\nn = -N % 2")
    body = bind(parse_source(src), {"W": 1, "N": 7}).phases[0].computes[0].node.body
    assert [s.value for s in body[1:]] == [ast.IntLit(-3), ast.IntLit(1), ast.IntLit(-1)]


def test_missing_and_bad_parameters() -> None:
    k = parse_source(kernel_with(""))
    with pytest.raises(ParameterError, match="missing value for parameter 'N'") as info:
        bind(k, {"W": 2})
    assert "params={'N': ...}" in info.value.hint
    with pytest.raises(ParameterError, match="must be an integer"):
        bind(k, {"W": 2, "N": 1.5})
    with pytest.raises(ParameterError, match="unknown parameter 'n'") as info:
        bind(k, {"W": 2, "N": 1, "n": 1})
    assert info.value.hint == "did you mean 'N'?"


def test_compiletime_argument_is_a_constant() -> None:
    src = ("kernel @c<W>(i32 compiletime R, stream<f32, 1>[W, 1] writeonly out) {\n"
           "  place i16 x, i16 y in [0:W, 0] { f32[R] v }\n"
           "  compute i16 x, i16 y in [0:W, 0] { v[R - 1] = 1.0; await send(v[0], out[x, y]) }\n"
           "}\n")
    bk = bind(parse_source(src), {"W": 2, "R": 3})
    assert bk.places[0].node.fields[0].type.dims == (ast.IntLit(3),)
    check(bk)
    with pytest.raises(ParameterError, match="compiletime argument 'R'"):
        bind(parse_source(src), {"W": 2})


def test_meta_for_expands_blocks_and_phases() -> None:
    src = ("kernel @m<S>() {\n  place i16 x, i16 y in [0:S, 0] { f32 v }\n"
           "  for i16 s in [0:S] {\n    phase {\n"
           "      compute i16 x, i16 y in [s, 0] { v = f32(s * 10) }\n    }\n  }\n}\n")
    bk = bind(parse_source(src), {"S": 3})
    assert [ph.computes[0].pes for ph in bk.phases] == [((0, 0),), ((1, 0),), ((2, 0),)]
    assert bk.phases[2].computes[0].node.body[0].value == ast.FloatLit(20.0)
    check(bk)


# ---- checks that must pass


def test_guarded_uses_and_static_branches_pass() -> None:
    src = kernel_with(
        "if x < W - 1 { await send(acc, east) } else if x == W - 1 { extra = 1.0 }\n"
        "if x > 0 { await receive(acc, east) }",
        extra="    place i16 x, i16 y in [W - 1, 0] { f32 extra }")
    check(bind(parse_source(src), {"W": 3, "N": 2}))


def test_awaited_and_disjoint_accesses_do_not_race() -> None:
    src = kernel_with(
        "if x < W - 1 {\n completion c = send(buf[0], east)\n buf[1] = 2.0\n await c\n"
        " buf[0] = 1.0\n}\nif x > 0 { await receive(acc, east) }")
    check(bind(parse_source(src), {"W": 2, "N": 2}))


def test_runtime_stream_choice_makes_counts_unknown() -> None:
    src = kernel_with("", extra="""    dataflow i16 x, i16 y in [0:W, 0] {
        stream<f32> east2 = relative_stream(1, 0)
    }""").replace("await receive(buf, src[x, y])", """await receive(buf, src[x, y])
        if x == 0 { await send(acc, east if buf[0] > 0.0 else east2) }
        if x == 1 { foreach f32 v in receive(east) { acc = v } }""")
    check(bind(parse_source(src), {"W": 2, "N": 2}))


def test_race_inside_loop_is_reported() -> None:
    src = kernel_with("for i16 k in [0:N] {\n  send(buf, east)\n  buf[k] = 0.0\n}")
    with pytest.raises(RaceError, match="'buf' is written while the send"):
        check(bind(parse_source(src), {"W": 1, "N": 2}))


def test_foreach_count_and_value_type() -> None:
    src = kernel_with("if x == 0 { await send(buf, east) }\n"
                      "if x == 1 { foreach i16 k, f32 v in [0:N - 1], receive(east) { acc = v } }")
    with pytest.raises(StreamMatchError, match="receives 1 element"):
        check(bind(parse_source(src), {"W": 2, "N": 2}))
    bad = src.replace("f32 v in", "i32 v in")
    with pytest.raises(SluiceError, match="'v' is i32 but the stream carries f32"):
        check(bind(parse_source(bad), {"W": 2, "N": 2}))


def test_multicast_reaches_every_target() -> None:
    src = kernel_with(
        "if x == 0 { await send(acc, bc) } else { await receive(acc, bc) }",
        extra="    dataflow i16 x, i16 y in [0:W, 0] {\n"
              "        stream<f32> bc = relative_stream([1:W], 0)\n    }")
    check(bind(parse_source(src), {"W": 4, "N": 1}))
    missing = src.replace("} else { await receive(acc, bc) }", "}")
    with pytest.raises(StreamMatchError, match=r"PE \(1, 0\) never receives on 'bc'"):
        check(bind(parse_source(missing), {"W": 4, "N": 1}))


def test_placement_outside_phase_is_visible_inside() -> None:
    src = ("kernel @p() {\n  place i16 x, i16 y in [0, 0] { f32 a }\n"
           "  phase { place i16 x, i16 y in [0, 0] { f32 b }\n"
           "          compute i16 x, i16 y in [0, 0] { a = 1.0; b = a } }\n"
           "  phase { compute i16 x, i16 y in [0, 0] { b = 2.0 } }\n}\n")
    with pytest.raises(PlacementError, match="field 'b' is not placed on PE") as info:
        check(bind(parse_source(src, "p.sptl")))
    assert (info.value.loc.line, info.value.loc.col) == (5, 44)


# ---- printer


_names = st.sampled_from([ast.Name(n) for n in ("a", "b", "c")])
_leaves = _names | st.integers(0, 99).map(ast.IntLit) | st.sampled_from(
    [ast.FloatLit(0.5), ast.FloatLit(2.0), ast.BoolLit(True)])
_BIN = ["or", "and", "<", "==", "|", "^", "&", "<<", "+", "-", "*", "/", "%", "**"]


def _extend(children):
    return (st.tuples(st.sampled_from(_BIN), children, children).map(
        lambda t: ast.Binary(*t))
        | st.tuples(st.sampled_from(["-", "~", "not", "+"]), children).map(
            lambda t: ast.Unary(*t))
        | st.tuples(children, children, children).map(lambda t: ast.Ternary(*t))
        | st.tuples(_names, st.lists(children, min_size=1, max_size=2)).map(
            lambda t: ast.Subscript(t[0], tuple(t[1])))
        | st.lists(children, min_size=2, max_size=2).map(
            lambda xs: ast.Call("max", tuple(xs))))


@settings(max_examples=150, deadline=None)
@given(st.recursive(_leaves, _extend, max_leaves=12))
def test_expression_printing_round_trips(e: ast.Expr) -> None:
    assert expr_of(format_expr(e)) == e


def test_format_kernel_is_stable() -> None:
    k = parse_source(kernel_with("if x > 0 { acc = 1.0 } else if x == 0 { acc = 2.0 } "
                                 "else { acc = 3.0 }"))
    text = format_kernel(k)
    assert "} else if x == 0 {" in text
    assert parse_source(text) == k


def test_extern_stream_is_the_pes_host_stream() -> None:
    src = ("kernel @e<W>(stream<f32, 2>[W, 1] readonly inp, stream<f32, 2>[W, 1] writeonly out) {\n"
           "  place i16 x, i16 y in [0:W, 0] { f32[2] v }\n"
           "  dataflow i16 x, i16 y in [0:W, 0] {\n"
           "    stream<f32> i = extern_stream(inp)\n    stream<f32> o = extern_stream(out)\n  }\n"
           "  compute i16 x, i16 y in [0:W, 0] { await receive(v, i); await send(v, o) }\n}\n")
    check(bind(parse_source(src), {"W": 3}))
    with pytest.raises(SluiceError, match="cannot send to readonly argument 'inp'"):
        check(bind(parse_source(src.replace("send(v, o)", "send(v, i)")), {"W": 3}))
    with pytest.raises(SluiceError, match="'inpt' is not a stream argument") as info:
        check(bind(parse_source(src.replace("extern_stream(inp)", "extern_stream(inpt)")),
                   {"W": 3}))
    assert info.value.hint == "did you mean 'inp'?"


def test_route_count_and_shared_host_stream() -> None:
    src = kernel_with("if x == 0 { await send(buf, east) }\nif x == 1 { await receive(buf, east) }")
    counted = src.replace("relative_stream(1, 0)", "relative_stream(1, 0) { count = 3 }")
    with pytest.raises(StreamMatchError, match="sends 4 element"):
        check(bind(parse_source(counted), {"W": 2, "N": 4}))
    check(bind(parse_source(counted.replace("count = 3", "count = 4")), {"W": 2, "N": 4}))
    shared = src.replace("await receive(buf, src[x, y])", "await receive(buf, src[0, 0])")
    with pytest.raises(StreamMatchError, match=r"both use host stream src\[0, 0\]"):
        check(bind(parse_source(shared), {"W": 2, "N": 4}))
