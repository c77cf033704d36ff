"""Deadlocks, races, the forgotten `unblock_cmd_stream`, switches and host-API misuse."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from sluice.csl import model as m
from sluice.csl import samples
from sluice.errors import (
    ArgumentError,
    DeadlockError,
    ExecutionError,
    RaceError,
    RouteError,
    VerificationError,
)
from sluice.runtime.wafer import SdkRuntime
from sluice.runtime.wafer.harness import run_printed

N, L = m.Name, m.Lit


def started(program: m.CslProgram, **kw: object) -> SdkRuntime:
    rt = SdkRuntime(program, **kw)
    rt.load()
    rt.run()
    return rt


def test_wrong_rx_direction_deadlocks_with_coordinates(tmp_path: Path) -> None:
    s = samples.pipelined_reduce(4, 2, 3)
    routes = tuple(replace(r, rx=("EAST",)) if (r.x, r.y, r.rx) == (2, 1, ("WEST",)) else r
                   for r in s.program.layout.routes)
    broken = replace(s.program, layout=replace(s.program.layout, routes=routes))
    with pytest.raises(DeadlockError) as info:
        run_printed(broken, s.host, s.make_inputs(np.random.default_rng(0)), tmp_path)
    text = str(info.value)
    assert "PE(2,1)" in text and "from WEST stuck" in text and "rx is {EAST}" in text
    assert "c_odd" in text  # PE(2,1) receives on color (2+1)%2 = 1
    assert "PE(3,1)" in text  # the downstream PE waits on its empty input queue
    assert info.value.node == "PE(2,1)"


def test_missing_sender_leaves_receiver_stuck() -> None:
    """The first PE of each row never sends: receivers' async ops never complete."""
    s = samples.chain_reduce(3, 2)
    first = s.program.variants[0]
    silent = replace(first.program, functions=(m.Function("start", (m.UnblockCmdStream(),)),))
    prog = replace(s.program, variants=(replace(first, program=silent),) + s.program.variants[1:])
    rt = started(prog)
    with pytest.raises(DeadlockError) as info:
        rt.launch("start")
    text = str(info.value)
    assert "PE(1,0): async @fmovs never completes" in text and "is empty" in text
    assert "unblock_cmd_stream" in text


def gemv_without_unblock() -> m.CslProgram:
    s = samples.gemv(3, 2)
    v = s.program.variants[0]
    fn = v.program.functions[0]
    fn = replace(fn, body=tuple(st for st in fn.body if not isinstance(st, m.UnblockCmdStream)))
    return replace(s.program, variants=(replace(v, program=replace(v.program, functions=(fn,))),))


def test_forgotten_unblock_is_reported_on_launch() -> None:
    rt = started(gemv_without_unblock())
    with pytest.raises(DeadlockError) as info:
        rt.launch("compute")
    err = info.value
    assert "never called sys_mod.unblock_cmd_stream()" in str(err)
    assert err.node == "PE(0,0)" and "compute" in err.hint


def test_forgotten_unblock_is_reported_on_next_memcpy(tmp_path: Path) -> None:
    rt = started(gemv_without_unblock())
    rt.launch("compute", nonblock=True)
    out = np.zeros(3, np.float32)
    with pytest.raises(DeadlockError, match="memcpy_d2h from 'y'"):
        rt.memcpy_d2h(out, rt.get_id("y"), 0, 0, 1, 1, 3)


def racy_program(write_target: str, sync_read: bool = False) -> m.CslProgram:
    """An async fadds on y is in flight while the RPC goes on touching memory."""
    after: tuple[m.Stmt, ...]
    if sync_read:
        after = (m.DsdOp("fmovs", (N("z_dsd"), N("y_dsd"))),)
    else:
        after = (m.Assign(m.Index(write_target, L(2)), L(1.0)),)
    prog = m.PeProgram(
        "racy",
        fields=tuple(m.Field(f, "f32", L(4), m.Zeros()) for f in ("x", "y", "z")),
        dsds=tuple(m.Mem1dDsd(f"{f}_dsd", f, L(4)) for f in ("x", "y", "z")),
        functions=(m.Function("go", (
            m.DsdOp("fadds", (N("y_dsd"), N("y_dsd"), N("x_dsd")), True, activate="done"),
            *after)),),
        tasks=(m.Task("done", "local", (m.UnblockCmdStream(),), id=8),),
        exports=("y",), rpcs=("go",),
    )
    lay = m.Layout(1, 1, exports=(m.Export("y", "data"), m.Export("go", "fn")))
    return m.CslProgram(lay, (m.TileVariant(prog, (m.Placement(0, 0),)),))


@pytest.mark.parametrize("target", ["y", "x"])
def test_write_during_async_op_is_a_race(target: str) -> None:
    rt = started(racy_program(target))
    with pytest.raises(RaceError) as info:
        rt.launch("go")
    assert info.value.node == "PE(0,0)"
    assert f"writes {target}[2..2]" in str(info.value) and "@fadds" in str(info.value)


def test_read_of_async_destination_is_a_race() -> None:
    rt = started(racy_program("y", sync_read=True))
    with pytest.raises(RaceError, match=r"reads y\[0..3\]"):
        rt.launch("go")


def test_disjoint_write_is_not_a_race() -> None:
    rt = started(racy_program("z"))
    rt.launch("go")
    rt.stop()


def test_race_checking_can_be_disabled() -> None:
    rt = started(racy_program("y"), check_races=False)
    rt.launch("go")
    rt.stop()


def switch_program() -> m.CslProgram:
    """PE0 sends v0, a control wavelet, then v1 on one color. PE1's router delivers to its
    CE until the control wavelet advances it to pos1, which forwards east to PE2."""
    send = m.PeProgram(
        "sender", params=(m.Param("c", "color"),),
        fields=(m.Field("x", "f32", L(2), m.Zeros()),),
        dsds=(m.FaboutDsd("out_dsd", "c", L(1), 3),
              m.FaboutDsd("ctl_dsd", "c", L(1), 3, control=True)),
        functions=(m.Function("start", (
            m.DsdOp("fmovs", (N("out_dsd"), m.Index("x", L(0)))),
            m.DsdOp("mov32", (N("ctl_dsd"), L(40))),
            m.DsdOp("fmovs", (N("out_dsd"), m.Index("x", L(1)))),
            m.UnblockCmdStream())),),
        exports=("x",), rpcs=("start",))
    # a receiver hands the command stream back after `need` events (wavelets + control)
    count_up = (m.Assign(N("count"), L(1), "+="),
                m.If(m.BinOp("==", N("count"), N("need")), (m.UnblockCmdStream(),)))
    recv = m.PeProgram(
        "receiver", params=(m.Param("c", "color"), m.Param("need", "i16")),
        fields=(m.Field("got", "f32", L(1), m.Zeros()), m.Field("seen", "f32", L(1), m.Zeros()),
                m.Field("count", "i16", None, L(0))),
        functions=(m.Function("start", ()),),
        tasks=(m.Task("recv", "data", (m.Assign(m.Index("got", L(0)), N("v")), *count_up),
                      param=m.TaskParam("v", "f32"), color="c"),
               m.Task("ctl", "control", (m.Assign(m.Index("seen", L(0)), L(1.0)), *count_up),
                      id=40)),
        exports=("got", "seen"), rpcs=("start",))
    c = (("c", m.ColorRef("a")),)
    lay = m.Layout(3, 1, "wse2", (m.Color("a", 2),), (
        m.Route(0, 0, "a", ("RAMP",), ("EAST",)),
        m.Route(1, 0, "a", ("WEST",), ("RAMP",), m.Switches((m.SwitchPos(tx="EAST"),))),
        m.Route(2, 0, "a", ("WEST",), ("RAMP",)),
    ), (m.Export("x", "data"), m.Export("got", "data"), m.Export("seen", "data"),
        m.Export("start", "fn")))
    return m.CslProgram(lay, (m.TileVariant(send, (m.Placement(0, 0, c),)),
                              m.TileVariant(recv, (m.Placement(1, 0, c + (("need", 2),)),
                                                   m.Placement(2, 0, c + (("need", 1),))))))


def test_control_wavelet_advances_switch(tmp_path: Path) -> None:
    host = m.HostProgram((m.H2D("x", "x", 0, 0, 1, 1, 2), m.Launch("start"),
                          m.D2H("got", "got", 1, 0, 2, 1, 1), m.D2H("seen", "seen", 1, 0, 2, 1, 1)))
    out = run_printed(switch_program(), host, {"x": np.array([3.5, -7.0], np.float32)}, tmp_path)
    np.testing.assert_array_equal(out["got"], [3.5, -7.0])
    np.testing.assert_array_equal(out["seen"], [1.0, 0.0])


def test_route_off_the_rectangle_raises_route_error() -> None:
    s = samples.pipelined_reduce(2, 1, 2)
    routes = tuple(replace(r, tx=("NORTH",)) if r.x == 0 else r for r in s.program.layout.routes)
    prog = replace(s.program, layout=replace(s.program.layout, routes=routes))
    with pytest.raises(VerificationError, match="route-bounds"):
        SdkRuntime(prog)
    rt = started(prog, validate=False)
    rt.memcpy_h2d(rt.get_id("y"), np.ones(4, np.float32), 0, 0, 2, 1, 2)
    with pytest.raises(RouteError, match=r"PE\(0,0\).*NORTH"):
        rt.launch("start")


def test_host_api_misuse() -> None:
    s = samples.row_broadcast(2, 1, 2)
    rt = SdkRuntime(s.program)
    with pytest.raises(ExecutionError, match="load"):
        rt.launch("start")
    rt.load()
    with pytest.raises(ArgumentError, match="did you mean 'x'"):
        rt.get_id("xx")
    with pytest.raises(ExecutionError, match="read-only"):
        rt.memcpy_h2d(rt.get_id("y"), np.ones(4, np.float32), 0, 0, 2, 1, 2)
    with pytest.raises(ArgumentError, match="32-bit"):
        rt.memcpy_h2d(rt.get_id("x"), np.ones(2, np.float64), 0, 0, 1, 1, 2)
    with pytest.raises(ArgumentError, match="leaves"):
        rt.memcpy_h2d(rt.get_id("x"), np.ones(6, np.float32), 0, 0, 3, 1, 2)
    with pytest.raises(ArgumentError, match="no MEMCPYH2D"):
        rt.memcpy_h2d(7, np.ones(4, np.float32), 0, 0, 2, 1, 2, streaming=True)
    with pytest.raises(ArgumentError, match="no exported function"):
        rt.launch("x")
    with pytest.raises(ArgumentError, match="cmaddr"):
        SdkRuntime(s.program, cmaddr="10.0.0.1:9000")


def test_endless_task_is_reported() -> None:
    prog = m.PeProgram("spin", fields=(m.Field("k", "i32", None, L(0)),),
                       functions=(m.Function("go", (
                           m.While(L(True), (m.Assign(N("k"), L(1), "+="),)),)),),
                       rpcs=("go",))
    lay = m.Layout(1, 1, exports=(m.Export("go", "fn"),))
    rt = started(m.CslProgram(lay, (m.TileVariant(prog, (m.Placement(0, 0),)),)))
    import sluice.runtime.wafer.pe as pe_mod

    limit = pe_mod.STEP_LIMIT
    pe_mod.STEP_LIMIT = 10_000
    try:
        with pytest.raises(ExecutionError, match="endless"):
            rt.launch("go")
    finally:
        pe_mod.STEP_LIMIT = limit


def test_blocked_data_task_is_named_in_deadlock_report() -> None:
    """Receivers block their data task and never unblock it: the broadcast wavelets wait in
    the input queues, and back-pressure stalls the sender's async op."""
    s = samples.row_broadcast(3, 1, 20)
    send, recv = s.program.variants
    blocking = replace(recv.program, functions=(m.Function("start", (m.Block("recv"),)),))
    prog = replace(s.program, variants=(send, replace(recv, program=blocking)))
    rt = started(prog)
    rt.memcpy_h2d(rt.get_id("x"), np.ones(20, np.float32), 0, 0, 1, 1, 20)
    with pytest.raises(DeadlockError) as info:
        rt.launch("start")
    text = str(info.value)
    assert "PE(1,0): data task recv (color 3 (bcast)) is blocked with wavelets queued" in text
    assert "PE(0,0): async @fmovs never completes" in text and "is full" in text


def test_unblocking_before_async_completion_races_with_memcpy() -> None:
    """The RPC hands the command stream back while its async op still writes y: the host's
    copy-out of y then races with it."""
    prog = racy_program("z")
    v = prog.variants[0]
    go = v.program.functions[0]
    early = replace(go, body=go.body[:1] + (m.UnblockCmdStream(),))
    done = replace(v.program.tasks[0], body=())
    prog = replace(prog, variants=(replace(v, program=replace(
        v.program, functions=(early,), tasks=(done,))),))
    rt = started(prog)
    rt.launch("go")
    with pytest.raises(RaceError, match=r"memcpy_d2h reads y\[0..3\]"):
        rt.memcpy_d2h(np.zeros(4, np.float32), rt.get_id("y"), 0, 0, 1, 1, 4)
