"""Dataflow nodes: Access, Tasklet, Map, Call, and the base of library nodes."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar

from sluice.errors import SourceLocation
from sluice.ir.memlet import Range
from sluice.ir.symbolic import Expr, as_expr, free_names

if TYPE_CHECKING:
    from sluice.ir.graph import DataflowGraph


class Schedule(Enum):
    """How a map's iterations run. `default` lets the backend choose."""

    default = "default"
    sequential = "sequential"
    cpu_parallel = "cpu_parallel"
    gpu_device = "gpu_device"
    gpu_block = "gpu_block"
    vector = "vector"
    spatial = "spatial"  # one instance per PE of a subgrid


@dataclass(eq=False)
class Node:
    """A node of a dataflow graph. Nodes have identity: two equal-looking nodes differ.

    `loc` is where the user wrote the node, when a frontend knows it (not a dataclass field:
    set it after construction). Text, JSON and passes carry it; diagnostics of generated
    code (bounds-checked runs) point there.
    """

    loc: ClassVar[SourceLocation | None] = None  # the default; a located node sets its own

    @property
    def in_connectors(self) -> tuple[str, ...]:
        return ()

    @property
    def out_connectors(self) -> tuple[str, ...]:
        return ()

    def describe(self) -> str:
        return type(self).__name__


@dataclass(eq=False)
class Access(Node):
    """A read or write of the container `data` (or a CSR component `M.indptr`)."""

    data: str

    def describe(self) -> str:
        return f"access {self.data}"


class _NamedConnectors:
    """Nodes whose connectors are the names in their `inputs` and `outputs` fields."""

    inputs: tuple[str, ...]
    outputs: tuple[str, ...]

    @property
    def in_connectors(self) -> tuple[str, ...]:
        return self.inputs

    @property
    def out_connectors(self) -> tuple[str, ...]:
        return self.outputs


@dataclass(eq=False)
class Tasklet(_NamedConnectors, Node):
    """Scalar computation: `code` is an ordered list of `name = expr` assignments.

    Every output connector is assigned exactly once; other targets are tasklet locals.
    """

    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    code: list[tuple[str, Expr]]
    label: str = "tasklet"

    def __post_init__(self) -> None:
        self.inputs = tuple(self.inputs)
        self.outputs = tuple(self.outputs)
        self.code = [(t, as_expr(e)) for t, e in self.code]

    def locals(self) -> set[str]:
        return {t for t, _ in self.code} - set(self.outputs)

    def free_symbols(self) -> set[str]:
        """Names read that are neither connectors nor locals: symbols and map parameters."""
        bound = set(self.inputs) | {t for t, _ in self.code}
        out: set[str] = set()
        for _, e in self.code:
            out |= free_names(e)
        return out - bound

    def describe(self) -> str:
        return f"tasklet '{self.label}'"


@dataclass(eq=False)
class Map(Node):
    """A parametric parallel scope: `body` runs once per point of `ranges`.

    The body refers to the program's containers directly; the map's outer edges carry
    the (propagated) subsets it reads and writes so the outer graph orders it correctly.
    """

    params: list[str]
    ranges: list[Range]
    body: DataflowGraph
    schedule: Schedule = Schedule.default
    label: str = "map"

    def free_symbols(self) -> set[str]:
        out: set[str] = set()
        for r in self.ranges:
            out |= r.free_symbols()
        return out

    def describe(self) -> str:
        ps = ", ".join(self.params)
        return f"map '{self.label}' [{ps}]"


@dataclass(eq=False)
class Call(_NamedConnectors, Node):
    """Calls the program `callee`; connectors are the callee's argument (and return) names.

    `symbols` binds callee symbols to expressions over the caller's symbols; unbound
    callee symbols are inferred from argument shapes.
    """

    callee: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    symbols: dict[str, Expr] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.inputs = tuple(self.inputs)
        self.outputs = tuple(self.outputs)
        self.symbols = {k: as_expr(v) for k, v in self.symbols.items()}

    def describe(self) -> str:
        return f"call {self.callee}"


class LibraryNode(Node):
    """Base of library nodes: a named operation with fixed connectors and attributes.

    Subclasses declare `INPUTS`, `OUTPUTS` and `ATTRS` (name -> default) and implement
    `reference` (NumPy semantics, the interpreter's oracle) and `output_shapes`.
    Registered by class name in `LIBRARY` so text, JSON and the verifier find them.
    """

    INPUTS: ClassVar[tuple[str, ...]] = ()
    OUTPUTS: ClassVar[tuple[str, ...]] = ()
    ATTRS: ClassVar[dict[str, Any]] = {}

    def __init__(self, **attrs: Any) -> None:
        unknown = set(attrs) - set(self.ATTRS)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no attribute {sorted(unknown)[0]!r}")
        self.attrs: dict[str, Any] = {**self.ATTRS, **attrs}

    def __getattr__(self, name: str) -> Any:
        attrs = self.__dict__.get("attrs")
        if attrs is not None and name in attrs:
            return attrs[name]
        raise AttributeError(name)

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        LIBRARY[cls.__name__] = cls

    @property
    def in_connectors(self) -> tuple[str, ...]:
        return self.INPUTS

    @property
    def out_connectors(self) -> tuple[str, ...]:
        return self.OUTPUTS

    def describe(self) -> str:
        return f"library node {type(self).__name__}"

    def shown_attrs(self) -> dict[str, Any]:
        """The attributes IR text prints (parsing fills in the rest from ATTRS)."""
        return self.attrs

    def check(self, in_shapes: dict[str, tuple], in_dtypes: dict[str, Any]) -> str | None:
        """A message if the operand shapes or types are invalid, else None."""
        return None

    def output_shapes(self, in_shapes: dict[str, tuple]) -> dict[str, tuple]:
        raise NotImplementedError

    def reference(self, **inputs: Any) -> dict[str, Any]:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.attrs})"


LIBRARY: dict[str, type[LibraryNode]] = {}
