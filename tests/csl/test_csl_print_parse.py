"""Printer and parser of the CSL backend: round trips, syntax errors, golden files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sluice.csl import model as m
from sluice.csl import parser, printer, samples
from sluice.errors import SluiceSyntaxError

N, L = m.Name, m.Lit
GOLDEN = Path(__file__).with_name("golden")


def kitchen_sink(arch: str) -> m.CslProgram:
    """Every statement, expression, DSD and layout feature the printer knows."""
    body = (
        m.LocalVar("t", "f32", m.Cast("f32", N("cnt"))),
        m.Assign(m.Index("y", L(0)), m.BinOp("*", m.BinOp("+", N("t"), L(-1.5)),
                                             m.UnOp("-", N("t")))),
        m.Assign(N("cnt"), m.BinOp("-", N("n"), m.BinOp("-", L(1), L(2))), "+="),
        m.For("i", L(1), N("n"), (m.Assign(m.Index("z", N("i")), L(2.5e-07)),), step=L(2)),
        m.While(m.BinOp("and", m.BinOp("<", N("cnt"), L(3)), m.UnOp("!", L(False))),
                (m.Assign(N("t"), L(1.0), "*="),), m.Assign(N("cnt"), L(1), "+=")),
        m.While(m.BinOp("or", L(True), m.BinOp(">=", N("cnt"), L(0))), (m.CallFn("helper"),)),
        m.If(m.BinOp("==", m.BinOp("%", N("cnt"), L(2)), L(0)), (m.Activate("loc"),),
             (m.Block("loc"), m.Unblock("loc"))),
        m.If(m.BinOp("!=", m.BinOp("/", N("cnt"), L(2)), L(1)), (m.Block("recv"),)),
        m.DsdOp("fmacs", (N("y_dsd"), N("y_dsd"), N("z_dsd"), m.Index("y", L(1)))),
        m.DsdOp("fadds", (N("out_dsd"), N("in_dsd"), N("y_dsd")), True, activate="loc",
                unblock="recv"),
        m.DsdOp("fnegh", (N("h_dsd"), N("h_dsd")), True),
        m.DsdOp("add16", (N("k_dsd"), N("k_dsd"), L(3))),
        m.IncrementDsdOffset("y_dsd", L(1)),
        m.SetDsdBaseAddr("y_dsd", "z"),
        m.SetDsdLength("y_dsd", m.BinOp("*", N("n"), L(2))),
        m.UnblockCmdStream(),
    )
    recv = m.Task("recv", "data", (m.Assign(m.Index("z", L(0)), N("v")),),
                  param=m.TaskParam("v", "f32"),
                  color="c_in" if arch == "wse2" else None, queue=None if arch == "wse2" else 4)
    prog = m.PeProgram(
        "sink",
        params=(m.Param("n", "i16"), m.Param("c_in", "color"), m.Param("c_out", "color"),
                m.Param("w", "f32")),
        fields=(
            m.Field("y", "f32", L(8), m.Zeros()),
            m.Field("z", "f32", m.BinOp("*", N("n"), L(2)), m.Constants(L(1.25))),
            m.Field("h", "f16", L(4)),
            m.Field("k", "i16", L(4), m.Zeros()),
            m.Field("cnt", "i16", None, L(0)),
            m.Field("flag", "u32"),
        ),
        dsds=(
            m.Mem1dDsd("y_dsd", "y", L(4), 2, L(1)),
            m.Mem1dDsd("z_dsd", "z", N("n"), 1, N("n"), "base_address"),
            m.Mem1dDsd("h_dsd", "h", L(4)),
            m.Mem1dDsd("k_dsd", "k", L(4)),
            m.FabinDsd("in_dsd", "c_in", L(4), 2),
            m.FaboutDsd("out_dsd", "c_out", L(4), 3),
            m.FaboutDsd("ctl_dsd", "c_out", L(1), 3, control=True),
        ),
        functions=(m.Function("go", body), m.Function("helper", ())),
        tasks=(recv, m.Task("loc", "local", (m.Activate("ctl"),), id=9),
               m.Task("ctl", "control", (), id=40)),
        queues=(m.QueueInit("input", 4, "c_in"),) if arch == "wse3" else (),
        exports=("y", "z"), rpcs=("go",),
    )
    lay = m.Layout(
        2, 2, arch, (m.Color("a", 0), m.Color("b", 1), m.Color("s", 7)),
        (
            m.Route(0, 0, "a", ("RAMP",), ("EAST", "SOUTH")),
            m.Route(1, 0, "a", ("WEST",), ("RAMP",),
                    m.Switches((m.SwitchPos(rx="NORTH"), m.SwitchPos(tx="SOUTH")), 1, True)),
            m.Route(0, 1, "b", ("NORTH", "EAST"), ("RAMP",), filter=m.Filter(0, 1, 3)),
        ),
        (m.Export("y", "data"), m.Export("z", "data", mutable=False), m.Export("go", "fn")),
        m.MemcpySetup(((1, "s"),), ()),
    )
    pls = tuple(m.Placement(x, y, (("n", 4 + x), ("c_in", m.ColorRef("a")),
                                   ("c_out", m.ColorRef("b")), ("w", -0.5 * y)))
                for y in range(2) for x in range(2))
    return m.CslProgram(lay, (m.TileVariant(prog, pls),))


def all_samples() -> list[samples.Sample]:
    out = []
    for arch in ("wse2", "wse3"):
        out += [samples.gemv(4, 3, arch), samples.chain_reduce(3, 4, arch),
                samples.pipelined_reduce(4, 2, 3, arch), samples.row_broadcast(3, 2, 2, arch),
                samples.streaming_affine(2, 2, 3, arch)]
    return out


@pytest.mark.parametrize("sample", all_samples(), ids=lambda s: s.name)
def test_samples_round_trip(sample: samples.Sample) -> None:
    text = printer.print_stream(sample.program, sample.host)
    assert parser.parse_stream(text) == sample.program


@pytest.mark.parametrize("arch", ["wse2", "wse3"])
def test_kitchen_sink_round_trip(arch: str) -> None:
    prog = kitchen_sink(arch)
    files = printer.print_files(prog)
    assert set(files) == {"layout.csl", "sink.csl"}
    assert parser.parse_files(files) == prog
    assert f'@is_arch("{arch}")' in files["layout.csl"]


def test_round_trip_through_directory(tmp_path: Path) -> None:
    s = samples.row_broadcast(3, 1, 2)
    paths = printer.write_files(s.program, str(tmp_path), s.host)
    assert sorted(Path(p).name for p in paths) == [
        "bcast_recv.csl", "bcast_send.csl", "layout.csl", "run.py"]
    assert parser.parse_dir(tmp_path) == s.program


def test_precedence_survives_printing() -> None:
    a, b, c = N("a"), N("b"), N("c")
    for e in (m.BinOp("-", a, m.BinOp("-", b, c)), m.BinOp("-", m.BinOp("-", a, b), c),
              m.BinOp("*", m.BinOp("+", a, b), c), m.BinOp("+", a, m.BinOp("*", b, c)),
              m.UnOp("-", m.BinOp("+", a, b)), m.BinOp("/", a, m.BinOp("/", b, c))):
        prog = m.PeProgram("p", fields=(m.Field("a", "i16", None, L(1)),),
                           functions=(m.Function("f", (m.Assign(N("a"), e),)),))
        text = printer.print_pe_program(prog)
        assert parser.parse_pe_program(text, "p") == prog, text


def test_syntax_error_has_line_column_and_caret() -> None:
    text = printer.print_pe_program(samples.gemv(2, 2).program.variants[0].program)
    broken = text.replace("@fmovs(y_dsd, b_dsd);", "@fmovs(y_dsd b_dsd);")
    line = next(i for i, ln in enumerate(broken.splitlines(), 1) if "y_dsd b_dsd" in ln)
    with pytest.raises(SluiceSyntaxError) as info:
        parser.parse_pe_program(broken, "gemv")
    err = info.value
    assert err.loc.line == line and err.loc.col == 18 and err.loc.file == "gemv.csl"
    assert "^" in str(err) and "y_dsd b_dsd" in str(err)


def test_unsupported_construct_is_a_syntax_error() -> None:
    text = "fn f() void {\n    @fmovs(a, b, .{ .speed = 3 });\n}\n"
    with pytest.raises(SluiceSyntaxError, match="unsupported options"):
        parser.parse_pe_program(text, "x")
    with pytest.raises(SluiceSyntaxError, match="layout.csl"):
        parser.parse_files({"a.csl": ""})


def test_non_finite_literal_is_refused() -> None:
    from sluice.errors import UnsupportedError

    with pytest.raises(UnsupportedError):
        printer.expr(L(float("inf")))


GOLDEN_CASES = {
    "gemv_4x3": lambda: samples.gemv(4, 3),
    "pipelined_reduce_3x1x4": lambda: samples.pipelined_reduce(3, 1, 4),
}


@pytest.mark.parametrize("name", sorted(GOLDEN_CASES))
def test_golden(name: str) -> None:
    """Printed CSL is pinned; regenerate with SLUICE_UPDATE_GOLDEN=1 after a deliberate
    printer change, and review the diff."""
    s = GOLDEN_CASES[name]()
    text = printer.print_stream(s.program, s.host)
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("SLUICE_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with SLUICE_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")
    assert parser.parse_stream(path.read_text(encoding="utf-8")) == s.program


def _exprs() -> object:
    from hypothesis import strategies as st

    leaves = st.one_of(
        st.integers(-40000, 40000).map(L),
        st.floats(allow_nan=False, allow_infinity=False, width=32).map(L),
        st.booleans().map(L),
        st.sampled_from(["a", "b", "n"]).map(N),
    )

    def extend(children: object) -> object:
        return st.one_of(
            st.builds(m.BinOp, st.sampled_from(sorted(m.BINOP_PRECEDENCE)), children, children),
            st.builds(m.UnOp, st.sampled_from(["-", "!"]), children),
            st.builds(m.Cast, st.sampled_from(["f32", "i16", "u32"]), children),
            st.builds(m.Index, st.just("arr"), children),
        )

    return st.recursive(leaves, extend, max_leaves=12)


def test_any_expression_round_trips() -> None:
    from hypothesis import given, settings

    @settings(max_examples=300, deadline=None)
    @given(_exprs())
    def check(e: m.Expr) -> None:
        prog = m.PeProgram("p", functions=(m.Function("f", (m.Assign(N("a"), e),)),))
        text = printer.print_pe_program(prog)
        assert parser.parse_pe_program(text, "p") == prog, text

    check()
