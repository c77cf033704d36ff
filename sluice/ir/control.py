"""Structured control flow: a Region is an ordered list of blocks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from sluice.ir.graph import DataflowGraph
from sluice.ir.requires import Requirement
from sluice.ir.symbolic import Expr, as_expr, free_names


@dataclass(eq=False)
class Block:
    def regions(self) -> list[Region]:
        return []

    def describe(self) -> str:
        return type(self).__name__.lower()


@dataclass(eq=False)
class State(Block):
    """A dataflow graph, executed atomically in program order."""

    name: str
    graph: DataflowGraph = field(default_factory=DataflowGraph)

    def describe(self) -> str:
        return f"state '{self.name}'"


@dataclass(eq=False)
class Loop(Block):
    """`for var in range(start, stop, step)`; `step` may be negative (a nonzero constant)."""

    var: str
    start: Expr
    stop: Expr
    step: Expr
    body: Region

    def __post_init__(self) -> None:
        self.start, self.stop, self.step = map(as_expr, (self.start, self.stop, self.step))

    def regions(self) -> list[Region]:
        return [self.body]

    def describe(self) -> str:
        return f"loop over '{self.var}'"


@dataclass(eq=False)
class While(Block):
    cond: Expr
    body: Region

    def __post_init__(self) -> None:
        self.cond = as_expr(self.cond)

    def regions(self) -> list[Region]:
        return [self.body]


@dataclass(eq=False)
class Branch(Block):
    """`if c1: r1 elif c2: r2 ... else: orelse` — conditions may read scalar containers."""

    cases: list[tuple[Expr, Region]]
    orelse: Region | None = None

    def __post_init__(self) -> None:
        self.cases = [(as_expr(c), r) for c, r in self.cases]

    def regions(self) -> list[Region]:
        return [r for _, r in self.cases] + ([self.orelse] if self.orelse is not None else [])


@dataclass(eq=False)
class Assign(Block):
    """Symbol assignments between blocks; right-hand sides may read scalar containers."""

    assignments: dict[str, Expr]

    def __post_init__(self) -> None:
        self.assignments = {k: as_expr(v) for k, v in self.assignments.items()}

    def reads(self) -> set[str]:
        out: set[str] = set()
        for e in self.assignments.values():
            out |= free_names(e)
        return out


@dataclass(eq=False)
class Check(Block):
    """Stop with an error unless `requirement` holds: a size relation the program assumes
    that only becomes decidable while it runs (sizes computed inside the program)."""

    requirement: Requirement

    def reads(self) -> set[str]:
        return self.requirement.names

    def describe(self) -> str:
        r = self.requirement
        return f"check {r.lhs} {r.op} {r.rhs}"


@dataclass(eq=False)
class Break(Block):
    pass


@dataclass(eq=False)
class Continue(Block):
    pass


@dataclass(eq=False)
class Return(Block):
    """Leave the program; return values are whatever the return containers hold."""


@dataclass(eq=False)
class Region:
    blocks: list[Block] = field(default_factory=list)

    def append(self, block: Block) -> Block:
        self.blocks.append(block)
        return block

    def walk(self) -> Iterator[Block]:
        """Every block, depth-first, in program order."""
        for b in self.blocks:
            yield b
            for r in b.regions():
                yield from r.walk()

    def states(self) -> Iterator[State]:
        return (b for b in self.walk() if isinstance(b, State))
