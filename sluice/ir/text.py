"""The IR text format: `print_program` writes it, `parse` reads it back (Lark, LALR).

Printing is deterministic (insertion order of containers, blocks, nodes and edges), and
`print_program(parse(t)) == t` for printed text. See `ir.lark` for the grammar.
"""

from __future__ import annotations

import functools
import json
import math
import re
from pathlib import Path
from typing import Any

import sympy
from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from sluice.errors import SluiceError, SluiceSyntaxError, SourceLocation, did_you_mean
from sluice.grammars import lalr_parser
from sluice.ir import exact as X
from sluice.ir import symbolic as S
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
from sluice.ir.memlet import WCR_OPS, Index, Memlet, Range, Subset
from sluice.ir.nodes import LIBRARY, Access, Call, LibraryNode, Map, Node, Schedule, Tasklet
from sluice.ir.program import Program
from sluice.ir.requires import Requirement

INDENT = "  "

# --- printing ---------------------------------------------------------------------------


def _expr(e: Any) -> str:
    return S.to_text(e)


def _dim(d: Index | Range) -> str:
    if isinstance(d, Index):
        return _expr(d.index)
    s = f"{_expr(d.start)}:{_expr(d.stop)}"
    return s if d.step == 1 else f"{s}:{_expr(d.step)}"


def _ref(name: str, subset: Subset) -> str:
    return f"{name}[{', '.join(_dim(d) for d in subset)}]" if subset else name


def format_memlet(m: Memlet) -> str:
    s = _ref(m.data, m.subset)
    if m.other is not None:
        s += " -> " + _ref(m.other, m.other_subset or ())
    if m.wcr is not None:
        s += f" wcr {m.wcr}"
    return s


def _literal(v: Any) -> str:
    if v is None:
        return "None"
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_literal(x) for x in v) + "]"
    raise TypeError(f"attribute value {v!r} has no text form")


def _type_spec(c: Container) -> str:
    if isinstance(c, CSR):
        s = f"csr {c.dtype}[{_expr(c.rows)}, {_expr(c.cols)}] nnz {_atom(c.nnz)}"
        if c.index_dtype != DType.int64:
            s += f" index {c.index_dtype}"
        return s
    if isinstance(c, Stream):
        s = f"stream {c.dtype}" + (f"[{', '.join(_expr(d) for d in c.dims)}]" if c.dims else "")
        return s + (f" depth {c.depth}" if c.depth else "")
    if isinstance(c, Array):
        return f"{c.dtype}[{', '.join(_expr(d) for d in c.dims)}]"
    return str(c.dtype)


def _atom(e: Any) -> str:
    s = _expr(e)
    e = S.as_expr(e)
    return s if (e.is_Symbol or e.is_Integer and int(e) >= 0) else f"({s})"


class _GraphPrinter:
    def __init__(self) -> None:
        self.ids: dict[int, str] = {}

    def node_id(self, n: Node) -> str:
        return self.ids[id(n)]

    def graph(self, g: DataflowGraph, depth: int) -> list[str]:
        pad = INDENT * depth
        out: list[str] = []
        for n in g.nodes:
            self.ids[id(n)] = f"%{len(self.ids)}"
            out.extend(self.node(n, depth))
        for e in g.edges:
            src = self.node_id(e.src) + (f".{e.src_conn}" if e.src_conn else "")
            dst = self.node_id(e.dst) + (f".{e.dst_conn}" if e.dst_conn else "")
            line = f"{pad}{src} -> {dst}"
            if e.memlet is not None:
                line += " : " + format_memlet(e.memlet)
            out.append(line)
        return out

    def node(self, n: Node, depth: int) -> list[str]:
        pad = INDENT * depth
        head = f"{pad}{self.node_id(n)}{_node_loc(n)} = "
        if isinstance(n, Access):
            return [head + f"access {n.data}"]
        if isinstance(n, Tasklet):
            lines = [head + f"tasklet {json.dumps(n.label)} ({', '.join(n.inputs)}) -> "
                     f"({', '.join(n.outputs)}) {{"]
            lines += [f"{pad}{INDENT}{t} = {_expr(e)}" for t, e in n.code]
            return lines + [pad + "}"]
        if isinstance(n, Map):
            rs = ", ".join(f"{p} = {_dim(r)}" for p, r in zip(n.params, n.ranges, strict=True))
            lines = [head + f"map [{rs}] {n.schedule.value} {json.dumps(n.label)} {{"]
            lines += self.graph(n.body, depth + 1)
            return lines + [pad + "}"]
        if isinstance(n, LibraryNode):
            attrs = ", ".join(f"{k} = {_literal(v)}" for k, v in n.shown_attrs().items())
            return [head + f"library {type(n).__name__} {{{attrs}}}"]
        if isinstance(n, Call):
            binds = ", ".join(f"{k} = {_expr(v)}" for k, v in n.symbols.items())
            return [head + f"call {n.callee} ({', '.join(n.inputs)}) -> "
                    f"({', '.join(n.outputs)}) {{{binds}}}"]
        raise TypeError(f"no text form for node {n!r}")


def _node_loc(n: Node) -> str:
    """` @ "file":line:col` where the node's source location is known (else nothing, so
    programs without locations print as they always did)."""
    loc = n.loc
    if loc is None or loc.line is None:
        return ""
    return f" @ {json.dumps(loc.file or '<input>')}:{loc.line}:{loc.col or 1}"


_NODE_LOC = re.compile(r'^(\s*%\d+) @ "(?:[^"\\]|\\.)*":\d+:\d+ =', re.MULTILINE)


def without_locations(text: str) -> str:
    """IR text with the nodes' source locations left out (what a build depends on)."""
    return _NODE_LOC.sub(r"\1 =", text)


def _region(r: Region, depth: int) -> list[str]:
    out: list[str] = []
    for b in r.blocks:
        out.extend(_block(b, depth))
    return out


def _block(b: Block, depth: int) -> list[str]:
    pad = INDENT * depth
    if isinstance(b, State):
        return [f"{pad}state {b.name} {{", *_GraphPrinter().graph(b.graph, depth + 1), pad + "}"]
    if isinstance(b, Loop):
        head = f"{pad}for {b.var} in range({_expr(b.start)}, {_expr(b.stop)}, {_expr(b.step)}) {{"
        return [head, *_region(b.body, depth + 1), pad + "}"]
    if isinstance(b, While):
        return [f"{pad}while {_expr(b.cond)} {{", *_region(b.body, depth + 1), pad + "}"]
    if isinstance(b, Branch):
        out: list[str] = []
        for i, (c, r) in enumerate(b.cases):
            kw = "if" if i == 0 else "} elif"
            out.append(f"{pad}{kw} {_expr(c)} {{" if i == 0 else f"{pad}{kw} {_expr(c)} {{")
            out.extend(_region(r, depth + 1))
        if b.orelse is not None:
            out.append(pad + "} else {")
            out.extend(_region(b.orelse, depth + 1))
        return out + [pad + "}"]
    if isinstance(b, Assign):
        return [pad + "assign " + ", ".join(f"{k} = {_expr(v)}" for k, v in b.assignments.items())]
    if isinstance(b, Check):
        return [pad + "check " + _requirement_text(b.requirement)]
    if isinstance(b, Break):
        return [pad + "break"]
    if isinstance(b, Continue):
        return [pad + "continue"]
    if isinstance(b, Return):
        return [pad + "return"]
    raise TypeError(f"no text form for block {b!r}")


def _requirement_text(r: Requirement) -> str:
    where = f" {json.dumps(r.where)}" if r.where else ""
    return f"{_expr(r.lhs)} {r.op} {_expr(r.rhs)} {json.dumps(r.why)}{where}"


def signature_text(p: Program) -> str:
    """`f(A: float64[N, M], n: int64) -> (result: float64[N])`: arguments with their types,
    then the returns (for displays and messages; the IR text keeps types in `data` lines)."""
    def typed(name: str) -> str:
        c = p.data.get(name)
        return f"{name}: {_type_spec(c) if c is not None else p.symbols.get(name, 'int64')}"

    out = f"{p.name}({', '.join(typed(a) for a in p.args)})"
    return out + (f" -> ({', '.join(typed(r) for r in p.returns)})" if p.returns else "")


def _program_lines(p: Program) -> list[str]:
    head = f"program {p.name}({', '.join(p.args)})"
    if p.returns:
        head += f" -> ({', '.join(p.returns)})"
    out = [head + " {"]
    out += [f"{INDENT}symbol {n}: {d}" for n, d in p.symbols.items()]
    for name, c in p.data.items():
        line = f"{INDENT}data {name}: {_type_spec(c)}"
        if c.transient:
            line += " transient"
        if c.storage != Storage.default:
            line += f" storage {c.storage.value}"
        out.append(line)
    out += [f"{INDENT}require {_requirement_text(r)}" for r in p.requires]
    out += _region(p.body, 1)
    return out + ["}"]


def all_callees(p: Program) -> list[Program]:
    """Callees reachable from `p`, each once, callees before their callers."""
    seen: dict[str, Program] = {}

    def visit(q: Program) -> None:
        for name, c in q.callees.items():
            if name not in seen:
                visit(c)
                seen[name] = c

    visit(p)
    return list(seen.values())


def print_program(p: Program) -> str:
    lines: list[str] = []
    for c in all_callees(p):
        lines += _program_lines(c) + [""]
    return "\n".join(lines + _program_lines(p)) + "\n"


# --- parsing ----------------------------------------------------------------------------


@functools.cache
def _parser() -> Lark:
    grammar = (Path(__file__).parent / "ir.lark").read_text()
    return lalr_parser(grammar, "ir", maybe_placeholders=True,
                       start=["start", "expr", "memlet", "subset_dim"])


class _E:
    """A parsed expression not yet turned into SymPy: which names are values is decided
    by the context (tasklet connectors, scalar containers), before SymPy simplifies."""

    __slots__ = ("build",)

    def __init__(self, build) -> None:
        self.build = build  # (value_names: frozenset[str]) -> sympy expression


def _sym(name: str, values: frozenset[str]) -> sympy.Symbol:
    return S.value(name) if name in values else S.symbol(name)


def _fold(op: str, a, b):
    if op in X.BINARY:
        return X.BINARY[op](a, b)
    if op == "//":
        return S.FloorDiv(a, b)
    if op == "<<":
        return S.LShift(a, b)
    if op == ">>":
        return S.RShift(a, b)
    raise AssertionError(op)


class _ExprBuilder(Transformer):
    """Expression rules -> `_E` thunks."""

    def _chain(self, items, fn):
        parts = list(items)

        def build(v):
            acc = parts[0].build(v)
            for op, rhs in zip(parts[1::2], parts[2::2], strict=True):
                try:
                    acc = fn(str(op), acc, rhs.build(v))
                except ZeroDivisionError:  # SymPy's Mod(x, 0): no expression to build
                    raise _Located(f"'{op}' by zero", op,
                                   "a constant zero divisor is not allowed here") from None
            return acc

        return _E(build)

    def arith(self, items):
        return self._chain(items, _fold)

    def term(self, items):
        return self._chain(items, _fold)

    def shift(self, items):
        return self._chain(items, _fold)

    def _assoc(self, items, fn):
        parts = list(items)
        return _E(lambda v: functools.reduce(fn, (p.build(v) for p in parts)))

    def bor(self, items):
        return self._assoc(items, S.BitOr)

    def bxor(self, items):
        return self._assoc(items, S.BitXor)

    def band(self, items):
        return self._assoc(items, S.BitAnd)

    def or_(self, items):
        return self._assoc(items, X.or_)

    def and_(self, items):
        return self._assoc(items, X.and_)

    def not_(self, items):
        (a,) = items
        return _E(lambda v: X.not_(a.build(v)))

    def compare(self, items):
        parts = list(items)

        def build(v):
            vals = [p.build(v) for p in parts[0::2]]
            ops = [str(o) for o in parts[1::2]]
            rel = [X.compare(X.COMPARE[o], a, b)
                   for o, a, b in zip(ops, vals, vals[1:], strict=False)]
            return functools.reduce(X.and_, rel)

        return _E(build)

    def neg(self, items):
        (a,) = items
        return _E(lambda v: X.neg(a.build(v)))

    def invert(self, items):
        (a,) = items
        return _E(lambda v: S.BitNot(a.build(v)))

    def pow(self, items):
        a, _, b = items
        return _E(lambda v: X.power(a.build(v), b.build(v)))

    def int_(self, items):
        n = sympy.Integer(int(items[0]))
        return _E(lambda v: n)

    def float_(self, items):
        f = S.float_const(float(items[0]))
        return _E(lambda v: f)

    def imag_(self, items):
        f = X.Const(complex(0.0, float(str(items[0])[:-1])))
        return _E(lambda v: f)

    def inf_(self, items):
        f = X.Const(math.inf)
        return _E(lambda v: f)

    def nan_(self, items):
        f = X.Const(math.nan)
        return _E(lambda v: f)

    def true_(self, items):
        return _E(lambda v: sympy.true)

    def false_(self, items):
        return _E(lambda v: sympy.false)

    def name_(self, items):
        name = str(items[0])
        return _E(lambda v: _sym(name, v))

    def call_(self, items):
        tok, *args = items
        args = [a for a in args if a is not None]
        fname = str(tok)
        fn = S.FUNCTIONS.get(fname)
        if fn is None:
            raise _Located(f"unknown function '{fname}'", tok,
                           did_you_mean(fname, S.FUNCTIONS) or "see sluice.ir.symbolic.FUNCTIONS")

        def build(v):
            try:
                return fn(*(a.build(v) for a in args))
            except (TypeError, ValueError) as err:
                raise _Located(f"bad call of '{fname}': {err}", tok) from None

        return _E(build)

    def expr_list(self, items):
        return list(items)


class _Located(Exception):
    """A semantic problem found while parsing, tied to a token."""

    def __init__(self, message: str, where: Any, hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.where, self.hint = message, where, hint


def _string(tok: Token) -> str:
    """A quoted string's value (JSON escapes); a bad escape is the user's error, located."""
    try:
        return json.loads(tok)
    except ValueError as e:
        raise _Located(f"invalid string {tok}: {getattr(e, 'msg', e)}", tok,
                       'escape with \\\\, \\", \\n, \\t or \\uXXXX') from None


def _ints(e: _E) -> Any:
    return e.build(frozenset())


class _Builder(_ExprBuilder):
    """Whole-file rules -> Programs."""

    def start(self, items):
        return items

    def name_list(self, items):
        return [str(t) for t in items]

    # declarations -----------------------------------------------------------------------
    def symbol_decl(self, items):
        name, dt = items
        return ("symbol", str(name), _dtype(dt))

    def require_decl(self, items):
        cond, why, where = items
        return ("require", cond, why, where)

    def scalar_type(self, items):
        return lambda: Scalar(_dtype(items[0]))

    def array_type(self, items):
        dt, dims = items
        return lambda: Array(_dtype(dt), dims=tuple(_ints(d) for d in dims))

    def stream_type(self, items):
        dt, dims = items
        return lambda: Stream(_dtype(dt), dims=tuple(_ints(d) for d in dims or ()))

    def csr_type(self, items):
        dt, rows, cols = items
        return lambda: CSR(_dtype(dt), rows=_ints(rows), cols=_ints(cols))

    def attr_transient(self, items):
        return ("transient", True)

    def attr_storage(self, items):
        try:
            return ("storage", Storage(str(items[0])))
        except ValueError:
            raise _Located(f"unknown storage '{items[0]}'", items[0],
                           "use one of " + ", ".join(s.value for s in Storage)) from None

    def attr_depth(self, items):
        return ("depth", int(items[0]))

    def attr_nnz(self, items):
        return ("nnz", _ints(items[0]))

    def attr_index(self, items):
        return ("index_dtype", _dtype(items[0]))

    def data_decl(self, items):
        name, make, *attrs = items
        c = make()
        for key, val in attrs:
            if not hasattr(c, key):
                raise _Located(f"'{key}' does not apply to {type(c).__name__.lower()} '{name}'",
                               name)
            setattr(c, key, val)
        return ("data", str(name), c)

    # blocks -------------------------------------------------------------------------------
    def state(self, items):
        name, *graph_items = items
        return ("state", str(name), graph_items)

    def loop(self, items):
        var, a, b, c, *blocks = items
        return ("loop", str(var), a, b, c, blocks)

    def while_(self, items):
        cond, *blocks = items
        return ("while", cond, blocks)

    def elif_(self, items):
        cond, *blocks = items
        return (cond, blocks)

    def else_(self, items):
        return ("else", list(items))

    def branch(self, items):
        cond, *rest = items
        blocks = [x for x in rest if not (isinstance(x, tuple) and len(x) == 2
                                          and (x[0] == "else" or isinstance(x[0], _E)))]
        cases = [(cond, blocks)]
        orelse = None
        for x in rest:
            if isinstance(x, tuple) and len(x) == 2 and isinstance(x[0], _E):
                cases.append(x)
            elif isinstance(x, tuple) and len(x) == 2 and x[0] == "else":
                orelse = x[1]
        return ("branch", cases, orelse)

    def assign(self, items):
        pairs = [(str(items[i]), items[i + 1]) for i in range(0, len(items), 2)]
        return ("assign", pairs)

    def check_(self, items):
        return ("check", ("require", *items))

    def break_(self, items):
        return ("break",)

    def continue_(self, items):
        return ("continue",)

    def return_(self, items):
        return ("return",)

    # graph ----------------------------------------------------------------------------
    def node_decl(self, items):
        nid, loc, node = items
        return ("node", str(nid), node, nid, loc)

    def node_loc(self, items):
        file, line, col = items
        return SourceLocation(json.loads(file), int(line), int(col))

    def access(self, items):
        return ("access", str(items[0]), items[0])

    def stmt(self, items):
        return (str(items[0]), items[1])

    def tasklet(self, items):
        label, ins, outs, *stmts = items
        return ("tasklet", _string(label), ins or [], outs or [], stmts)

    def map_range(self, items):
        return (str(items[0]), items[1])

    def map(self, items):
        ranges = [x for x in items if isinstance(x, tuple) and len(x) == 2
                  and isinstance(x[0], str) and not isinstance(x[1], str)]
        rest = items[len(ranges):]
        sched, label, *graph_items = rest
        try:
            schedule = Schedule(str(sched))
        except ValueError:
            raise _Located(f"unknown schedule '{sched}'", sched,
                           "use one of " + ", ".join(s.value for s in Schedule)) from None
        return ("map", ranges, schedule, _string(label), graph_items)

    def attr(self, items):
        return (str(items[0]), items[1])

    def lit_number(self, items):
        s = str(items[0])
        return float(s) if any(ch in s for ch in ".eE") else int(s)

    def lit_string(self, items):
        return _string(items[0])

    def lit_true(self, items):
        return True

    def lit_false(self, items):
        return False

    def lit_none(self, items):
        return None

    def lit_inf(self, items):
        return float("inf")

    def lit_neginf(self, items):
        return float("-inf")

    def lit_list(self, items):
        return [x for x in items if x is not None] if items != [None] else []

    def library(self, items):
        name, *attrs = items
        return ("library", name, [a for a in attrs if a is not None])

    def sym_bind(self, items):
        return (str(items[0]), items[1])

    def call(self, items):
        name, ins, outs, *binds = items
        return ("call", str(name), ins or [], outs or [], [b for b in binds if b is not None])

    def endpoint(self, items):
        nid, conn = items
        return (nid, None if conn is None else str(conn))

    def dim_index(self, items):
        return ("i", items[0])

    def dim_range(self, items):
        return ("r", items[0], items[1], None)

    def dim_range_step(self, items):
        return ("r", items[0], items[1], items[2])

    def data_ref(self, items):
        name, *dims = items
        return (str(name), [d for d in dims if d is not None])

    def wcr_op(self, items):
        op = str(items[0])
        if op not in WCR_OPS:
            raise _Located(f"unknown write-conflict resolution '{op}'", items[0],
                           "use one of " + ", ".join(WCR_OPS))
        return op

    def memlet(self, items):
        ref, other, wcr = items
        return (ref, other, wcr)

    def edge(self, items):
        src, dst, memlet = items
        return ("edge", src, dst, memlet)

    def program(self, items):
        name, args, rets, *rest = items
        return ("program", str(name), args or [], rets or [], rest)


def _dtype(tok: Token) -> DType:
    try:
        return DType(str(tok))
    except ValueError:
        raise _Located(f"unknown element type '{tok}'", tok,
                       did_you_mean(str(tok), [d.value for d in DType])
                       or "use one of " + ", ".join(d.value for d in DType)) from None


def _requirement(item) -> Requirement:
    _, cond, why, where = item
    rel = _as_index(cond.build(frozenset()))
    if not isinstance(rel, sympy.Rel):
        raise _Located("a 'require' declaration needs one comparison of sizes, such as "
                       "'require N == M \"why\"'", why)
    return Requirement(rel.lhs, rel.rel_op, rel.rhs, json.loads(why),
                       json.loads(where) if where else None)


def _as_index(e: Any) -> Any:
    """A requirement relates sizes: `a % n` there is SymPy's integer Mod, which the exact
    constructors leave as a value operation (`n` may be 0), and so is its comparison."""
    if not isinstance(e, sympy.Basic) or e.is_Atom:
        return e
    args = [_as_index(a) for a in e.args]
    if isinstance(e, X.Mod2) and all(X.is_index(a) for a in args):
        return sympy.Mod(*args)
    cmp = X.SYMPY_COMPARE.get(type(e))
    if cmp is not None:
        return cmp(*args)
    return e.func(*args) if args != list(e.args) else e


def _dim_from(raw) -> Index | Range:
    if raw[0] == "i":
        return Index(_ints(raw[1]))
    _, a, b, c = raw
    return Range(_ints(a), _ints(b), 1 if c is None else _ints(c))


class _ProgramAssembler:
    """Second step: resolve node ids, decide value symbols, build the Program objects."""

    def __init__(self, callees: dict[str, Program]) -> None:
        self.callees = callees

    def program(self, raw) -> Program:
        _, name, args, rets, rest = raw
        p = Program(name=name, args=list(args), returns=list(rets), callees=dict(self.callees))
        blocks = []
        for item in rest:
            if isinstance(item, tuple) and item[0] == "symbol":
                p.symbols[item[1]] = item[2]
            elif isinstance(item, tuple) and item[0] == "data":
                p.data[item[1]] = item[2]
            elif isinstance(item, tuple) and item[0] == "require":
                p.requires.append(_requirement(item))
            else:
                blocks.append(item)
        self.scalars = frozenset(n for n, c in p.data.items() if isinstance(c, Scalar))
        p.body = self.region(blocks)
        return p

    def cond(self, e: _E):
        return e.build(self.scalars)

    def region(self, items) -> Region:
        return Region([self.block(b) for b in items])

    def block(self, raw) -> Block:
        kind = raw[0]
        if kind == "state":
            _, name, graph_items = raw
            return State(name, self.graph(graph_items))
        if kind == "loop":
            _, var, a, b, c, blocks = raw
            return Loop(var, self.cond(a), self.cond(b), self.cond(c), self.region(blocks))
        if kind == "while":
            return While(self.cond(raw[1]), self.region(raw[2]))
        if kind == "branch":
            _, cases, orelse = raw
            return Branch([(self.cond(c), self.region(bs)) for c, bs in cases],
                          None if orelse is None else self.region(orelse))
        if kind == "assign":
            return Assign({k: self.cond(v) for k, v in raw[1]})
        if kind == "check":
            return Check(_requirement(raw[1]))
        return {"break": Break, "continue": Continue, "return": Return}[kind]()

    def graph(self, items, outer: dict[str, Node] | None = None) -> DataflowGraph:
        g = DataflowGraph()
        ids: dict[str, Node] = {}
        for it in items:
            if it[0] == "node":
                _, nid, spec, tok, loc = it
                ids[nid] = g.add(self.node(spec))
                if loc is not None:
                    ids[nid].loc = loc
        for it in items:
            if it[0] == "edge":
                _, (sid, sconn), (did, dconn), mem = it
                src, dst = self._lookup(ids, sid), self._lookup(ids, did)
                g.connect(src, dst, self.memlet(mem) if mem is not None else None,
                          sconn, dconn)
        return g

    @staticmethod
    def _lookup(ids: dict[str, Node], tok) -> Node:
        node = ids.get(str(tok))
        if node is None:
            raise _Located(f"no node {tok} in this graph", tok,
                           "edges connect nodes declared in the same state or map body")
        return node

    def memlet(self, raw) -> Memlet:
        (name, dims), other, wcr = raw
        subset = tuple(_dim_from(d) for d in dims)
        if other is None:
            return Memlet(name, subset, wcr)
        oname, odims = other
        return Memlet(name, subset, wcr, oname, tuple(_dim_from(d) for d in odims))

    def node(self, spec) -> Node:
        kind = spec[0]
        if kind == "access":
            return Access(spec[1])
        if kind == "tasklet":
            _, label, ins, outs, stmts = spec
            targets = {t for t, _ in stmts}
            values = frozenset(ins) | frozenset(outs) | frozenset(targets)
            return Tasklet(ins, outs, [(t, e.build(values)) for t, e in stmts], label=label)
        if kind == "map":
            _, ranges, schedule, label, graph_items = spec
            params = [p for p, _ in ranges]
            rs = []
            for _, raw in ranges:
                d = _dim_from(raw)
                rs.append(d if isinstance(d, Range) else Range(d.index, d.index + 1))
            return Map(params, rs, self.graph(graph_items), schedule, label)
        if kind == "library":
            _, tok, attrs = spec
            cls = LIBRARY.get(str(tok))
            if cls is None:
                raise _Located(f"unknown library node '{tok}'", tok,
                               did_you_mean(str(tok), LIBRARY)
                               or "known: " + ", ".join(sorted(LIBRARY)))
            try:
                return cls(**dict(attrs))
            except TypeError as e:
                raise _Located(str(e), tok) from None
        if kind == "call":
            _, callee, ins, outs, binds = spec
            return Call(callee, ins, outs, {k: _ints(v) for k, v in binds})
        raise AssertionError(kind)


def _called(p: Program) -> list[str]:
    """Names of the programs that `p`'s Call nodes call, in order of appearance."""
    names: list[str] = []
    for st in p.body.states():
        for n, _ in st.graph.walk():
            if isinstance(n, Call) and n.callee not in names:
                names.append(n.callee)
    return names


def parse(text: str, filename: str | None = None) -> Program:
    """Parse IR text; the last program in the file is returned, earlier ones are callees."""
    import sluice.ir.library  # noqa: F401 - registers the library nodes

    try:
        raws = _Builder().transform(_parser().parse(text, start="start"))
        programs: dict[str, Program] = {}
        last = None
        for raw in raws:
            last = _ProgramAssembler(programs).program(raw)
            if last.name in programs:
                raise SluiceSyntaxError(f"program '{last.name}' is defined twice",
                                        SourceLocation(filename),
                                        "give each program in a file its own name")
            last.callees = {n: programs[n] for n in _called(last) if n in programs}
            programs[last.name] = last
        assert last is not None
        return last
    except UnexpectedInput as e:
        raise _syntax_error(e, text, filename) from None
    except _Located as e:
        raise _located_error(e, text, filename) from None
    except Exception as e:  # lark wraps transformer errors in VisitError
        inner = getattr(e, "orig_exc", None)
        if isinstance(inner, _Located):
            raise _located_error(inner, text, filename) from None
        if isinstance(inner, SluiceError):
            raise inner from None
        raise


def _parse_fragment(text: str, start: str):
    try:
        return _Builder().transform(_parser().parse(text, start=start))
    except UnexpectedInput as e:
        raise _syntax_error(e, text, None) from None
    except _Located as e:
        raise _located_error(e, text, None) from None
    except Exception as e:
        inner = getattr(e, "orig_exc", None)
        if isinstance(inner, _Located):
            raise _located_error(inner, text, None) from None
        if isinstance(inner, SluiceError):
            raise inner from None
        raise


def parse_expr(text: str, values: frozenset[str] = frozenset()) -> Any:
    """Parse one expression; names in `values` become value symbols, others integer ones."""
    thunk = _parse_fragment(text, "expr")
    try:
        return thunk.build(frozenset(values))
    except _Located as e:
        raise _located_error(e, text, None) from None


def parse_memlet(text: str) -> Memlet:
    """Parse a memlet such as `A[i, 0:N]`, `A[0:N] -> B[1:N+1]` or `C[i, j] wcr +`."""
    return _ProgramAssembler({}).memlet(_parse_fragment(text, "memlet"))


def parse_range(text: str) -> Range:
    """Parse `start:stop` or `start:stop:step` (a single index `i` means `i:i+1`)."""
    d = _dim_from(_parse_fragment(text, "subset_dim"))
    return d if isinstance(d, Range) else Range(d.index, d.index + 1)


def _syntax_error(e: UnexpectedInput, text: str, filename: str | None) -> SluiceSyntaxError:
    line, col = getattr(e, "line", 1) or 1, getattr(e, "column", 1) or 1
    if isinstance(e, UnexpectedEOF) or (isinstance(e, UnexpectedToken) and e.token.type == "$END"):
        lines = text.rstrip("\n").splitlines() or [""]
        line, col = len(lines), len(lines[-1]) + 1
        msg = "unexpected end of input"
    elif isinstance(e, UnexpectedCharacters):
        msg = f"unexpected character {text[e.pos_in_stream]!r}"
    elif isinstance(e, UnexpectedToken):
        msg = f"unexpected '{e.token}'"
    else:
        msg = "syntax error"
    expected = sorted(getattr(e, "expected", None) or getattr(e, "allowed", None) or [])
    hint = None
    if expected:
        shown = [_PRETTY.get(x, x.lower()) for x in expected[:8]]
        hint = "expected " + ", ".join(shown) + (" ..." if len(expected) > 8 else "")
    return SluiceSyntaxError(msg, SourceLocation.in_text(text, line, col, filename), hint)


_PRETTY = {"RBRACE": "'}'", "LBRACE": "'{'", "LPAR": "'('", "RPAR": "')'", "COLON": "':'",
           "COMMA": "','", "EQUAL": "'='", "LSQB": "'['", "RSQB": "']'", "NAME": "a name",
           "NODE_ID": "a node id like %3", "__ANON_0": "'->'"}


def _located_error(e: _Located, text: str, filename: str | None) -> SluiceSyntaxError:
    tok = e.where
    line = getattr(tok, "line", None) or 1
    col = getattr(tok, "column", None) or 1
    loc = SourceLocation.in_text(text, line, col, filename, len(str(tok)))
    return SluiceSyntaxError(e.message, loc, e.hint)
