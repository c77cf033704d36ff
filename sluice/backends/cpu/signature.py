"""The C++ signature of a generated program function, shared by code generation, calls
and the Python-side marshalling.

Parameters, in order: the program's `args` (arrays by pointer, scalars by reference, CSR
matrices as three pointers, symbols by value), then its `returns` (arrays by pointer,
scalars by reference, allocated and zeroed by the caller), then the *input symbols* not
already among the args (int64 by value), then — for a build that takes some array arguments
in any layout (`CpuOptions.strided`) — those arrays' element strides, axis by axis (int64).
"""

from __future__ import annotations

from dataclasses import dataclass

from sluice.errors import UnsupportedError
from sluice.ir.control import Assign, Loop
from sluice.ir.data import CSR, Array, Scalar, Stream
from sluice.ir.nodes import Call, Map, Tasklet
from sluice.ir.program import Program
from sluice.ir.symbolic import free_names
from sluice.passes.util import control_reads


@dataclass(frozen=True)
class Param:
    name: str  # IR name (container or symbol)
    kind: str  # "array" | "scalar" | "csr" | "symbol" | "stride"
    role: str  # "arg" | "ret" | "sym" | "stride"
    axis: int = -1  # of a stride: the axis of array `name` it steps along


def control_symbols(p: Program) -> list[str]:
    """Symbols the body defines itself: loop variables and assignment targets."""
    out: dict[str, None] = {}
    for b in p.body.walk():
        if isinstance(b, Loop):
            out[b.var] = None
        elif isinstance(b, Assign):
            for k in b.assignments:
                out[k] = None
    return list(out)


def used_names(p: Program) -> set[str]:
    """Every name read by an expression of the program (shapes, subsets, ranges, code)."""
    used: set[str] = set()
    for c in p.data.values():
        used |= c.free_symbols()
    used |= control_reads(p)
    for st in p.body.states():
        for n, g in st.graph.walk():
            if isinstance(n, Map):
                used |= n.free_symbols()
            elif isinstance(n, Tasklet):
                used |= n.free_symbols()
            elif isinstance(n, Call):
                for e in n.symbols.values():
                    used |= free_names(e)
            for e in g.out_edges(n):
                if e.memlet is not None:
                    used |= e.memlet.free_symbols()
    return used


def input_symbols(p: Program) -> list[str]:
    """Symbols whose values come from the caller (arguments, shapes or keywords)."""
    ctrl = set(control_symbols(p))
    return [s for s in p.symbols if s not in ctrl]


def signature(p: Program, strided: frozenset[str] = frozenset()) -> list[Param]:
    """The parameters of `p`'s function; `strided` names array arguments passed with
    run-time element strides (the top-level program of a strided build only)."""
    params: list[Param] = []
    for a in p.args:
        if a in p.data:
            params.append(Param(a, _kind(p, a), "arg"))
        else:
            params.append(Param(a, "symbol", "arg"))
    for r in p.returns:
        params.append(Param(r, _kind(p, r), "ret"))
    taken = set(p.args)
    params += [Param(s, "symbol", "sym") for s in input_symbols(p) if s not in taken]
    for a in p.args:
        if a in strided:
            c = p.data.get(a)
            if not isinstance(c, Array) or not c.shape:
                raise ValueError(f"'{a}' is not an array argument with dimensions; only "
                                 "those take strides")
            params += [Param(a, "stride", "stride", k) for k in range(len(c.shape))]
    return params


def _kind(p: Program, name: str) -> str:
    c = p.data[name]
    if isinstance(c, CSR):
        return "csr"
    if isinstance(c, Scalar):
        return "scalar"
    if isinstance(c, Stream):
        raise UnsupportedError(f"stream '{name}' is an argument of '{p.name}'; the CPU backend "
                               "supports transient streams only",
                               hint="make the stream transient, or use the interpreter")
    if isinstance(c, Array):
        return "array"
    raise UnsupportedError(f"container '{name}' of kind {type(c).__name__}")
