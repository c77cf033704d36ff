"""A typed model of a CSL program: the layout, the PE programs, and the host script.

The model is what the IR->CSL lowering targets, what the printer prints, what the parser
reads back, what the validators check and what the wafer simulator executes. All nodes
are frozen dataclasses holding tuples, so two models compare with `==` (the round-trip
test is `parse(print(m)) == m`).

Names, not pointers, link the parts: a DSD names its array, a DSD op names its DSDs,
`Activate("t")` names a task, a route names a layout color, a PE program names its
color params, and a `Placement` binds those params to layout colors or numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ARCHS = ("wse2", "wse3")
DTYPES = ("f16", "f32", "i16", "i32", "u16", "u32")
DTYPE_BYTES = {"f16": 2, "f32": 4, "i16": 2, "i32": 4, "u16": 2, "u32": 4}
PARAM_TYPES = DTYPES + ("color",)
DIRECTIONS = ("RAMP", "NORTH", "SOUTH", "EAST", "WEST")
Direction = Literal["RAMP", "NORTH", "SOUTH", "EAST", "WEST"]

# ---------------------------------------------------------------------------------------
# Expressions


@dataclass(frozen=True)
class Lit:
    """A literal: Python int, float or bool."""

    value: int | float | bool


@dataclass(frozen=True)
class Name:
    """A param, field, local variable, DSD or loop variable."""

    id: str


@dataclass(frozen=True)
class Index:
    """`array[index]`."""

    array: str
    index: Expr


@dataclass(frozen=True)
class BinOp:
    op: str  # + - * / % == != < <= > >= and or
    lhs: Expr
    rhs: Expr


@dataclass(frozen=True)
class UnOp:
    op: str  # - !
    operand: Expr


@dataclass(frozen=True)
class Cast:
    """`@as(dtype, value)`."""

    dtype: str
    value: Expr


Expr = Lit | Name | Index | BinOp | UnOp | Cast

BINOP_PRECEDENCE = {
    "or": 1,
    "and": 2,
    "==": 3, "!=": 3, "<": 3, "<=": 3, ">": 3, ">=": 3,
    "+": 4, "-": 4,
    "*": 5, "/": 5, "%": 5,
}


def lit(value: int | float | bool | Expr) -> Expr:
    """Wrap a Python number as a `Lit`; expressions pass through."""
    return value if isinstance(value, (Lit, Name, Index, BinOp, UnOp, Cast)) else Lit(value)


# ---------------------------------------------------------------------------------------
# Statements

DSD_OPS: dict[str, tuple[int, str]] = {
    # name: (number of source operands, element dtype)
    "fmovs": (1, "f32"), "fadds": (2, "f32"), "fsubs": (2, "f32"), "fmuls": (2, "f32"),
    "fmacs": (3, "f32"), "fnegs": (1, "f32"), "fmaxs": (2, "f32"),
    "fmovh": (1, "f16"), "faddh": (2, "f16"), "fsubh": (2, "f16"), "fmulh": (2, "f16"),
    "fmach": (3, "f16"), "fnegh": (1, "f16"), "fmaxh": (2, "f16"),
    "mov16": (1, "u16"), "mov32": (1, "u32"), "add16": (2, "i16"),
}


@dataclass(frozen=True)
class LocalVar:
    """`var name: dtype = value;` inside a function or task."""

    name: str
    dtype: str
    value: Expr


@dataclass(frozen=True)
class Assign:
    """`target op value;` with op one of = += -= *=."""

    target: Name | Index
    value: Expr
    op: str = "="


@dataclass(frozen=True)
class For:
    """`for (@range(dtype, start, stop, step)) |var| { body }`."""

    var: str
    start: Expr
    stop: Expr
    body: tuple[Stmt, ...]
    step: Expr = Lit(1)
    dtype: str = "i16"


@dataclass(frozen=True)
class While:
    """`while (cond) : (update) { body }`."""

    cond: Expr
    body: tuple[Stmt, ...]
    update: Assign | None = None


@dataclass(frozen=True)
class If:
    cond: Expr
    then: tuple[Stmt, ...]
    orelse: tuple[Stmt, ...] = ()


@dataclass(frozen=True)
class DsdOp:
    """`@op(dst, src...)`, optionally `.{ .async = true, .activate = t, .unblock = u }`.

    Operands are expressions; a `Name` that names a DSD is a DSD operand, anything else
    a scalar. `activate`/`unblock` name tasks.
    """

    op: str
    operands: tuple[Expr, ...]
    is_async: bool = False
    activate: str | None = None
    unblock: str | None = None


@dataclass(frozen=True)
class Activate:
    task: str


@dataclass(frozen=True)
class Block:
    task: str


@dataclass(frozen=True)
class Unblock:
    task: str


@dataclass(frozen=True)
class IncrementDsdOffset:
    """`dsd = @increment_dsd_offset(dsd, amount, dtype);`"""

    dsd: str
    amount: Expr
    dtype: str = "f32"


@dataclass(frozen=True)
class SetDsdBaseAddr:
    """`dsd = @set_dsd_base_addr(dsd, &array);`"""

    dsd: str
    array: str


@dataclass(frozen=True)
class SetDsdLength:
    """`dsd = @set_dsd_length(dsd, length);`"""

    dsd: str
    length: Expr


@dataclass(frozen=True)
class UnblockCmdStream:
    """`sys_mod.unblock_cmd_stream();` — hands the memcpy command stream back to the host."""


@dataclass(frozen=True)
class CallFn:
    """`name();` — a call of an argument-less function of the same PE program."""

    name: str


Stmt = (
    LocalVar | Assign | For | While | If | DsdOp | Activate | Block | Unblock
    | IncrementDsdOffset | SetDsdBaseAddr | SetDsdLength | UnblockCmdStream | CallFn
)

# ---------------------------------------------------------------------------------------
# PE program declarations


@dataclass(frozen=True)
class Param:
    """`param name: dtype;` — dtype is a numeric type or `color`."""

    name: str
    dtype: str


@dataclass(frozen=True)
class Zeros:
    """`@zeros([n]T)`."""


@dataclass(frozen=True)
class Constants:
    """`@constants([n]T, value)`."""

    value: Expr


@dataclass(frozen=True)
class Field:
    """A PE-global variable: an array when `length` is set, else a scalar."""

    name: str
    dtype: str
    length: Expr | None = None
    init: Expr | Zeros | Constants | None = None


@dataclass(frozen=True)
class Mem1dDsd:
    """A memory DSD: element k is `array[offset + k * stride]`, k < extent.

    `form` picks the printed spelling: an affine `tensor_access` or `base_address`.
    """

    name: str
    array: str
    extent: Expr
    stride: int = 1
    offset: Expr = Lit(0)
    form: Literal["tensor_access", "base_address"] = "tensor_access"


@dataclass(frozen=True)
class FabinDsd:
    """Reads `extent` wavelets of `color` from input queue `queue`."""

    name: str
    color: str
    extent: Expr
    queue: int


@dataclass(frozen=True)
class FaboutDsd:
    """Writes `extent` wavelets of `color` through output queue `queue`."""

    name: str
    color: str
    extent: Expr
    queue: int
    control: bool = False


Dsd = Mem1dDsd | FabinDsd | FaboutDsd


@dataclass(frozen=True)
class TaskParam:
    name: str
    dtype: str


@dataclass(frozen=True)
class Task:
    """A task. Data tasks bind to `color` (WSE-2) or input `queue` (WSE-3)."""

    name: str
    kind: Literal["data", "local", "control"]
    body: tuple[Stmt, ...]
    id: int | None = None  # local and control task IDs
    param: TaskParam | None = None  # data tasks: the wavelet payload
    color: str | None = None  # WSE-2 data tasks
    queue: int | None = None  # WSE-3 data tasks


@dataclass(frozen=True)
class QueueInit:
    """`@initialize_queue(@get_{input,output}_queue(q), .{ .color = c })` (WSE-3)."""

    direction: Literal["input", "output"]
    queue: int
    color: str


@dataclass(frozen=True)
class Function:
    """`fn name() void { body }`."""

    name: str
    body: tuple[Stmt, ...]


@dataclass(frozen=True)
class PeProgram:
    """One PE code file. `exports` name fields the host may address; `rpcs` name functions."""

    name: str
    params: tuple[Param, ...] = ()
    fields: tuple[Field, ...] = ()
    dsds: tuple[Dsd, ...] = ()
    functions: tuple[Function, ...] = ()
    tasks: tuple[Task, ...] = ()
    queues: tuple[QueueInit, ...] = ()
    exports: tuple[str, ...] = ()
    rpcs: tuple[str, ...] = ()
    uses_memcpy: bool = True

    @property
    def filename(self) -> str:
        return f"{self.name}.csl"

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    def dsd(self, name: str) -> Dsd | None:
        return next((d for d in self.dsds if d.name == name), None)

    def task(self, name: str) -> Task | None:
        return next((t for t in self.tasks if t.name == name), None)

    def function(self, name: str) -> Function | None:
        return next((f for f in self.functions if f.name == name), None)


# ---------------------------------------------------------------------------------------
# Layout


@dataclass(frozen=True)
class Color:
    """`const name: color = @get_color(id);`"""

    name: str
    id: int


@dataclass(frozen=True)
class SwitchPos:
    """One switch position: replaces the base route's rx or tx (or both, WSE-3 only)."""

    rx: str | None = None
    tx: str | None = None


@dataclass(frozen=True)
class Switches:
    positions: tuple[SwitchPos, ...]
    current: int = 0
    ring_mode: bool = False


@dataclass(frozen=True)
class Filter:
    """A counter filter on the RAMP delivery of one color (counter arithmetic is ours)."""

    init_counter: int = 0
    limit1: int = 0
    max_counter: int = 0


@dataclass(frozen=True)
class Route:
    """`@set_color_config(x, y, color, .{ .routes = .{ .rx, .tx }, ... })`."""

    x: int
    y: int
    color: str
    rx: tuple[str, ...]
    tx: tuple[str, ...]
    switches: Switches | None = None
    filter: Filter | None = None


@dataclass(frozen=True)
class ColorRef:
    """A param binding that names a layout color."""

    name: str


ParamValue = int | float | ColorRef


@dataclass(frozen=True)
class Placement:
    """`@set_tile_code(x, y, file, .{ bindings })` for one PE."""

    x: int
    y: int
    bindings: tuple[tuple[str, ParamValue], ...] = ()

    def binding(self, name: str) -> ParamValue | None:
        return next((v for k, v in self.bindings if k == name), None)


@dataclass(frozen=True)
class TileVariant:
    """A PE program plus the PEs that run it."""

    program: PeProgram
    placements: tuple[Placement, ...]


@dataclass(frozen=True)
class Export:
    """`@export_name(name, [*]dtype, mutable)` or `@export_name(name, fn()void)`."""

    name: str
    kind: Literal["data", "fn"]
    dtype: str = "f32"
    mutable: bool = True


@dataclass(frozen=True)
class MemcpySetup:
    """The `<memcpy/get_params>` import; streaming colors as (k, color name) pairs."""

    h2d: tuple[tuple[int, str], ...] = ()
    d2h: tuple[tuple[int, str], ...] = ()

    def stream_color(self, ref: str) -> str | None:
        """The layout color behind `sys_mod.MEMCPYH2D_k` / `sys_mod.MEMCPYD2H_k`."""
        for prefix, pairs in (("sys_mod.MEMCPYH2D_", self.h2d), ("sys_mod.MEMCPYD2H_", self.d2h)):
            if ref.startswith(prefix):
                k = ref[len(prefix):]
                return next((c for i, c in pairs if str(i) == k), None)
        return None


@dataclass(frozen=True)
class Layout:
    width: int
    height: int
    arch: Literal["wse2", "wse3"] = "wse2"
    colors: tuple[Color, ...] = ()
    routes: tuple[Route, ...] = ()
    exports: tuple[Export, ...] = ()
    memcpy: MemcpySetup | None = field(default_factory=MemcpySetup)

    def color_id(self, name: str) -> int | None:
        return next((c.id for c in self.colors if c.name == name), None)


@dataclass(frozen=True)
class CslProgram:
    layout: Layout
    variants: tuple[TileVariant, ...]

    def placement_at(self, x: int, y: int) -> tuple[PeProgram, Placement] | None:
        for v in self.variants:
            for p in v.placements:
                if p.x == x and p.y == y:
                    return v.program, p
        return None

    def resolve_color(self, placement: Placement, ref: str) -> int | None:
        """The color ID a PE-program color reference (param or sys_mod stream) means."""
        lay = self.layout
        if ref.startswith("sys_mod.") and lay.memcpy is not None:
            name = lay.memcpy.stream_color(ref)
            return None if name is None else lay.color_id(name)
        value = placement.binding(ref)
        return lay.color_id(value.name) if isinstance(value, ColorRef) else None


# ---------------------------------------------------------------------------------------
# Host script (run.py): printed, and executed against the wafer simulator


@dataclass(frozen=True)
class H2D:
    """`memcpy_h2d` of host input `source` into symbol (copy) or color (streaming)."""

    target: str  # exported symbol name, or layout color name when streaming
    source: str  # key in the inputs dict
    x0: int
    y0: int
    w: int
    h: int
    elems: int
    streaming: bool = False
    order: Literal["ROW_MAJOR", "COL_MAJOR"] = "ROW_MAJOR"
    bits: Literal[16, 32] = 32
    nonblock: bool = False


@dataclass(frozen=True)
class D2H:
    """`memcpy_d2h` from symbol (copy) or color (streaming) into a new host array."""

    dest: str  # key in the outputs dict
    source: str
    x0: int
    y0: int
    w: int
    h: int
    elems: int
    streaming: bool = False
    order: Literal["ROW_MAJOR", "COL_MAJOR"] = "ROW_MAJOR"
    bits: Literal[16, 32] = 32
    dtype: str = "f32"
    nonblock: bool = False


@dataclass(frozen=True)
class Launch:
    fn: str
    nonblock: bool = False


HostStep = H2D | D2H | Launch


@dataclass(frozen=True)
class HostProgram:
    steps: tuple[HostStep, ...]
