"""Lowering a checked `.sptl` kernel to the sluice IR (DESIGN.md §5).

The shape of the result:

* host stream arrays `stream<T, N>[a, b]` become IR streams of shape (a, b) that are program
  arguments; scalar arguments become scalars;
* a placed field `T[d...]` becomes a PE-local array of shape (W, H, d...) over the whole grid
  (the first two indices are the PE's coordinates), a dataflow stream a stream of shape (W, H)
  whose element (x, y) is the queue *arriving at* PE (x, y);
* each phase is one state holding one spatial map over the grid; the map's body calls the
  phase program with the PE's coordinates (`pe_x`, `pe_y`), which branches on the compute
  block that covers the PE and runs its statements as IR control flow and states.

Names the lowering makes up (the coordinates, the map's parameters, temporaries) never equal
an identifier of the kernel: each gets a suffix until it is free (`LoweredKernel.coords` says
what the coordinates were called), so a field named `x` or `pe_x` is just a field.

Execution is eager: a send pushes at once (queues are unbounded in the IR). A receive that is
not awaited at once is moved to the point where it must complete — `await c`, `awaitall`, the
end of the enclosing loop body or of the compute block — which is what SPADA.md §10 allows
(the target may not be touched before), and what keeps halo exchanges that post receives before
their sends from deadlocking.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field

import sympy

from sluice.errors import SluiceError, SluiceTypeError, UnsupportedError
from sluice.frontend.spada import ast
from sluice.frontend.spada.astwalk import strings
from sluice.frontend.spada.async_order import must_complete_first
from sluice.frontend.spada.expand import Block, BoundKernel, BoundPhase
from sluice.frontend.spada.ranges import negative_multicast
from sluice.frontend.spada.versions import unversion
from sluice.ir import (
    Array,
    Branch,
    Call,
    DataflowGraph,
    DType,
    GraphBuilder,
    Index,
    Map,
    Memlet,
    Program,
    ProgramBuilder,
    Range,
    Region,
    Scalar,
    Schedule,
    State,
    Storage,
    Stream,
)
from sluice.ir import exact as X
from sluice.ir import symbolic as S

PE_X, PE_Y = "pe_x", "pe_y"  # preferred names of the PE coordinates; see `_Lowerer.unique`

DTYPES = {"f16": DType.float16, "f32": DType.float32, "f64": DType.float64, "i8": DType.int8,
          "i16": DType.int16, "i32": DType.int32, "u8": DType.uint8, "u16": DType.uint16,
          "u32": DType.uint32, "bool": DType.bool}


def _int(e: ast.Expr) -> int:
    if isinstance(e, ast.IntLit):
        return e.value
    if isinstance(e, ast.Unary) and e.op == "-" and isinstance(e.operand, ast.IntLit):
        return -e.operand.value
    raise SluiceError("expected a compile-time integer here", hint="bind the kernel's parameters")


@dataclass
class HostStream:
    """A stream-array argument: its IR stream, direction and host shape (a, b, N)."""

    name: str
    dtype: DType
    shape: tuple[int, int, int]
    readonly: bool


@dataclass
class LoweredKernel:
    program: Program
    grid: tuple[int, int]
    host_streams: list[HostStream]
    scalars: dict[str, DType]
    # `s.close()` markers: empty IR states (no-ops for the interpreter), by state name, with
    # the sending memlet of the closed stream; a backend that signals epoch ends uses them.
    closes: dict[str, Memlet] = field(default_factory=dict)
    # The symbols of a phase program that hold the PE's coordinates: PE_X, PE_Y unless the
    # kernel uses those names itself.
    coords: tuple[str, str] = (PE_X, PE_Y)


@dataclass
class _Value:
    """A translated expression: SymPy over connector names, plus the memlets they read."""

    expr: sympy.Basic
    reads: dict[str, Memlet] = field(default_factory=dict)
    is_float: bool = False


class _Phase:
    """Builds the program of one phase: a branch per compute block, statements inside."""

    def __init__(self, lowerer: _Lowerer, phase: BoundPhase) -> None:
        self.low = lowerer
        self.phase = phase
        self.b = ProgramBuilder(f"{lowerer.name}_phase{phase.index}")
        self.pe_x, self.pe_y = lowerer.coords
        self.b.symbol(self.pe_x, arg=True)
        self.b.symbol(self.pe_y, arg=True)
        for name in lowerer.containers:
            c = lowerer.main.data[name]
            self.b.program.data[name] = _clone(c)
            self.b.program.args.append(name)
        self.locals: dict[str, str] = {}  # SpaDA local name -> container
        self.coords: dict[str, str] = {}  # block coordinate names -> pe_x / pe_y symbols
        self.loopvars: set[str] = set()
        # Deferred receives per loop body / compute block: (completion name, statement,
        # the branch conditions it was started under).
        self.pending: list[list[tuple[str | None, ast.Stmt, tuple]]] = []
        self.conds: list[sympy.Basic] = []
        self.counter = 0
        self.vector_map = False  # building the one tasklet of a vector map
        self.streams = self._stream_table()

    # --- tables ---------------------------------------------------------------------------
    def _stream_table(self) -> dict[str, list[tuple[Block, ast.StreamDecl]]]:
        table: dict[str, list[tuple[Block, ast.StreamDecl]]] = {}
        for blk in (*self.low.bk.dataflows, *self.phase.dataflows):
            for decl in blk.node.streams:
                table.setdefault(decl.name, []).append((blk, decl))
        return table

    def fresh(self, prefix: str) -> str:
        """A numbered name (`prefix` + counter, counted per phase) no kernel identifier equals."""
        while True:
            self.counter += 1
            cand = f"{prefix}{self.counter}"
            if cand not in self.low.user_names:
                return cand

    # --- building ---------------------------------------------------------------------------
    def build(self) -> Program:
        cases = []
        for blk in self.phase.computes:
            region = Region()
            self.coords = {blk.xvar: self.pe_x, blk.yvar: self.pe_y}
            self.b._regions.append(region)
            self.pending.append([])
            self.stmts(blk.node.body)
            self.flush()
            self.pending.pop()
            self.b._regions.pop()
            cases.append((self.membership(blk), region))
        if cases:
            self.b.region.append(Branch(cases))
        return self.b.build()

    def membership(self, blk: Block) -> sympy.Basic:
        """A condition on (pe_x, pe_y) that holds exactly on the block's subgrid."""
        conds = []
        for var, item in zip((self.pe_x, self.pe_y), blk.node.subgrid.ranges, strict=True):
            v = S.symbol(var)
            if isinstance(item, ast.Range):
                lo, hi = _int(item.start), _int(item.stop)
                step = 1 if item.step is None else _int(item.step)
                conds += [sympy.Ge(v, lo), sympy.Lt(v, hi)]
                if step != 1:
                    conds.append(sympy.Eq(sympy.Mod(v - lo, step), 0))
            else:
                conds.append(sympy.Eq(v, _int(item)))
        return sympy.And(*conds)

    # --- statements ---------------------------------------------------------------------------
    def stmts(self, body: Sequence[ast.Stmt]) -> None:
        for s in body:
            self.stmt(s)

    def stmt(self, s: ast.Stmt, deferred_name: str | None = None) -> None:
        self.order_before(s)
        if isinstance(s, ast.LocalDecl):
            self.local(s)
        elif isinstance(s, ast.Assign):
            self.assign(s)
        elif isinstance(s, ast.Await):
            self.op(s.op, now=True)
        elif isinstance(s, ast.Completion):
            self.op(s.op, now=False, name=s.name)
        elif isinstance(s, ast.AwaitName):
            self.flush(s.name)
        elif isinstance(s, ast.AwaitAll):
            self.flush()
        elif isinstance(s, ast.If):
            self.if_(s)
        elif isinstance(s, ast.For):
            self.one_range_per_variable(s)
            self.loop(s.vars, s.ranges, lambda: self.stmts(s.body))
        elif isinstance(s, ast.Foreach):
            self.op(s, now=True)  # foreach is a blocking loop unless prefixed
        elif isinstance(s, ast.Send | ast.Receive | ast.Close | ast.Map | ast.Async):
            self.op(s, now=False)
        else:
            raise UnsupportedError(f"statement {type(s).__name__} cannot be lowered yet",
                                   self.low.loc(s))

    def op(self, s: ast.Stmt, now: bool, name: str | None = None) -> None:
        """An asynchronous operation: receives wait for their completion point."""
        if not now and _receives(s):
            self.pending[-1].append((name, s, tuple(self.conds)))
            return
        if isinstance(s, ast.Send):
            self.send(s)
        elif isinstance(s, ast.Receive):
            self.receive(s)
        elif isinstance(s, ast.Close):
            self.close(s)  # counts are static: only a marker, moving no data
        elif isinstance(s, ast.Map):
            self.map(s)
        elif isinstance(s, ast.Foreach):
            self.foreach(s)
        elif isinstance(s, ast.Async):
            self.pending.append([])  # its own operations complete inside it
            self.stmts(s.body)
            self.flush()
            self.pending.pop()

    def order_before(self, s: ast.Stmt) -> None:
        """E4: complete the deferred operations `s` must wait for (async blocks it conflicts
        with; for an async `s`, every operation it conflicts with)."""
        if not self.pending or not self.pending[-1]:
            return
        level = self.pending[-1]
        names = frozenset(self.streams) | frozenset(self.low.host)
        chosen = must_complete_first([p for _, p, _ in level], s, names)
        if chosen:
            self.flush(only={id(level[i]) for i in chosen})

    def flush(self, name: str | None = None, only: set[int] | None = None) -> None:
        """Complete deferred operations: all of them, the one named `name`, or those whose
        entries' ids are in `only`."""
        if not self.pending:
            return
        keep = []
        for entry in self.pending[-1]:
            n, s, conds = entry
            if (name is not None and n != name) or (only is not None and id(entry) not in only):
                keep.append(entry)
                continue
            if conds[len(self.conds):] or conds[:len(self.conds)] != tuple(self.conds):
                # Started under branch conditions that do not hold here: replay them.
                blk = Branch([(functools.reduce(X.and_, conds), Region())])
                self.b.region.append(blk)
                self.b._regions.append(blk.cases[0][1])
                saved, self.conds = self.conds, list(conds)
                self.op(s, now=True)
                self.conds = saved
                self.b._regions.pop()
            else:
                self.op(s, now=True)
        self.pending[-1] = keep

    def if_(self, s: ast.If) -> None:
        cond = self.condition(s.cond)
        blk = Branch([(cond, Region())])
        self.b.region.append(blk)
        self.b._regions.append(blk.cases[0][1])
        self.conds.append(cond)
        self.stmts(s.then)
        self.conds.pop()
        self.b._regions.pop()
        if s.else_ is not None:
            blk.orelse = Region()
            self.b._regions.append(blk.orelse)
            self.conds.append(X.not_(cond))
            self.stmts(s.else_)
            self.conds.pop()
            self.b._regions.pop()

    def loop(self, vars: Sequence[ast.LoopVar], ranges: Sequence[ast.RangeItem], body) -> None:
        if not vars:
            self.pending.append([])
            body()
            self.flush()
            self.pending.pop()
            return
        var, item = vars[0], ranges[0]
        if isinstance(item, ast.Range):
            start, stop = self.index(item.start), self.index(item.stop)
            step = 1 if item.step is None else _int(item.step)
        else:
            start = self.index(item)
            stop, step = start + 1, 1
        self.loopvars.add(var.name)
        self.b.symbol(var.name)
        with self.b.loop(var.name, start, stop, step):
            self.loop(vars[1:], ranges[1:], body)
        self.loopvars.discard(var.name)

    def local(self, s: ast.LocalDecl) -> None:
        name = s.name if s.name not in self.b.program.data else self.fresh(f"{s.name}_")
        if name in self.b.program.data:
            name = self.fresh(f"{s.name}_")
        t = s.type
        if isinstance(t, ast.ScalarType):
            self.b.transient(name, DTYPES[t.name])
        elif isinstance(t, ast.ArrayType):
            self.b.transient(name, DTYPES[t.elem.name], [_int(d) for d in t.dims])
        else:
            raise UnsupportedError("only scalar and array locals are supported",
                                   self.low.loc(s))
        self.locals[s.name] = name
        if s.value is not None:
            self.assign(ast.Assign(ast.Name(s.name, pos=s.pos), "=", s.value, pos=s.pos))

    def assign(self, s: ast.Assign) -> None:
        target = self.place(s.target)
        value = self.value(s.value)
        if s.op != "=":
            old = self.value(s.target)
            value = _combine(s.op[:-1], old, value)
        self.tasklet(value, target, label=f"line {s.pos.line}")

    def tasklet(self, v: _Value, target: Memlet, label: str) -> None:
        with self.b.state(self.fresh("s")) as st:
            st.tasklet([("out", v.expr)], inputs=v.reads, outputs={"out": target},
                       label=label)

    # --- maps, sends, receives ---------------------------------------------------------------
    def one_range_per_variable(self, s: ast.For | ast.Map) -> None:
        # The checker says so where a PE reaches the loop; code no PE reaches (an `if x < W
        # - 1` with W = 1) is still lowered, and a loop over more ranges than variables
        # would skip the extra ones (`in [0, K]` for `in [0:K]`).
        if len(s.vars) != len(s.ranges):
            raise SluiceError(f"{len(s.vars)} loop variable(s) but {len(s.ranges)} range(s)",
                              self.low.loc(s), hint="give one range per variable")

    def map(self, s: ast.Map) -> None:
        self.one_range_per_variable(s)
        single = len(s.body) == 1 and isinstance(s.body[0], ast.Assign) and len(s.vars) == 1
        if not single:
            self.loop(s.vars, s.ranges, lambda: self.stmts(s.body))
            return
        # One assignment over a range: a vectorisable IR map.
        (var,), (item,) = s.vars, s.ranges
        if not isinstance(item, ast.Range):
            self.loop(s.vars, s.ranges, lambda: self.stmts(s.body))
            return
        a = s.body[0]
        self.loopvars.add(var.name)
        self.vector_map = True
        target = self.place(a.target)
        value = self.value(a.value)
        if a.op != "=":
            value = _combine(a.op[:-1], self.value(a.target), value)
        self.vector_map = False
        self.loopvars.discard(var.name)
        rng = Range(self.index(item.start), self.index(item.stop),
                    1 if item.step is None else _int(item.step))
        with self.b.state(self.fresh("map")) as st:
            with st.map_scope({var.name: rng}, Schedule.vector, f"line {s.pos.line}") as m:
                m.tasklet([("out", value.expr)], inputs=value.reads, outputs={"out": target},
                          label=f"line {a.pos.line}")

    def send(self, s: ast.Send) -> None:
        def emit(stream: Memlet) -> None:
            field_ = self.whole_field(s.value)
            # before the state: a data-dependent index (E8) adds states of its own
            v = self.value(s.value) if field_ is None else None
            with self.b.state(self.fresh("send")) as st:
                if field_ is not None:
                    st.copy(field_, stream)
                else:
                    st.tasklet([("out", v.expr)], inputs=v.reads, outputs={"out": stream},
                               label=f"send line {s.pos.line}")

        self.on_stream(s.stream, emit, sending=True)

    def close(self, s: ast.Close) -> None:
        def emit(stream: Memlet) -> None:
            if stream.data in {h.name for h in self.low.host.values()}:
                return  # host streams have no epochs to signal
            name = self.fresh(f"close_p{self.phase.index}_")
            with self.b.state(name):
                pass
            self.low.closes[name] = stream

        self.on_stream(s.stream, emit, sending=True)

    def receive(self, s: ast.Receive) -> None:
        def emit(stream: Memlet) -> None:
            field_ = self.whole_field(s.target)
            # before the state: a data-dependent index (E8) adds states of its own
            target = field_ if field_ is not None else self.place(s.target)
            with self.b.state(self.fresh("recv")) as st:
                st.copy(stream, target)

        self.on_stream(s.stream, emit, sending=False)

    def foreach(self, s: ast.Foreach) -> None:
        gen = s.receive_gen
        ranges = s.index_ranges
        vars = list(s.vars)
        if gen is None:
            self.loop(vars, ranges or (), lambda: self.stmts(s.body))
            return
        # Variables bind in generator order: ranges one per dimension, receive one.
        order = [g for g in s.gens]
        want = sum(1 if isinstance(g, ast.ReceiveGen) else len(g) for g in order)
        if len(vars) != want:
            raise SluiceError(f"this foreach binds {len(vars)} variables, but its generators "
                              f"give {want}", self.low.loc(s),
                              hint="one variable per range dimension, one per received value")
        idx_vars, val_var = [], None
        for g in order:
            if isinstance(g, ast.ReceiveGen):
                val_var = vars.pop(0)
            else:
                idx_vars, vars = vars[:len(g)], vars[len(g):]
        if ranges is None:
            count = self.stream_count(gen.stream)
            ranges = (ast.Range(ast.IntLit(0), ast.IntLit(count)),)
            idx_vars = [ast.LoopVar(ast.ScalarType("i16"), self.fresh("k"))]
        value_name = self.fresh(f"{val_var.name}_")
        self.b.transient(value_name, DTYPES[val_var.type.name])

        def body() -> None:
            self.locals[val_var.name] = value_name

            def emit(stream: Memlet) -> None:
                with self.b.state(self.fresh("recv")) as st:
                    st.copy(stream, Memlet(value_name))

            self.on_stream(gen.stream, emit, sending=False)
            self.stmts(s.body)

        self.loop(idx_vars, ranges, body)

    def stream_count(self, e: ast.Expr) -> int:
        name = e.id if isinstance(e, ast.Name) else None
        for _, decl in self.streams.get(name, []):
            if decl.type.length is not None:
                return _int(decl.type.length)
            r = getattr(decl.source, "routing", None)
            if r is not None and isinstance(r.count, ast.IntLit):
                return r.count.value
        raise UnsupportedError(
            "a foreach without a range needs the stream's length", self.low.loc(e),
            "declare the stream stream<T, N>, give it { count = N }, or add a range")

    def on_stream(self, e: ast.Expr, emit, sending: bool) -> None:
        """Call `emit(memlet)` for the stream an expression names (branching on ternaries
        and on which dataflow block declares the stream on this PE)."""
        if isinstance(e, ast.Ternary):
            blk = Branch([(self.condition(e.cond), Region())], Region())
            self.b.region.append(blk)
            self.b._regions.append(blk.cases[0][1])
            self.on_stream(e.then, emit, sending)
            self.b._regions.pop()
            self.b._regions.append(blk.orelse)
            self.on_stream(e.else_, emit, sending)
            self.b._regions.pop()
            return
        if isinstance(e, ast.Subscript) and isinstance(e.base, ast.Name):
            host = self.low.host.get(e.base.id)
            if host is None:
                raise SluiceError(f"'{e.base.id}' is not a stream argument", self.low.loc(e))
            emit(Memlet(host.name, tuple(Index(self.index(i)) for i in e.indices)))
            return
        if not isinstance(e, ast.Name) or e.id not in self.streams:
            raise SluiceError("expected a stream", self.low.loc(e))
        decls = self.streams[e.id]
        if len(decls) == 1:
            emit(self.stream_memlet(e.id, decls[0][1], sending))
            return
        branch = Branch([])
        self.b.region.append(branch)
        for blk, decl in decls:
            r = Region()
            branch.cases.append((self.membership(blk), r))
            self.b._regions.append(r)
            emit(self.stream_memlet(e.id, decl, sending))
            self.b._regions.pop()

    def stream_memlet(self, name: str, decl: ast.StreamDecl, sending: bool) -> Memlet:
        src = decl.source
        if isinstance(src, ast.ExternStream):
            return Memlet(self.low.host[src.arg].name, (Index(S.symbol(self.pe_x)),
                                                        Index(S.symbol(self.pe_y))))
        container = self.low.stream_container(self.phase.index, name, decl)
        if not sending:
            return Memlet(container, (Index(S.symbol(self.pe_x)), Index(S.symbol(self.pe_y))))
        dims = []
        for coord, off in ((self.pe_x, src.dx), (self.pe_y, src.dy)):
            c = S.symbol(coord)
            if isinstance(off, ast.Range):
                step = 1 if off.step is None else _int(off.step)
                lo, hi = self.index(off.start), self.index(off.stop)
                if lo.is_Integer and hi.is_Integer and negative_multicast(
                        int(lo), int(hi), off.step is None):
                    lo, hi = hi + 1, lo + 1  # the same receivers, listed upwards
                dims.append(Range(c + lo, c + hi, step))
            else:
                dims.append(Index(c + self.index(off)))
        return Memlet(container, tuple(dims))

    # --- expressions ------------------------------------------------------------------------
    def whole_field(self, e: ast.Expr) -> Memlet | None:
        """The memlet of a whole array field or local, else None."""
        if not isinstance(e, ast.Name):
            return None
        name = self.locals.get(e.id)
        if name is not None:
            c = self.b.program.data[name]
            return Memlet(name, tuple(Range(0, d) for d in c.shape)) if c.shape else None
        fld = self.low.fields.get(e.id)
        if fld is None or len(self.low.main.data[e.id].shape) == 2:
            return None
        shape = self.low.main.data[e.id].shape
        return Memlet(e.id, (Index(S.symbol(self.pe_x)), Index(S.symbol(self.pe_y)),
                             *(Range(0, d) for d in shape[2:])))

    def place(self, e: ast.Expr) -> Memlet:
        """The memlet of one element: `acc`, `buf[k]`, a local, a host scalar."""
        if isinstance(e, ast.Name):
            if e.id in self.locals:
                return Memlet(self.locals[e.id])
            if e.id in self.low.fields:
                if len(self.low.main.data[e.id].shape) != 2:
                    raise SluiceError(f"'{e.id}' is an array: index it", self.low.loc(e))
                return Memlet(e.id, (Index(S.symbol(self.pe_x)), Index(S.symbol(self.pe_y))))
            if e.id in self.low.scalars:
                return Memlet(e.id)
        if isinstance(e, ast.Subscript) and isinstance(e.base, ast.Name):
            idx = tuple(Index(self.subscript(i)) for i in e.indices)
            if e.base.id in self.locals:
                return Memlet(self.locals[e.base.id], idx)
            if e.base.id in self.low.fields:
                return Memlet(e.base.id, (Index(S.symbol(self.pe_x)),
                                          Index(S.symbol(self.pe_y)), *idx))
        raise UnsupportedError("this expression cannot be assigned to or read as an element",
                               self.low.loc(e))

    def index(self, e: ast.Expr) -> sympy.Basic:
        """An integer expression over coordinates, loop variables and literals."""
        v = self.value(e)
        if v.reads:
            raise UnsupportedError("an index that reads data is not supported",
                                   self.low.loc(e), "index with coordinates and loop variables")
        if v.is_float or v.expr.is_Relational or isinstance(
                v.expr, sympy.logic.boolalg.BooleanAtom | sympy.logic.boolalg.BooleanFunction):
            raise SluiceTypeError("an index or a loop bound must be an integer, not a "
                                  + ("float" if v.is_float else "condition"),
                                  self.low.loc(e), "write a range as [start:stop]")
        return v.expr

    def subscript(self, e: ast.Expr) -> sympy.Basic:
        """An array index; one that reads data (E8, `z[tmp]`) goes through an integer cell
        filled just before and a symbol assigned from it, as memlet indices hold symbols."""
        v = self.value(e)
        if not v.reads:
            return self.index(e)
        if self.vector_map:
            raise UnsupportedError("an index that reads data cannot stand in a vector map",
                                   self.low.loc(e), "compute the index in a for loop")
        if v.is_float or v.expr.is_Relational or isinstance(
                v.expr, sympy.logic.boolalg.BooleanAtom | sympy.logic.boolalg.BooleanFunction):
            raise SluiceTypeError("an index must be an integer", self.low.loc(e),
                                  "cast it, e.g. i32(v)")
        cell = self.fresh("ix")
        self.b.transient(cell, DType.int32)
        self.tasklet(v, Memlet(cell), label=f"index line {e.pos.line}")
        sym = self.fresh("j")
        self.b.assign(**{sym: S.value(cell)})
        return S.symbol(sym)

    def condition(self, e: ast.Expr) -> sympy.Basic:
        """A branch condition; data reads go through a scalar filled just before."""
        v = self.value(e)
        if not v.reads:
            return v.expr
        name = self.fresh("cond")
        self.b.transient(name, DType.bool)
        self.tasklet(v, Memlet(name), label=f"condition line {e.pos.line}")
        return S.value(name)

    def value(self, e: ast.Expr) -> _Value:
        if isinstance(e, ast.IntLit):
            return _Value(sympy.Integer(e.value))
        if isinstance(e, ast.FloatLit):
            return _Value(S.float_const(e.value), is_float=True)
        if isinstance(e, ast.BoolLit):
            return _Value(sympy.true if e.value else sympy.false)
        if isinstance(e, ast.Name):
            if e.id in self.coords:
                return _Value(S.symbol(self.coords[e.id]))
            if e.id in self.loopvars:
                return _Value(S.symbol(e.id))
            return self.read(self.place(e))
        if isinstance(e, ast.Subscript):
            return self.read(self.place(e))
        if isinstance(e, ast.Unary):
            a = self.value(e.operand)
            ops = {"-": X.neg, "+": lambda x: x, "not": X.not_, "~": S.BitNot}
            return _Value(ops[e.op](a.expr), a.reads, a.is_float)
        if isinstance(e, ast.Binary):
            return _combine(e.op, self.value(e.left), self.value(e.right))
        if isinstance(e, ast.Ternary):
            c, a, b = self.value(e.cond), self.value(e.then), self.value(e.else_)
            return _Value(S.Select(c.expr, a.expr, b.expr), {**c.reads, **a.reads, **b.reads},
                          a.is_float or b.is_float)
        if isinstance(e, ast.Call):
            return self.call(e)
        raise UnsupportedError(f"{type(e).__name__} expressions cannot be lowered",
                               self.low.loc(e))

    def read(self, m: Memlet) -> _Value:
        conn = f"v_{m.data}_{abs(hash(m)) % 10**8}"
        dt = self.b.program.container(m.data).dtype
        return _Value(S.value(conn), {conn: m}, dt.is_float)

    def call(self, e: ast.Call) -> _Value:
        args = [self.value(a) for a in e.args]
        reads = {k: v for a in args for k, v in a.reads.items()}
        xs = [a.expr for a in args]
        if e.func in DTYPES:
            cast = S.CASTS[DTYPES[e.func].value]
            return _Value(cast(xs[0]), reads, DTYPES[e.func].is_float)
        fn = _CALLS.get(e.func)
        if fn is None:
            raise UnsupportedError(f"built-in '{e.func}' cannot be lowered", self.low.loc(e))
        return _Value(fn(*xs), reads, any(a.is_float for a in args) or e.func in _FLOAT_CALLS)


_CALLS = {
    **{n: functools.partial(X.call, n)
       for n in ("sqrt", "exp", "log", "sin", "cos", "tanh", "abs", "floor", "ceil", "min",
                 "max")},
    "fabs": functools.partial(X.call, "abs"),
    "log2": lambda x: X.truediv(X.call("log", x), X.call("log", 2.0)),
    "pow": X.power,
    "fmac": lambda a, b, c: X.BINARY["+"](a, X.BINARY["*"](b, c)),  # a + b*c, rounded twice
}
_FLOAT_CALLS = {"sqrt", "exp", "log", "log2", "sin", "cos", "tanh", "fabs"}


def _combine(op: str, a: _Value, b: _Value) -> _Value:
    x, y = a.expr, b.expr
    reads = {**a.reads, **b.reads}
    flt = a.is_float or b.is_float
    if op == "/" and not flt:
        # C's integer division truncates toward zero (SpaDA README "Values").
        e = _truncated_quotient(x, y)
    elif op == "%" and not flt:
        e = X.sub(x, X.mul(y, _truncated_quotient(x, y)))
    else:
        e = _BINARY[op](x, y)
    is_bool = op in ("<", ">", "<=", ">=", "==", "!=", "and", "or")
    return _Value(e, reads, flt and not is_bool)


def _truncated_quotient(x: sympy.Basic, y: sympy.Basic) -> sympy.Basic:
    sign = X.mul(X.call("sign", x), X.call("sign", y))
    return X.mul(sign, S.FloorDiv(X.call("abs", x), X.call("abs", y)))


_BINARY = {
    **X.BINARY,
    **{op: functools.partial(X.compare, cls) for op, cls in X.COMPARE.items()},
    "and": X.and_, "or": X.or_, "&": S.BitAnd, "|": S.BitOr, "^": S.BitXor,
    "<<": S.LShift, ">>": S.RShift,
}


def _receives(s: ast.Stmt) -> bool:
    """Whether an operation waits for data (and so may only complete later)."""
    if isinstance(s, ast.Receive):
        return True
    if isinstance(s, ast.Foreach):
        return s.receive_gen is not None
    if isinstance(s, ast.Async):
        return any(_receives(x) for x in s.body)
    return False


def _clone(c):
    if isinstance(c, Stream):
        return Stream(c.dtype, c.storage, False, c.dims, c.depth)
    if isinstance(c, Array):
        return Array(c.dtype, c.storage, False, c.dims)
    return Scalar(c.dtype, c.storage, False)


class _Lowerer:
    def __init__(self, bk: BoundKernel, name: str) -> None:
        self.bk = bk
        self.name = name
        self.main = Program(name)
        self.host: dict[str, HostStream] = {}
        self.scalars: dict[str, DType] = {}
        self.fields: dict[str, ast.Field] = {}
        self.stream_names: dict[tuple[int, str], str] = {}
        self.containers: list[str] = []  # passed to every phase program, in order
        self.closes: dict[str, Memlet] = {}  # close marker state -> closed stream memlet
        # Every identifier the kernel spells (over-approximated: any string in its AST): a
        # made-up name is never one of them.
        self.user_names = frozenset(strings(bk.kernel) | {a.name for a in bk.args})
        self.taken: set[str] = set(self.user_names)  # and the kernel-wide made-up names
        self.coords = (self.unique(PE_X), self.unique(PE_Y))

    def unique(self, name: str) -> str:
        """`name`, or `name_2`, `name_3`, ... : the first that the kernel does not use."""
        cand, n = name, 1
        while cand in self.taken:
            n += 1
            cand = f"{name}_{n}"
        self.taken.add(cand)
        return cand

    def loc(self, node: ast.Node):
        return self.bk.reporter.loc(node) if self.bk.reporter is not None else None

    def declare(self, name: str, c) -> None:
        self.main.data[name] = c
        self.containers.append(name)

    def args(self) -> None:
        for a in self.bk.args:
            t = a.node.type
            if isinstance(t, ast.StreamArrayType):
                shape = a.host_shape
                hs = HostStream(a.name, DTYPES[t.stream.elem.name], shape,
                                "readonly" in a.node.annotations)
                self.host[a.name] = hs
                self.declare(a.name, Stream(hs.dtype, Storage.default, False, shape[:2]))
                self.main.args.append(a.name)
            elif isinstance(t, ast.ScalarType) and a.value is None:
                self.scalars[a.name] = DTYPES[t.name]
                self.declare(a.name, Scalar(DTYPES[t.name]))
                self.main.args.append(a.name)

    def places(self) -> None:
        w, h = self.bk.grid
        blocks = [*self.bk.places] + [b for ph in self.bk.phases for b in ph.places]
        for blk in blocks:
            for f in blk.node.fields:
                t = f.type
                if isinstance(t, ast.ScalarType):
                    dt, dims = DTYPES[t.name], []
                elif isinstance(t, ast.ArrayType):
                    dt, dims = DTYPES[t.elem.name], [_int(d) for d in t.dims]
                else:
                    raise UnsupportedError("only scalar and array fields can be placed",
                                           self.loc(f))
                new = Array(dt, Storage.pe_local, True, (w, h, *dims))
                old = self.main.data.get(f.name)
                if old is not None:
                    if old.dtype != dt or old.shape != new.shape:
                        raise UnsupportedError(f"field '{f.name}' is placed with two types",
                                               self.loc(f), "give the fields different names")
                    continue
                self.fields[f.name] = f
                self.declare(f.name, new)

    def streams(self) -> None:
        for ph in self.bk.phases:
            for blk in (*self.bk.dataflows, *ph.dataflows):
                for decl in blk.node.streams:
                    if isinstance(decl.source, ast.ExternStream):
                        continue
                    self.stream_container(ph.index, decl.name, decl)

    def stream_container(self, phase: int, name: str, decl: ast.StreamDecl) -> str:
        key = (phase, name)
        found = self.stream_names.get(key)
        if found is not None:
            return found
        dt = DTYPES[decl.type.elem.name]
        cname = name
        n = 1
        # a suffixed name is made up: it must not be one of the kernel's own names
        while (cname in self.main.data and (not isinstance(self.main.data[cname], Stream)
                                            or self.main.data[cname].dtype != dt)) \
                or (cname != name and cname in self.user_names):
            n += 1
            cname = f"{name}_{n}"
        if cname not in self.main.data:
            w, h = self.bk.grid
            self.declare(cname, Stream(dt, Storage.default, True, (w, h), depth=2))
        self.stream_names[key] = cname
        return cname

    def lower(self) -> LoweredKernel:
        self.args()
        self.places()
        self.streams()
        w, h = self.bk.grid
        phases = [_Phase(self, ph).build() for ph in self.bk.phases]
        mx, my = self.unique("x"), self.unique("y")  # the spatial map's parameters
        for prog in phases:
            self.main.callees[prog.name] = prog
            st = State(f"phase{prog.name.rsplit('phase', 1)[1]}")
            self.main.body.append(st)
            g = st.graph
            body = DataflowGraph()
            m = Map([mx, my], [Range(0, w), Range(0, h)], body, Schedule.spatial, prog.name)
            names = [n for n in self.containers]
            call = Call(prog.name, names, names,
                        {self.coords[0]: S.symbol(mx), self.coords[1]: S.symbol(my)})
            gb = GraphBuilder(_ProgramView(self.main), body)
            gb.node(call, {n: self._whole(n) for n in names},
                    {n: self._whole(n) for n in names})
            outer = GraphBuilder(_ProgramView(self.main), g)
            srcs = [(outer.read(n), self._whole(n)) for n in names]
            g.add(m)
            for src, mem in srcs:
                g.connect(src, m, mem)
            for n in names:
                g.connect(m, outer.write(n), self._whole(n))
        self.main.verify()
        return LoweredKernel(self.main, self.bk.grid, list(self.host.values()), self.scalars,
                             self.closes, self.coords)

    def _whole(self, name: str) -> Memlet:
        c = self.main.data[name]
        if isinstance(c, Stream | Scalar):
            return Memlet(name)
        return Memlet(name, tuple(Range(0, d) for d in c.shape))


class _ProgramView:
    """What GraphBuilder needs of a ProgramBuilder: the program and container lookup."""

    def __init__(self, program: Program) -> None:
        self.program = program

    def container(self, name: str):
        return self.program.container(name)


def lower(bk: BoundKernel, name: str | None = None) -> LoweredKernel:
    """The IR of a bound, checked kernel."""
    return _Lowerer(unversion(bk), name or bk.name or "kernel").lower()
