"""Map-nest extraction: each top-level map nest as a standalone program (a "cut-out").

A cut-out holds one state with a copy of the nest, an argument for every container the
nest reads or writes (arrays updated in place, as in the original), and every size
symbol bound to a value: shapes, ranges, subsets and tasklet code read numbers, not
symbols. It compiles through the normal path (`sluice.backends.cpu.build`) and runs and
times alone, which is what tuning measures and compares.
"""

from __future__ import annotations

import copy
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import sympy

from sluice.errors import SluiceError
from sluice.ir.control import Region, State
from sluice.ir.data import Array, Container, Scalar
from sluice.ir.graph import DataflowGraph
from sluice.ir.interpreter import bind_symbols as infer_symbols
from sluice.ir.interpreter import match_arguments
from sluice.ir.nodes import Access, LibraryNode, Map, Tasklet
from sluice.ir.program import Program
from sluice.ir.symbolic import substitute
from sluice.passes.loops.nest import MapNest, map_nests


@dataclass
class Cutout:
    """One map nest of `source` as a program of its own."""

    program: Program
    source: str  # the original program's name
    index: int  # the nest's index among the original's top-level map nests
    symbols: dict[str, int]  # the values bound into it
    reads: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)

    def random_args(self, rng: np.random.Generator) -> list[Any]:
        """Arguments of the cut-out in order: standard normal floats, small non-negative
        integers (safe as indices into non-empty dimensions) and random booleans."""
        return [_random(self.program.container(n), rng) for n in self.program.args]

    def run(self, args: list[Any], options: Mapping[str, Any] | None = None) -> list[Any]:
        """Compile (cached) and call on `args` (updated in place, and returned)."""
        from sluice.backends.cpu import build

        build(self.program, dict(options or {"pipeline": None}))(*args)
        return args

    def time(
        self,
        args: list[Any] | None = None,
        repeat: int = 5,
        options: Mapping[str, Any] | None = None,
        seed: int = 0,
    ) -> float:
        """Median seconds of one compiled call (after a warm-up call), each on a fresh
        copy of the arguments."""
        from sluice.backends.cpu import build

        fn = build(self.program, dict(options or {"pipeline": None}))
        args = args if args is not None else self.random_args(np.random.default_rng(seed))
        return median_seconds(lambda a: fn(*a), args, repeat)


def median_seconds(call: Callable[[list[Any]], Any], args: list[Any], repeat: int) -> float:
    call(copy.deepcopy(args))  # warm-up: first-touch, loading, thread start
    times = []
    for _ in range(max(1, repeat)):
        a = copy.deepcopy(args)
        t0 = time.perf_counter()
        call(a)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def extract_nests(program: Program, symbols: Mapping[str, int]) -> list[Cutout]:
    """A cut-out of every top-level map nest of `program`, in program order, with
    `symbols` bound (every symbol a nest uses needs a value)."""
    return [cutout(program, nest, k, symbols) for k, nest in enumerate(map_nests(program))]


def bind_symbols(program: Program, *args: Any) -> dict[str, int]:
    """The symbol values a call of `program` with `args` binds: size symbols from the
    array arguments' shapes (checked to agree, as every call is), symbol arguments from
    their values."""
    given = match_arguments(program, args, {})
    symbols = {n: v for n, v in given.items() if n in program.symbols and n not in program.data}
    shapes = {n: np.shape(v) for n, v in given.items()
              if isinstance(program.data.get(n), Array)}
    return {k: int(v) for k, v in infer_symbols(program, shapes, symbols).items()}


def cutout(program: Program, nest: MapNest, index: int, symbols: Mapping[str, int]) -> Cutout:
    bound = {k: sympy.Integer(int(v)) for k, v in symbols.items()}
    top = copy.deepcopy(nest.top)
    outer_in = [e for e in nest.graph.in_edges(nest.top) if e.memlet is not None]
    outer_out = [e for e in nest.graph.out_edges(nest.top) if e.memlet is not None]
    for e in outer_in + outer_out:
        other = e.src if e in outer_in else e.dst
        if not isinstance(other, Access):
            raise SluiceError(
                f"{nest.describe()} connects to {other.describe()} directly",
                hint="only nests fed by access nodes can be cut out",
            )
    reads = _unique(e.memlet.data for e in outer_in)
    writes = _unique(e.memlet.data for e in outer_out)
    used = _used_symbols(program, top, reads + writes)
    missing = sorted(used - set(bound))
    if missing:
        raise SluiceError(
            f"the cut-out of {nest.describe()} needs a value for {', '.join(missing)}",
            hint="pass every size symbol it uses in "
            "`symbols`, e.g. {" + ", ".join(f"'{m}': 64" for m in missing) + "}",
        )
    _bind_nest(top, bound)
    g = DataflowGraph()
    for e in outer_in:
        g.connect(Access(e.memlet.data), top, e.memlet.subs(bound))
    g.add(top)
    for e in outer_out:
        g.connect(top, Access(e.memlet.data), e.memlet.subs(bound))
    args = _unique([*reads, *writes])
    data: dict[str, Container] = {}
    for name in args:
        data[name] = _bound_container(program.data[name.partition(".")[0]], bound, False)
    for n, _ in top.body.walk():
        if isinstance(n, Access) and n.data not in data:
            base = n.data.partition(".")[0]
            data[base] = _bound_container(program.data[base], bound, None)
    name = f"{program.name}_nest{index}"
    cut = Program(name, args=list(args), data=data, symbols={}, body=Region([State("nest", g)]))
    cut.verify()
    return Cutout(cut, program.name, index, {k: int(v) for k, v in symbols.items()}, reads, writes)


def _unique(names) -> list[str]:
    return list(dict.fromkeys(names))


def _nodes_and_graphs(top: Map) -> tuple[list, list[DataflowGraph]]:
    """Every node of the nest (the top map first) and every graph inside it."""
    nodes = [top, *(n for n, _ in top.body.walk())]
    return nodes, [top.body, *(n.body for n in nodes[1:] if isinstance(n, Map))]


def _used_symbols(program: Program, top: Map, names: list[str]) -> set[str]:
    """Symbols the nest reads: in ranges, subsets, tasklet code and container shapes."""
    nodes, graphs = _nodes_and_graphs(top)
    params: set[str] = set()
    out: set[str] = set()
    for n in nodes:
        if isinstance(n, Map):
            params |= set(n.params)
            out |= n.free_symbols()
        elif isinstance(n, Tasklet):
            out |= n.free_symbols()
    for g in graphs:
        for e in g.edges:
            if e.memlet is not None:
                out |= e.memlet.free_symbols()
    for name in names:
        out |= program.data[name.partition(".")[0]].free_symbols()
    return {str(s) for s in out} - params - set(program.data)


def _bind_nest(top: Map, bound: dict[str, sympy.Integer]) -> None:
    nodes, graphs = _nodes_and_graphs(top)
    for n in nodes:
        if isinstance(n, Map):
            n.ranges = [r.subs(bound) for r in n.ranges]
        elif isinstance(n, Tasklet):
            n.code = [(t, substitute(e, bound)) for t, e in n.code]
        elif isinstance(n, LibraryNode):
            n.attrs = {
                k: substitute(v, bound) if isinstance(v, sympy.Basic) else v
                for k, v in n.attrs.items()
            }
    for g in graphs:
        for e in g.edges:
            if e.memlet is not None:
                e.memlet = e.memlet.subs(bound)


def _bound_container(
    c: Container, bound: dict[str, sympy.Integer], transient: bool | None
) -> Container:
    keep = c.transient if transient is None else transient
    if isinstance(c, Array):
        return replace(c, dims=tuple(substitute(d, bound) for d in c.dims), transient=keep)
    if isinstance(c, Scalar):
        return replace(c, transient=keep)
    raise SluiceError(
        f"a cut-out cannot take a {type(c).__name__} argument",
        hint="nests over arrays and scalars only are extracted",
    )


def _random(c: Container, rng: np.random.Generator) -> Any:
    dt = np.dtype(c.dtype.numpy)
    shape = tuple(int(d) for d in c.shape) if isinstance(c, Array) else ()
    if dt.kind == "f":
        v = rng.standard_normal(shape).astype(dt)
    elif dt.kind == "c":
        v = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dt)
    elif dt.kind == "b":
        v = rng.random(shape) < 0.5
    else:
        v = rng.integers(0, 2, shape).astype(dt)
    return v if isinstance(c, Array) else v[()]
