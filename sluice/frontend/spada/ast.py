"""Typed AST of a `.sptl` kernel (docs/SPADA.md).

Every node is a frozen dataclass with a `pos` (line, column, span length) that does not take
part in equality, so two ASTs compare equal when they say the same thing wherever it was
written: the pretty-printer round-trip test relies on this. Sequences are tuples.

Binding (`expand.bind`) returns the same node classes with parameters replaced by literals,
constant subexpressions folded and compile-time `for` blocks unrolled; the lowering to the IR
reads those folded nodes together with the concrete PE sets in `expand.BoundKernel`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Pos:
    """1-based line and column of a node's first character, and the length to underline."""

    line: int
    col: int
    length: int = 1


NOPOS = Pos(0, 0)


@dataclass(frozen=True)
class Node:
    pos: Pos = field(default=NOPOS, compare=False, kw_only=True, repr=False)


# ---- expressions -------------------------------------------------------------------------


@dataclass(frozen=True)
class IntLit(Node):
    value: int


@dataclass(frozen=True)
class FloatLit(Node):
    value: float


@dataclass(frozen=True)
class BoolLit(Node):
    value: bool


@dataclass(frozen=True)
class StrLit(Node):
    value: str


@dataclass(frozen=True)
class Name(Node):
    id: str


@dataclass(frozen=True)
class Unary(Node):
    """`op` is one of '+', '-', '~', 'not'."""

    op: str
    operand: Expr


@dataclass(frozen=True)
class Binary(Node):
    """Arithmetic, bitwise, shift, comparison, 'and' and 'or' (short-circuit)."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Ternary(Node):
    """`then if cond else else_`; may choose between two streams."""

    then: Expr
    cond: Expr
    else_: Expr


@dataclass(frozen=True)
class Call(Node):
    """A built-in function call, or a cast written `f32(e)` (func is the type name)."""

    func: str
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class Subscript(Node):
    """`base[i, j]`: an array element, or one stream of a stream-array argument."""

    base: Expr
    indices: tuple[Expr, ...]


@dataclass(frozen=True)
class Attribute(Node):
    base: Expr
    name: str


Expr = (
    IntLit | FloatLit | BoolLit | StrLit | Name | Unary | Binary | Ternary | Call | Subscript
    | Attribute
)


@dataclass(frozen=True)
class Range(Node):
    """`start:stop[:step]`, Python semantics (stop excluded)."""

    start: Expr
    stop: Expr
    step: Expr | None = None


RangeItem = Range | Expr


# ---- types -------------------------------------------------------------------------------

SCALAR_TYPES = ("f16", "f32", "f64", "i8", "i16", "i32", "u8", "u16", "u32", "bool")


@dataclass(frozen=True)
class ScalarType(Node):
    name: str


@dataclass(frozen=True)
class ArrayType(Node):
    elem: ScalarType
    dims: tuple[Expr, ...]


@dataclass(frozen=True)
class StreamType(Node):
    """`stream<T>` (length None: decided by use) or `stream<T, N>`."""

    elem: ScalarType
    length: Expr | None = None


@dataclass(frozen=True)
class StreamArrayType(Node):
    """`stream<T, N>[a, b]`: one stream per PE of an a x b grid; host shape (a, b, N)."""

    stream: StreamType
    dims: tuple[Expr, ...]


Type = ScalarType | ArrayType | StreamType | StreamArrayType


# ---- kernel-level declarations -----------------------------------------------------------


@dataclass(frozen=True)
class LoopVar(Node):
    type: ScalarType
    name: str


@dataclass(frozen=True)
class Subgrid(Node):
    """`i16 x, i16 y in [xrange, yrange]`."""

    vars: tuple[LoopVar, ...]
    ranges: tuple[RangeItem, ...]


@dataclass(frozen=True)
class Param(Node):
    name: str


@dataclass(frozen=True)
class Arg(Node):
    type: Type
    name: str
    annotations: tuple[str, ...] = ()


@dataclass(frozen=True)
class Field(Node):
    type: Type
    name: str
    extern: bool = False


@dataclass(frozen=True)
class Auto(Node):
    """The value `auto` in a routing block."""


@dataclass(frozen=True)
class Routing(Node):
    """`{ hops = ..., channel = ..., count = ... }`; None means the key was not written."""

    hops: tuple[tuple[Expr, Expr], ...] | Auto | None = None
    channel: Expr | Auto | None = None
    count: Expr | Auto | None = None


@dataclass(frozen=True)
class RelativeStream(Node):
    """`relative_stream(dx, dy)`; a Range offset is a multicast."""

    dx: RangeItem
    dy: RangeItem
    routing: Routing | None = None


@dataclass(frozen=True)
class ExternStream(Node):
    """`extern_stream(arg)`: the stream of host argument `arg` that belongs to this PE."""

    arg: str


@dataclass(frozen=True)
class StreamDecl(Node):
    type: StreamType
    name: str
    source: RelativeStream | ExternStream | CollectiveStream


@dataclass(frozen=True)
class CollectiveOption(Node):
    """`key = value` in the option block of a multistream constructor."""

    key: str
    value: Expr


@dataclass(frozen=True)
class CollectiveStream(Node):
    """The source of `multistream<T> s = reduce_stream(rx, ry) { ... }` (E2): a collective
    rooted at absolute PE (rx, ry). `kind` is "reduce" or "broadcast"; `spelling` the
    constructor as written; `options` None when no option block was written."""

    kind: str
    spelling: str
    root_x: Expr
    root_y: Expr
    options: tuple[CollectiveOption, ...] | None = None


# ---- compute statements ------------------------------------------------------------------


@dataclass(frozen=True)
class LocalDecl(Node):
    type: Type
    name: str
    value: Expr | None = None


@dataclass(frozen=True)
class Assign(Node):
    """`target op value`; op is '=' or an augmented operator such as '+='."""

    target: Name | Subscript
    op: str
    value: Expr


@dataclass(frozen=True)
class Send(Node):
    value: Expr
    stream: Expr


@dataclass(frozen=True)
class Receive(Node):
    target: Expr
    stream: Expr


@dataclass(frozen=True)
class Close(Node):
    stream: Name | Subscript


@dataclass(frozen=True)
class For(Node):
    vars: tuple[LoopVar, ...]
    ranges: tuple[RangeItem, ...]
    body: tuple[Stmt, ...]


@dataclass(frozen=True)
class Map(Node):
    vars: tuple[LoopVar, ...]
    ranges: tuple[RangeItem, ...]
    body: tuple[Stmt, ...]


@dataclass(frozen=True)
class ReceiveGen(Node):
    """The `receive(s)` generator of a foreach."""

    stream: Expr


Generator = tuple[RangeItem, ...] | ReceiveGen


@dataclass(frozen=True)
class Foreach(Node):
    """Variables bind in generator order: a range takes one per dimension, receive takes one."""

    vars: tuple[LoopVar, ...]
    gens: tuple[Generator, ...]
    body: tuple[Stmt, ...]

    @property
    def receive_gen(self) -> ReceiveGen | None:
        return next((g for g in self.gens if isinstance(g, ReceiveGen)), None)

    @property
    def index_ranges(self) -> tuple[RangeItem, ...] | None:
        return next((g for g in self.gens if isinstance(g, tuple)), None)


@dataclass(frozen=True)
class Async(Node):
    body: tuple[Stmt, ...]


@dataclass(frozen=True)
class If(Node):
    cond: Expr
    then: tuple[Stmt, ...]
    else_: tuple[Stmt, ...] | None = None


@dataclass(frozen=True)
class Await(Node):
    """`await <op>`: start the operation and wait for it at once."""

    op: AsyncOp


@dataclass(frozen=True)
class Completion(Node):
    """`completion name = <op>`: start the operation, wait later with `await name`."""

    name: str
    op: AsyncOp


@dataclass(frozen=True)
class AwaitName(Node):
    name: str


@dataclass(frozen=True)
class AwaitAll(Node):
    pass


@dataclass(frozen=True)
class CollectiveCall(Node):
    """`reduce(a, s)` or `broadcast(a, s)` on a multistream `s` (E2)."""

    op: str
    target: Expr
    stream: Expr


AsyncOp = Send | Receive | Close | Map | Foreach | Async | CollectiveCall
Stmt = LocalDecl | Assign | AsyncOp | If | For | Await | Completion | AwaitName | AwaitAll


# ---- blocks and kernel -------------------------------------------------------------------


@dataclass(frozen=True)
class Place(Node):
    subgrid: Subgrid
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Dataflow(Node):
    subgrid: Subgrid
    streams: tuple[StreamDecl, ...]


@dataclass(frozen=True)
class Compute(Node):
    subgrid: Subgrid
    body: tuple[Stmt, ...]


@dataclass(frozen=True)
class Phase(Node):
    items: tuple[KernelItem, ...]


@dataclass(frozen=True)
class MetaFor(Node):
    """Kernel-level `for`: unrolled at bind time, its variables become constants."""

    vars: tuple[LoopVar, ...]
    ranges: tuple[RangeItem, ...]
    items: tuple[KernelItem, ...]


KernelItem = Place | Dataflow | Compute | Phase | MetaFor


@dataclass(frozen=True)
class Kernel(Node):
    name: str | None
    params: tuple[Param, ...]
    args: tuple[Arg, ...]
    items: tuple[KernelItem, ...]
    file: str | None = field(default=None, compare=False, repr=False)
    source: str | None = field(default=None, compare=False, repr=False)

    def arg(self, name: str) -> Arg | None:
        return next((a for a in self.args if a.name == name), None)
