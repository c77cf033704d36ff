"""The simulator catches what a broken lowering would produce: a wrong route deadlocks with
coordinates, a send whose buffer is rewritten in flight is a race; unlowerable constructs
raise UnsupportedError."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from sluice.backends.csl import compile_kernel, run_on_simulator
from sluice.csl import model as m
from sluice.errors import DeadlockError, RaceError, UnsupportedError
from sluice.spatial import loads
from tests.backends.csl.lowering_util import inputs, kernel


def test_broken_route_deadlocks_with_coordinates() -> None:
    params = {"W": 4, "N": 8}
    art = compile_kernel(kernel("reduce_row", params).lowered)
    # PE(2,0) receives from the east: make its router accept only the north instead
    routes = tuple(replace(r, rx=("NORTH",)) if (r.x, r.y, r.rx) == (2, 0, ("EAST",)) else r
                   for r in art.program.layout.routes)
    assert routes != art.program.layout.routes
    broken = replace(art, program=replace(art.program, layout=replace(art.program.layout,
                                                                        routes=routes)))
    with pytest.raises(DeadlockError) as info:
        run_on_simulator(broken, inputs("reduce_row", params))
    text = str(info.value)
    assert "PE(2,0)" in text and "from EAST stuck" in text and "rx is {NORTH}" in text
    assert info.value.node == "PE(2,0)"


RACY = """
kernel @racy<W>(stream<f32, 64>[W, 1] readonly a, stream<f32, 64>[W, 1] writeonly b) {
    place i16 x, i16 y in [0:W, 0] { f32[64] buf }
    dataflow i16 x, i16 y in [0:W, 0] { stream<f32> east = relative_stream(1, 0) }
    compute i16 x, i16 y in [0:W, 0] {
        await receive(buf, a[x, y])
        if x == 0 {
            await send(buf, east)
            buf[0] = 1.0
        } else {
            await receive(buf, east)
        }
        await send(buf, b[x, y])
    }
}
"""


def _skip_waits(stmts: tuple[m.Stmt, ...]) -> tuple[m.Stmt, ...]:
    """Drop the send-completion waits: `if (idle) continue else wsite = k` -> continue."""
    out: list[m.Stmt] = []
    for s in stmts:
        if isinstance(s, m.If) and len(s.orelse) == 1 and isinstance(s.orelse[0], m.Assign) \
                and s.orelse[0].target == m.Name("wsite"):
            out += s.then
        elif isinstance(s, m.If):
            out.append(replace(s, then=_skip_waits(s.then), orelse=_skip_waits(s.orelse)))
        else:
            out.append(s)
    return tuple(out)


def test_correct_program_then_racy_variant() -> None:
    k = loads(RACY, {"W": 2})
    a = np.arange(128, dtype=np.float32).reshape(2, 1, 64)
    art = compile_kernel(k.lowered)
    good = run_on_simulator(art, {"a": a})["b"]
    assert good[1, 0].tolist() == list(range(64))  # the value before the write
    assert good[0, 0].tolist() == [1] + list(range(1, 64))
    variants = tuple(replace(v, program=replace(
        v.program,
        functions=tuple(replace(f, body=_skip_waits(f.body)) for f in v.program.functions),
        tasks=tuple(replace(t, body=_skip_waits(t.body)) for t in v.program.tasks)))
        for v in art.program.variants)
    racy = replace(art, program=replace(art.program, variants=variants))
    with pytest.raises(RaceError) as info:
        run_on_simulator(racy, {"a": a})
    assert info.value.node == "PE(0,0)" and "buf" in str(info.value)


def test_unsupported_construct_is_named() -> None:
    src = """
    kernel @k<W>(stream<f32, 2>[W, 1] readonly a, stream<f32, 2>[W, 1] writeonly b) {
        place i16 x, i16 y in [0:W, 0] { f32[2] v }
        compute i16 x, i16 y in [0:W, 0] {
            await receive(v, a[x, y])
            v[0] = sqrt(v[0])
            await send(v, b[x, y])
        }
    }
    """
    with pytest.raises(UnsupportedError, match="sqrt"):
        compile_kernel(loads(src, {"W": 2}).lowered)
