"""E6: host stream arguments of rank 0 and 1, made rank 2 before binding.

`stream<T, N> a` (rank 0) is one stream: it becomes `stream<T, N>[1, 1]` and every use `a`
becomes `a[0, 0]`. `stream<T, N>[n] a` (rank 1) is a line of n streams lying along the axis
of the block coordinate its index follows: used as `a[x ± c]` it becomes `[n, 1]` and
`a[x ± c, 0]`; used as `a[y ± c]`, `[1, n]` and `a[0, y ± c]`. Every use of one argument must
follow the same axis. The host still sees the declared rank: (N,) for rank 0 and (n, N) for
rank 1, which are reshapes of the (1, 1, N), (n, 1, N) and (1, n, N) arrays the rest of the
frontend works with (`host_rank`). A `stream<T, N>[1, 1]` grid may also be used without an
index, as SpaDA's samples do: it means its only stream, `[0, 0]`; and a grid indexed by one
coordinate, `a[x]` for `stream<T, N>[w, 1] a`, means `a[x, 0]` (`a[y]`: `a[0, y]`).

Also here, as they rewrite arguments the same way: which arguments have no length (E7,
`streaming_args`) and the split of an argument with no direction into an input and an
output half (E11g, `split_bidirectional`).
"""

from __future__ import annotations

import dataclasses

from sluice.errors import SluiceError, SluiceTypeError
from sluice.frontend.spada import ast
from sluice.frontend.spada.astwalk import map_fields
from sluice.frontend.spada.diagnostics import Reporter


def host_rank(arg: ast.Arg) -> int | None:
    """The declared rank of a stream argument (None for scalars)."""
    if isinstance(arg.type, ast.StreamType):
        return 0
    if isinstance(arg.type, ast.StreamArrayType):
        return len(arg.type.dims)
    return None


def _names(e: object, out: set[str]) -> set[str]:
    if isinstance(e, ast.Name):
        out.add(e.id)
    elif isinstance(e, ast.Node):
        for f in dataclasses.fields(e):
            if f.name != "pos":
                _names(getattr(e, f.name), out)
    elif isinstance(e, tuple):
        for x in e:
            _names(x, out)
    return out


class _Lifter:
    def __init__(self, kernel: ast.Kernel) -> None:
        self.rep = Reporter.of(kernel)
        self.ranks = {a.name: r for a in kernel.args if (r := host_rank(a)) in (0, 1)}
        # A one-PE grid `stream<T, N>[1, 1]` used without an index is its only stream.
        self.ranks.update(
            {
                a.name: 0
                for a in kernel.args
                if host_rank(a) == 2
                and all(isinstance(d, ast.IntLit) and d.value == 1 for d in a.type.dims)
            }
        )  # type: ignore[union-attr]
        self.args = {a.name: a for a in kernel.args}
        self.axis: dict[str, tuple[int, ast.Node]] = {}  # rank-1 argument -> (axis, first use)

    # ---- which axis each rank-1 argument follows
    def axis_of(self, name: str, index: ast.Expr, coords: tuple[str, str], node) -> int:
        used = _names(index, set())
        hits = [i for i, c in enumerate(coords) if c in used]
        if len(hits) != 1:
            raise self.rep.error(
                SluiceTypeError,
                f"the index of '{name}' must follow one block coordinate "
                f"({coords[0]} or {coords[1]})",
                index,
                f"a line of streams is indexed {name}[{coords[0]}] or {name}[{coords[0]} - c]",
            )
        axis = hits[0]
        first = self.axis.setdefault(name, (axis, node))
        if first[0] != axis:
            raise self.rep.error(
                SluiceTypeError,
                f"'{name}' follows {coords[axis]} here but the other axis at "
                f"line {first[1].pos.line}",
                node,
                "a line of streams lies along one axis: index it the same way everywhere",
            )
        return axis

    # ---- rewriting uses
    def stream(self, e: ast.Expr, coords: tuple[str, str], find: bool) -> ast.Expr:
        if isinstance(e, ast.Ternary):
            return dataclasses.replace(
                e, then=self.stream(e.then, coords, find), else_=self.stream(e.else_, coords, find)
            )
        zero = ast.IntLit(0, pos=e.pos)
        if isinstance(e, ast.Name) and self.ranks.get(e.id) == 0:
            return ast.Subscript(e, (zero, zero), pos=e.pos)
        if isinstance(e, ast.Subscript) and isinstance(e.base, ast.Name):
            rank = self.ranks.get(e.base.id)
            arg = self.args.get(e.base.id)
            if arg is not None and host_rank(arg) == 2 and len(e.indices) == 1:
                # a grid indexed by one coordinate: the other axis is its 0 (extent 1)
                axis = self.axis_of(e.base.id, e.indices[0], coords, e)
                idx = (e.indices[0], zero) if axis == 0 else (zero, e.indices[0])
                return dataclasses.replace(e, indices=idx)
            if rank == 0 and arg is not None and host_rank(arg) == 2:
                return e  # a [1, 1] grid indexed as such
            if rank == 0:
                raise self.rep.error(
                    SluiceTypeError,
                    f"'{e.base.id}' is a single stream",
                    e,
                    f"use it without a subscript: {e.base.id}",
                )
            if rank == 1:
                if len(e.indices) != 1:
                    raise self.rep.error(
                        SluiceTypeError,
                        f"'{e.base.id}' takes one index",
                        e,
                        f"write {e.base.id}[{coords[0]}]",
                    )
                if find:
                    self.axis_of(e.base.id, e.indices[0], coords, e)
                    return e
                axis = self.axis[e.base.id][0]
                idx = (e.indices[0], zero) if axis == 0 else (zero, e.indices[0])
                return dataclasses.replace(e, indices=idx)
        return e

    def walk(self, node: object, coords: tuple[str, str], find: bool) -> object:
        if isinstance(node, tuple):
            return tuple(self.walk(x, coords, find) for x in node)
        if isinstance(node, ast.Compute):
            coords = (node.subgrid.vars[0].name, node.subgrid.vars[-1].name)
        if not isinstance(node, ast.Node) or isinstance(node, ast.Expr | ast.Dataflow):
            return node
        moves = isinstance(node, ast.Send | ast.Receive | ast.ReceiveGen)
        return map_fields(node, lambda name, v: self.stream(v, coords, find)
                          if name == "stream" and moves else self.walk(v, coords, find))

    def arg(self, a: ast.Arg) -> ast.Arg:
        rank = host_rank(a)
        one = ast.IntLit(1, pos=a.pos)
        if rank == 0:
            t = ast.StreamArrayType(a.type, (one, one), pos=a.type.pos)  # type: ignore[arg-type]
        elif rank == 1:
            n = a.type.dims[0]  # type: ignore[union-attr]
            axis = self.axis.get(a.name, (0, a))[0]
            t = dataclasses.replace(a.type, dims=(n, one) if axis == 0 else (one, n))
        else:
            return a
        return dataclasses.replace(a, type=t)

    def run(self, kernel: ast.Kernel) -> ast.Kernel:
        self.walk(kernel.items, ("", ""), True)
        items = self.walk(kernel.items, ("", ""), False)
        return dataclasses.replace(
            kernel, args=tuple(self.arg(a) for a in kernel.args), items=items
        )


def lift_host_ranks(kernel: ast.Kernel) -> ast.Kernel:
    """`kernel` with rank-0 and rank-1 stream arguments made rank 2 (see the module doc)."""
    for a in kernel.args:
        if (host_rank(a) or 0) > 2:
            raise Reporter.of(kernel).error(
                SluiceError,
                f"stream array '{a.name}' has {host_rank(a)} dimensions",
                a,
                "a stream argument is one stream, a line [n] or a grid [a, b] of them",
            )
    return _Lifter(kernel).run(kernel)


def streaming_args(kernel: ast.Kernel) -> list[str]:
    """Stream arguments declared without a length (E7), of any rank."""
    out = []
    for a in kernel.args:
        t = a.type
        stream = t.stream if isinstance(t, ast.StreamArrayType) else t
        if isinstance(stream, ast.StreamType) and stream.length is None:
            out.append(a.name)
    return out


def bidirectional_args(kernel: ast.Kernel) -> dict[str, str]:
    """E11g: stream arguments with neither `readonly` nor `writeonly` are both an input and
    an output. Each maps to the name of the output half the frontend adds (`<name>_out`,
    with `_` appended while that names anything else of the kernel)."""
    taken = {a.name for a in kernel.args} | {p.name for p in kernel.params}
    out: dict[str, str] = {}
    for a in kernel.args:
        if host_rank(a) is None or {"readonly", "writeonly"} & set(a.annotations):
            continue
        name = f"{a.name}_out"
        while name in taken:
            name += "_"
        taken.add(name)
        out[a.name] = name
    return out


def split_bidirectional(kernel: ast.Kernel) -> ast.Kernel:
    """`kernel` with each bidirectional stream argument made a readonly argument (what the
    kernel receives) and a writeonly one under the name `bidirectional_args` gives (what it
    sends); sends on the argument go to the second."""
    pairs = bidirectional_args(kernel)
    if not pairs:
        return kernel
    args: list[ast.Arg] = []
    for a in kernel.args:
        if a.name in pairs:
            args.append(dataclasses.replace(a, annotations=(*a.annotations, "readonly")))
            args.append(
                dataclasses.replace(
                    a, name=pairs[a.name], annotations=(*a.annotations, "writeonly")
                )
            )
        else:
            args.append(a)

    def target(e: ast.Expr) -> ast.Expr:
        if isinstance(e, ast.Ternary):
            return dataclasses.replace(e, then=target(e.then), else_=target(e.else_))
        if isinstance(e, ast.Name) and e.id in pairs:
            return dataclasses.replace(e, id=pairs[e.id])
        if isinstance(e, ast.Subscript) and isinstance(e.base, ast.Name) and e.base.id in pairs:
            return dataclasses.replace(e, base=dataclasses.replace(e.base, id=pairs[e.base.id]))
        return e

    def rw(node: object) -> object:
        if isinstance(node, tuple):
            return tuple(rw(x) for x in node)
        if not isinstance(node, ast.Node) or isinstance(node, ast.Expr | ast.Dataflow):
            return node
        changes = {
            f.name: rw(getattr(node, f.name))
            for f in dataclasses.fields(node)
            if f.name != "pos" and f.init
        }
        node = dataclasses.replace(node, **changes)
        if isinstance(node, ast.Send):
            node = dataclasses.replace(node, stream=target(node.stream))
        return node

    return dataclasses.replace(kernel, args=tuple(args), items=rw(kernel.items))
