"""Synchronous fabric ops under back-pressure, filters, and the cycle estimate."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from sluice.csl import model as m
from sluice.csl import parser, printer, samples
from sluice.errors import DeadlockError
from sluice.runtime.wafer import ARCH_PARAMS, SdkRuntime

N, L = m.Name, m.Lit


def sync_pair(n: int, sender_sends: bool = True) -> m.CslProgram:
    """PE0 sends n values with a synchronous fmovs (more than its output queue and the
    links hold); PE1 receives them synchronously, adds 1, and both unblock."""
    send_body: tuple[m.Stmt, ...] = (m.DsdOp("fmovs", (N("out_dsd"), N("v_dsd"))),)
    send = m.PeProgram(
        "send", fields=(m.Field("v", "f32", L(n), m.Zeros()),),
        dsds=(m.Mem1dDsd("v_dsd", "v", L(n)), m.FaboutDsd("out_dsd", "c", L(n), 3)),
        params=(m.Param("c", "color"),),
        functions=(m.Function("go", (send_body if sender_sends else ())
                              + (m.UnblockCmdStream(),)),),
        exports=("v",), rpcs=("go",))
    recv = m.PeProgram(
        "recv", fields=(m.Field("v", "f32", L(n), m.Zeros()),),
        dsds=(m.Mem1dDsd("v_dsd", "v", L(n)), m.FabinDsd("in_dsd", "c", L(n), 2)),
        params=(m.Param("c", "color"),),
        functions=(m.Function("go", (
            m.DsdOp("fadds", (N("v_dsd"), N("in_dsd"), L(1.0))),
            m.UnblockCmdStream())),),
        exports=("v",), rpcs=("go",))
    c = (("c", m.ColorRef("k")),)
    lay = m.Layout(2, 1, "wse2", (m.Color("k", 5),), (
        m.Route(0, 0, "k", ("RAMP",), ("EAST",)), m.Route(1, 0, "k", ("WEST",), ("RAMP",))),
        (m.Export("v", "data"), m.Export("go", "fn")))
    return m.CslProgram(lay, (m.TileVariant(send, (m.Placement(0, 0, c),)),
                              m.TileVariant(recv, (m.Placement(1, 0, c),))))


def run_pair(prog: m.CslProgram, n: int) -> np.ndarray:
    rt = SdkRuntime(parser.parse_stream(printer.print_stream(prog)))
    rt.load()
    vals = np.arange(n, dtype=np.float32)
    rt.memcpy_h2d(rt.get_id("v"), vals, 0, 0, 1, 1, n)
    rt.launch("go")
    out = np.zeros(n, np.float32)
    rt.memcpy_d2h(out, rt.get_id("v"), 1, 0, 1, 1, n)
    rt.stop()
    return out


@pytest.mark.parametrize("n", [1, 3, 40])
def test_sync_fabric_ops_wait_under_back_pressure(n: int) -> None:
    np.testing.assert_array_equal(run_pair(sync_pair(n), n), np.arange(n) + 1)


def test_sync_receive_without_sender_deadlocks() -> None:
    with pytest.raises(DeadlockError) as info:
        run_pair(sync_pair(4, sender_sends=False), 4)
    assert "PE(1,0): RPC go is stuck: input queue 2 (color 5 (k)) is empty" in str(info.value)


def test_counter_filter_limits_ramp_delivery() -> None:
    """limit1 = 1, max_counter = 3: of every 4 wavelets the first 2 reach the CE."""
    prog = sync_pair(4)
    routes = (prog.layout.routes[0], replace(prog.layout.routes[1], filter=m.Filter(0, 1, 3)))
    prog = replace(prog, layout=replace(prog.layout, routes=routes))
    recv = prog.variants[1].program
    counting = replace(recv, fields=recv.fields + (m.Field("seen", "i16", None, L(0)),),
                       dsds=(recv.dsds[0],), functions=(m.Function("go", ()),),
                       tasks=(m.Task("on", "data", (
                           m.Assign(m.Index("v", N("seen")), N("x")),
                           m.Assign(N("seen"), L(1), "+="),
                           m.If(m.BinOp("==", N("seen"), L(2)), (m.UnblockCmdStream(),))),
                           param=m.TaskParam("x", "f32"), color="c"),))
    prog = replace(prog, variants=(prog.variants[0], replace(prog.variants[1], program=counting)))
    out = run_pair(prog, 4)
    np.testing.assert_array_equal(out, [0, 1, 0, 0])


def launch_cycles(sample: samples.Sample, **params: object) -> int:
    rt = SdkRuntime(sample.program, params=ARCH_PARAMS[sample.program.layout.arch].with_(
        **params))
    rt.load()
    inputs = sample.make_inputs(np.random.default_rng(0))
    h2d = sample.host.steps[0]
    rt.memcpy_h2d(rt.get_id(h2d.target), inputs[h2d.source].ravel(), h2d.x0, h2d.y0, h2d.w,
                  h2d.h, h2d.elems)
    start = max(rt.sim.now, rt.sim.memcpy_busy_until)  # the launch waits for the copy
    rt.launch("start")
    rt.stop()
    return rt.sim.now - start


def test_cycle_estimate_orders_designs() -> None:
    """Pipelining beats store-and-forward; more data and slower hops cost more cycles."""
    piped = launch_cycles(samples.pipelined_reduce(8, 1, 32))
    stored = launch_cycles(samples.chain_reduce(8, 32))
    assert stored > 2 * piped
    assert launch_cycles(samples.pipelined_reduce(8, 1, 64)) > piped + 25
    assert launch_cycles(samples.pipelined_reduce(8, 1, 32), hop_latency=3) > piped + 10
    # a pipelined row costs about n + 2 hops per PE, not n per PE
    assert piped < 32 + 8 * 8


def test_simulation_is_deterministic() -> None:
    s = samples.row_broadcast(4, 2, 6)
    assert launch_cycles(s) == launch_cycles(s)

    def seeded(seed: int) -> int:
        rt = SdkRuntime(s.program, seed=seed)
        rt.load()
        rt.memcpy_h2d(rt.get_id("x"), np.ones(12, np.float32), 0, 0, 1, 2, 6)
        rt.launch("start")
        rt.stop()
        return rt.sim.now

    assert seeded(7) == seeded(7)


def ring_switch_program() -> m.CslProgram:
    """PE0 sends d0, control, d1, control, d2 on one color. PE1's router starts delivering
    to its CE; the first control wavelet stops there (RAMP output) and advances it to pos1
    (east); the second passes it to PE2 and, in ring mode, brings it back to the base."""
    send = m.PeProgram(
        "sender", params=(m.Param("c", "color"),),
        fields=(m.Field("x", "f32", L(3), m.Zeros()),),
        dsds=(m.FaboutDsd("out_dsd", "c", L(1), 3),
              m.FaboutDsd("ctl_dsd", "c", L(1), 3, control=True)),
        functions=(m.Function("start", (
            m.DsdOp("fmovs", (N("out_dsd"), m.Index("x", L(0)))),
            m.DsdOp("mov32", (N("ctl_dsd"), L(40))),
            m.DsdOp("fmovs", (N("out_dsd"), m.Index("x", L(1)))),
            m.DsdOp("mov32", (N("ctl_dsd"), L(40))),
            m.DsdOp("fmovs", (N("out_dsd"), m.Index("x", L(2)))),
            m.UnblockCmdStream())),),
        exports=("x",), rpcs=("start",))
    done = (m.If(m.BinOp("==", m.BinOp("+", N("ndata"), N("nctl")), N("need")),
                 (m.UnblockCmdStream(),)),)
    recv = m.PeProgram(
        "receiver", params=(m.Param("c", "color"), m.Param("need", "i16")),
        fields=(m.Field("got", "f32", L(2), m.Zeros()), m.Field("ctl", "f32", L(1), m.Zeros()),
                m.Field("ndata", "i16", None, L(0)), m.Field("nctl", "i16", None, L(0))),
        functions=(m.Function("start", ()),),
        tasks=(m.Task("recv", "data", (m.Assign(m.Index("got", N("ndata")), N("v")),
                                       m.Assign(N("ndata"), L(1), "+="), *done),
                      param=m.TaskParam("v", "f32"), color="c"),
               m.Task("on_ctl", "control", (m.Assign(N("nctl"), L(1), "+="),
                                            m.Assign(m.Index("ctl", L(0)), L(1.0), "+="),
                                            *done), id=40)),
        exports=("got", "ctl"), rpcs=("start",))
    c = (("c", m.ColorRef("a")),)
    lay = m.Layout(3, 1, "wse2", (m.Color("a", 2),), (
        m.Route(0, 0, "a", ("RAMP",), ("EAST",)),
        m.Route(1, 0, "a", ("WEST",), ("RAMP",),
                m.Switches((m.SwitchPos(tx="EAST"),), ring_mode=True)),
        m.Route(2, 0, "a", ("WEST",), ("RAMP",)),
    ), (m.Export("x", "data"), m.Export("got", "data"), m.Export("ctl", "data"),
        m.Export("start", "fn")))
    return m.CslProgram(lay, (m.TileVariant(send, (m.Placement(0, 0, c),)),
                              m.TileVariant(recv, (m.Placement(1, 0, c + (("need", 3),)),
                                                   m.Placement(2, 0, c + (("need", 2),))))))


@pytest.mark.parametrize("ring", [True, False])
def test_control_wavelets_switch_and_ring_mode_wraps(ring: bool) -> None:
    prog = ring_switch_program()
    if not ring:  # without ring mode PE1 stays at its last position: d2 goes east too
        routes = tuple(replace(r, switches=replace(r.switches, ring_mode=False))
                       if r.switches else r for r in prog.layout.routes)
        prog = replace(prog, layout=replace(prog.layout, routes=routes))
        recvs = prog.variants[1]
        prog = replace(prog, variants=(prog.variants[0], replace(recvs, placements=(
            m.Placement(1, 0, (("c", m.ColorRef("a")), ("need", 2))),
            m.Placement(2, 0, (("c", m.ColorRef("a")), ("need", 3)))))))
    rt = SdkRuntime(parser.parse_stream(printer.print_stream(prog)))
    rt.load()
    rt.memcpy_h2d(rt.get_id("x"), np.array([1.5, 2.5, 3.5], np.float32), 0, 0, 1, 1, 3)
    rt.launch("start")
    got = np.zeros(4, np.float32)
    ctl = np.zeros(2, np.float32)
    rt.memcpy_d2h(got, rt.get_id("got"), 1, 0, 2, 1, 2)
    rt.memcpy_d2h(ctl, rt.get_id("ctl"), 1, 0, 2, 1, 1)
    rt.stop()
    # each control wavelet reached exactly one CE: the first stopped at PE1's RAMP
    np.testing.assert_array_equal(ctl, [1.0, 1.0])
    if ring:
        np.testing.assert_array_equal(got, [1.5, 3.5, 2.5, 0.0])
    else:
        np.testing.assert_array_equal(got, [1.5, 0.0, 2.5, 3.5])
