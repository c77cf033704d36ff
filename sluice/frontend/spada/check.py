"""Semantic checks of a bound kernel (docs/SPADA.md §6-§10).

Per phase: builds what each PE holds (fields, streams), walks every compute block on every
PE it covers (`pe_walk`), then pairs the sends of each PE with the receives of the PEs its
streams reach, checks explicit routes and channel sharing, and finally checks that every
host stream carries exactly its declared length. The first problem found is raised as a
`SluiceError` subclass pointing at the source.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sluice.errors import RouteError, SluiceError, SluiceTypeError
from sluice.frontend.spada import ast, consteval
from sluice.frontend.spada.diagnostics import (
    ParameterError,
    PlacementError,
    SpadaNameError,
    StreamMatchError,
    suggest,
)
from sluice.frontend.spada.expand import MAX_PES, Block, BoundKernel, BoundPhase, bind
from sluice.frontend.spada.pe_scope import PE, Count, KernelNames, Key, PEScope, StreamInfo
from sluice.frontend.spada.pe_walk import Counts, PEWalker
from sluice.frontend.spada.ranges import length, negative_multicast
from sluice.frontend.spada.streaming import settle_lengths


@dataclass
class PhaseTraffic:
    """Elements each PE sends / receives per stream key in one phase (None: run-time)."""

    sends: dict[tuple[PE, Key], Count] = field(default_factory=dict)
    recvs: dict[tuple[PE, Key], Count] = field(default_factory=dict)


@dataclass
class CheckResult:
    """What the checks established; the IR lowering may reuse it."""

    kernel: BoundKernel
    traffic: list[PhaseTraffic]
    streams: list[dict[PE, dict[str, StreamInfo]]]  # per phase: what each PE declares


def _fmt(pe: PE) -> str:
    return f"({pe[0]}, {pe[1]})"


class _Checker:
    def __init__(self, bk: BoundKernel) -> None:
        self.bk = bk
        self.rep = bk.reporter
        w, h = bk.grid
        self.grid = bk.grid
        self.grid_text = f"{w}x{h}"
        self.args = {a.name: a.node for a in bk.args}
        self.names = KernelNames(
            args={a.name: a.node for a in bk.args if a.value is None},
            params=set(bk.params),
            fields_anywhere=set(), streams_anywhere=set(),
        )
        self.host: dict[Key, Count] = {}
        self.host_first: dict[Key, ast.Node] = {}
        self.host_writers: dict[Key, PE] = {}

    def err(self, cls, msg, node, hint=None) -> SluiceError:
        return self.rep.error(cls, msg, node, hint)

    def in_grid(self, pe: PE) -> bool:
        return 0 <= pe[0] < self.grid[0] and 0 <= pe[1] < self.grid[1]

    # ---- what lives on each PE
    def all_blocks(self):
        yield from self.bk.places
        yield from self.bk.dataflows
        for ph in self.bk.phases:
            yield from ph.places
            yield from ph.dataflows

    def collect_names(self) -> None:
        reserved = set(self.bk.params) | set(self.args)
        for b in self.all_blocks():
            decls = b.node.fields if isinstance(b.node, ast.Place) else b.node.streams
            for d in decls:
                if d.name in reserved:
                    raise self.err(SluiceError, f"'{d.name}' hides a kernel parameter or "
                                   "argument", d, "rename it")
                if isinstance(b.node, ast.Place):
                    self.names.fields_anywhere.add(d.name)
                else:
                    self.names.streams_anywhere.add(d.name)

    def place(self, blocks, fields: dict[PE, dict[str, ast.Field]]) -> None:
        for b in blocks:
            for f in b.node.fields:
                for pe in b.pes:
                    have = fields.setdefault(pe, {})
                    if f.name in have:
                        first = have[f.name]
                        raise self.err(PlacementError,
                                       f"field '{f.name}' is placed twice on PE {_fmt(pe)}", f,
                                       f"it is already placed there at line {first.pos.line}; "
                                       "make the place subgrids disjoint or rename one")
                    have[f.name] = f

    def declare_streams(self, blocks, fields, streams: dict[PE, dict[str, StreamInfo]]) -> None:
        for b in blocks:
            for s in b.node.streams:
                for pe in b.pes:
                    info = self.stream_info(s, b, pe)
                    have = streams.setdefault(pe, {})
                    if s.name in have:
                        raise self.err(PlacementError,
                                       f"stream '{s.name}' is declared twice on PE {_fmt(pe)}",
                                       s, f"it is already declared at line "
                                       f"{have[s.name].decl.pos.line}; make the dataflow "
                                       "subgrids disjoint or rename one")
                    if s.name in fields.get(pe, {}):
                        raise self.err(PlacementError, f"'{s.name}' is both a field and a "
                                       f"stream on PE {_fmt(pe)}", s, "rename one of them")
                    have[s.name] = info

    def pe_value(self, e: ast.Expr, b: Block, pe: PE, what: str) -> int:
        try:
            v = consteval.evaluate(e, {b.xvar: pe[0], b.yvar: pe[1]})
        except consteval.EvalError as err:
            raise self.err(SluiceError, f"cannot evaluate {what}: {err}", e) from None
        if isinstance(v, bool) or not isinstance(v, int):
            raise self.err(ParameterError, f"{what} must be a compile-time integer", e,
                           "use parameters, literals and the PE coordinates only")
        return v

    def offset_axis(self, r: ast.RangeItem, b: Block, pe: PE) -> list[int]:
        if not isinstance(r, ast.Range):
            return [self.pe_value(r, b, pe, "a stream offset")]
        start = self.pe_value(r.start, b, pe, "a multicast range")
        stop = self.pe_value(r.stop, b, pe, "a multicast range")
        step = 1 if r.step is None else self.pe_value(r.step, b, pe, "a multicast step")
        if step == 0:
            raise self.err(SluiceError, "multicast step is zero", r, "use a non-zero step")
        if negative_multicast(start, stop, r.step is None):
            step = -1
        if length(range(start, stop, step)) > MAX_PES:  # (listing them would never end)
            raise self.err(PlacementError, f"multicast range {start}:{stop} reaches "
                           f"{length(range(start, stop, step))} PEs", r,
                           f"a wafer holds fewer than {MAX_PES} PEs")
        vals = list(range(start, stop, step))
        if not vals:
            raise self.err(PlacementError, f"empty multicast range {start}:{stop}", r,
                           "the end is exclusive: make it larger than the start, or, "
                           "for receivers at negative offsets, [-a:-b] with b > a")
        return vals

    def stream_info(self, s: ast.StreamDecl, b: Block, pe: PE) -> StreamInfo:
        src = s.source
        if isinstance(src, ast.ExternStream):
            arg = self.args.get(src.arg)
            if arg is None or not isinstance(arg.type, ast.StreamArrayType):
                streams = [a for a, n in self.args.items()
                           if isinstance(n.type, ast.StreamArrayType)]
                raise self.err(SpadaNameError, f"'{src.arg}' is not a stream argument", src,
                               suggest(src.arg, streams)
                               or "extern_stream takes a stream<T, N>[a, b] argument")
            if arg.type.stream.elem.name != s.type.elem.name:
                raise self.err(SluiceTypeError, f"stream '{s.name}' carries {s.type.elem.name} "
                               f"but '{src.arg}' carries {arg.type.stream.elem.name}", s,
                               f"declare it stream<{arg.type.stream.elem.name}>")
            a, bb = (d.value for d in arg.type.dims)  # type: ignore[union-attr]
            if not (pe[0] < a and pe[1] < bb):
                raise self.err(PlacementError, f"PE {_fmt(pe)} has no stream in '{src.arg}' "
                               f"({a} x {bb})", s, "restrict the dataflow subgrid to the "
                               "argument's shape")
            return StreamInfo(s, (), src.arg)
        xs = self.offset_axis(src.dx, b, pe)
        ys = self.offset_axis(src.dy, b, pe)
        offsets = tuple((dx, dy) for dx in xs for dy in ys)
        unicast = not isinstance(src.dx, ast.Range) and not isinstance(src.dy, ast.Range)
        if unicast and offsets == ((0, 0),):  # a multicast may include its sender
            raise self.err(RouteError, f"stream '{s.name}' leads from a PE to itself", src,
                           "a relative_stream needs a non-zero offset")
        return StreamInfo(s, offsets)

    # ---- phases
    def run(self) -> CheckResult:
        self.collect_names()
        gfields: dict[PE, dict[str, ast.Field]] = {}
        self.place(self.bk.places, gfields)
        gstreams: dict[PE, dict[str, StreamInfo]] = {}
        self.declare_streams(self.bk.dataflows, gfields, gstreams)
        traffic, stream_tables = [], []
        for ph in self.bk.phases:
            fields = {pe: dict(d) for pe, d in gfields.items()}
            self.place(ph.places, fields)
            streams = {pe: dict(d) for pe, d in gstreams.items()}
            self.declare_streams(ph.dataflows, fields, streams)
            t = self.phase(ph, fields, streams)
            traffic.append(t)
            stream_tables.append(streams)
        self.bk = settle_lengths(self.bk, self.host, self.host_first, self.err)
        self.args = {a.name: a.node for a in self.bk.args}
        self.check_host()
        return CheckResult(self.bk, traffic, stream_tables)

    def phase(self, ph: BoundPhase, fields, streams) -> PhaseTraffic:
        owner: dict[PE, Block] = {}
        for b in ph.computes:
            for pe in b.pes:
                if pe in owner:
                    raise self.err(PlacementError,
                                   f"two compute blocks run on PE {_fmt(pe)} in one phase", b.node,
                                   f"the other starts at line {owner[pe].node.pos.line}; make "
                                   "the subgrids disjoint or put them in separate phases")
                owner[pe] = b
        traffic = PhaseTraffic()
        firsts: dict[tuple[str, PE, Key], ast.Node] = {}
        for b in ph.computes:
            for pe in b.pes:
                scope = PEScope(pe, {b.xvar: pe[0], b.yvar: pe[1]}, fields.get(pe, {}),
                                streams.get(pe, {}))
                counts = PEWalker(self.rep, self.names, scope).run(b.node.body)
                self.record(pe, counts, traffic, firsts)
        self.match(traffic, streams, firsts)
        self.routes(traffic, streams, firsts)
        return traffic

    def record(self, pe: PE, counts: Counts, traffic: PhaseTraffic, firsts) -> None:
        for kind, d in (("send", counts.sends), ("recv", counts.recvs)):
            for key, n in d.items():
                node = counts.first[(kind, key)]
                if key[0] == "h":
                    hk = key if key[2] is not None else (key[0], key[1], None, None)
                    if hk[2] is not None and hk in self.host_writers and \
                            self.host_writers[hk] != pe:
                        other = self.host_writers[hk]
                        raise self.err(StreamMatchError,
                                       f"PEs {_fmt(other)} and {_fmt(pe)} both use host stream "
                                       f"{key[1]}[{key[2]}, {key[3]}]", node,
                                       "each stream of a stream-array argument belongs to one PE")
                    self.host_writers[hk] = pe
                    old = self.host.get(hk, 0)
                    self.host[hk] = None if n is None or old is None else old + n
                    self.host_first.setdefault(hk, node)
                else:
                    (traffic.sends if kind == "send" else traffic.recvs)[(pe, key)] = n
                    firsts[(kind, pe, key)] = node

    # ---- sends meet receives
    def match(self, traffic: PhaseTraffic, streams, firsts) -> None:
        expected: dict[tuple[PE, Key], Count] = {}
        senders: dict[tuple[PE, Key], list[PE]] = {}
        for (pe, key), n in sorted(traffic.sends.items()):
            name = key[1]
            info = streams[pe][name]
            node = firsts[("send", pe, key)]
            if n == 0:
                continue
            self.bounded_count(name, info, pe, n, node)
            for d in info.offsets:
                q = (pe[0] + d[0], pe[1] + d[1])
                if not self.in_grid(q):
                    raise self.err(RouteError,
                                   f"send on '{name}' from PE {_fmt(pe)} goes to {_fmt(q)}, "
                                   f"outside the {self.grid_text} grid", node,
                                   "guard the send with an if on the coordinates, or shrink "
                                   "the compute subgrid")
                qinfo = streams.get(q, {}).get(name)
                if qinfo is None or tuple(pe) not in {(q[0] - e[0], q[1] - e[1])
                                                      for e in qinfo.offsets}:
                    why = ("does not declare it" if qinfo is None
                           else "declares it with another offset")
                    raise self.err(StreamMatchError,
                                   f"PE {_fmt(pe)} sends on '{name}' to PE {_fmt(q)}, which "
                                   f"{why}", node, f"add {_fmt(q)} to the dataflow block of "
                                   f"'{name}' with the same relative_stream offset")
                if qinfo.elem != info.elem:
                    raise self.err(SluiceTypeError,
                                   f"'{name}' carries {info.elem} on PE {_fmt(pe)} but "
                                   f"{qinfo.elem} on PE {_fmt(q)}", qinfo.decl,
                                   "declare both ends with the same element type")
                self.same_channel(name, info, pe, qinfo, q)
                k = (q, key)
                old = expected.get(k, 0)
                expected[k] = None if n is None or old is None else old + n
                senders.setdefault(k, []).append(pe)
        for k in sorted(set(expected) | set(traffic.recvs)):
            q, key = k
            got = traffic.recvs.get(k, 0)
            want = expected.get(k, 0)
            if got is None or want is None or got == want:
                continue
            name = key[1]
            src = senders.get(k, [])
            if got == 0:
                p = src[0]
                raise self.err(StreamMatchError,
                               f"PE {_fmt(q)} never receives on '{name}', but PE {_fmt(p)} "
                               f"sends it {want} element(s)", firsts[("send", p, key)],
                               f"add a receive on '{name}' to PE {_fmt(q)}'s compute block, or "
                               "guard this send")
            node = firsts[("recv", q, key)]
            if want == 0:
                info = streams[q][name]
                froms = [(q[0] - d[0], q[1] - d[1]) for d in info.offsets]
                where = ", ".join(_fmt(f) for f in froms[:3])
                outside = all(not self.in_grid(f) for f in froms)
                raise self.err(StreamMatchError if not outside else RouteError,
                               f"PE {_fmt(q)} receives {got} element(s) on '{name}' but no PE "
                               f"sends to it (it would come from {where}"
                               f"{', outside the grid' if outside else ''})", node,
                               "guard the receive with an if on the coordinates, or add the "
                               "matching send")
            who = ", ".join(_fmt(p) for p in src[:3])
            raise self.err(StreamMatchError,
                           f"PE {_fmt(q)} receives {got} element(s) on '{name}' but PE(s) "
                           f"{who} send {want}", node,
                           "make the counts equal (array sizes times loop trip counts)")

    def bounded_count(self, name: str, info: StreamInfo, pe: PE, n: Count, node) -> None:
        """E11d: a `stream<T, N>` closes itself after its N-th element, so a PE that sends on
        it sends exactly N elements in the phase (where the count is known)."""
        length = info.decl.type.length
        if n is None or not isinstance(length, ast.IntLit) or n == length.value:
            return
        raise self.err(StreamMatchError,
                       f"PE {_fmt(pe)} sends {n} element(s) on '{name}', declared "
                       f"stream<{info.elem}, {length.value}>", node,
                       f"a bounded stream closes after {length.value} elements: send exactly "
                       "that many, or declare it stream<T> without a length")

    def same_channel(self, name: str, info: StreamInfo, pe: PE, qinfo: StreamInfo,
                     q: PE) -> None:
        """E11c: the receiver's declaration of a used stream names the sender's channel."""
        def channel(i: StreamInfo) -> int | None:
            rt = getattr(i.decl.source, "routing", None)
            c = rt.channel if rt is not None else None
            return c.value if isinstance(c, ast.IntLit) else None

        a, b = channel(info), channel(qinfo)
        if a is not None and b is not None and a != b:
            raise self.err(StreamMatchError,
                           f"'{name}' is on channel {a} at PE {_fmt(pe)} but on channel {b} "
                           f"at PE {_fmt(q)}, which receives from it", qinfo.decl,
                           "both ends of a stream use one channel: make the channels equal")

    # ---- routes and channels
    def route_cells(self, info: StreamInfo, pe: PE, node) -> list[PE]:
        rt = info.decl.source.routing  # type: ignore[union-attr]
        hops = rt.hops if rt is not None else None
        multicast = isinstance(info.decl.source.dx, ast.Range) or isinstance(  # type: ignore[union-attr]
            info.decl.source.dy, ast.Range)  # type: ignore[union-attr]
        if isinstance(hops, tuple) and not multicast:  # E9: a multicast ignores explicit hops
            cells, cur = [pe], pe
            for hx, hy in hops:
                h = (self.int_of(hx), self.int_of(hy))
                if abs(h[0]) + abs(h[1]) != 1:
                    raise self.err(RouteError, f"hop {h} is not a unit step", hx,
                                   "each hop moves one PE: (1,0), (-1,0), (0,1) or (0,-1)")
                cur = (cur[0] + h[0], cur[1] + h[1])
                if not self.in_grid(cur):
                    raise self.err(RouteError, f"route of '{info.decl.name}' from PE "
                                   f"{_fmt(pe)} leaves the grid at {_fmt(cur)}", rt,
                                   "change the hops to stay inside the grid")
                cells.append(cur)
            d = info.offsets[0]
            if cur != (pe[0] + d[0], pe[1] + d[1]):
                raise self.err(RouteError, f"hops of '{info.decl.name}' add up to "
                               f"({cur[0] - pe[0]}, {cur[1] - pe[1]}), not the offset {d}",
                               rt, "make the hops sum to the relative_stream offset")
            return cells
        cells = {pe}
        for dx, dy in info.offsets:  # dimension order: along x, then along y
            sx = 1 if dx > 0 else -1
            for i in range(1, abs(dx) + 1):
                cells.add((pe[0] + sx * i, pe[1]))
            sy = 1 if dy > 0 else -1
            for j in range(1, abs(dy) + 1):
                cells.add((pe[0] + dx, pe[1] + sy * j))
        return sorted(cells)

    def int_of(self, e) -> int:
        v = consteval.value_of(e)
        if isinstance(v, bool) or not isinstance(v, int):
            raise self.err(ParameterError, "expected a compile-time integer", e,
                           "use parameters and literals here")
        return v

    def routes(self, traffic: PhaseTraffic, streams, firsts) -> None:
        used: dict[tuple[int, PE], tuple[str, ast.Node]] = {}
        for (pe, key), n in sorted(traffic.sends.items()):
            if n == 0:
                continue
            info = streams[pe][key[1]]
            node = firsts[("send", pe, key)]
            rt = info.decl.source.routing  # type: ignore[union-attr]
            cells = self.route_cells(info, pe, node)
            if rt is None:
                continue
            if rt.count is not None and not isinstance(rt.count, ast.Auto):
                want = self.int_of(rt.count)
                if n is not None and n != want:
                    raise self.err(StreamMatchError,
                                   f"PE {_fmt(pe)} sends {n} element(s) on '{key[1]}' declared "
                                   f"with count = {want}", node,
                                   "send exactly count elements, or write count = auto")
            if rt.channel is None or isinstance(rt.channel, ast.Auto):
                continue
            chan = self.int_of(rt.channel)
            if chan < 0:
                raise self.err(RouteError, f"channel {chan} is negative", rt.channel,
                               "channels are numbered from 0")
            for cell in cells:
                other = used.get((chan, cell))
                if other is not None and other[0] != key[1]:
                    raise self.err(RouteError,
                                   f"streams '{other[0]}' and '{key[1]}' both use channel {chan} "
                                   f"through PE {_fmt(cell)} in the same phase", info.decl,
                                   f"give one of them another channel (or channel = auto), or "
                                   f"move one into another phase ('{other[0]}' is declared at "
                                   f"line {other[1].pos.line})")
                used[(chan, cell)] = (key[1], info.decl)

    # ---- host streams
    def shifted_hint(self, name: str) -> str:
        """E10: where the PEs that use `name` are not the elements they index, say how it
        differs from SpaDA, which puts the used PEs' north-west corner at element (0, 0)."""
        used = [(k, pe) for k, pe in self.host_writers.items() if k[1] == name]
        if not used or all((k[2], k[3]) == pe for k, pe in used):
            return ""
        return (f". A host index is the element itself here: {name}[x - a, y - b] on PE (x, y) "
                "is element (x - a, y - b) (SpaDA would instead start the used PEs at "
                "element (0, 0))")

    def check_host(self) -> None:
        for a in self.bk.args:
            t = a.node.type
            if not isinstance(t, ast.StreamArrayType):
                continue
            if (("h", a.name, None, None)) in self.host:
                continue  # some indices chosen at run time: cannot decide
            n = t.stream.length.value if isinstance(t.stream.length, ast.IntLit) else None
            w, h = (d.value for d in t.dims)  # type: ignore[union-attr]
            verb = "produces" if "writeonly" in a.node.annotations else "consumes"
            for i in range(w):
                for j in range(h):
                    k = ("h", a.name, i, j)
                    got = self.host.get(k, 0)
                    if got is None:
                        continue
                    if got == 0:
                        raise self.err(StreamMatchError,
                                       f"no PE {verb[:-1]}s {a.name}[{i}, {j}]", a.node,
                                       f"every stream of '{a.name}' ({w} x {h}) must be "
                                       f"{'sent to' if verb == 'produces' else 'received from'} "
                                       "by the PE it belongs to; fix the compute subgrid or the "
                                       "argument's shape" + self.shifted_hint(a.name))
                    if n is not None and got != n:
                        raise self.err(StreamMatchError,
                                       f"{a.name}[{i}, {j}] carries {n} element(s) but the "
                                       f"kernel {verb} {got}", self.host_first[k],
                                       f"send or receive exactly {n} elements per PE")


def check(kernel: ast.Kernel | BoundKernel, params: Mapping[str, object] | None = None
          ) -> CheckResult:
    """Run every semantic check; binds an unbound kernel with `params` first."""
    bk = kernel if isinstance(kernel, BoundKernel) else bind(kernel, params)
    return _Checker(bk).run()
