"""The compiled task bodies (runtime/wafer/compile.py) against the model walker `Pe.eval`
on random expressions and assignments: same values, same types (ints wrap, floats keep
their NumPy type), NaN, ±inf and -0.0 included, and the same errors."""

from __future__ import annotations

import random

import numpy as np
import pytest

from sluice.csl import model as m
from sluice.errors import ExecutionError
from sluice.runtime.wafer import SdkRuntime
from sluice.runtime.wafer.compile import ProgramCode
from sluice.runtime.wafer.pe import Pe
from sluice.runtime.wafer.values import binop, cast

N, L = m.Name, m.Lit
DTYPES = ("f16", "f32", "i16", "i32", "u16", "u32")
OPS = ("+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "and", "or")
LITS = (
    0,
    1,
    -1,
    7,
    -7,
    3,
    2**31 - 1,
    -(2**31),
    65535,
    0.5,
    -0.0,
    0.0,
    2.5,
    float("nan"),
    float("inf"),
    -float("inf"),
    True,
    False,
)
PROGRAM = m.PeProgram(
    "calc",
    params=(m.Param("a", "i32"),),
    fields=(
        m.Field("s", "f32", None, L(-0.0)),
        m.Field("k", "i32", None, L(-5)),
        m.Field("h", "f16", None, L(1.5)),
        m.Field("v", "f32", L(4), m.Constants(L(float("nan")))),
        m.Field("w", "i16", L(4), m.Constants(L(-3))),
        m.Field("u", "u32", L(4), m.Constants(L(7))),
    ),
)


def _pe() -> Pe:
    lay = m.Layout(1, 1)
    placement = m.Placement(0, 0, (("a", -9),))
    rt = SdkRuntime(m.CslProgram(lay, (m.TileVariant(PROGRAM, (placement,)),)))
    rt.load()
    rt.run()
    pe = rt.sim.pes[0]
    pe.mem["v"][:] = [np.nan, -0.0, np.inf, 3.25]
    return pe


def _expr(rng: random.Random, depth: int) -> m.Expr:
    if depth == 0 or rng.random() < 0.25:
        pick = rng.randrange(4)
        if pick == 0:
            return L(rng.choice(LITS))
        if pick == 1:
            return N(rng.choice(("a", "s", "k", "h", "x", "i", "v", "missing")))
        return m.Index(rng.choice(("v", "w", "u")), L(rng.choice((0, 1, 2, 3, 4, -1))))
    pick = rng.randrange(4)
    if pick == 0:
        return m.BinOp(rng.choice(OPS), _expr(rng, depth - 1), _expr(rng, depth - 1))
    if pick == 1:
        return m.UnOp(rng.choice(("-", "!")), _expr(rng, depth - 1))
    if pick == 2:
        return m.Cast(rng.choice(DTYPES), _expr(rng, depth - 1))
    return m.Index(rng.choice(("v", "w", "u")), m.Cast("i32", _expr(rng, depth - 1)))


def _outcome(f: object) -> tuple:
    """What evaluating `f()` gives: its type and value (NaN and the sign of zero kept),
    or its error's type and text."""
    try:
        with np.errstate(all="ignore"):
            v = f()
    except Exception as err:  # noqa: BLE001 - both sides must fail the same way
        return ("error", type(err).__name__, str(err))
    if isinstance(v, (float, np.floating)):
        return (
            type(v).__name__,
            bool(np.isnan(v)),
            bool(np.signbit(v)),
            None if np.isnan(v) else float(v),
        )
    return (type(v).__name__, v)


def test_compiled_expressions_match_the_model_walker() -> None:
    pe = _pe()
    code = ProgramCode(PROGRAM)
    rng = random.Random(20)
    locs = {"x": np.float32(-0.0), "i": -4}
    for _ in range(3000):
        e = _expr(rng, 4)
        fn = code.expr(e)
        assert _outcome(lambda e=e: pe.eval(e, locs)) == _outcome(lambda fn=fn: fn(pe, locs)), e


def _reference_assign(pe: Pe, s: m.Assign, locs: dict, types: dict) -> None:
    """The model walker's assignment, step by step (what `Pe` did before compile.py)."""
    tgt, v = s.target, pe.eval(s.value, locs)
    if isinstance(tgt, m.Name) and tgt.id in locs:
        if s.op != "=":
            v = binop(s.op[0], locs[tgt.id], v)
        locs[tgt.id] = cast(v, types.get(tgt.id, "i32"))
        return
    if isinstance(tgt, m.Name):
        if tgt.id not in pe.scalar_fields:
            raise ExecutionError(f"{pe.where}: cannot assign to {tgt.id}", node=pe.where)
        arr, i = tgt.id, 0
    else:
        arr, i = tgt.array, int(pe.eval(tgt.index, locs))
    old = pe._read(arr, i)  # (bounds check)
    if s.op != "=":
        v = binop(s.op[0], old, v)
    pe.mem[arr][i] = v


def _state(pe: Pe, locs: dict) -> tuple:
    """Locals and memory, NaN and the sign of zero kept."""
    mem = tuple(
        (k, str(a.dtype), a.tobytes()) for k, a in sorted(pe.mem.items())
    )  # (bytes: -0.0 and NaN compare exactly)
    return tuple((k, _outcome(lambda v=v: v)) for k, v in sorted(locs.items())), mem


@pytest.mark.parametrize("op", ["=", "+=", "-=", "*="])
def test_compiled_assignments_match_the_model_walker(op: str) -> None:
    pe = _pe()
    code = ProgramCode(PROGRAM)
    start = {k: a.copy() for k, a in pe.mem.items()}
    rng = random.Random(op)
    targets = [N(n) for n in ("k", "s", "h", "x", "i", "v", "missing")]
    targets += [m.Index(a, L(i)) for a in ("v", "w", "u") for i in (0, 3, 4, -1)]
    for _ in range(800):
        s = m.Assign(rng.choice(targets), _expr(rng, 2), op)
        results = []
        for run in (_reference_assign, code.stmt(s)[1]):
            for k, a in start.items():
                pe.mem[k][:] = a
            locs = {"x": np.float32(2.5), "i": -4}
            types = {"x": "f32", "i": "i16"}
            out = _outcome(
                lambda run=run, locs=locs, types=types, s=s: (
                    run(pe, s, locs, types) if run is _reference_assign else run(pe, locs, types)
                )
            )
            results.append((out, _state(pe, locs)))
        assert results[0] == results[1], s
