"""A builder that makes writing IR by hand pleasant (tests, frontends, examples).

    b = ProgramBuilder("axpy")
    b.symbol("N")
    b.arg("a", "float64"); b.arg("x", "float64", ["N"]); b.arg("y", "float64", ["N"])
    with b.state("compute") as s:
        s.map({"i": "0:N"}, "o = a * xi + yi",
              inputs={"a": "a", "xi": "x[i]", "yi": "y[i]"}, outputs={"o": "y[i]"})
    prog = b.build()

Memlets and expressions are written in the IR text syntax. Within a graph, a read
connects from the latest access node that wrote the container, and every write gets a
fresh access node, so the graph orders reads after writes and stays acyclic.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sluice.errors import SluiceError, SourceLocation
from sluice.ir.control import (
    Assign,
    Block,
    Branch,
    Break,
    Check,
    Continue,
    Loop,
    Region,
    Return,
    State,
    While,
)
from sluice.ir.data import CSR, Array, Container, Scalar, Storage, Stream
from sluice.ir.dtypes import DType
from sluice.ir.graph import DataflowGraph
from sluice.ir.memlet import Memlet, Range, full_subset
from sluice.ir.nodes import Access, Call, LibraryNode, Map, Node, Schedule, Tasklet
from sluice.ir.program import Program
from sluice.ir.propagate import merge_memlets, propagate_subset
from sluice.ir.requires import Requirement
from sluice.ir.symbolic import as_expr
from sluice.ir.text import parse_expr, parse_memlet, parse_range

_ASSIGN = re.compile(r"^\s*([A-Za-z_]\w*)\s*=(?!=)(.*)$", re.S)


def parse_code(code: str | Sequence[tuple[str, Any]], inputs: Sequence[str],
               outputs: Sequence[str]) -> list[tuple[str, Any]]:
    """Tasklet code from `"o = a * b; t = ..."` (statements split by `;` or newlines)."""
    if not isinstance(code, str):
        return [(t, as_expr(e)) for t, e in code]
    stmts = [s for part in code.split("\n") for s in part.split(";") if s.strip()]
    pairs = []
    for s in stmts:
        m = _ASSIGN.match(s)
        if m is None:
            raise SluiceError(f"tasklet statement {s.strip()!r} is not 'name = expression'")
        pairs.append((m.group(1), m.group(2).strip()))
    values = frozenset(inputs) | frozenset(outputs) | frozenset(t for t, _ in pairs)
    return [(t, parse_expr(e, values)) for t, e in pairs]


class GraphBuilder:
    """Adds nodes to one dataflow graph (a state or a map body)."""

    def __init__(self, program: ProgramBuilder, graph: DataflowGraph) -> None:
        self.program = program
        self.graph = graph
        self._last_write: dict[str, Access] = {}

    # --- access nodes ----------------------------------------------------------------
    def read(self, data: str) -> Access:
        """The access node a read of `data` connects from."""
        node = self._last_write.get(data)
        if node is None:
            node = Access(data)
            self.graph.add(node)
            self._last_write[data] = node
        return node

    def write(self, data: str) -> Access:
        """A fresh access node for a write of `data`."""
        node = Access(data)
        self.graph.add(node)
        self._last_write[data] = node
        return node

    def memlet(self, spec: str | Memlet) -> Memlet:
        """A memlet from text; a bare container name means the whole container."""
        m = spec if isinstance(spec, Memlet) else parse_memlet(spec)
        if not m.subset and m.other is None:
            c = self.program.container(m.data)
            if c.shape and not isinstance(c, CSR | Stream):
                m = Memlet(m.data, full_subset(c.shape), m.wcr)
        return m

    # --- nodes -------------------------------------------------------------------------
    def tasklet(
        self,
        code: str | Sequence[tuple[str, Any]],
        inputs: Mapping[str, str | Memlet] | None = None,
        outputs: Mapping[str, str | Memlet] | None = None,
        label: str = "tasklet",
    ) -> Tasklet:
        inputs, outputs = dict(inputs or {}), dict(outputs or {})
        t = Tasklet(list(inputs), list(outputs), parse_code(code, list(inputs), list(outputs)),
                    label=label)
        return self.node(t, inputs, outputs)

    def node(self, node: Node, inputs: Mapping[str, str | Memlet] | None = None,
             outputs: Mapping[str, str | Memlet] | None = None) -> Any:
        """Add any node, connecting its connectors to memlets of containers."""
        self._locate(node)
        srcs = []
        for conn, spec in (inputs or {}).items():
            m = self.memlet(spec)
            srcs.append((self.read(m.data), m, conn))
        self.graph.add(node)
        for src, m, conn in srcs:
            self.graph.connect(src, node, m, None, conn)
        for conn, spec in (outputs or {}).items():
            m = self.memlet(spec)
            self.graph.connect(node, self.write(m.data), m, conn, None)
        return node

    def library(self, node: LibraryNode, inputs: Mapping[str, str | Memlet],
                outputs: Mapping[str, str | Memlet]) -> LibraryNode:
        return self.node(node, inputs, outputs)

    def call(self, callee: Program, inputs: Mapping[str, str | Memlet],
             outputs: Mapping[str, str | Memlet],
             symbols: Mapping[str, Any] | None = None) -> Call:
        self.program.program.callees[callee.name] = callee
        c = Call(callee.name, list(inputs), list(outputs), dict(symbols or {}))
        return self.node(c, inputs, outputs)

    def copy(self, src: str | Memlet, dst: str | Memlet) -> Memlet:
        """Copy `src` (a memlet) into `dst` (a memlet); shapes must agree."""
        s, d = self.memlet(src), self.memlet(dst)
        m = Memlet(s.data, s.subset, d.wcr, d.data, d.subset)
        src = self.read(s.data)
        dst = self.write(d.data)
        self._locate(dst)  # a copy has no node of its own: its destination carries the place
        self.graph.connect(src, dst, m)
        return m

    def _locate(self, node: Node) -> None:
        loc = getattr(self.program, "loc", None)  # (other frontends may pass their own owner)
        if node.loc is None and loc is not None:
            node.loc = loc

    def map(
        self,
        ranges: Mapping[str, str | Range],
        code: str | Sequence[tuple[str, Any]],
        inputs: Mapping[str, str | Memlet] | None = None,
        outputs: Mapping[str, str | Memlet] | None = None,
        schedule: Schedule | str = Schedule.default,
        label: str = "map",
    ) -> Map:
        """A map whose body is a single tasklet."""
        with self.map_scope(ranges, schedule, label) as body:
            body.tasklet(code, inputs, outputs, label=label)
        return body.map_node

    @contextmanager
    def map_scope(self, ranges: Mapping[str, str | Range],
                  schedule: Schedule | str = Schedule.default,
                  label: str = "map") -> Iterator[GraphBuilder]:
        """Build a map's body in a nested GraphBuilder; outer memlets are propagated."""
        params = list(ranges)
        rs = [r if isinstance(r, Range) else parse_range(r) for r in ranges.values()]
        node = Map(params, rs, DataflowGraph(), Schedule(schedule), label)
        self._locate(node)
        body = GraphBuilder(self.program, node.body)
        body.map_node = node
        yield body
        reads, writes = _external(node.body)
        srcs = [(self.read(data), self._propagated(data, ms, node)) for data, ms in reads.items()]
        self.graph.add(node)
        for src, m in srcs:
            self.graph.connect(src, node, m)
        for data, ms in writes.items():
            m = self._propagated(data, ms, node)
            self.graph.connect(node, self.write(data), m)

    def _propagated(self, data: str, ms: list[Memlet], node: Map) -> Memlet:
        shape = self.program.container(data).shape
        if isinstance(self.program.container(data), Stream):
            return Memlet(data, ())
        subs = [Memlet(data, propagate_subset(m.subset, node.params, node.ranges, shape), m.wcr)
                for m in ms]
        return merge_memlets(subs, shape)


def _external(g: DataflowGraph) -> tuple[dict[str, list[Memlet]], dict[str, list[Memlet]]]:
    """Memlets by container that a body reads from / writes to access nodes."""
    reads: dict[str, list[Memlet]] = {}
    writes: dict[str, list[Memlet]] = {}
    for e in g.edges:
        if e.memlet is None:
            continue
        if isinstance(e.src, Access) and not isinstance(e.dst, Access):
            reads.setdefault(e.memlet.data, []).append(e.memlet)
        if isinstance(e.dst, Access) and not isinstance(e.src, Access):
            writes.setdefault(e.memlet.data, []).append(e.memlet)
        if isinstance(e.src, Access) and isinstance(e.dst, Access):
            reads.setdefault(e.memlet.data, []).append(Memlet(e.memlet.data, e.memlet.subset))
            dst = e.memlet.other or e.dst.data
            sub = e.memlet.other_subset if e.memlet.other is not None else e.memlet.subset
            writes.setdefault(dst, []).append(Memlet(dst, sub or (), e.memlet.wcr))
    return reads, writes


class ProgramBuilder:
    """Builds a Program: declarations, then structured control flow."""

    def __init__(self, name: str) -> None:
        self.program = Program(name)
        self._regions: list[Region] = [self.program.body]
        self._counter = 0
        # Where the construct being built was written: nodes added meanwhile record it.
        self.loc: SourceLocation | None = None

    # --- declarations ------------------------------------------------------------------
    def symbol(self, name: str, dtype: DType | str = DType.int64, arg: bool = False) -> Any:
        self.program.symbols[name] = DType.of(dtype)
        if arg:
            self.program.args.append(name)
        return as_expr(name)

    def _declare(self, name: str, c: Container) -> Container:
        if name in self.program.data:
            raise SluiceError(f"container '{name}' is declared twice")
        exprs = list(c.shape) + ([c.nnz] if isinstance(c, CSR) else [])
        for e in exprs:  # in order of appearance, so `symbol` lines read like the shapes
            for s in sorted(e.free_symbols, key=lambda x: x.name):
                self.program.symbols.setdefault(s.name, DType.int64)
        self.program.data[name] = c
        return c

    def add_data(self, name: str, dtype: DType | str, shape: Sequence[Any] | None = None,
                 transient: bool = False, storage: Storage | str = Storage.default) -> Container:
        dt = DType.of(dtype)
        st = Storage(storage)
        if shape is None:
            c: Container = Scalar(dt, st, transient)
        else:
            c = Array(dt, st, transient, tuple(as_expr(d) for d in shape))
        return self._declare(name, c)

    def arg(self, name: str, dtype: DType | str, shape: Sequence[Any] | None = None,
            storage: Storage | str = Storage.default) -> Container:
        c = self.add_data(name, dtype, shape, storage=storage)
        self.program.args.append(name)
        return c

    def transient(self, name: str, dtype: DType | str, shape: Sequence[Any] | None = None,
                  storage: Storage | str = Storage.default) -> Container:
        return self.add_data(name, dtype, shape, transient=True, storage=storage)

    def returns(self, name: str, dtype: DType | str,
                shape: Sequence[Any] | None = None) -> Container:
        c = self.add_data(name, dtype, shape)
        self.program.returns.append(name)
        return c

    def stream(self, name: str, dtype: DType | str, shape: Sequence[Any] = (),
               depth: int = 0, transient: bool = True) -> Stream:
        s = Stream(DType.of(dtype), Storage.default, transient, tuple(as_expr(d) for d in shape),
                   depth)
        self._declare(name, s)
        return s

    def csr(self, name: str, dtype: DType | str, rows: Any, cols: Any, nnz: Any,
            arg: bool = True, index_dtype: DType | str = DType.int64) -> CSR:
        c = CSR(DType.of(dtype), Storage.default, not arg, rows, cols, nnz, DType.of(index_dtype))
        self._declare(name, c)
        if arg:
            self.program.args.append(name)
        return c

    def container(self, name: str) -> Container:
        try:
            return self.program.container(name)
        except KeyError:
            raise SluiceError(f"no container named '{name}'") from None

    # --- control flow ------------------------------------------------------------------
    @property
    def region(self) -> Region:
        return self._regions[-1]

    def _name(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}{self._counter}"

    @contextmanager
    def state(self, name: str | None = None) -> Iterator[GraphBuilder]:
        st = State(name or self._name("s"))
        self.region.append(st)
        yield GraphBuilder(self, st.graph)

    @contextmanager
    def _nested(self, block: Block, region: Region) -> Iterator[Block]:
        self._regions.append(region)
        try:
            yield block
        finally:
            self._regions.pop()

    def _cond(self, cond: Any) -> Any:
        if not isinstance(cond, str):
            return as_expr(cond)
        scalars = frozenset(n for n, c in self.program.data.items() if isinstance(c, Scalar))
        return parse_expr(cond, scalars)

    def loop(self, var: str, start: Any, stop: Any, step: Any = 1):
        self.program.symbols.setdefault(var, DType.int64)
        blk = Loop(var, self._cond(start), self._cond(stop), self._cond(step), Region())
        self.region.append(blk)
        return self._nested(blk, blk.body)

    def while_(self, cond: Any):
        blk = While(self._cond(cond), Region())
        self.region.append(blk)
        return self._nested(blk, blk.body)

    def if_(self, cond: Any):
        blk = Branch([(self._cond(cond), Region())])
        self.region.append(blk)
        return self._nested(blk, blk.cases[0][1])

    def _open_branch(self) -> Branch:
        last = self.region.blocks[-1] if self.region.blocks else None
        if not isinstance(last, Branch) or last.orelse is not None:
            raise SluiceError("elif_/else_ must follow an if_ block")
        return last

    def elif_(self, cond: Any):
        blk = self._open_branch()
        r = Region()
        blk.cases.append((self._cond(cond), r))
        return self._nested(blk, r)

    def else_(self):
        blk = self._open_branch()
        blk.orelse = Region()
        return self._nested(blk, blk.orelse)

    def assign(self, **assignments: Any) -> Assign:
        for k in assignments:
            self.program.symbols.setdefault(k, DType.int64)
        return self.region.append(Assign({k: self._cond(v) for k, v in assignments.items()}))

    def check(self, requirement: Requirement) -> Check:
        """Check `requirement` here, while the program runs."""
        return self.region.append(Check(requirement))

    def break_(self) -> None:
        self.region.append(Break())

    def continue_(self) -> None:
        self.region.append(Continue())

    def return_(self) -> None:
        self.region.append(Return())

    def build(self, verify: bool = True) -> Program:
        if verify:
            self.program.verify()
        return self.program
