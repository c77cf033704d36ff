"""The verifier: every structural rule of the IR, each with a name.

`verify(program)` raises `VerificationError(rule, message, node)`; the rule names are
stable (tests and users grep for them):

signature, name-clash, undefined-container, undefined-symbol, connector, tasklet-code,
tasklet-volume, cycle, rank, bounds, memlet-data, wcr, map, library, copy-shape,
control, call, stream, dtype, shape
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import sympy
from sympy.logic.boolalg import BooleanAtom, BooleanFunction

from sluice.errors import VerificationError
from sluice.ir.control import (
    Assign,
    Block,
    Branch,
    Break,
    Check,
    Continue,
    Loop,
    Region,
    State,
    While,
)
from sluice.ir.data import CSR, Array, Container, Scalar, Stream
from sluice.ir.exact import Const, Div2, check_exact
from sluice.ir.graph import DataflowGraph, Edge
from sluice.ir.memlet import WCR_OPS, Index, Memlet, Range, subset_shape
from sluice.ir.nodes import Access, Call, LibraryNode, Map, Node, Tasklet
from sluice.ir.program import Program
from sluice.ir.propagate import propagate_subset
from sluice.ir.symbolic import FitsInt64, free_names, to_text
from sluice.ir.wideint import unsupported


def _num(e) -> float | None:
    """The value of an expression if it is a plain number, else None."""
    e = sympy.sympify(e)
    if e.is_number and e.is_real:
        return float(e)
    return None


INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def _not_int64(e) -> str | None:
    """Why `e` cannot be an int64 index, bound or step, or None.

    Generated code computes these in int64: a float constant truncates (a step of 0.5 becomes
    0 and loops forever), an integer outside int64 wraps, an infinity or NaN has no value.
    """
    e = sympy.sympify(e)
    if isinstance(e, sympy.Rel | BooleanAtom | BooleanFunction):  # (select(c, a, b) is fine)
        return f"{e} is a comparison or a truth value, not an integer"
    if isinstance(e, Const):
        finite = not isinstance(e.value, complex) and math.isfinite(e.value)
        return f"{e.value!r} is {'not an integer' if finite else 'not a finite number'}"
    for a in e.atoms(Const):
        if isinstance(a.value, complex) or not math.isfinite(a.value):
            return f"{e} holds {a.value!r}, not a finite number"
        return f"{e} holds the non-integer constant {a.value!r}"
    for d in e.atoms(Div2):
        if d.args[1] == 0:
            return f"{e} is not a finite number (division by zero)"
        return f"{e} is a true division, not an integer (use //)"
    if e.is_number and not e.is_Integer:
        return f"{e} is not an integer"
    if e.is_Integer and not INT64_MIN <= int(e) <= INT64_MAX:
        return f"{e} is outside the int64 range"
    for a in e.atoms(sympy.Integer):
        if not INT64_MIN <= int(a) <= INT64_MAX:
            return f"{e} holds {a}, outside the int64 range"
    return None


def _provably_differ(a, b) -> bool:
    d = _num(sympy.expand(sympy.sympify(a) - sympy.sympify(b)))
    return d is not None and d != 0


class _Verifier:
    def __init__(self, p: Program) -> None:
        self.p = p
        self.where: list[str] = [f"program '{p.name}'"]

    def fail(self, rule: str, msg: str, node: str | None = None, hint: str | None = None):
        path = " > ".join(self.where + ([node] if node else []))
        raise VerificationError(rule, msg, node=path, hint=hint)

    # --- declarations --------------------------------------------------------------
    def signature(self) -> None:
        p = self.p
        for name in p.symbols:
            if name in p.data:
                self.fail("name-clash", f"'{name}' is both a symbol and a container")
        seen: set[str] = set()
        for a in p.args:
            if a in seen:
                self.fail("signature", f"argument '{a}' appears twice")
            seen.add(a)
            if a not in p.data and a not in p.symbols:
                self.fail("signature", f"argument '{a}' is neither a container nor a symbol")
            if a in p.data and p.data[a].transient:
                self.fail("signature", f"argument '{a}' is declared transient",
                          hint="arguments are owned by the caller; drop 'transient'")
        for r in p.returns:
            if r not in p.data:
                self.fail("signature", f"return value '{r}' is not a container")
            if r in p.args:
                self.fail("signature", f"return value '{r}' is also an argument",
                          hint="arguments are updated in place; return a separate container")
            if p.data[r].transient:
                self.fail("signature", f"return value '{r}' is declared transient")
        for name, c in p.data.items():
            for s in c.free_symbols():
                if s not in p.symbols:
                    self.fail("undefined-symbol", f"shape of '{name}' uses undeclared symbol '{s}'",
                              hint=f"declare it: symbol {s}: int64")
            dims = list(c.shape) + ([c.nnz] if isinstance(c, CSR) else [])
            for d in dims:
                self.int64(d, f"shape of '{name}'", f"data '{name}'", "shape")
                if _num(d) is not None and _num(d) < 0:
                    self.fail("shape", f"shape of '{name}' has the negative size {d}",
                              f"data '{name}'")
            if isinstance(c, Stream) and not 0 <= c.depth <= INT64_MAX:
                self.fail("stream", f"stream '{name}' has depth {c.depth}, outside 0..2**63-1")
        for r in p.requires:
            self.wide_checks(r, "require")
            for s in sorted(r.names - set(p.symbols)):
                self.fail("undefined-symbol", f"'require {r.lhs} {r.op} {r.rhs}' uses undeclared "
                          f"symbol '{s}'", hint=f"declare it: symbol {s}: int64")

    def wide_checks(self, r, node: str) -> None:
        """`fits_int64(e)` computes `e` as Python ints: `e` must be integer arithmetic."""
        for side in (r.lhs, r.rhs):
            for f in side.atoms(FitsInt64):
                why = unsupported(to_text(f.args[0]))
                if why is not None:
                    self.fail("type", why, node)

    # --- helpers ----------------------------------------------------------------------
    def container(self, name: str, node: str) -> Container:
        try:
            return self.p.container(name)
        except KeyError:
            from sluice.errors import did_you_mean

            self.fail("undefined-container", f"no container named '{name}'", node,
                      did_you_mean(name.partition(".")[0], self.p.data))
            raise  # unreachable

    def int64(self, e, what: str, node: str, rule: str) -> None:
        why = _not_int64(e)
        if why is not None:
            self.fail(rule, f"{what}: {why}", node,
                      "sizes, indices, bounds and steps are int64 integers (-2**63 to 2**63 - 1)")

    def symbols_defined(self, names: Iterable[str], scope: set[str], node: str, what: str,
                        allow_scalars: bool = False) -> None:
        for n in names:
            if n in scope or n in self.p.symbols:
                continue
            if allow_scalars and isinstance(self.p.data.get(n), Scalar):
                continue
            kind = "container" if n in self.p.data else "symbol"
            self.fail("undefined-symbol", f"{what} uses undefined {kind} '{n}'", node,
                      "scalars are read by conditions, arrays only through memlets"
                      if kind == "container" else f"declare it: symbol {n}: int64")

    # --- control flow -------------------------------------------------------------------
    def region(self, r: Region, in_loop: bool) -> None:
        for b in r.blocks:
            self.block(b, in_loop)

    def block(self, b: Block, in_loop: bool) -> None:
        if isinstance(b, State):
            self.where.append(f"state '{b.name}'")
            self.graph(b.graph, scope=set(), maps=[])
            self.where.pop()
        elif isinstance(b, Loop):
            label = f"loop '{b.var}'"
            if b.var in self.p.data:
                self.fail("name-clash", f"loop variable '{b.var}' is also a container", label)
            if b.var not in self.p.symbols:
                self.fail("undefined-symbol", f"loop variable '{b.var}' is not declared", label,
                          f"declare it: symbol {b.var}: int64")
            for what, e in (("start", b.start), ("stop", b.stop), ("step", b.step)):
                self.symbols_defined(free_names(e), set(), label, "loop bound", True)
                self.int64(e, f"loop {what}", label, "control")
            if _num(b.step) == 0:
                self.fail("control", "loop step is zero", label)
            if _num(b.step) is None:
                self.fail("control", "loop step must be a nonzero constant", label,
                          "for a symbolic stride, loop over a unit range and scale the index")
            self.where.append(label)
            self.region(b.body, True)
            self.where.pop()
        elif isinstance(b, While):
            self.symbols_defined(free_names(b.cond), set(), "while", "condition", True)
            self.exact(b.cond, "while")
            self.where.append("while")
            self.region(b.body, True)
            self.where.pop()
        elif isinstance(b, Branch):
            if not b.cases:
                self.fail("control", "branch without cases", "if")
            for c, r in b.cases:
                self.symbols_defined(free_names(c), set(), "if", "condition", True)
                self.exact(c, "if")
                self.where.append("if")
                self.region(r, in_loop)
                self.where.pop()
            if b.orelse is not None:
                self.where.append("else")
                self.region(b.orelse, in_loop)
                self.where.pop()
        elif isinstance(b, Assign):
            for k, v in b.assignments.items():
                if k not in self.p.symbols:
                    self.fail("undefined-symbol", f"assignment to undeclared symbol '{k}'",
                              "assign", f"declare it: symbol {k}: int64")
                self.symbols_defined(free_names(v), set(), "assign", "assignment", True)
        elif isinstance(b, Check):
            self.symbols_defined(b.reads(), set(), "check", "check")
            self.wide_checks(b.requirement, "check")
        elif isinstance(b, Break | Continue):
            if not in_loop:
                self.fail("control", f"'{type(b).__name__.lower()}' outside of a loop",
                          type(b).__name__.lower())

    def exact(self, expr, label: str) -> None:
        """Values must be built from exact operations (`sluice.ir.exact`): SymPy arithmetic
        over them may already have been rewritten into something else."""
        msg = check_exact(expr)
        if msg:
            self.fail("inexact-value", msg, label, "build value expressions with the "
                      "constructors of sluice.ir.exact (or parse them from IR text)")

    # --- dataflow -----------------------------------------------------------------------
    def graph(self, g: DataflowGraph, scope: set[str], maps: list[Map]) -> None:
        cycle = g.find_cycle()
        if cycle:
            names = " -> ".join(n.describe() for n in cycle)
            self.fail("cycle", f"dataflow graph has a cycle: {names}", cycle[0].describe(),
                      "split the computation into two states")
        for n in g.nodes:
            self.node(g, n, scope, maps)
        for e in g.edges:
            self.edge(e, scope, maps)

    def node(self, g: DataflowGraph, n: Node, scope: set[str], maps: list[Map]) -> None:
        label = n.describe()
        ins, outs = g.in_edges(n), g.out_edges(n)
        if isinstance(n, Access):
            self.container(n.data, label)
            return
        for e in ins:
            if e.dst_conn is not None and e.dst_conn not in n.in_connectors:
                self.fail("connector", f"edge into unknown connector '{e.dst_conn}'", label)
        for e in outs:
            if e.src_conn is not None and e.src_conn not in n.out_connectors:
                self.fail("connector", f"edge out of unknown connector '{e.src_conn}'", label)
        if isinstance(n, Tasklet | LibraryNode | Call):
            for c in n.in_connectors:
                k = sum(1 for e in ins if e.dst_conn == c)
                if k != 1 and not (isinstance(n, Call) and k == 0):
                    self.fail("connector", f"input connector '{c}' has {k} incoming edges "
                              "(needs exactly one)", label)
            for c in n.out_connectors:
                if not any(e.src_conn == c for e in outs):
                    self.fail("connector", f"output connector '{c}' is not connected", label)
            for e in ins + outs:
                if e.memlet is not None and (e.dst_conn if e in ins else e.src_conn) is None:
                    self.fail("connector", "a data edge must name a connector", label)
        if isinstance(n, Tasklet):
            self.tasklet(g, n, scope, ins, outs)
        elif isinstance(n, Map):
            self.map(g, n, scope, maps, ins, outs)
        elif isinstance(n, LibraryNode):
            self.library(n, ins, outs)
        elif isinstance(n, Call):
            self.call(n, ins, outs)

    def tasklet(self, g, t: Tasklet, scope, ins, outs) -> None:
        label = t.describe()
        assigned: list[str] = []
        defined = set(t.inputs)
        for target, expr in t.code:
            if target in t.inputs:
                self.fail("tasklet-code", f"assigns to input connector '{target}'", label)
            unknown = free_names(expr) - defined - scope - set(self.p.symbols)
            if unknown:
                name = sorted(unknown)[0]
                self.fail("undefined-symbol", f"code reads '{name}', which is not an input "
                          "connector, a local assigned earlier, or a symbol", label,
                          "containers reach tasklets only through connectors and memlets")
            self.exact(expr, label)
            assigned.append(target)
            defined.add(target)
        for o in t.outputs:
            k = assigned.count(o)
            if k != 1:
                self.fail("tasklet-code", f"output connector '{o}' is assigned {k} times "
                          "(needs exactly once)", label)
        for e in ins + outs:
            if e.memlet is None:
                continue
            c = self.p.container(e.memlet.data) if self.p.has_container(e.memlet.data) else None
            if isinstance(c, Stream):
                continue
            if any(isinstance(d, Range) and _num(d.size()) != 1 for d in e.memlet.subset):
                self.fail("tasklet-volume", f"memlet {e.memlet.data} into a tasklet must address "
                          "one element", label, "use a map over the range, or a library node")

    def map(self, g, m: Map, scope, maps, ins, outs) -> None:
        label = m.describe()
        if len(set(m.params)) != len(m.params):
            self.fail("map", "map parameters repeat", label)
        if len(m.params) != len(m.ranges) or not m.params:
            self.fail("map", "a map needs one range per parameter (and at least one)", label)
        for p in m.params:
            if p in self.p.data:
                self.fail("name-clash", f"map parameter '{p}' is also a container", label)
            if p in scope:
                self.fail("map", f"map parameter '{p}' shadows an enclosing parameter", label)
        for r in m.ranges:
            self.symbols_defined(r.free_symbols(), scope, label, "map range")
            for e in (r.start, r.stop, r.step):
                self.int64(e, "map range", label, "map")
            if _num(r.step) is not None and _num(r.step) <= 0:
                self.fail("map", "map range step must be positive", label)
        outer_in = {e.memlet.data for e in ins if e.memlet is not None}
        outer_out = {e.memlet.data for e in outs if e.memlet is not None}
        for e in m.body.edges:
            if e.memlet is None:
                continue
            if isinstance(e.src, Access) and e.src.data not in outer_in and \
                    not m.body.in_edges(e.src):
                self.fail("map", f"body reads '{e.src.data}' but no edge brings it into the map",
                          label, f"connect an access node of '{e.src.data}' to the map")
            if isinstance(e.dst, Access) and e.dst.data not in outer_out:
                self.fail("map", f"body writes '{e.dst.data}' but no edge takes it out of the map",
                          label, f"connect the map to an access node of '{e.dst.data}'")
        self.where.append(label)
        self.graph(m.body, scope | set(m.params), maps + [m])
        self.where.pop()

    def library(self, n: LibraryNode, ins: list[Edge], outs: list[Edge]) -> None:
        label = n.describe()
        shapes, dtypes = {}, {}
        for e in ins:
            if e.memlet is None or not self.p.has_container(e.memlet.data):
                continue
            c = self.p.container(e.memlet.data)
            shapes[e.dst_conn] = c.shape if isinstance(c, CSR) else subset_shape(e.memlet.subset)
            dtypes[e.dst_conn] = c.dtype
        if set(shapes) != set(n.in_connectors):
            return  # the connector rule reports it
        msg = n.check(shapes, dtypes)
        if msg:
            self.fail("library", msg, label)
        expected = n.output_shapes(shapes)
        for e in outs:
            if e.memlet is None or e.src_conn not in expected:
                continue
            got = subset_shape(e.memlet.subset)
            want = tuple(d for d in expected[e.src_conn] if _num(d) != 1)
            got = tuple(d for d in got if _num(d) != 1)
            if len(got) != len(want) or any(_provably_differ(a, b)
                                             for a, b in zip(got, want, strict=True)):
                self.fail("library", f"output '{e.src_conn}' is written to a subset of shape "
                          f"{list(got)}, but the operation produces {list(want)}", label)

    def call(self, n: Call, ins: list[Edge], outs: list[Edge]) -> None:
        label = n.describe()
        callee = self.p.callees.get(n.callee)
        if callee is None:
            self.fail("call", f"unknown program '{n.callee}'", label)
        names = set(callee.args) | set(callee.returns)
        for c in list(n.inputs) + list(n.outputs):
            if c not in names:
                self.fail("call", f"'{c}' is not an argument or return value of '{n.callee}'",
                          label)
        for c in callee.args:
            if c in callee.data and c not in n.inputs and c not in n.outputs:
                self.fail("call", f"argument '{c}' of '{n.callee}' is not passed", label)
        for k in n.symbols:
            if k not in callee.symbols:
                self.fail("call", f"'{k}' is not a symbol of '{n.callee}'", label)

    def edge(self, e: Edge, scope: set[str], maps: list[Map]) -> None:
        m = e.memlet
        label = f"edge {e.src.describe()} -> {e.dst.describe()}"
        if m is None:
            return
        c = self.container(m.data, label)
        if isinstance(e.src, Access) and not isinstance(e.dst, Access) and e.src.data != m.data:
            self.fail("memlet-data", f"memlet names '{m.data}' but reads access node "
                      f"'{e.src.data}'", label)
        if isinstance(e.dst, Access) and not isinstance(e.src, Access) and e.dst.data != m.data:
            self.fail("memlet-data", f"memlet names '{m.data}' but writes access node "
                      f"'{e.dst.data}'", label)
        if m.wcr is not None:
            if m.wcr not in WCR_OPS:
                self.fail("wcr", f"unknown write-conflict resolution '{m.wcr}'", label)
            if not isinstance(e.dst, Access):
                self.fail("wcr", "write-conflict resolution on an edge that does not write",
                          label)
        self.subset(c, m.data, m.subset, scope, maps, label)
        if isinstance(e.src, Access) and isinstance(e.dst, Access):
            dst_name = m.other or e.dst.data
            if dst_name != e.dst.data or m.data != e.src.data:
                self.fail("memlet-data", f"copy memlet {m.data} -> {dst_name} does not match "
                          f"access nodes {e.src.data} -> {e.dst.data}", label)
            dc = self.container(dst_name, label)
            dsub = m.other_subset if m.other is not None else m.subset
            self.subset(dc, dst_name, dsub or (), scope, maps, label)
            if not isinstance(c, Stream) and not isinstance(dc, Stream):
                a, b = subset_shape(m.subset), subset_shape(dsub or ())
                va, vb = sympy.Mul(*a), sympy.Mul(*b)
                if _provably_differ(va, vb):
                    self.fail("copy-shape", f"copy moves {va} elements into {vb}", label)

    def subset(self, c: Container, name: str, subset, scope, maps, label) -> None:
        if isinstance(c, CSR):
            if subset:
                self.fail("rank", f"CSR matrix '{name}' is used whole (no subset)", label,
                          f"address its arrays instead: {name}.data[...]")
            return
        shape = c.shape
        if isinstance(c, Scalar) and subset:
            self.fail("rank", f"scalar '{name}' takes no subset", label)
        if isinstance(c, Array | Stream) and subset and len(subset) != len(shape):
            self.fail("rank", f"subset of '{name}' has {len(subset)} dimensions, the container "
                      f"has {len(shape)}", label)
        if isinstance(c, Array) and not subset and shape:
            self.fail("rank", f"memlet of array '{name}' needs a subset", label,
                      f"write {name}[{', '.join('0:' + str(d) for d in shape)}]")
        for d in subset:
            self.symbols_defined(d.free_symbols(), scope, label, f"subset of '{name}'")
            for e in (d.index,) if isinstance(d, Index) else (d.start, d.stop, d.step):
                self.int64(e, f"subset of '{name}'", label, "bounds")
            if isinstance(d, Range) and _num(d.step) is not None and _num(d.step) <= 0:
                self.fail("bounds", f"subset of '{name}' has a non-positive step", label)
        if not subset or isinstance(c, Stream):
            return
        bounded = subset
        for m in reversed(maps):
            bounded = propagate_subset(bounded, m.params, m.ranges, shape)
        for i, (d, size) in enumerate(zip(bounded, shape, strict=False)):
            lo = d.index if isinstance(d, Index) else d.start
            hi = d.index + 1 if isinstance(d, Index) else d.stop
            if isinstance(d, Range) and _num(d.size()) == 0:
                continue
            lo_n = _num(sympy.expand(lo))
            over = _num(sympy.expand(hi - size))
            if (lo_n is not None and lo_n < 0) or (over is not None and over > 0):
                self.fail("bounds", f"subset of '{name}' reaches outside dimension {i} "
                          f"(0:{size}): {lo}:{hi}", label)


def verify(p: Program) -> None:
    """Check every structural rule of `p` and of its callees."""
    v = _Verifier(p)
    v.signature()
    v.region(p.body, in_loop=False)
    for c in p.callees.values():
        verify(c)


__all__ = ["verify", "Memlet"]
