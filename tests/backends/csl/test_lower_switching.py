"""Router switching and the close-elision switch of the CSL lowering, on and off."""

from __future__ import annotations

import numpy as np
import pytest

from sluice.backends.csl import CslOptions, compile_kernel, simulate
from sluice.backends.csl.lower_routes import RouteKey, control_reach, plan_color, route_tree
from sluice.csl import model as m
from sluice.csl.validate import check
from sluice.errors import UnsupportedError
from sluice.spatial import loads
from tests.backends.csl.lowering_util import assert_matches, inputs, kernel


def gather_source(w: int) -> str:
    """PE 0 gathers one value from every PE of a row, one phase per PE: phase k's route
    from PE k to PE 0 passes PEs 1..k-1 and configures each of them unlike every other
    phase, so without switching every phase needs a color of its own."""
    phases = "".join(f"""
    phase {{
        dataflow i16 x, i16 y in [0:W, 0] {{
            stream<f32> s{k} = relative_stream(-{k}, 0)
        }}
        compute i16 x, i16 y in [{k}, 0] {{
            await send(v, s{k})
        }}
        compute i16 x, i16 y in [0, 0] {{
            await receive(part, s{k})
            all[{k}] = part
        }}
    }}""" for k in range(1, w))
    return f"""
kernel @gather<W>(stream<f32, 1>[W, 1] readonly src, stream<f32, W>[1, 1] writeonly dst) {{
    place i16 x, i16 y in [0:W, 0] {{
        f32 v
        f32 part
        f32[W] all
    }}
    phase {{
        compute i16 x, i16 y in [0:W, 0] {{
            await receive(v, src[x, y])
            if x == 0 {{ all[0] = v }}
        }}
    }}{phases}
    phase {{
        compute i16 x, i16 y in [0, 0] {{
            await send(all, dst[0, 0])
        }}
    }}
}}
"""


def colors_in_layout(art) -> int:
    return len({r.color for r in art.program.layout.routes})


def switched(art) -> list[m.Route]:
    return [r for r in art.program.layout.routes if r.switches is not None]


def control_dsds(art) -> list[m.FaboutDsd]:
    return [d for v in art.program.variants for d in v.program.dsds
            if isinstance(d, m.FaboutDsd) and d.control]


def run(name: str, params: dict[str, int], arch: str = "wse2", **opts: bool):
    art = compile_kernel(kernel(name, params).lowered, CslOptions(**opts), arch=arch)
    assert check(art.program) == []
    inp = inputs(name, params)
    got, _ = simulate(art, inp)
    assert_matches(name, params, inp, got)
    return art


@pytest.mark.parametrize(("name", "params"), [("reduce_tree", {"L": 3, "N": 2}),
                                              ("allreduce", {"W": 4, "H": 4, "N": 1})])
def test_router_switching_saves_colors(name: str, params: dict[str, int]) -> None:
    on = run(name, params)
    off = run(name, params, router_switching=False)
    assert colors_in_layout(on) < colors_in_layout(off)
    assert on.stats["colors"] == colors_in_layout(on)
    assert switched(on) and control_dsds(on)
    assert not switched(off) and not control_dsds(off)
    # the advance is a one-wavelet synchronous write after the epoch's data
    sends = [s for v in on.program.variants for s in _stmts(v.program)
             if isinstance(s, m.DsdOp) and s.op == "mov32"]
    assert sends and all(not s.is_async and s.operands[1] == m.Lit(63) for s in sends)


@pytest.mark.parametrize("arch", ["wse2", "wse3"])
def test_switched_layouts_validate_and_simulate(arch: str) -> None:
    art = run("allreduce", {"W": 4, "H": 4, "N": 1}, arch=arch)
    routes = switched(art)
    assert routes
    ids = {c.name: c.id for c in art.program.layout.colors}
    for r in routes:
        assert 1 <= len(r.switches.positions) <= 3
        if arch == "wse2":
            assert all((p.rx is None) != (p.tx is None) for p in r.switches.positions)
        else:
            assert ids[r.color] in {*range(10), 12, 13, 16, 17, 20}


def test_switching_fits_a_kernel_that_runs_out_of_colors() -> None:
    w = 23
    k = loads(gather_source(w), {"W": w})
    with pytest.raises(UnsupportedError, match="more than 21 colors"):
        compile_kernel(k.lowered, CslOptions(router_switching=False))
    art = compile_kernel(k.lowered)
    assert check(art.program) == []
    assert colors_in_layout(art) <= 8  # 22 routes, at most 4 epochs per color at PE 1
    src = (np.arange(w, dtype=np.float32) + 0.5).reshape(w, 1, 1)
    want = k(src=src)["dst"]
    np.testing.assert_array_equal(want.ravel(), src.ravel())
    for seed in (None, 1, 2):  # also under randomised task picking
        got, _ = simulate(art, {"src": src}, seed=seed)
        np.testing.assert_array_equal(got["dst"], want)


@pytest.mark.parametrize("arch", ["wse2", "wse3"])
def test_small_gather_on_and_off(arch: str) -> None:
    w = 6
    k = loads(gather_source(w), {"W": w})
    src = (np.arange(w, dtype=np.float32) - 2.25).reshape(w, 1, 1)
    counts = {}
    for on in (True, False):
        art = compile_kernel(k.lowered, CslOptions(router_switching=on), arch=arch)
        assert check(art.program) == []
        got, _ = simulate(art, {"src": src})
        np.testing.assert_array_equal(got["dst"].ravel(), src.ravel())
        counts[on] = colors_in_layout(art)
    assert counts[True] < counts[False] == w - 1


# --- the safety conditions of plan_color

def tree(phase: int, sender: tuple[int, int], *dests: tuple[int, int]):
    return route_tree(RouteKey(phase, f"s{phase}", sender, tuple(dests)))


def test_control_reach_stops_at_the_first_ramp() -> None:
    t = tree(0, (0, 0), (1, 0), (3, 0))  # multicast: PE 1 receives and forwards
    assert control_reach(t) == {(0, 0), (1, 0)}
    assert control_reach(tree(0, (0, 0), (3, 0))) == {(0, 0), (1, 0), (2, 0), (3, 0)}


def test_plan_switches_a_chain_and_names_the_emitting_route() -> None:
    a, b = tree(0, (2, 0), (0, 0)), tree(1, (3, 0), (0, 0))
    plan = plan_color([a, b], 0, "wse2", True)
    assert plan is not None and plan.emit == {a.key}
    assert plan.switches == {(2, 0): (("RAMP", frozenset({"WEST"})),
                                      (m.SwitchPos(rx="EAST"),))}
    assert plan_color([a, b], 0, "wse2", False) is None  # off: the PE conflicts


def test_plan_refuses_a_switch_past_an_intermediate_delivery() -> None:
    a = tree(0, (0, 0), (1, 0), (2, 0))  # PE 2's router is beyond PE 1's delivery
    b = tree(1, (2, 0), (3, 0))
    assert plan_color([a, b], 0, "wse2", True) is None


def test_plan_hardware_limits() -> None:
    # rx and tx both change at PE 1: WSE-3 only, and only on a switchable color
    a, b = tree(0, (0, 0), (1, 0)), tree(1, (2, 0), (0, 0))
    assert plan_color([a, b], 0, "wse2", True) is None
    assert plan_color([a, b], 0, "wse3", True) is not None
    assert plan_color([tree(0, (0, 0), (1, 0)), tree(1, (2, 0), (1, 0))], 0, "wse2",
                      True) is not None
    c = tree(1, (2, 0), (1, 0))
    assert plan_color([a, c], 10, "wse3", True) is None
    assert plan_color([a, c], 9, "wse3", True) is not None
    # one phase: never shared
    assert plan_color([a, tree(0, (2, 0), (1, 0))], 0, "wse3", True) is None
    # at most 3 positions beyond the base route
    chain = [tree(k, (k + 1, 0), (0, 0)) for k in range(5)]
    assert plan_color(chain[:4], 0, "wse2", True) is not None
    assert plan_color(chain, 0, "wse2", True) is None


def test_plan_keeps_sentinels_off_switched_routers() -> None:
    a, b = tree(0, (2, 0), (0, 0)), tree(1, (3, 0), (0, 0))
    assert plan_color([a, b], 0, "wse2", True, frozenset({a.key})) is None
    # nor may the last route's sentinel advance them past their last position
    assert plan_color([a, b], 0, "wse2", True, frozenset({b.key})) is None
    d = tree(2, (5, 0), (4, 0))  # a sentinel that crosses no switched router is fine
    assert plan_color([a, b, d], 0, "wse2", True, frozenset({d.key})) is not None


# --- close elision

CLOSE_SRC = """
kernel @shift<W, N>(stream<f32, N>[W, 1] readonly src, stream<f32, N>[W, 1] writeonly dst) {
    place i16 x, i16 y in [0:W, 0] {
        f32[N] v
        f32[N] got
    }
    dataflow i16 x, i16 y in [0:W, 0] {
        stream<f32> east = relative_stream(1, 0)
    }
    phase {
        compute i16 x, i16 y in [0:W, 0] {
            await receive(v, src[x, y])
            if x < W - 1 {
                await send(v, east)
                east.close()
            }
            if x > 0 { await receive(got, east) }
        }
    }
    phase {
        compute i16 x, i16 y in [0:W, 0] {
            if x < W - 1 {
                for i16 k in [0:N] {
                    await send(got[k], east)
                }
                await east.close()
            }
            if x > 0 {
                for i16 k in [0:N] { await receive(v[k], east) }
            }
            await send(v, dst[x, y])
        }
    }
}
"""


@pytest.mark.parametrize("arch", ["wse2", "wse3"])
def test_close_elision_on_and_off(arch: str) -> None:
    w, n = 4, 3
    k = loads(CLOSE_SRC, {"W": w, "N": n})
    src = (np.arange(w * n, dtype=np.float32) + 0.5).reshape(w, 1, n)
    want = k(src=src)["dst"]
    on = compile_kernel(k.lowered, arch=arch)
    off = compile_kernel(k.lowered, CslOptions(close_elision=False), arch=arch)
    for art in (on, off):
        assert check(art.program) == []
        got, _ = simulate(art, {"src": src})
        np.testing.assert_array_equal(got["dst"], want)
    got, _ = simulate(off, {"src": src}, seed=5)
    np.testing.assert_array_equal(got["dst"], want)
    text_on = "".join(v for f, v in on.files.items() if f.endswith(".csl"))
    text_off = "".join(v for f, v in off.files.items() if f.endswith(".csl"))
    for text, present in ((text_off, True), (text_on, False)):
        assert (".control = true" in text) is present
        assert ("@bind_control_task(eos_p0_" in text) is present
        assert ("@bind_control_task(eos_p1_" in text) is present
    # PE 1 sends one sentinel per phase, and awaits one per phase
    mid = next(v.program for v in off.program.variants
               if any(p.x == 1 for p in v.placements))
    eos = {t.name: t for t in mid.tasks if t.kind == "control"}
    assert set(eos) == {"eos_p0_east", "eos_p1_east"}
    assert {t.id for t in eos.values()} == {0, 1}
    waits = [s for s in _stmts(mid) if isinstance(s, m.If) and isinstance(s.cond, m.BinOp)
             and s.cond.op == ">=" and s.cond.lhs == m.Name("closed_p1_east")]
    assert waits and all(w.cond.rhs == m.Lit(1) for w in waits)
    # more than one close per phase cannot be counted by control task activations
    looped = CLOSE_SRC.replace("await send(got[k], east)\n", "await send(got[k], east)\n"
                               "                    east.close()\n")
    assert looped != CLOSE_SRC
    k2 = loads(looped, {"W": w, "N": n})
    compile_kernel(k2.lowered, arch=arch)
    with pytest.raises(UnsupportedError, match="4 times in one phase"):
        compile_kernel(k2.lowered, CslOptions(close_elision=False), arch=arch)


def _stmts(p: m.PeProgram):
    todo = [s for f in p.functions for s in f.body] + [s for t in p.tasks for s in t.body]
    while todo:
        s = todo.pop()
        yield s
        for attr in ("body", "then", "orelse"):
            todo += list(getattr(s, attr, ()))


def test_close_sentinel_cannot_cross_a_multicast_delivery() -> None:
    src = """
kernel @mc<W>(stream<f32, 1>[1, 1] readonly src, stream<f32, 1>[W, 1] writeonly dst) {
    place i16 x, i16 y in [0:W, 0] {
        f32 v
    }
    dataflow i16 x, i16 y in [0:W, 0] {
        stream<f32> row = relative_stream([1:W], 0)
    }
    compute i16 x, i16 y in [0:W, 0] {
        if x == 0 {
            await receive(v, src[0, 0])
            await send(v, row)
            row.close()
        } else {
            await receive(v, row)
        }
        await send(v, dst[x, y])
    }
}
"""
    k = loads(src, {"W": 3})
    art = compile_kernel(k.lowered)  # elided: fine
    x = np.array([[[2.5]]], np.float32)
    got, _ = simulate(art, {"src": x})
    np.testing.assert_array_equal(got["dst"].ravel(), [2.5] * 3)
    with pytest.raises(UnsupportedError, match="cannot reach"):
        compile_kernel(k.lowered, CslOptions(close_elision=False))
