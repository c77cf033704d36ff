"""Collective multistreams (SPADA-EXTENSIONS.md E2), expanded into plain streams.

Right after binding, every `multistream<T> s = reduce_stream(rx, ry) { ... }` or
`broadcast_stream(rx, ry)` becomes a handful of `relative_stream`s between neighbouring
PEs (one per direction used; a pipelined reduce has two per direction, chosen by the
sender's parity so that no PE receives and sends on one channel), and every `reduce(a, s)`
/ `broadcast(a, s)` becomes the sends, receives and combines of the PE's role in the
pattern, selected by conditions on the block's coordinates. Later passes (checks, routes,
the interpreter lowering and the CSL backend) see ordinary SPADA.md code.

The patterns live in `collective_patterns.py`, the code of one call in `collective_code.py`;
this module reads the declarations and their options, checks the calls and rewrites the
kernel.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from sluice.errors import SluiceError, SluiceTypeError
from sluice.frontend.spada import ast, consteval
from sluice.frontend.spada.astwalk import strings
from sluice.frontend.spada.collective_code import CallCode
from sluice.frontend.spada.collective_patterns import DIRS, Multistream
from sluice.frontend.spada.consteval import Const
from sluice.frontend.spada.expand import PE, Block, BoundKernel, BoundPhase

OPS = {
    "CL_SUM": "sum",
    "S_SUM": "sum",
    "CL_PRODUCT": "product",
    "S_PROD": "product",
    "CL_MAX": "max",
    "CL_MIN": "min",
}
OP_CODES = {0: "max", 1: "min", 2: "sum", 3: "product"}  # legacy integer `op = n`
_KEYS = {
    "algorithm": "algorithm",
    "graph": "algorithm",
    "op": "op",
    "pipelined": "pipelined",
    "channels": "channels",
    "channel": "channels",
    "hops": "hops",
}


# ---- declarations --------------------------------------------------------------------------


def collective_source(fold, src: ast.CollectiveStream, env: Mapping[str, Const]):
    """The constructor with its root and option values folded (at bind time)."""
    opts = src.options
    if opts is not None:
        opts = tuple(dataclasses.replace(o, value=fold.expr(o.value, env)) for o in opts)
    return dataclasses.replace(
        src, root_x=fold.expr(src.root_x, env), root_y=fold.expr(src.root_y, env), options=opts
    )


class _Expander:
    def __init__(self, bk: BoundKernel) -> None:
        self.bk = bk
        self.rep = bk.reporter
        self.taken = strings(bk.kernel)

    def err(self, cls, msg: str, node, hint: str) -> SluiceError:
        return self.rep.error(cls, msg, node, hint)

    def fresh(self, base: str) -> str:
        name = base
        while name in self.taken:
            name += "_"
        self.taken.add(name)
        return name

    # -- the multistream declarations
    def declare(self, blk: Block, decl: ast.StreamDecl, scope: dict[str, Multistream]) -> None:
        src = decl.source
        assert isinstance(src, ast.CollectiveStream)
        if decl.name in scope:
            raise self.err(
                SluiceError,
                f"multistream '{decl.name}' is declared twice",
                decl,
                "declare each multistream in one dataflow block",
            )
        rect = self.rectangle(blk)
        root = tuple(self.root_coord(e) for e in (src.root_x, src.root_y))
        if root not in blk.pes:
            raise self.err(
                SluiceError,
                f"the root {root} of '{decl.name}' is not in its dataflow block's subgrid",
                src.root_x,
                "the root is an absolute PE coordinate inside the block",
            )
        opts = self.options(src)
        alg, op, pipe = opts["algorithm"], opts["op"], opts["pipelined"]
        x0, x1, y0, y1 = rect
        if alg == "snake" and (root[0] not in (x0, x1 - 1) or root[1] not in (y0, y1 - 1)):
            raise self.err(
                SluiceError,
                f"a snake reduction needs its root on a corner of "
                f"[{x0}:{x1}, {y0}:{y1}], not at {root}",
                src.root_x,
                "move the root to a corner or use algorithm = grid",
            )
        ms = Multistream(
            decl.name,
            src.kind,
            decl.type.elem.name,
            root,
            rect,
            frozenset(blk.pes),
            alg,
            op,
            pipe,
            blk,
            decl,
            {},
        )
        used = sorted(
            {
                (d, (p[0] + p[1]) % 2 if pipe else 0)
                for p, r in ms.roles().items()
                for d in (*r.sends, r.parent)
                if d
            }
        )
        if opts["channels"] is not None and len(used) > opts["channels"]:
            raise self.err(
                SluiceError,
                f"'{decl.name}' needs {len(used)} channels, more than "
                f"channels = {opts['channels']}",
                decl,
                "raise channels, or leave it auto",
            )
        for d, par in used:
            ms.streams[(d, par)] = self.fresh(f"{decl.name}__{d}{par if pipe else ''}")
        scope[decl.name] = ms

    def rectangle(self, blk: Block) -> tuple[int, int, int, int]:
        out = []
        for r in blk.node.subgrid.ranges:
            if isinstance(r, ast.Range):
                if r.step is not None and consteval.value_of(r.step) != 1:
                    raise self.err(
                        SluiceError,
                        "a multistream's participants must be a dense rectangle",
                        r.step,
                        "declare it on a subgrid with step 1",
                    )
                out += [consteval.value_of(r.start), consteval.value_of(r.stop)]
            else:
                v = consteval.value_of(r)
                out += [v, v + 1]
        return out[0], out[1], out[2], out[3]

    def root_coord(self, e: ast.Expr) -> int:
        v = consteval.value_of(e)
        if not isinstance(v, int) or isinstance(v, bool):
            raise self.err(
                SluiceError,
                "a multistream's root must be a compile-time integer",
                e,
                "write absolute PE coordinates from parameters and literals",
            )
        return v

    def options(self, src: ast.CollectiveStream) -> dict:
        got: dict[str, ast.CollectiveOption] = {}
        for o in src.options or ():
            key = _KEYS.get(o.key)
            if key is None:
                raise self.err(
                    SluiceError,
                    f"unknown multistream option '{o.key}'",
                    o,
                    "options are algorithm, op, pipelined and channels",
                )
            if key in got:
                raise self.err(SluiceError, f"option '{o.key}' given twice", o, "keep one of them")
            if src.kind == "broadcast" and key not in ("channels", "hops"):
                raise self.err(
                    SluiceError,
                    f"a broadcast multistream takes no '{o.key}'",
                    o,
                    "broadcast_stream takes only channels",
                )
            got[key] = o
        out = {"algorithm": "grid", "op": "sum", "pipelined": False, "channels": None}
        for key, o in got.items():
            v = o.value
            word = v.id if isinstance(v, ast.Name) else None
            num = consteval.value_of(v) if not isinstance(v, ast.Name) else None
            if key == "algorithm":
                if word in ("grid", "snake", "auto"):
                    out[key] = "grid" if word == "auto" else word
                elif isinstance(num, int) and not isinstance(num, bool):
                    out[key] = "grid"  # legacy integer graph codes mean auto
                else:
                    raise self.err(
                        SluiceError,
                        "algorithm must be grid, snake or auto",
                        v,
                        "write algorithm = grid",
                    )
            elif key == "op":
                if word in OPS:
                    out[key] = OPS[word]
                elif isinstance(num, int) and num in OP_CODES and not isinstance(num, bool):
                    out[key] = OP_CODES[num]
                else:
                    raise self.err(
                        SluiceError,
                        "unknown reduction operator",
                        v,
                        "use CL_SUM, CL_PRODUCT, CL_MAX or CL_MIN",
                    )
            elif key == "pipelined":
                if not isinstance(num, bool):
                    raise self.err(
                        SluiceError, "pipelined must be true or false", v, "write pipelined = true"
                    )
                out[key] = num
            elif key == "channels":
                if word == "auto":
                    continue
                if not isinstance(num, int) or isinstance(num, bool) or num < 1:
                    raise self.err(
                        SluiceError,
                        "channels must be auto or a positive integer",
                        v,
                        "write channels = auto",
                    )
                out[key] = num
            elif word != "auto":
                raise self.err(
                    SluiceError,
                    "a multistream's hops can only be auto",
                    v,
                    "remove the hops option",
                )
        return out

    # -- the whole kernel
    def run(self) -> BoundKernel:
        bk = self.bk
        top: dict[str, Multistream] = {}
        top_flows = tuple(self.strip(b, top) for b in bk.dataflows)
        top_places: list[Block] = list(bk.places)
        phases = []
        for ph in bk.phases:
            scope = dict(top)
            flows = [self.strip(b, scope) for b in ph.dataflows]
            places = list(ph.places)
            local = {n: m for n, m in scope.items() if n not in top}
            computes = tuple(self.compute(b, scope, ph) for b in ph.computes)
            # the streams of every multistream visible here (top-level ones in each phase)
            flows += [self.stream_block(ms) for ms in scope.values() if ms.streams]
            places += [
                self.buffer_block(ms, t, n)
                for ms in local.values()
                for t, n in self.buffers.get(ms.name, {}).items()
            ]
            phases.append(
                dataclasses.replace(
                    ph, places=tuple(places), dataflows=tuple(flows), computes=computes
                )
            )
        for ms in top.values():
            top_places += [
                self.buffer_block(ms, t, n) for t, n in self.buffers.get(ms.name, {}).items()
            ]
        return dataclasses.replace(
            bk, places=tuple(top_places), dataflows=top_flows, phases=tuple(phases)
        )

    buffers: dict[str, dict[ast.Type, str]]

    def strip(self, blk: Block, scope: dict[str, Multistream]) -> Block:
        """The dataflow block without its multistreams (recorded in `scope`)."""
        keep = []
        for decl in blk.node.streams:
            if isinstance(decl.source, ast.CollectiveStream):
                self.declare(blk, decl, scope)
            else:
                keep.append(decl)
        if len(keep) == len(blk.node.streams):
            return blk
        return Block(dataclasses.replace(blk.node, streams=tuple(keep)), blk.pes)

    def stream_block(self, ms: Multistream) -> Block:
        pos = ms.decl.pos
        decls = tuple(
            ast.StreamDecl(
                ast.StreamType(ast.ScalarType(ms.elem, pos=pos), None, pos=pos),
                name,
                ast.RelativeStream(
                    ast.IntLit(DIRS[d][0], pos=pos), ast.IntLit(DIRS[d][1], pos=pos), pos=pos
                ),
                pos=pos,
            )
            for (d, _), name in sorted(ms.streams.items())
        )
        return Block(ast.Dataflow(ms.block.node.subgrid, decls, pos=pos), ms.block.pes)

    def buffer_block(self, ms: Multistream, t: ast.Type, name: str) -> Block:
        pos = ms.decl.pos
        return Block(
            ast.Place(ms.block.node.subgrid, (ast.Field(t, name, pos=pos),), pos=pos), ms.block.pes
        )

    # -- the calls
    def compute(self, blk: Block, scope: dict[str, Multistream], ph: BoundPhase) -> Block:
        self.blk, self.scope, self.phase = blk, scope, ph
        body = self.body(blk.node.body)
        if body == blk.node.body:
            return blk
        return Block(dataclasses.replace(blk.node, body=body), blk.pes)

    def body(self, stmts: tuple[ast.Stmt, ...]) -> tuple[ast.Stmt, ...]:
        out: list[ast.Stmt] = []
        for s in stmts:
            out += self.stmt(s)
        return tuple(out)

    def stmt(self, s: ast.Stmt) -> list[ast.Stmt]:
        r = dataclasses.replace
        match s:
            case ast.CollectiveCall():
                return [ast.Async(self.call(s), pos=s.pos)]
            case ast.Await(op=ast.CollectiveCall() as c):
                return list(self.call(c))
            case ast.Completion(op=ast.CollectiveCall() as c):
                return [r(s, op=ast.Async(self.call(c), pos=c.pos))]
            case ast.Send(stream=ast.Name(id=n)) | ast.Receive(stream=ast.Name(id=n)) if (
                n in self.scope
            ):
                return [ast.Async(self.point_to_point(s, self.scope[n]), pos=s.pos)]
            case ast.Await(
                op=ast.Send(stream=ast.Name(id=n)) | ast.Receive(stream=ast.Name(id=n)) as op
            ) if n in self.scope:
                return list(self.point_to_point(op, self.scope[n]))
            case ast.Completion(
                op=ast.Send(stream=ast.Name(id=n)) | ast.Receive(stream=ast.Name(id=n)) as op
            ) if n in self.scope:
                return [r(s, op=ast.Async(self.point_to_point(op, self.scope[n]), pos=op.pos))]
            case ast.Foreach() if any(
                isinstance(g, ast.ReceiveGen)
                and isinstance(g.stream, ast.Name)
                and g.stream.id in self.scope
                for g in s.gens
            ):
                raise self.err(
                    SluiceError,
                    "a foreach cannot receive from a multistream",
                    s,
                    "receive the whole array with broadcast(a, s)",
                )
            case ast.For(body=b) | ast.Map(body=b) | ast.Foreach(body=b) | ast.Async(body=b):
                return [r(s, body=self.body(b))]
            case ast.If(then=t, else_=e):
                return [r(s, then=self.body(t), else_=None if e is None else self.body(e))]
            case ast.Await(op=op) | ast.Completion(op=op):
                (inner,) = self.stmt(op)
                return [r(s, op=inner)]
        return [s]

    def call(self, c: ast.CollectiveCall) -> tuple[ast.Stmt, ...]:
        if not isinstance(c.stream, ast.Name) or c.stream.id not in self.scope:
            raise self.err(
                SluiceError,
                f"{c.op}() needs a multistream",
                c.stream,
                f"declare one: multistream<f32> s = {c.op}_stream(rx, ry)",
            )
        ms = self.scope[c.stream.id]
        if ms.kind != c.op:
            raise self.err(
                SluiceError,
                f"'{ms.name}' is a {ms.kind} multistream, not a {c.op}",
                c,
                f"declare it with {c.op}_stream(...)",
            )
        self.outside(c, ms)
        t = self.target_type(c, ms)
        g = CallCode(self, ms, c, t)
        return g.statements()

    def point_to_point(self, s: ast.Send | ast.Receive, ms: Multistream) -> tuple:
        """A broadcast multistream used point to point: `send(a, s)` at the root and
        `receive(a, s)` at the other participants are its broadcast (a receiving PE also
        relays to the PEs behind it)."""
        n = ms.name
        if ms.kind != "broadcast":
            raise self.err(
                SluiceError,
                f"'{n}' is a reduce multistream: send and receive do not apply to it",
                s,
                f"use reduce(a, {n})",
            )
        sending = isinstance(s, ast.Send)
        for pe in self.blk.pes:
            env = {self.blk.xvar: pe[0], self.blk.yvar: pe[1]}
            if _reaches(self.blk.node.body, s, env) and (
                pe not in ms.pes or (pe == ms.root) != sending
            ):
                raise self.err(
                    SluiceError,
                    f"PE {pe} {'sends on' if sending else 'receives from'} '{n}', whose root "
                    f"is {ms.root}",
                    s,
                    "only the root sends on a broadcast multistream, and only its other "
                    "participants receive",
                )
        a = s.value if sending else s.target
        return self.call(ast.CollectiveCall("broadcast", a, s.stream, pos=s.pos))

    def outside(self, c: ast.CollectiveCall, ms: Multistream) -> None:
        """A PE of the compute block outside the participants may not reach the call."""
        for pe in self.blk.pes:
            if pe not in ms.pes and _reaches(
                self.blk.node.body, c, {self.blk.xvar: pe[0], self.blk.yvar: pe[1]}
            ):
                raise self.err(
                    SluiceError,
                    f"PE {pe} calls {c.op} on '{ms.name}' but is not one of its participants",
                    c,
                    "guard the call with an if, or widen the multistream's dataflow block",
                )

    def target_type(self, c: ast.CollectiveCall, ms: Multistream) -> ast.Type:
        t = c.target
        if not isinstance(t, ast.Name):
            raise self.err(
                SluiceTypeError,
                f"{c.op}() takes a whole field",
                t,
                "pass the field's name; copy a slice into a field first",
            )
        for blk in (*self.bk.places, *self.phase.places):
            for f in blk.node.fields:
                if f.name == t.id:
                    elem = (
                        f.type.elem.name
                        if isinstance(f.type, ast.ArrayType)
                        else getattr(f.type, "name", None)
                    )
                    if elem != ms.elem:
                        raise self.err(
                            SluiceTypeError,
                            f"'{t.id}' holds {elem}, but '{ms.name}' carries {ms.elem}",
                            t,
                            f"use a field of element type {ms.elem}",
                        )
                    if not set(ms.pes) <= set(blk.pes) and not self.placed_on(t.id, ms):
                        raise self.err(
                            SluiceError,
                            f"'{t.id}' is not placed on every participant of '{ms.name}'",
                            t,
                            "place the field on the multistream's subgrid",
                        )
                    return f.type
        raise self.err(
            SluiceTypeError,
            f"'{t.id}' is not a placed field",
            t,
            "collectives work on fields declared in a place block",
        )

    def placed_on(self, name: str, ms: Multistream) -> bool:
        pes: set[PE] = set()
        for blk in (*self.bk.places, *self.phase.places):
            if any(f.name == name for f in blk.node.fields):
                pes |= set(blk.pes)
        return ms.pes <= pes

    def buffer(self, ms: Multistream, t: ast.Type) -> str:
        per = self.buffers.setdefault(ms.name, {})
        if t not in per:
            per[t] = self.fresh(f"{ms.name}__part{len(per) or ''}")
        return per[t]


def _reaches(body: tuple[ast.Stmt, ...], target: ast.Node, env: dict[str, Const]) -> bool:
    """Whether `target` may run on the PE with coordinates `env` (conditions that fold on
    the coordinates decide; any other counts as maybe)."""
    for s in body:
        if s is target:
            return True
        match s:
            case ast.If(cond=c, then=t, else_=e):
                v = consteval.evaluate(c, env)
                if (v is not False and _reaches(t, target, env)) or (
                    v is not True and e is not None and _reaches(e, target, env)
                ):
                    return True
            case ast.For(body=b) | ast.Map(body=b) | ast.Foreach(body=b) | ast.Async(body=b):
                if _reaches(b, target, env):
                    return True
            case ast.Await(op=op) | ast.Completion(op=op):
                if _reaches((op,), target, env):
                    return True
    return False


def expand_collectives(bk: BoundKernel) -> BoundKernel:
    """`bk` with every multistream and collective call rewritten into plain streams."""
    if not any(
        isinstance(d.source, ast.CollectiveStream)
        for blk in (*bk.dataflows, *(b for ph in bk.phases for b in ph.dataflows))
        for d in blk.node.streams
    ) and not _has_calls(bk):
        return bk
    ex = _Expander(bk)
    ex.buffers = {}
    return ex.run()


def _has_calls(bk: BoundKernel) -> bool:
    return any(
        isinstance(n, ast.CollectiveCall)
        for ph in bk.phases
        for b in ph.computes
        for n in _walk(b.node.body)
    )


def _walk(node: object):
    if isinstance(node, ast.Node):
        yield node
        for f in dataclasses.fields(node):
            if f.name != "pos":
                yield from _walk(getattr(node, f.name))
    elif isinstance(node, tuple | list):
        for x in node:
            yield from _walk(x)
