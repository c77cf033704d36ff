"""E7: host stream arguments without a length (`stream<T>[a, b]`, streaming mode).

SpaDA streams such arguments while the kernel runs instead of copying them before and after
the launch. Every PE of the argument must move the same, statically known number of
elements; that number becomes the argument's length, so the interpreter and the CSL lowering
treat the argument like `stream<T, n>[a, b]` (data are copied around the launch, which no
kernel can tell apart: the host never reacts to what the kernel sends). A count decided at
run time (a `foreach` without a range, a stream chosen at run time) is an error, except for a
range-free `foreach` on a streaming input whose length the caller gives (see
`count_streaming_foreach`).
As in SpaDA, one kernel may not mix arguments with and without a length, and at most 4
unbounded inputs and 4 unbounded outputs fit the CSL memcpy colours.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Mapping

from sluice.errors import SluiceError
from sluice.frontend.spada import ast
from sluice.frontend.spada.diagnostics import ParameterError, Reporter, StreamMatchError
from sluice.frontend.spada.expand import BoundArg, BoundKernel

MAX_UNBOUNDED = 4  # per direction: the CSL streaming memcpy colours


def _unbounded(a: BoundArg) -> bool:
    t = a.node.type
    return isinstance(t, ast.StreamArrayType) and t.stream.length is None


def _host_name(e: ast.Expr) -> str | None:
    if isinstance(e, ast.Subscript) and isinstance(e.base, ast.Name):
        return e.base.id
    return e.id if isinstance(e, ast.Name) else None


def count_streaming_foreach(kernel: ast.Kernel, lengths: Mapping[str, object]) -> ast.Kernel:
    """A range-free `foreach v in receive(arg[...])` runs until the host stops sending. With
    the length n of a streaming argument given (with the parameters: `{"arg": n}`, or by
    the caller from the host array), that is n elements: it becomes
    `foreach i32 _n#k, v in [0:n], receive(arg[...])`, so counts are static again."""
    if not lengths:
        return kernel
    rep = Reporter.of(kernel)
    for name, n in lengths.items():
        if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
            arg = kernel.arg(name)
            raise rep.error(
                ParameterError,
                f"length of '{name}' must be a positive integer, got {n!r}",
                arg if arg is not None else kernel,
                f"pass the number of elements per PE: {{'{name}': 8}}",
            )
    ids = itertools.count(1)

    def rw(node: object) -> object:
        if isinstance(node, tuple):
            return tuple(rw(x) for x in node)
        if not isinstance(node, ast.Node) or isinstance(node, ast.Expr):
            return node
        changes = {
            f.name: rw(getattr(node, f.name))
            for f in dataclasses.fields(node)
            if f.name != "pos" and f.init
        }
        node = dataclasses.replace(node, **changes)
        if (
            isinstance(node, ast.Foreach)
            and len(node.gens) == 1
            and isinstance(node.gens[0], ast.ReceiveGen)
        ):
            n = lengths.get(_host_name(node.gens[0].stream) or "")
            if isinstance(n, int):
                p = node.pos
                var = ast.LoopVar(ast.ScalarType("i32", pos=p), f"_n#{next(ids)}", pos=p)
                rng = ast.Range(ast.IntLit(0, pos=p), ast.IntLit(n, pos=p), None, pos=p)
                node = dataclasses.replace(
                    node, vars=(var, *node.vars), gens=((rng,), node.gens[0])
                )
        return node

    return dataclasses.replace(kernel, items=rw(kernel.items))


def settle_lengths(
    bk: BoundKernel,
    host: Mapping[tuple, int | None],
    first: Mapping[tuple, ast.Node],
    err: Callable[..., SluiceError],
) -> BoundKernel:
    """`bk` with every unbounded stream argument given the length its PEs move."""
    streams = [a for a in bk.args if isinstance(a.node.type, ast.StreamArrayType)]
    loose = [a for a in streams if a.streaming]
    if not loose:
        return bk
    fixed = [a for a in streams if not a.streaming]
    if fixed:
        raise err(
            SluiceError,
            f"'{loose[0].name}' has no length but '{fixed[0].name}' has one",
            loose[0].node,
            "a kernel streams all its host arguments (stream<T>[a, b]) "
            "or copies all of them (stream<T, N>[a, b]): give every one a length or none",
        )
    for direction in ("readonly", "writeonly"):
        some = [a for a in loose if direction in a.node.annotations]
        if len(some) > MAX_UNBOUNDED:
            raise err(
                SluiceError,
                f"{len(some)} streaming {direction} arguments",
                some[-1].node,
                f"at most {MAX_UNBOUNDED} per direction: give some of them a length",
            )
    args = []
    for a in bk.args:
        if not _unbounded(a):
            args.append(a)
            continue
        w, h = (d.value for d in a.node.type.dims)  # type: ignore[union-attr]
        counts = {}
        for i in range(w):
            for j in range(h):
                counts[(i, j)] = host.get(("h", a.name, i, j), 0)
        dynamic = ("h", a.name, None, None) in host or None in counts.values()
        if dynamic:
            where = next((first[k] for k in first if k[1] == a.name), a.node)
            raise err(
                SluiceError,
                f"how many elements each PE moves on '{a.name}' is decided at run time",
                where,
                "give the argument a length, stream<T, N>[a, b], pass its length per PE "
                f"with the parameters ({{'{a.name}': n}}), or move a count known at compile "
                "time (a foreach with a range)",
            )
        sizes = sorted(set(counts.values()))
        if len(sizes) > 1:
            lo = next(pe for pe, n in counts.items() if n == sizes[0])
            hi = next(pe for pe, n in counts.items() if n == sizes[-1])
            raise err(
                StreamMatchError,
                f"PEs move different numbers of elements on "
                f"'{a.name}': {sizes[0]} at {a.name}[{lo[0]}, {lo[1]}], {sizes[-1]} at "
                f"{a.name}[{hi[0]}, {hi[1]}]",
                a.node,
                "the host array has one length for every PE: make the counts equal",
            )
        n = ast.IntLit(sizes[0], pos=a.node.pos)
        t = a.node.type
        node = dataclasses.replace(
            a.node, type=dataclasses.replace(t, stream=dataclasses.replace(t.stream, length=n))
        )  # type: ignore[union-attr]
        args.append(dataclasses.replace(a, node=node))
    return dataclasses.replace(bk, args=tuple(args))
