"""`LoweredKernel` -> CSL model + host program: the driver of the CSL lowering.

Per PE: specialise the phase programs, run the flow passes (channels, staging, vectorised
receive loops, send waits), plan host I/O and copy elision, then generate the PE program.
Routes of all PEs get colors together; PEs whose generated programs are identical share one
tile-code variant, their differences (colors) bound as params.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from sluice.backends.csl.lower_flow import AwaitClose, Channel, CtrlSend, FabVec, PeFlow, SendOp
from sluice.backends.csl.lower_host import HostIo, pack_scalar, plan, scalar_steps
from sluice.backends.csl.lower_pe import (
    FieldInfo,
    HostRecv,
    HostSend,
    HostSendVal,
    If_,
    KernelInfo,
    Loop_,
    PhaseStart,
    specialise,
)
from sluice.backends.csl.lower_routes import SWITCH_ADVANCE, RouteKey, assign, control_reach
from sluice.backends.csl.lower_tasks import HostAccess, PeContext, PeGen
from sluice.backends.csl.options import CslOptions
from sluice.csl import model as m
from sluice.csl.printer import print_files
from sluice.csl.validate import validate
from sluice.errors import ArgumentError, UnsupportedError
from sluice.frontend.spada.lower import LoweredKernel
from sluice.runtime.wafer.params import ARCH_PARAMS

PE = tuple[int, int]
_NP = {"f32": np.float32, "i32": np.int32, "u32": np.uint32}


@dataclass
class CslArtifacts:
    """The compiled kernel: CSL model, host script, printed files and statistics."""

    program: m.CslProgram
    host: m.HostProgram
    files: dict[str, str]
    stats: dict[str, object]
    io: list[HostIo]
    scalars: dict[str, str]  # scalar argument -> CSL dtype
    grid: tuple[int, int]
    options: CslOptions = field(default_factory=CslOptions)
    # per phase, the routes it uses as configured then (for pictures; the layout's routes
    # are what the CSL sets up, switched routers by their base configuration)
    phase_routes: tuple[tuple[int, tuple[m.Route, ...]], ...] = ()

    def pack_inputs(self, host_args: dict[str, object]) -> dict[str, np.ndarray]:
        """Host arrays in the (h, w, elems) row-major layout the memcpy steps copy."""
        out: dict[str, np.ndarray] = {}
        names = {h.name for h in self.io if h.readonly} | set(self.scalars)
        for k in host_args:
            if k not in names:
                raise ArgumentError(f"kernel has no input '{k}'",
                                    hint=f"inputs: {', '.join(sorted(names))}")
        for h in self.io:
            if h.readonly:
                if h.name not in host_args:
                    raise ArgumentError(f"missing input '{h.name}'", hint=f"shape {h.shape}")
                out.update(h.pack(host_args[h.name]))
        w, hh = self.grid
        for s, dt in self.scalars.items():
            if s not in host_args:
                raise ArgumentError(f"missing input '{s}'")
            out[s] = pack_scalar(host_args[s], w, hh).astype(_NP.get(dt, np.float32))
        return out

    def unpack_outputs(self, outs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {h.name: h.unpack(outs) for h in self.io if not h.readonly}

    def __repr__(self) -> str:
        from sluice.backends.csl.display import artifacts_repr

        return artifacts_repr(self)

    def _repr_html_(self) -> str:
        from sluice.backends.csl.display import artifacts_html

        return artifacts_html(self)


class _Compiler:
    def __init__(self, lk: LoweredKernel, options: CslOptions, arch: str) -> None:
        if arch not in m.ARCHS:
            raise ArgumentError(f"unknown CSL architecture '{arch}'", hint=f"one of {m.ARCHS}")
        self.lk, self.opt, self.arch = lk, options, arch
        self.info = KernelInfo(lk)
        self.w, self.h = lk.grid
        for hs in lk.host_streams:
            if hs.dtype.value != "float32":
                raise UnsupportedError(f"host stream '{hs.name}' of type {hs.dtype.value}: "
                                       "only f32 host streams are lowered to CSL")

    def run(self) -> CslArtifacts:
        max_async = ARCH_PARAMS[self.arch].max_async_ops
        pes: dict[PE, tuple[PeFlow, list]] = {}
        keys: dict[RouteKey, None] = {}
        owners: dict[str, dict[PE, set[PE]]] = {h.name: {} for h in self.lk.host_streams}
        for y in range(self.h):
            for x in range(self.w):
                flow = PeFlow(max_async, self.opt.vectorize)
                ops = flow.prepare(specialise(self.info, x, y, not self.opt.close_elision))
                pes[(x, y)] = (flow, ops)
                for op, _ in _walk(ops):
                    if isinstance(op, SendOp | CtrlSend):
                        keys[RouteKey(op.chan.phase, op.chan.stream, (x, y), op.dests)] = None
                    elif isinstance(op, FabVec) and op.out is not None:
                        keys[RouteKey(op.out.phase, op.out.stream, (x, y), op.out_dests)] = None
                    host = _host_of(op)
                    if host is not None:
                        owners[host[0]].setdefault(host[1], set()).add((x, y))
        closes = {k: n for (x, y), (_, ops) in pes.items()
                  for k, n in _close_counts(ops, (x, y)).items()}
        routing = assign(list(keys), self.opt.color_assignment, self.opt.router_switching,
                         self.arch, frozenset(closes))
        self.close_ids, awaits = self._sentinels(closes, routing)
        emit = routing.emit
        for (x, y), (flow, ops) in pes.items():
            # epoch ends: switch advances after the phase's sends, sentinel waits after its
            # receives (both at the end of the phase on the PE)
            extra: dict[int, list] = {}
            for k in sorted(emit, key=lambda k: (k.phase, k.stream, k.dests)):
                if k.sender == (x, y):
                    chan = flow.tx(k.phase, k.stream, k.dests)
                    extra.setdefault(k.phase, []).append(CtrlSend(chan, k.dests, "switch"))
            for (ph, st, pe), n in sorted(awaits.items()):
                if pe == (x, y):
                    extra.setdefault(ph, []).append(AwaitClose(ph, st, n))
            if extra:
                pes[(x, y)] = (flow, _at_phase_ends(ops, extra))
        io = [plan(h.name, _buf(h.name), h.shape, h.readonly, owners[h.name])
              for h in self.lk.host_streams]
        hs_len = {h.name: h.shape[2] for h in self.lk.host_streams}
        groups: dict[m.PeProgram, list[m.Placement]] = {}
        for (x, y), (flow, ops) in pes.items():
            prog, binds = self._pe(x, y, flow, ops, routing, hs_len)
            groups.setdefault(prog, []).append(m.Placement(x, y, binds))
        used_colors = sorted(set(routing.colors.values()))
        names = {c: f"col{c}" for c in used_colors}
        variants = []
        for i, (prog, pls) in enumerate(groups.items()):
            prog = replace(prog, name=f"pe{i}")
            pls = [replace(p, bindings=tuple((k, m.ColorRef(names[v])) for k, v in p.bindings))
                   for p in pls]
            variants.append(m.TileVariant(prog, tuple(sorted(pls, key=lambda p: (p.y, p.x)))))
        exports = []
        for s in self.lk.scalars:
            exports.append(m.Export(self.info.field_name(-1, s), "data",
                                    self.info.fields[self.info.field_name(-1, s)].dtype))
        for h in io:
            if h.owners:
                exports.append(m.Export(h.buf, "data", "f32"))
        exports.append(m.Export("start", "fn"))
        layout = m.Layout(self.w, self.h, self.arch,
                          tuple(m.Color(names[c], c) for c in used_colors),
                          routing.layout_routes(names), tuple(exports))
        program = m.CslProgram(layout, tuple(variants))
        steps: list[m.HostStep] = []
        scalars = {self.info.field_name(-1, s): self.info.fields[self.info.field_name(-1, s)].dtype
                   for s in self.lk.scalars}
        steps += scalar_steps(list(scalars), self.w, self.h)
        for h in io:
            if h.readonly and h.owners:
                steps += h.steps()
        steps.append(m.Launch("start"))
        for h in io:
            if not h.readonly and h.owners:
                steps += h.steps()
        host = m.HostProgram(tuple(steps))
        validate(program)
        files = print_files(program, host)
        stats = {"files": {k: v.count("\n") for k, v in files.items()},
                 "csl_lines": sum(v.count("\n") for k, v in files.items() if k.endswith(".csl")),
                 "variants": len(variants), "colors": len(used_colors),
                 "switched_routers": sum(1 for r in layout.routes if r.switches is not None),
                 "local_tasks": max(len(v.program.tasks) for v in variants),
                 "dsd_ops": sum(_count_dsd(v.program) for v in variants)}
        io_used = [h for h in io if h.owners]
        return CslArtifacts(program, host, files, stats, io_used, scalars, (self.w, self.h),
                            self.opt, routing.phase_routes(names))

    def _pe(self, x: int, y: int, flow: PeFlow, ops: list, routing, hs_len: dict[str, int]):
        fields = dict(self.info.fields)
        for name, dt in flow.staging:
            fields[name] = FieldInfo(name, dt, 1)
        host: dict[str, HostAccess] = {}
        for op, nested in _walk(ops):
            h = _host_of(op)
            if h is None:
                continue
            acc = host.setdefault(h[0], HostAccess(_buf(h[0]), hs_len[h[0]], False))
            acc.dynamic |= nested
        for name, acc in host.items():
            fields[acc.buf] = FieldInfo(acc.buf, "f32", acc.length)
            if not acc.dynamic:
                cur = 0
                for op, _ in _walk(ops):
                    if _host_of(op) is not None and _host_of(op)[0] == name:
                        acc.offsets[id(op)] = cur
                        cur += _host_len(op)
        rename = _elide(ops, host, fields) if self.opt.copy_elision else {}
        if rename:
            ops = [op for op in ops if not _elided(op, rename, host)]
        tx_colors = {Channel(ph, st, "tx", i): routing.colors[RouteKey(ph, st, (x, y), dests)]
                     for (ph, st, dests), i in flow.tx_index.items()}
        ops = flow.finish(ops, tx_colors)
        scalars = [self.info.field_name(-1, s) for s in self.lk.scalars]
        ctx = PeContext(fields, host, rename, self.arch, self.opt, scalars, self.close_ids)
        gen = PeGen(ctx)
        for s in scalars:
            gen.arr(s)
        for acc in host.values():
            gen.arr(acc.buf)
        prog = gen.program("pe", ops)
        rev = {(ph, st, i): dests for (ph, st, dests), i in flow.tx_index.items()}
        binds: list[tuple[str, int]] = []
        for param, chan in sorted(gen.chans.items()):
            binds.append((param, self._color(x, y, chan, rev, routing)))
        return prog, tuple(binds)

    def _sentinels(self, closes: dict[RouteKey, int], routing) -> tuple[dict, dict]:
        """Control task IDs of closed streams, and the sentinels each receiver awaits per
        (phase, stream, PE). A sentinel stops at the first RAMP, so every destination must
        be a leaf of the route's control reach."""
        ids = {k: i for i, k in enumerate(sorted({(k.phase, k.stream) for k in closes}))}
        if len(ids) > SWITCH_ADVANCE:
            raise UnsupportedError(f"{len(ids)} closed streams need more control task IDs "
                                   f"than the {SWITCH_ADVANCE} left", hint="enable close elision")
        awaits: dict[tuple[int, str, PE], int] = {}
        for k, n in closes.items():
            if n != 1:
                # a control task's activation is a flag: sentinels that arrive before it
                # runs would merge, so the receiver could not count them
                raise UnsupportedError(f"PE{k.sender} closes '{k.stream}' {n} times in one "
                                       "phase; a close sentinel marks one epoch per phase",
                                       hint="enable close elision")
            reach = control_reach(routing.tree(k))
            for d in k.dests:
                if d not in reach:
                    raise UnsupportedError(
                        f"the close of '{k.stream}' by PE{k.sender} cannot reach PE{d}: its "
                        "sentinel stops at the first PE of the multicast that receives",
                        hint="enable close elision")
                awaits[(k.phase, k.stream, d)] = awaits.get((k.phase, k.stream, d), 0) + n
        return ids, awaits

    def _color(self, x: int, y: int, chan: Channel, rev, routing) -> int:
        if chan.kind == "tx":
            dests = rev[(chan.phase, chan.stream, chan.index)]
            return routing.colors[RouteKey(chan.phase, chan.stream, (x, y), dests)]
        c = routing.rx_color.get((chan.phase, chan.stream, (x, y)))
        if c is None:
            raise UnsupportedError(f"PE({x},{y}) receives '{chan.stream}' in phase "
                                   f"{chan.phase}, but no PE sends it there")
        if c < 0:
            raise UnsupportedError(f"PE({x},{y}) receives '{chan.stream}' in phase "
                                   f"{chan.phase} from several senders")
        return c


def _close_counts(ops: list, pe: PE) -> dict[RouteKey, int]:
    """How many sentinels each route of the PE sends: closes in loops with constant bounds
    count once per trip; a close under a data-dependent branch has no static count."""
    out: dict[RouteKey, int] = {}

    def walk(ops: list, times: int) -> None:
        for op in ops:
            if isinstance(op, CtrlSend) and op.kind == "close":
                k = RouteKey(op.chan.phase, op.chan.stream, pe, op.dests)
                out[k] = out.get(k, 0) + times
            elif isinstance(op, Loop_):
                if not (isinstance(op.start, m.Lit) and isinstance(op.stop, m.Lit)):
                    if any(isinstance(o, CtrlSend) for o, _ in _walk(op.body)):
                        raise UnsupportedError("a close in a loop with bounds unknown at compile "
                                               "time", hint="enable close elision")
                    continue
                walk(op.body, times * len(range(op.start.value, op.stop.value, op.step)))
            elif isinstance(op, If_):
                if any(isinstance(o, CtrlSend) for o, _ in _walk(op.then + op.orelse)):
                    raise UnsupportedError("a close under a branch the compiler cannot decide",
                                           hint="enable close elision")

    walk(ops, 1)
    return out


def _at_phase_ends(ops: list, extra: dict[int, list]) -> list:
    """`ops` with `extra[k]` inserted at the end of phase k (before the next PhaseStart)."""
    out: list = []
    cur = None
    for op in ops:
        if isinstance(op, PhaseStart):
            out += extra.get(cur, []) if cur is not None else []
            cur = op.index
        out.append(op)
    out += extra.get(cur, []) if cur is not None else []
    return out


def _buf(host: str) -> str:
    return f"{host}_buf"


def _walk(ops: list, nested: bool = False):
    for op in ops:
        yield op, nested
        if isinstance(op, Loop_):
            yield from _walk(op.body, True)
        elif isinstance(op, If_):
            yield from _walk(op.then, True)
            yield from _walk(op.orelse, True)


def _host_of(op) -> tuple[str, PE] | None:
    if isinstance(op, HostRecv | HostSend | HostSendVal):
        return op.host, op.elem
    if isinstance(op, FabVec) and op.host is not None:
        return op.host
    return None


def _host_len(op) -> int:
    if isinstance(op, HostRecv):
        return op.dst.n
    if isinstance(op, HostSend):
        return op.src.n
    if isinstance(op, FabVec):
        return op.n
    return 1


def _elide(ops: list, host: dict[str, HostAccess], fields: dict[str, FieldInfo]) -> dict:
    """Fields that can live in their host buffer: the first access of the field is the
    whole-field receive from the host (the only access of that stream), or its last write
    comes before the whole-field send to the host."""
    from sluice.backends.csl.lower_flow import reads, writes

    rename: dict[str, str] = {}
    top = list(ops)
    for i, op in enumerate(top):
        if not isinstance(op, HostRecv | HostSend):
            continue
        acc = host[op.host]
        ref = op.dst if isinstance(op, HostRecv) else op.src
        mine = [o for o, _ in _walk(ops) if _host_of(o) is not None and _host_of(o)[0] == op.host]
        f = fields.get(ref.name)
        if len(mine) != 1 or acc.dynamic or f is None or f.scalar_arg or ref.name in rename \
                or ref.name.startswith("stage") or ref.n != acc.length or ref.n != f.length \
                or ref.name in host:
            continue
        if isinstance(op, HostRecv):
            before = [o for o2 in top[:i] for o, _ in _walk([o2])]
            if any(ref.name in reads(o) | writes(o) for o in before):
                continue
        else:
            after = [o for o2 in top[i + 1:] for o, _ in _walk([o2])]
            if any(ref.name in writes(o) for o in after):
                continue
        rename[ref.name] = acc.buf
    return rename


def _elided(op, rename: dict[str, str], host: dict[str, HostAccess]) -> bool:
    if isinstance(op, HostRecv):
        return rename.get(op.dst.name) == host[op.host].buf
    if isinstance(op, HostSend):
        return rename.get(op.src.name) == host[op.host].buf
    return False


def _count_dsd(p: m.PeProgram) -> int:
    def walk(stmts) -> int:
        n = 0
        for s in stmts:
            if isinstance(s, m.DsdOp):
                n += 1
            elif isinstance(s, m.If):
                n += walk(s.then) + walk(s.orelse)
            elif isinstance(s, m.For | m.While):
                n += walk(s.body)
        return n

    return sum(walk(f.body) for f in p.functions) + sum(walk(t.body) for t in p.tasks)


def compile_kernel(lowered: LoweredKernel, options: CslOptions | None = None,
                   arch: str = "wse2") -> CslArtifacts:
    """Lowers a spatial kernel to a CSL program plus its host call sequence."""
    return _Compiler(lowered, options or CslOptions(), arch).run()
