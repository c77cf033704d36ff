"""Check one compute block on one concrete PE: names, types, stream counts and races.

The PE's coordinates are constants here, so conditions on `x`/`y` decide which branch runs
and names need only exist on the PEs that use them. The walk records, per stream, how many
elements this PE sends and receives (None when that depends on run-time values) and reports
writes that race with an asynchronous operation still in flight (docs/SPADA.md §10): an
operation not prefixed with `await` runs until `await c`, `awaitall`, the end of the
enclosing loop iteration or the end of the compute block.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sluice.errors import RaceError, SluiceError, SluiceTypeError
from sluice.frontend.spada import ast
from sluice.frontend.spada import types as T
from sluice.frontend.spada.data_index import non_affine_subscript
from sluice.frontend.spada.diagnostics import Reporter, SpadaNameError, suggest
from sluice.frontend.spada.exprcheck import ExprChecker
from sluice.frontend.spada.pe_scope import Access, Count, KernelNames, Key, PEScope
from sluice.frontend.spada.ranges import extent, length
from sluice.frontend.spada.types import Ty


@dataclass
class InFlight:
    what: str
    node: ast.Node
    reads: set[Access]
    writes: set[Access]
    name: str | None = None


@dataclass
class Counts:
    sends: dict[Key, Count] = field(default_factory=dict)
    recvs: dict[Key, Count] = field(default_factory=dict)
    first: dict[tuple[str, Key], ast.Node] = field(default_factory=dict)

    @staticmethod
    def _add(d: dict[Key, Count], key: Key, n: Count) -> None:
        if key in d and d[key] is None:
            return
        d[key] = None if n is None else d.get(key, 0) + n  # type: ignore[operator]

    def add(self, kind: str, key: Key, n: Count, node: ast.Node) -> None:
        self._add(self.sends if kind == "send" else self.recvs, key, n)
        self.first.setdefault((kind, key), node)

    def merge_scaled(self, other: Counts, mult: Count) -> None:
        for kind, d in (("send", other.sends), ("recv", other.recvs)):
            for key, n in d.items():
                self.add(kind, key, None if n is None or mult is None else n * mult,
                         other.first[(kind, key)])

    def merge_branches(self, a: Counts, b: Counts) -> None:
        """Counts after `if c {a} else {b}` with c unknown: equal in both or unknown."""
        for kind in ("send", "recv"):
            da = a.sends if kind == "send" else a.recvs
            db = b.sends if kind == "send" else b.recvs
            for key in da.keys() | db.keys():
                na, nb = da.get(key, 0), db.get(key, 0)
                node = (a.first.get((kind, key)) or b.first[(kind, key)])
                self.add(kind, key, na if na == nb else None, node)


@dataclass
class Ctx:
    """One level of statement nesting."""

    counts: Counts
    inflight: list[InFlight]
    reads: set[Access] = field(default_factory=set)
    writes: set[Access] = field(default_factory=set)
    removed: set[int] = field(default_factory=set)  # ids of outer in-flight ops awaited here

    def child(self) -> Ctx:
        return Ctx(Counts(), list(self.inflight))


_OP_WORD = {ast.Send: "send", ast.Receive: "receive", ast.Map: "map", ast.Foreach: "foreach",
            ast.Async: "async block", ast.Close: "close"}

class PEWalker(ExprChecker):
    def __init__(self, rep: Reporter, names: KernelNames, scope: PEScope) -> None:
        super().__init__(rep, names, scope)
        self.counts = Counts()
        self.pending_bounds: dict[str, tuple[int, int] | None] = {}
        self.value_vars: set[str] = set()  # foreach variables bound to received values

    # ---- streams
    def stream_key(
        self, e: ast.Expr, direction: str, reads: set[Access], ctx: Ctx
    ) -> tuple[Key | None, Ty]:
        """(key, type) of a stream expression; key None when it is chosen at run time."""
        if isinstance(e, ast.Ternary):
            self.need_condition(self.expr(e.cond, reads), e.cond)
            v = self.static(e.cond)
            if isinstance(v, bool):
                return self.stream_key(e.then if v else e.else_, direction, reads, ctx)
            ka, ta = self.stream_key(e.then, direction, reads, ctx)
            kb, tb = self.stream_key(e.else_, direction, reads, ctx)
            if ta != tb:
                raise self.err(SluiceTypeError, f"ternary chooses between {ta} and {tb}", e,
                               "both streams must carry the same element type")
            for k in (ka, kb):  # which one runs is decided at run time: counts unknown
                if k is not None:
                    ctx.counts.add(direction, k, None, e)
            return None, ta
        if isinstance(e, ast.Name):
            kind, ty = self.resolve(e)
            if kind == "stream":
                info = self.scope.streams[e.id]
                if info.host is not None:
                    self.check_direction(info.host, direction, e)
                    return ("h", info.host, *self.scope.pe), ty
                return ("s", e.id), ty
            if kind == "hoststream":
                t = self.names.args[e.id].type
                if isinstance(t, ast.StreamArrayType):
                    raise self.err(SluiceTypeError, f"'{e.id}' is an array of streams", e,
                                   f"pick this PE's stream: {e.id}[x, y]")
            raise self.err(SluiceTypeError, f"'{e.id}' is not a stream ({ty})", e,
                           "name a stream declared in a dataflow block or a stream argument")
        if isinstance(e, ast.Subscript) and isinstance(e.base, ast.Name):
            kind, ty = self.resolve(e.base)
            if kind != "hoststream":
                raise self.err(SluiceTypeError, f"'{e.base.id}' is not an array of streams", e,
                               "index stream arguments declared stream<T, N>[a, b]")
            arg = self.names.args[e.base.id]
            if not isinstance(arg.type, ast.StreamArrayType):
                raise self.err(SluiceTypeError, f"'{e.base.id}' is a single stream", e,
                               "remove the subscript")
            self.check_direction(e.base.id, direction, e)
            dims = tuple(d.value for d in arg.type.dims)  # type: ignore[union-attr]
            if len(e.indices) != len(dims):
                raise self.err(SluiceTypeError, f"'{e.base.id}' takes {len(dims)} indices", e,
                               f"write {e.base.id}[x, y]")
            vals = []
            for i, d in zip(e.indices, dims, strict=True):
                t = self.expr(i, reads)
                if not T.is_int_scalar(t):
                    raise self.err(SluiceTypeError, f"index must be an integer, not {t}", i)
                v = self.static(i)
                if isinstance(v, int) and not isinstance(v, bool):
                    if not 0 <= v < d:
                        raise self.err(SluiceTypeError,
                                       f"index {v} is out of bounds for '{e.base.id}' "
                                       f"({dims[0]} x {dims[1]}) on {self.pe_text}", i,
                                       "restrict the compute subgrid or fix the index")
                    vals.append(v)
            if len(vals) != len(dims):
                return ("h", e.base.id, None, None), ty
            return ("h", e.base.id, *vals), ty
        raise self.err(SluiceTypeError, "expected a stream", e,
                       "name a stream declared in a dataflow block or a stream argument")

    # ---- races
    @staticmethod
    def _overlap(a: Access, b: Access) -> bool:
        return a[0] == b[0] and (a[1] is None or b[1] is None or a[1] == b[1])

    def touch(self, ctx: Ctx, reads: Iterable[Access], writes: Iterable[Access], node) -> None:
        reads, writes = set(reads), set(writes)
        self.wait_for_async(ctx, reads, writes)
        for op in ctx.inflight:
            for w in writes:
                hit = next((x for x in op.reads | op.writes if self._overlap(w, x)), None)
                if hit is not None:
                    doing = "writing" if hit in op.writes else "reading"
                    raise self.race(w[0], "written", op, doing, node)
            for r in reads:
                if any(self._overlap(r, x) for x in op.writes):
                    raise self.race(r[0], "read", op, "writing", node)
        ctx.reads |= reads
        ctx.writes |= writes

    def conflicts(self, op: InFlight, reads: set[Access], writes: set[Access]) -> bool:
        return any(self._overlap(w, x) for w in writes for x in op.reads | op.writes) or \
            any(self._overlap(r, x) for r in reads for x in op.writes)

    def wait_for_async(self, ctx: Ctx, reads: set[Access], writes: set[Access]) -> None:
        """E4: a statement that conflicts with a running `async` block waits for it."""
        for op in [f for f in ctx.inflight if isinstance(f.node, ast.Async)]:
            if self.conflicts(op, reads, writes):
                ctx.inflight.remove(op)
                ctx.removed.add(id(op))

    def async_block(self, s: ast.Async, body, ctx: Ctx) -> InFlight:
        """E4: an `async` block starts once the in-flight operations it conflicts with are
        complete, so its body is checked against none of them."""
        saved = list(ctx.inflight)
        ctx.inflight.clear()
        try:
            sub = self.nested(body, ctx, 1)
        finally:
            ctx.inflight[:] = saved
        for op in [f for f in ctx.inflight if self.conflicts(f, sub.reads, sub.writes)]:
            ctx.inflight.remove(op)
            ctx.removed.add(id(op))
        return InFlight(_OP_WORD[ast.Async], s, sub.reads, sub.writes)

    def race(self, field_name: str, how: str, op: InFlight, doing: str, node) -> SluiceError:
        started = f"line {op.node.pos.line}" if op.node.pos.line else "earlier"
        if op.name:
            fix = f"`await {op.name}` before this line"
        else:
            fix = (f"prefix the {op.what} with `await`, or name it `completion c = ...` and "
                   "`await c` before this line")
        return self.err(RaceError,
                        f"'{field_name}' is {how} while the {op.what} started at {started} may "
                        f"still be {doing} it", node, f"wait for the {op.what} first: {fix}")

    # ---- statements
    def body(self, stmts: tuple[ast.Stmt, ...], ctx: Ctx) -> None:
        self.locals.append({})
        try:
            for s in stmts:
                self.stmt(s, ctx)
        finally:
            self.locals.pop()

    def declare(self, name: str, kind: str, typ: ast.Type, node) -> None:
        frame = self.locals[-1]
        # No shadowing of anything the PE or kernel defines: conditions on the coordinates
        # are decided per PE, and a local `x` would silently change their meaning.
        taken = (name in frame or name in self.scope.fields or name in self.scope.streams
                 or name in self.scope.coords or name in self.names.args
                 or name in self.names.params or self.lookup_local(name) is not None)
        if taken:
            raise self.err(SluiceError, f"'{name}' is already declared here", node,
                           "choose another name")
        frame[name] = (kind, typ)

    def stmt(self, s: ast.Stmt, ctx: Ctx) -> None:
        match s:
            case ast.LocalDecl(type=t, name=n, value=v):
                if not isinstance(t, ast.ScalarType | ast.ArrayType):
                    raise self.err(SluiceTypeError, f"local '{n}' must be a scalar or array", s,
                                   "declare streams in a dataflow block")
                if isinstance(t, ast.ArrayType) and not all(
                        isinstance(d, ast.IntLit) and d.value > 0 for d in t.dims):
                    raise self.err(SluiceTypeError, f"size of local array '{n}' must be a "
                                   "positive compile-time integer", s)
                reads: set[Access] = set()
                if v is not None:
                    vt = self.expr(v, reads)
                    self.need_assignable(vt, self._ty(t), s, n)
                self.touch(ctx, reads, [], s)
                self.declare(n, "local", t, s)
            case ast.Assign(target=t, op=op, value=v):
                reads = set()
                tt, acc = self.target(t, reads, "assign")
                vt = self.expr(v, reads)
                if op != "=":
                    binop = op[:-1]
                    self.binary(ast.Binary(binop, t, v, pos=s.pos), set())
                    reads.add(acc)
                name = t.base.id if isinstance(t, ast.Subscript) else t.id
                self.need_assignable(vt, tt, s, name)
                self.touch(ctx, reads, [acc], s)
            case ast.If(cond=c, then=a, else_=b):
                reads = set()
                self.need_condition(self.expr(c, reads), c)
                self.touch(ctx, reads, [], s)
                v = self.static(c)
                if isinstance(v, bool):
                    chosen = a if v else b
                    if chosen is not None:
                        self.nested(chosen, ctx, 1, keep_inflight=True)
                    return
                self.branches(a, b or (), ctx, _names_in(c))
            case ast.For(vars=vs, ranges=rs, body=b):
                trip = self.loop_header(vs, rs, ctx, s)
                self.nested(b, ctx, trip, loop_vars=vs, loop=True)
            case ast.Foreach():  # a loop: blocking unless prefixed or inside async
                self.foreach(s, ctx, loop=True)
            case ast.Await(op=op):
                self.async_op(op, ctx)
            case ast.Completion(name=n, op=op):
                if any(f.name == n for f in ctx.inflight):
                    raise self.err(SluiceError, f"completion '{n}' is still pending", s,
                                   f"`await {n}` before reusing the name")
                entry = self.async_op(op, ctx)
                entry.name = n
                ctx.inflight.append(entry)
                self.completions.add(n)
            case ast.AwaitName(name=n):
                if n not in self.completions:
                    raise self.err(SpadaNameError, f"undefined completion '{n}'", s,
                                   suggest(n, self.completions)
                                   or f"name an operation first: completion {n} = send(...)")
                for f in [f for f in ctx.inflight if f.name == n]:
                    ctx.inflight.remove(f)
                    ctx.removed.add(id(f))
            case ast.AwaitAll():
                ctx.removed |= {id(f) for f in ctx.inflight}
                ctx.inflight.clear()
            case _:
                ctx.inflight.append(self.async_op(s, ctx))

    def need_assignable(self, vt: Ty, tt: Ty, node, name: str) -> None:
        if tt.kind == "array":
            raise self.err(SluiceTypeError, f"cannot assign to the whole array '{name}'", node,
                           f"assign elements ({name}[k] = ...) in a map or for loop")
        if vt.kind != "scalar" or not T.assignable(vt.elem, tt.elem):
            hint = (f"convert explicitly: {tt.elem}(...)" if vt.kind == "scalar"
                    else "index the array or use a scalar value")
            raise self.err(SluiceTypeError, f"cannot assign {vt} to '{name}' of type {tt}", node,
                           hint)

    def loop_header(self, vs, rs, ctx: Ctx, node) -> int | None:
        if len(vs) != len(rs):
            raise self.err(SluiceError, f"{len(vs)} loop variable(s) but {len(rs)} range(s)",
                           node, "give one range per variable")
        reads: set[Access] = set()
        trip: int | None = 1
        for v, r in zip(vs, rs, strict=True):
            if not T.is_int(v.type.name):
                raise self.err(SluiceTypeError, f"loop variable '{v.name}' must be an integer",
                               v, "declare it i16 or i32")
            rng = self.range_of(r, reads)
            self.fits(v, rng, r)
            trip = None if trip is None or rng is None else trip * length(rng)
            self.pending_bounds[v.name] = extent(rng) if rng is not None else None
        self.touch(ctx, reads, [], node)
        return trip

    def fits(self, v: ast.LoopVar, rng: range | None, where: ast.Node) -> None:
        """A loop variable's type must hold every value of its range."""
        span = extent(rng) if rng is not None and v.type.name in T.INTS else None
        if span is None:
            return
        lo, hi = T.int_limits(v.type.name)
        if span[0] < lo or span[1] > hi:
            bad = span[1] if span[1] > hi else span[0]
            raise self.err(SluiceTypeError, f"loop variable '{v.name}' ({v.type.name}) cannot "
                           f"hold {bad}", where, "use a wider type (i32) or a smaller range")

    def range_len(self, r: ast.RangeItem, reads: set[Access]) -> int | None:
        rng = self.range_of(r, reads)
        return None if rng is None else length(rng)

    def range_of(self, r: ast.RangeItem, reads: set[Access]) -> range | None:
        parts = [r.start, r.stop] + ([r.step] if r.step else []) if isinstance(r, ast.Range) \
            else [r]
        for p in parts:
            t = self.expr(p, reads)
            if not T.is_int_scalar(t):
                raise self.err(SluiceTypeError, f"range bound must be an integer, not {t}", p)
        vals = [self.static(p) for p in parts]
        if any(not isinstance(v, int) or isinstance(v, bool) for v in vals):
            return None
        if not isinstance(r, ast.Range):
            return range(vals[0], vals[0] + 1)
        step = vals[2] if len(vals) == 3 else 1
        if step == 0:
            raise self.err(SluiceError, "range step is zero", r.step, "use a positive step")
        return range(vals[0], vals[1], step)

    def nested(self, stmts, ctx: Ctx, mult: int | None, loop_vars=(), keep_inflight=False,
               loop=False) -> Ctx:
        """Walk a nested body; its counts scale by `mult` (a loop's trip count)."""
        sub = ctx.child()
        self.locals.append({})
        saved = dict(self.bounds)
        try:
            for v in loop_vars:
                self.declare(v.name, "loopvar", v.type, v)
                b = self.pending_bounds.pop(v.name, None)
                if b is not None:
                    self.bounds[v.name] = b
                else:
                    self.bounds.pop(v.name, None)
            for s in stmts:
                self.stmt(s, sub)
        finally:
            self.locals.pop()
            self.bounds = saved
        ctx.counts.merge_scaled(sub.counts, mult)
        ctx.reads |= sub.reads
        ctx.writes |= sub.writes
        if keep_inflight:  # a branch that surely runs: what it starts stays in flight
            ctx.inflight[:] = sub.inflight
            ctx.removed |= sub.removed
        elif loop and mult:  # a loop that runs at least once: what it awaited is done
            ctx.inflight[:] = [f for f in ctx.inflight if id(f) not in sub.removed]
            ctx.removed |= sub.removed
        return sub

    def branches(self, a, b, ctx: Ctx, guard_names: set[str]) -> None:
        subs = []
        saved = self.bounds
        # Inside a guarded branch an index may be safe only because of the guard.
        self.bounds = {k: v for k, v in saved.items() if k not in guard_names}
        try:
            for stmts in (a, b):
                sub = ctx.child()
                self.body(stmts, sub)
                subs.append(sub)
        finally:
            self.bounds = saved
        ctx.counts.merge_branches(subs[0].counts, subs[1].counts)
        ids = {id(f) for f in ctx.inflight}
        both_removed = subs[0].removed & subs[1].removed
        kept = [f for f in ctx.inflight if id(f) not in both_removed]
        started = [f for sub in subs for f in sub.inflight if id(f) not in ids]
        ctx.inflight[:] = kept + started
        ctx.removed |= both_removed
        for sub in subs:
            ctx.reads |= sub.reads
            ctx.writes |= sub.writes

    def async_op(self, s: ast.Stmt, ctx: Ctx) -> InFlight:
        """Check an asynchronous operation; returns its in-flight record (not yet added)."""
        what = _OP_WORD.get(type(s), "operation")
        match s:
            case ast.Send(value=v, stream=st):
                reads: set[Access] = set()
                vt = self.expr(v, reads)
                key, stt = self.stream_key(st, "send", reads, ctx)
                if vt.kind not in ("scalar", "array") or not T.sendable(vt.elem, stt.elem):
                    raise self.err(SluiceTypeError, f"cannot send {vt} on {stt}", s,
                                   f"send a value of type {stt.elem}, or convert it first")
                self.touch(ctx, reads, [], s)
                if key is not None:
                    ctx.counts.add("send", key, vt.count, s)
                return InFlight(what, s, reads, set())
            case ast.Receive(target=t, stream=st):
                reads = set()
                key, stt = self.stream_key(st, "recv", reads, ctx)
                tt, acc = self.target(t, reads, "receive")
                if tt.elem != stt.elem:
                    raise self.err(SluiceTypeError, f"cannot receive {stt} into {tt}", s,
                                   f"receive into a field of element type {stt.elem}")
                self.touch(ctx, reads, [acc], s)
                if key is not None:
                    ctx.counts.add("recv", key, tt.count, s)
                return InFlight(what, s, reads, {acc})
            case ast.Close(stream=st):
                self.stream_key(st, "send", set(), ctx)
                return InFlight(what, s, set(), set())
            case ast.Map(vars=vs, ranges=rs, body=b):
                self.map_subscripts(s)
                trip = self.loop_header(vs, rs, ctx, s)
                sub = self.nested(b, ctx, trip, loop_vars=vs)
                return InFlight(what, s, sub.reads, sub.writes)
            case ast.Async(body=b):
                return self.async_block(s, b, ctx)
            case ast.Foreach():
                return self.foreach(s, ctx, loop=False)
        raise self.err(SluiceError, "not an operation that can be awaited", s)

    def foreach(self, s: ast.Foreach, ctx: Ctx, loop: bool) -> InFlight:
        gen = s.receive_gen
        ranges = s.index_ranges or ()
        n_vars = len(ranges) + 1
        if len(s.vars) != n_vars:
            raise self.err(SluiceError,
                           f"foreach binds {len(s.vars)} variable(s) but its generators give "
                           f"{n_vars}", s, "one variable per range dimension plus one for the "
                           "received value, in generator order")
        reads: set[Access] = set()
        key, stt = self.stream_key(gen.stream, "recv", reads, ctx)
        trip: int | None = 1
        rngs = [self.range_of(r, reads) for r in ranges]
        for rng in rngs:
            trip = None if trip is None or rng is None else trip * length(rng)
        if not ranges:
            trip = None  # runs until the sender closes the stream
        self.touch(ctx, reads, [], s)
        if key is not None:
            ctx.counts.add("recv", key, trip, s)
        # Variables in generator order: range variables for the range, one for the value.
        vs = list(s.vars)
        value_var = None
        for g in s.gens:
            if isinstance(g, ast.ReceiveGen):
                value_var = vs.pop(0)
            else:
                for v, rng in zip(vs[:len(g)], rngs, strict=True):
                    if not T.is_int(v.type.name):
                        raise self.err(SluiceTypeError,
                                       f"index variable '{v.name}' must be an integer", v,
                                       "declare it i16 or i32")
                    self.fits(v, rng, v)
                    self.pending_bounds[v.name] = extent(rng) if rng is not None else None
                vs = vs[len(g):]
        if value_var.type.name != stt.elem:
            raise self.err(SluiceTypeError,
                           f"'{value_var.name}' is {value_var.type.name} but the stream carries "
                           f"{stt.elem}", value_var, f"declare it {stt.elem} {value_var.name}")
        self.value_vars.add(value_var.name)
        sub = self.nested(s.body, ctx, trip, loop_vars=s.vars, loop=loop)
        return InFlight(_OP_WORD[ast.Foreach], s, sub.reads, sub.writes)

    def map_subscripts(self, s: ast.Map) -> None:
        """E8: a map body's subscripts are affine in its loop variables."""
        def classify(n: str) -> str:
            loc = self.lookup_local(n)
            if loc is not None:
                return "data" if loc[0] == "local" or n in self.value_vars else "const"
            if n in self.scope.fields:
                return "data"
            return "host" if n in self.names.args and not isinstance(
                self.names.args[n].type, ast.ScalarType) else "const"

        bad = non_affine_subscript(s, classify)
        if bad is not None:
            raise self.err(SluiceTypeError, f"a subscript in a map body {bad[1]}", bad[0],
                           "map subscripts must be affine in the map variables; use a for "
                           "loop for data-dependent indexing")

    # ---- entry
    def run(self, body: tuple[ast.Stmt, ...]) -> Counts:
        ctx = Ctx(self.counts, [])
        self.body(body, ctx)
        return self.counts


def _names_in(e: ast.Expr) -> set[str]:
    match e:
        case ast.Name(id=n):
            return {n}
        case ast.Unary(operand=a):
            return _names_in(a)
        case ast.Binary(left=a, right=b):
            return _names_in(a) | _names_in(b)
        case ast.Ternary(then=a, cond=c, else_=b):
            return _names_in(a) | _names_in(c) | _names_in(b)
        case ast.Call(args=args):
            return set().union(*(_names_in(a) for a in args)) if args else set()
        case ast.Subscript(base=b, indices=idx):
            return _names_in(b).union(*(_names_in(i) for i in idx))
    return set()
