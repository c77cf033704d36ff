"""Hand-built CSL programs through the model: references for lowering, tests and benchmarks.

Each builder returns a `Sample`: the program, its host script, an input generator and a
NumPy reference that rounds in the same order as the device (so results match exactly).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sluice.csl import model as m

Inputs = dict[str, np.ndarray]
N, L = m.Name, m.Lit
CHAIN_COLORS = (m.Color("c_even", 0), m.Color("c_odd", 1))


@dataclass(frozen=True)
class Sample:
    name: str
    program: m.CslProgram
    host: m.HostProgram
    make_inputs: Callable[[np.random.Generator], Inputs]
    reference: Callable[[Inputs], Inputs]


def _f32(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.uniform(-1.0, 1.0, size=shape).astype(np.float32)


# ---------------------------------------------------------------------------------------
# 1-PE gemv: y = A x + b, copy-mode memcpy, RPC launch, fmacs over a column-walking DSD


def gemv(M: int, K: int, arch: str = "wse2") -> Sample:
    """One PE computes y = A @ x + b with A (M x K) row-major, walking A's columns."""
    compute = m.Function("compute", (
        m.DsdOp("fmovs", (N("y_dsd"), N("b_dsd"))),
        m.For("j", L(0), N("K"), (
            m.DsdOp("fmacs", (N("y_dsd"), N("y_dsd"), N("A_dsd"), m.Index("x", N("j")))),
            m.IncrementDsdOffset("A_dsd", L(1)),
        )),
        m.IncrementDsdOffset("A_dsd", m.UnOp("-", N("K"))),  # rewind for the next launch
        m.UnblockCmdStream(),
    ))
    prog = m.PeProgram(
        "gemv",
        params=(m.Param("M", "i16"), m.Param("K", "i16")),
        fields=(
            m.Field("A", "f32", m.BinOp("*", N("M"), N("K")), m.Zeros()),
            m.Field("x", "f32", N("K"), m.Zeros()),
            m.Field("b", "f32", N("M"), m.Zeros()),
            m.Field("y", "f32", N("M"), m.Zeros()),
        ),
        dsds=(
            m.Mem1dDsd("A_dsd", "A", N("M"), stride=K),
            m.Mem1dDsd("b_dsd", "b", N("M"), form="base_address"),
            m.Mem1dDsd("y_dsd", "y", N("M")),
        ),
        functions=(compute,),
        exports=("A", "x", "b", "y"),
        rpcs=("compute",),
    )
    layout = m.Layout(1, 1, arch, exports=(
        m.Export("A", "data"), m.Export("x", "data"), m.Export("b", "data"),
        m.Export("y", "data", mutable=False), m.Export("compute", "fn"),
    ))
    program = m.CslProgram(layout, (
        m.TileVariant(prog, (m.Placement(0, 0, (("M", M), ("K", K))),)),
    ))
    host = m.HostProgram((
        m.H2D("A", "A", 0, 0, 1, 1, M * K),
        m.H2D("x", "x", 0, 0, 1, 1, K),
        m.H2D("b", "b", 0, 0, 1, 1, M),
        m.Launch("compute"),
        m.D2H("y", "y", 0, 0, 1, 1, M),
    ))

    def make(rng: np.random.Generator) -> Inputs:
        return {"A": _f32(rng, M, K), "x": _f32(rng, K), "b": _f32(rng, M)}

    def ref(inp: Inputs) -> Inputs:
        y = inp["b"].copy()
        for j in range(K):
            y = (y + inp["A"][:, j] * inp["x"][j]).astype(np.float32)
        return {"y": y}

    return Sample(f"gemv_{M}x{K}_{arch}", program, host, make, ref)


# ---------------------------------------------------------------------------------------
# Row reductions over parity-alternating colors


def _chain_routes(W: int, H: int) -> tuple[m.Route, ...]:
    """PE x sends on color x%2 and receives on (x+1)%2, so no PE routes one color both ways."""
    routes = []
    for y in range(H):
        for x in range(W):
            if x < W - 1:
                routes.append(m.Route(x, y, CHAIN_COLORS[x % 2].name, ("RAMP",), ("EAST",)))
            if x > 0:
                routes.append(m.Route(x, y, CHAIN_COLORS[(x + 1) % 2].name, ("WEST",), ("RAMP",)))
    return tuple(routes)


def _chain_bindings(x: int, first: bool, last: bool) -> tuple[tuple[str, m.ParamValue], ...]:
    b: list[tuple[str, m.ParamValue]] = []
    if not first:
        b.append(("c_in", m.ColorRef(CHAIN_COLORS[(x + 1) % 2].name)))
    if not last:
        b.append(("c_out", m.ColorRef(CHAIN_COLORS[x % 2].name)))
    return tuple(b)


def _chain_program(name: str, n: int, arch: str, recv: bool, send: bool,
                   fns: tuple[m.Function, ...], tasks: tuple[m.Task, ...],
                   extra_fields: tuple[m.Field, ...] = (),
                   extra_dsds: tuple[m.Dsd, ...] = ()) -> m.PeProgram:
    params = [m.Param("n", "i16")]
    dsds: list[m.Dsd] = [m.Mem1dDsd("y_dsd", "y", N("n"))]
    queues = []
    if recv:
        params.append(m.Param("c_in", "color"))
        dsds.append(m.FabinDsd("in_dsd", "c_in", N("n"), 2))
        if arch == "wse3":
            queues.append(m.QueueInit("input", 2, "c_in"))
    if send:
        params.append(m.Param("c_out", "color"))
        dsds.append(m.FaboutDsd("out_dsd", "c_out", N("n"), 3))
        if arch == "wse3":
            queues.append(m.QueueInit("output", 3, "c_out"))
    return m.PeProgram(
        name, params=tuple(params),
        fields=(m.Field("y", "f32", N("n"), m.Zeros()), *extra_fields),
        dsds=tuple(dsds) + extra_dsds, functions=fns, tasks=tasks, queues=tuple(queues),
        exports=("y",), rpcs=("start",),
    )


def _row_reduce_sample(name: str, W: int, H: int, n: int, arch: str,
                       variants: dict[str, m.PeProgram]) -> Sample:
    placements: dict[str, list[m.Placement]] = {k: [] for k in variants}
    for y in range(H):
        for x in range(W):
            kind = "first" if x == 0 else "last" if x == W - 1 else "middle"
            placements[kind].append(
                m.Placement(x, y, (("n", n), *_chain_bindings(x, x == 0, x == W - 1))))
    layout = m.Layout(W, H, arch, CHAIN_COLORS, _chain_routes(W, H),
                      (m.Export("y", "data"), m.Export("start", "fn")))
    program = m.CslProgram(layout, tuple(
        m.TileVariant(variants[k], tuple(placements[k])) for k in ("first", "middle", "last")
        if placements[k]))
    host = m.HostProgram((
        m.H2D("y", "y", 0, 0, W, H, n),
        m.Launch("start"),
        m.D2H("sum", "y", W - 1, 0, 1, H, n),
    ))

    def make(rng: np.random.Generator) -> Inputs:
        return {"y": _f32(rng, H, W, n)}

    def ref(inp: Inputs) -> Inputs:
        acc = inp["y"][:, 0, :].copy()
        for x in range(1, W):
            acc = (inp["y"][:, x, :] + acc).astype(np.float32)
        return {"sum": acc}

    return Sample(name, program, host, make, ref)


def _unblock_task(arch: str) -> m.Task:
    return m.Task("done", "local", (m.UnblockCmdStream(),), id=10)


def pipelined_reduce(W: int, H: int, n: int, arch: str = "wse2") -> Sample:
    """Every row sums its PEs' vectors west to east; each middle PE adds and forwards in one
    async `@fadds(out, in, y)`, so the partial sums stream through the row."""
    if W < 2:
        raise ValueError("a row reduction needs W >= 2")
    done = _unblock_task(arch)

    def start(op: m.DsdOp) -> tuple[m.Function, ...]:
        return (m.Function("start", (op,)),)

    first = _chain_program("reduce_first", n, arch, False, True, start(
        m.DsdOp("fmovs", (N("out_dsd"), N("y_dsd")), True, activate="done")), (done,))
    middle = _chain_program("reduce_middle", n, arch, True, True, start(
        m.DsdOp("fadds", (N("out_dsd"), N("in_dsd"), N("y_dsd")), True, activate="done")),
        (done,))
    last = _chain_program("reduce_last", n, arch, True, False, start(
        m.DsdOp("fadds", (N("y_dsd"), N("in_dsd"), N("y_dsd")), True, activate="done")),
        (done,))
    return _row_reduce_sample(f"pipelined_reduce_{W}x{H}x{n}_{arch}", W, H, n, arch,
                              {"first": first, "middle": middle, "last": last})


def chain_reduce(W: int, n: int, arch: str = "wse2") -> Sample:
    """A 1 x W row, store and forward: each PE receives the whole partial sum into a buffer
    (async, continuing in task `add`), adds its own vector, then sends the result east."""
    if W < 2:
        raise ValueError("a chain reduction needs W >= 2")
    buf = (m.Field("buf", "f32", N("n"), m.Zeros()),)
    buf_dsd = (m.Mem1dDsd("buf_dsd", "buf", N("n")),)
    recv = (m.Function("start", (
        m.DsdOp("fmovs", (N("buf_dsd"), N("in_dsd")), True, activate="add"),)),)
    add = (m.DsdOp("fadds", (N("y_dsd"), N("buf_dsd"), N("y_dsd"))),)
    done = _unblock_task(arch)
    first = _chain_program("chain_first", n, arch, False, True, (m.Function("start", (
        m.DsdOp("fmovs", (N("out_dsd"), N("y_dsd")), True, activate="done"),)),), (done,))
    middle = _chain_program("chain_middle", n, arch, True, True, recv, (
        m.Task("add", "local", add + (
            m.DsdOp("fmovs", (N("out_dsd"), N("y_dsd")), True, activate="done"),), id=11),
        done), buf, buf_dsd)
    last = _chain_program("chain_last", n, arch, True, False, recv, (
        m.Task("add", "local", add + (m.UnblockCmdStream(),), id=11),), buf, buf_dsd)
    return _row_reduce_sample(f"chain_reduce_{W}x{n}_{arch}", W, 1, n, arch,
                              {"first": first, "middle": middle, "last": last})


# ---------------------------------------------------------------------------------------
# Row broadcast by a multicast route, received by a data task per wavelet


def row_broadcast(W: int, H: int, n: int, arch: str = "wse2") -> Sample:
    """PE (0, y) multicasts its vector x along row y; every PE then computes y = x * scale,
    with `scale` = column + 1 bound per PE as an f32 param."""
    if W < 2:
        raise ValueError("a row broadcast needs W >= 2")
    bcast = m.Color("bcast", 3)
    send_prog = m.PeProgram(
        "bcast_send",
        params=(m.Param("n", "i16"), m.Param("scale", "f32"), m.Param("c_out", "color")),
        fields=(m.Field("x", "f32", N("n"), m.Zeros()), m.Field("y", "f32", N("n"), m.Zeros())),
        dsds=(m.Mem1dDsd("x_dsd", "x", N("n")), m.Mem1dDsd("y_dsd", "y", N("n")),
              m.FaboutDsd("out_dsd", "c_out", N("n"), 3)),
        functions=(m.Function("start", (
            m.DsdOp("fmovs", (N("out_dsd"), N("x_dsd")), True, activate="done"),)),),
        tasks=(m.Task("done", "local", (
            m.DsdOp("fmuls", (N("y_dsd"), N("x_dsd"), N("scale"))), m.UnblockCmdStream()),
            id=12),),
        queues=(m.QueueInit("output", 3, "c_out"),) if arch == "wse3" else (),
        exports=("x", "y"), rpcs=("start",),
    )
    on_wavelet = (
        m.Assign(m.Index("x", N("count")), N("v")),
        m.Assign(N("count"), L(1), "+="),
        m.If(m.BinOp("==", N("count"), N("n")), (
            m.DsdOp("fmuls", (N("y_dsd"), N("x_dsd"), N("scale"))),
            m.Assign(N("count"), L(0)),
            m.UnblockCmdStream(),
        )),
    )
    recv_task = m.Task("recv", "data", on_wavelet, param=m.TaskParam("v", "f32"),
                       color="c_in" if arch == "wse2" else None,
                       queue=2 if arch == "wse3" else None)
    recv_prog = m.PeProgram(
        "bcast_recv",
        params=(m.Param("n", "i16"), m.Param("scale", "f32"), m.Param("c_in", "color")),
        fields=(m.Field("x", "f32", N("n"), m.Zeros()), m.Field("y", "f32", N("n"), m.Zeros()),
                m.Field("count", "i16", None, L(0))),
        dsds=(m.Mem1dDsd("x_dsd", "x", N("n")), m.Mem1dDsd("y_dsd", "y", N("n"))),
        functions=(m.Function("start", ()),),
        tasks=(recv_task,),
        queues=(m.QueueInit("input", 2, "c_in"),) if arch == "wse3" else (),
        exports=("x", "y"), rpcs=("start",),
    )
    routes, send_pl, recv_pl = [], [], []
    for y in range(H):
        for x in range(W):
            scale = float(x + 1)
            if x == 0:
                routes.append(m.Route(x, y, "bcast", ("RAMP",), ("EAST",)))
                send_pl.append(m.Placement(x, y, (("n", n), ("scale", scale),
                                                  ("c_out", m.ColorRef("bcast")))))
            else:
                tx = ("RAMP", "EAST") if x < W - 1 else ("RAMP",)
                routes.append(m.Route(x, y, "bcast", ("WEST",), tx))
                recv_pl.append(m.Placement(x, y, (("n", n), ("scale", scale),
                                                  ("c_in", m.ColorRef("bcast")))))
    layout = m.Layout(W, H, arch, (bcast,), tuple(routes), (
        m.Export("x", "data"), m.Export("y", "data", mutable=False), m.Export("start", "fn")))
    variants = [m.TileVariant(send_prog, tuple(send_pl))]
    if recv_pl:
        variants.append(m.TileVariant(recv_prog, tuple(recv_pl)))
    program = m.CslProgram(layout, tuple(variants))
    host = m.HostProgram((
        m.H2D("x", "x", 0, 0, 1, H, n),
        m.Launch("start"),
        m.D2H("y", "y", 0, 0, W, H, n),
    ))

    def make(rng: np.random.Generator) -> Inputs:
        return {"x": _f32(rng, H, n)}

    def ref(inp: Inputs) -> Inputs:
        scales = np.arange(1, W + 1, dtype=np.float32)
        return {"y": (inp["x"][:, None, :] * scales[None, :, None]).astype(np.float32)}

    return Sample(f"row_broadcast_{W}x{H}x{n}_{arch}", program, host, make, ref)


# ---------------------------------------------------------------------------------------
# Streaming-mode memcpy: wavelets in through a data task, out through a fabout DSD


def streaming_affine(W: int, H: int, n: int, arch: str = "wse2") -> Sample:
    """Each PE maps every streamed-in value v to v * 2 + bias and streams it back out."""
    h2d, d2h = m.Color("h2d_stream", 4), m.Color("d2h_stream", 5)
    task = m.Task(
        "recv", "data",
        (m.DsdOp("fmovs", (N("out_dsd"), m.BinOp("+", m.BinOp("*", N("v"), L(2.0)),
                                                  N("bias")))),),
        param=m.TaskParam("v", "f32"),
        color="sys_mod.MEMCPYH2D_1" if arch == "wse2" else None,
        queue=2 if arch == "wse3" else None)
    prog = m.PeProgram(
        "affine_stream",
        params=(m.Param("bias", "f32"),),
        dsds=(m.FaboutDsd("out_dsd", "sys_mod.MEMCPYD2H_1", L(1), 3),),
        tasks=(task,),
        queues=((m.QueueInit("input", 2, "sys_mod.MEMCPYH2D_1"),
                 m.QueueInit("output", 3, "sys_mod.MEMCPYD2H_1")) if arch == "wse3" else ()),
    )
    pls = tuple(m.Placement(x, y, (("bias", float(y * W + x)),))
                for y in range(H) for x in range(W))
    layout = m.Layout(W, H, arch, (h2d, d2h),
                      memcpy=m.MemcpySetup(((1, h2d.name),), ((1, d2h.name),)))
    program = m.CslProgram(layout, (m.TileVariant(prog, pls),))
    host = m.HostProgram((
        m.H2D("h2d_stream", "x", 0, 0, W, H, n, streaming=True, nonblock=True),
        m.D2H("y", "d2h_stream", 0, 0, W, H, n, streaming=True),
    ))

    def make(rng: np.random.Generator) -> Inputs:
        return {"x": _f32(rng, H, W, n)}

    def ref(inp: Inputs) -> Inputs:
        bias = np.arange(W * H, dtype=np.float32).reshape(H, W, 1)
        return {"y": (inp["x"] * np.float32(2.0) + bias).astype(np.float32).ravel()}

    return Sample(f"streaming_affine_{W}x{H}x{n}_{arch}", program, host, make, ref)
