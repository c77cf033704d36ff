"""Every hardware-limit rule of `validate.py` has a program that breaks it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sluice.csl import model as m
from sluice.csl import samples
from sluice.csl.validate import check, validate
from sluice.errors import VerificationError

N, L = m.Name, m.Lit


def reduce_prog(arch: str = "wse2") -> m.CslProgram:
    return samples.pipelined_reduce(3, 2, 4, arch).program


def bcast_prog(arch: str = "wse2") -> m.CslProgram:
    return samples.row_broadcast(3, 1, 2, arch).program


def with_layout(prog: m.CslProgram, **kw: object) -> m.CslProgram:
    return replace(prog, layout=replace(prog.layout, **kw))


def with_program(prog: m.CslProgram, index: int, **kw: object) -> m.CslProgram:
    vs = list(prog.variants)
    vs[index] = replace(vs[index], program=replace(vs[index].program, **kw))
    return replace(prog, variants=tuple(vs))


def with_placements(prog: m.CslProgram, index: int,
                    placements: tuple[m.Placement, ...]) -> m.CslProgram:
    vs = list(prog.variants)
    vs[index] = replace(vs[index], placements=placements)
    return replace(prog, variants=tuple(vs))


def violations(prog: m.CslProgram) -> dict[str, VerificationError]:
    return {e.rule: e for e in check(prog)}


@pytest.mark.parametrize("arch", ["wse2", "wse3"])
def test_samples_are_valid(arch: str) -> None:
    for s in (samples.gemv(3, 2, arch), samples.chain_reduce(3, 2, arch),
              samples.pipelined_reduce(4, 3, 2, arch), samples.row_broadcast(3, 2, 2, arch),
              samples.streaming_affine(2, 2, 2, arch)):
        assert check(s.program) == [], s.name
        validate(s.program)


def _switch_route(arch: str, positions: tuple[m.SwitchPos, ...], color: str = "c_even"
                  ) -> m.CslProgram:
    p = reduce_prog(arch)
    routes = list(p.layout.routes)
    routes[0] = replace(routes[0], color=color, switches=m.Switches(positions))
    return with_layout(p, routes=tuple(routes))


CASES = {
    "arch": lambda: with_layout(reduce_prog(), arch="wse9"),
    "rectangle": lambda: with_layout(reduce_prog(), width=751),
    "color-range": lambda: with_layout(
        reduce_prog(), colors=(m.Color("c_even", 22), m.Color("c_odd", 1))),
    "color-duplicate": lambda: with_layout(
        reduce_prog(), colors=(m.Color("c_even", 1), m.Color("c_odd", 1))),
    "route-color": lambda: with_layout(
        reduce_prog(), routes=(m.Route(0, 0, "nope", ("RAMP",), ("EAST",)),)),
    "route-duplicate": lambda: with_layout(
        reduce_prog(), routes=reduce_prog().layout.routes + reduce_prog().layout.routes[:1]),
    "route-bounds": lambda: with_layout(
        reduce_prog(), routes=(m.Route(0, 0, "c_even", ("RAMP",), ("NORTH",)),)),
    "route-direction": lambda: with_layout(
        reduce_prog(), routes=(m.Route(0, 0, "c_even", ("RAMP",), ("UP",)),)),
    "switch-positions": lambda: _switch_route("wse2", (m.SwitchPos(tx="EAST"),) * 4),
    "switch-direction": lambda: _switch_route("wse2", (m.SwitchPos(rx="WEST", tx="EAST"),)),
    "switchable-color": lambda: with_layout(
        _switch_route("wse3", (m.SwitchPos(tx="EAST"),)),
        colors=(m.Color("c_even", 10), m.Color("c_odd", 1))),
    "filters-per-pe": lambda: with_layout(
        reduce_prog(), colors=tuple(m.Color(f"k{i}", i) for i in range(4)),
        routes=tuple(m.Route(1, 0, f"k{i}", ("WEST",), ("RAMP",), filter=m.Filter(0, 1, 2))
                     for i in range(4))),
    "tile-duplicate": lambda: with_placements(
        reduce_prog(), 0, reduce_prog().variants[0].placements * 2),
    "tile-bounds": lambda: with_placements(
        reduce_prog(), 0, (replace(reduce_prog().variants[0].placements[0], y=5),)),
    "param-binding": lambda: with_placements(
        reduce_prog(), 0, (m.Placement(0, 0, (("n", 4),)),)),
    "memcpy": lambda: with_layout(reduce_prog(), memcpy=None),
    "export": lambda: with_layout(reduce_prog(), exports=(m.Export("start", "fn"),)),
    "local-task-range": lambda: with_program(
        reduce_prog(), 0, tasks=(replace(reduce_prog().variants[0].program.tasks[0], id=21),)),
    "control-task-range": lambda: with_program(
        reduce_prog(), 0, tasks=reduce_prog().variants[0].program.tasks + (
            m.Task("ctl", "control", (), id=64),)),
    "data-task-binding": lambda: with_program(
        bcast_prog(), 1, tasks=(replace(bcast_prog().variants[1].program.tasks[0],
                                        color=None, queue=2),)),
    "queue-range": lambda: with_program(
        reduce_prog("wse3"), 2, dsds=(m.Mem1dDsd("y_dsd", "y", N("n")),
                                      m.FabinDsd("in_dsd", "c_in", N("n"), 1))),
    "queue-conflict": lambda: with_program(
        reduce_prog("wse3"), 1, queues=(m.QueueInit("input", 2, "c_in"),
                                        m.QueueInit("input", 2, "c_out"))),
    "task-id-unique": lambda: with_program(
        reduce_prog(), 0, tasks=reduce_prog().variants[0].program.tasks + (
            m.Task("again", "local", (), id=10),)),
    "data-task-route": lambda: with_layout(
        bcast_prog(), routes=bcast_prog().layout.routes[:2] + (
            m.Route(2, 0, "bcast", ("WEST",), ("EAST",)),)),
    "fabin-route": lambda: with_layout(
        reduce_prog(), routes=tuple(r for r in reduce_prog().layout.routes
                                    if not (r.x == 2 and r.y == 1))),
    "fabout-route": lambda: with_layout(
        reduce_prog(), routes=tuple(r for r in reduce_prog().layout.routes
                                    if not (r.x == 0 and r.y == 1))),
    "dsd-color": lambda: with_program(
        reduce_prog(), 0, dsds=(m.Mem1dDsd("y_dsd", "y", N("n")),
                                m.FaboutDsd("out_dsd", "nope", N("n"), 3))),
    "sram": lambda: with_program(
        reduce_prog(), 0, fields=(m.Field("y", "f32", N("n"), m.Zeros()),
                                  m.Field("big", "f32", L(12_000), m.Zeros()))),
    "identifier": lambda: with_program(
        reduce_prog(), 0, fields=(m.Field("y", "f32", N("n"), m.Zeros()),
                                  m.Field("while", "f32", L(2), m.Zeros()))),
    "name-duplicate": lambda: with_program(
        reduce_prog(), 0, fields=(m.Field("y", "f32", N("n"), m.Zeros()),
                                  m.Field("y_dsd", "f32", L(2), m.Zeros()))),
    "name-shadow": lambda: with_program(
        reduce_prog(), 0, functions=(m.Function("start", (m.For("y", L(0), L(2), ()),)),)),
    "task-ref": lambda: with_program(
        reduce_prog(), 0, functions=(m.Function("start", (m.Activate("ghost"),)),)),
}


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_violation_is_reported(rule: str) -> None:
    prog = CASES[rule]()
    found = violations(prog)
    assert rule in found, f"expected [{rule}], got {sorted(found)}"
    with pytest.raises(VerificationError):
        validate(prog)
    assert f"[{rule}]" in str(found[rule])


def test_violation_names_the_pe() -> None:
    err = violations(CASES["fabin-route"]())["fabin-route"]
    assert err.node == "PE(2,1)" and "PE(2,1)" in str(err)


def test_bad_local_name_and_unblock_without_memcpy() -> None:
    p = with_program(reduce_prog(), 0, functions=(m.Function("start", (
        m.For("fn", L(0), L(2), ()),)),))
    assert "local 'fn'" in str(violations(p)["identifier"])
    p = with_program(reduce_prog(), 0, uses_memcpy=False)
    assert "without importing memcpy" in str(violations(p)["memcpy"])


def test_exported_scalar_is_refused() -> None:
    p = with_program(reduce_prog(), 0, fields=(m.Field("y", "f32"),))
    assert "exports scalar 'y'" in str(violations(p)["export"])


def test_wse2_and_wse3_limits_differ() -> None:
    """Local task ID 25 is fine on WSE-3 only; switch rx+tx in one position on WSE-3 only."""
    def with_task_25(arch: str) -> m.CslProgram:
        p = reduce_prog(arch)
        return with_program(p, 0, tasks=(replace(p.variants[0].program.tasks[0], id=25),))

    assert "local-task-range" in violations(with_task_25("wse2"))
    assert check(with_task_25("wse3")) == []
    both = (m.SwitchPos(rx="WEST", tx="EAST"),)
    assert "switch-direction" in violations(_switch_route("wse2", both))
    assert "switch-direction" not in violations(_switch_route("wse3", both))


def test_sram_counts_runtime_footprint() -> None:
    """A field that fits the raw 48 KB but not beside the runtime footprint is refused."""
    p = with_program(reduce_prog(), 0, fields=(m.Field("y", "f32", N("n"), m.Zeros()),
                                               m.Field("big", "f32", L(11_000), m.Zeros())))
    assert 11_004 * 4 < 48 * 1024
    assert "sram" in violations(p)
