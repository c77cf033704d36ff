"""Binding: parameters -> constants, compile-time `for` unrolled, subgrids -> PE sets.

`bind(kernel, params)` returns a `BoundKernel`: every block with its folded AST node and the
concrete, sorted list of PEs `(x, y)` it covers, grouped into phases. Top-level `place` and
`dataflow` blocks are visible in every phase. Top-level `compute` blocks form the kernel's
only phase; a kernel that also has `phase` blocks must put every compute block in a phase.
The grid is the bounding box, from (0, 0), of every subgrid the kernel names.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field

from sluice.errors import SluiceError
from sluice.frontend.spada import ast, consteval
from sluice.frontend.spada.consteval import Const
from sluice.frontend.spada.diagnostics import ParameterError, PlacementError, Reporter, suggest
from sluice.frontend.spada.fold import Folder
from sluice.frontend.spada.hostargs import lift_host_ranks, split_bidirectional, streaming_args
from sluice.frontend.spada.preconditions import check_preconditions
from sluice.frontend.spada.ranges import extent, length
from sluice.frontend.spada.shadowing import unshadow_coordinates
from sluice.wafer import LARGEST_FABRIC

PE = tuple[int, int]
# Guards against runaway unrolling (a fuzzed `[0:1000000000]`): real kernels stay far below.
MAX_PES = 1 << 20
MAX_UNROLL = 1 << 14


@dataclass(frozen=True)
class Block:
    """One place / dataflow / compute block after binding, with the PEs it covers."""

    node: ast.Place | ast.Dataflow | ast.Compute
    pes: tuple[PE, ...]

    @property
    def xvar(self) -> str:
        return self.node.subgrid.vars[0].name

    @property
    def yvar(self) -> str:
        return self.node.subgrid.vars[1].name


@dataclass(frozen=True)
class BoundPhase:
    index: int
    places: tuple[Block, ...]
    dataflows: tuple[Block, ...]
    computes: tuple[Block, ...]
    node: ast.Phase | None = None  # None for the implicit phase of top-level compute blocks


@dataclass(frozen=True)
class BoundArg:
    node: ast.Arg  # type folded: dims and lengths are IntLit
    value: Const | None = None  # for `compiletime` scalars
    streaming: bool = False  # declared without a length (E7)

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def is_stream_array(self) -> bool:
        return isinstance(self.node.type, ast.StreamArrayType)

    @property
    def host_shape(self) -> tuple[int, ...] | None:
        """(a, b, N) for `stream<T, N>[a, b]`; None for scalars."""
        t = self.node.type
        if isinstance(t, ast.StreamArrayType):
            dims = tuple(d.value for d in t.dims)  # type: ignore[union-attr]
            n = t.stream.length
            return dims + ((n.value,) if isinstance(n, ast.IntLit) else ())
        return None


@dataclass(frozen=True)
class BoundKernel:
    kernel: ast.Kernel
    params: Mapping[str, Const]
    args: tuple[BoundArg, ...]
    grid: tuple[int, int]
    places: tuple[Block, ...]  # top level: visible in every phase
    dataflows: tuple[Block, ...]
    phases: tuple[BoundPhase, ...]
    reporter: Reporter = field(compare=False, repr=False, default=None)  # type: ignore[assignment]

    @property
    def name(self) -> str | None:
        return self.kernel.name

    def arg(self, name: str) -> BoundArg | None:
        return next((a for a in self.args if a.name == name), None)


class _Binder:
    def __init__(self, kernel: ast.Kernel) -> None:
        self.kernel = kernel
        self.lengths: dict[str, int] = {}  # of streaming arguments, given with the parameters
        self.rep = Reporter.of(kernel)
        self.fold = Folder(self.rep)

    def err(self, cls, msg, node, hint=None) -> SluiceError:
        return self.rep.error(cls, msg, node, hint)

    # ---- parameters
    def bind_params(self, params: Mapping[str, object]) -> dict[str, Const]:
        k = self.kernel
        names = [p.name for p in k.params]
        ct_args = [a for a in k.args if "compiletime" in a.annotations]
        seen: dict[str, ast.Node] = {}
        for n in [*k.params, *k.args]:
            if n.name in seen:
                raise self.err(ParameterError, f"'{n.name}' is declared twice", n,
                               "rename one of the parameters or arguments")
            seen[n.name] = n
        known = names + [a.name for a in ct_args] + list(streaming_args(k))
        for key in params:
            if key not in known:
                hint = suggest(key, known) or (
                    f"the kernel's parameters are {', '.join(known)}" if known
                    else "this kernel takes no parameters")
                raise self.err(ParameterError, f"unknown parameter '{key}'", k, hint)
        env: dict[str, Const] = {}
        for p in k.params:
            if p.name not in params:
                raise self.err(
                    ParameterError, f"missing value for parameter '{p.name}'", p,
                    f"pass it: params={{'{p.name}': ...}} or --param {p.name}=...")
            v = params[p.name]
            if isinstance(v, bool) or not isinstance(v, int):
                raise self.err(ParameterError,
                               f"parameter '{p.name}' must be an integer, got {v!r}", p,
                               f"pass an int, e.g. params={{'{p.name}': 4}}")
            env[p.name] = v
        for a in ct_args:
            if not isinstance(a.type, ast.ScalarType):
                raise self.err(ParameterError, f"compiletime argument '{a.name}' must be a scalar",
                               a, "only scalar arguments can be fixed at compile time")
            if a.name not in params:
                raise self.err(ParameterError, f"missing value for compiletime argument '{a.name}'",
                               a, f"pass it with the parameters: params={{'{a.name}': ...}}")
            v = params[a.name]
            if not isinstance(v, int | float | bool):
                raise self.err(ParameterError, f"compiletime argument '{a.name}' got {v!r}", a,
                               "pass a number")
            env[a.name] = v
        return env

    def int_value(self, e: ast.Expr, what: str) -> int:
        v = consteval.value_of(e)
        if isinstance(v, bool) or not isinstance(v, int):
            raise self.err(ParameterError, f"{what} must be a compile-time integer", e,
                           "use only parameters, literals and loop variables of a kernel-level "
                           "for here")
        return v

    def bind_args(self, env: Mapping[str, Const]) -> tuple[BoundArg, ...]:
        out = []
        for a in self.kernel.args:
            t = self.fold.type(a.type, env)
            if isinstance(t, ast.StreamArrayType):
                if len(t.dims) != 2:
                    raise self.err(SluiceError, f"stream array '{a.name}' needs two dimensions",
                                   a, "write stream<T, N>[a, b]: one stream per PE of a grid")
                # E7: no length means streaming mode; check() finds the length from use.
                sizes = (*t.dims, t.stream.length) if t.stream.length is not None else t.dims
                for d in sizes:
                    if self.int_value(d, "a stream-array size") <= 0:
                        raise self.err(SluiceError, f"size of '{a.name}' must be positive", d,
                                       "check the parameters")
            elif isinstance(t, ast.StreamType):
                raise self.err(SluiceError, f"stream argument '{a.name}' needs a PE grid shape",
                               a, "declare it stream<T, N>[a, b] (use [1, 1] for one PE)")
            elif isinstance(t, ast.ArrayType):
                raise self.err(SluiceError, f"argument '{a.name}' is an array", a,
                               "host arrays reach PEs only through stream arguments: declare "
                               "it stream<T, N>[a, b]")
            value = env.get(a.name) if "compiletime" in a.annotations else None
            streaming = isinstance(t, ast.StreamArrayType) and t.stream.length is None
            if streaming and a.name in self.lengths:  # E7: a length given with the parameters
                n = ast.IntLit(self.lengths[a.name], pos=a.pos)
                t = dataclasses.replace(t, stream=dataclasses.replace(t.stream, length=n))
            out.append(BoundArg(ast.Arg(t, a.name, a.annotations, pos=a.pos), value, streaming))
        return tuple(out)

    # ---- kernel items
    def items(self, items, env, in_phase: bool) -> list[ast.KernelItem]:
        out: list[ast.KernelItem] = []
        for it in items:
            if isinstance(it, ast.MetaFor):
                out.extend(self.meta_for(it, env, in_phase))
            elif isinstance(it, ast.Phase):
                if in_phase:
                    raise self.err(SluiceError, "phase blocks do not nest", it,
                                   "move this phase block out of the enclosing phase")
                out.append(ast.Phase(tuple(self.items(it.items, env, True)), pos=it.pos))
            else:
                out.append(self.block(it, env))
        return out

    def meta_for(self, it: ast.MetaFor, env, in_phase) -> list[ast.KernelItem]:
        values = self.loop_values(it.vars, self.fold.ranges(it.ranges, env), it)
        out: list[ast.KernelItem] = []
        for combo in values:
            inner = dict(env)
            inner.update({v.name: c for v, c in zip(it.vars, combo, strict=True)})
            out.extend(self.items(it.items, inner, in_phase))
        return out

    def loop_values(self, vars_, ranges, node) -> list[tuple[int, ...]]:
        if len(vars_) != len(ranges):
            raise self.err(SluiceError,
                           f"{len(vars_)} loop variable(s) but {len(ranges)} range(s)", node,
                           "give one range per variable")
        for v in vars_:
            if v.name in self.kernel_names:
                raise self.err(SluiceError, f"loop variable '{v.name}' hides a parameter", v,
                               "rename the loop variable")
        axes = [self.axis(r, allow_empty=True) for r in ranges]
        total = 1
        for a in axes:
            total *= length(a)
        if total > MAX_UNROLL:
            raise self.err(SluiceError, f"compile-time loop has {total} iterations", node,
                           f"keep kernel-level for loops below {MAX_UNROLL} iterations")
        return list(itertools.product(*axes))

    def axis(self, r: ast.RangeItem, allow_empty: bool = False,
             positive_step: bool = False) -> range:
        if not isinstance(r, ast.Range):
            v = self.int_value(r, "an index")
            return range(v, v + 1)
        start = self.int_value(r.start, "a range start")
        stop = self.int_value(r.stop, "a range end")
        step = 1 if r.step is None else self.int_value(r.step, "a range step")
        if step == 0:
            raise self.err(SluiceError, "range step is zero", r.step, "use a positive step")
        if step < 0 and positive_step:
            raise self.err(PlacementError, f"subgrid range step {step} is negative", r.step,
                           "a subgrid range counts upwards: write start:stop:step with step > 0")
        out = range(start, stop, step)
        if length(out) == 0 and not allow_empty:  # an empty subgrid is a mistake, a loop is not
            raise self.err(PlacementError, f"empty range {start}:{stop}" +
                           (f":{step}" if r.step is not None else ""), r,
                           "the end is exclusive: make it larger than the start "
                           "(check the parameters)")
        return out

    def subgrid_pes(self, g: ast.Subgrid) -> tuple[PE, ...]:
        if len(g.vars) != 2 or len(g.ranges) != 2:
            raise self.err(SluiceError, "a subgrid names two coordinates", g,
                           "write i16 x, i16 y in [xrange, yrange]")
        # E3: an empty subgrid (after binding) is no error; its block is dropped in run().
        xs, ys = self.axis(g.ranges[0], True, True), self.axis(g.ranges[1], True, True)
        if length(xs) * length(ys) == 0:
            return ()
        if length(xs) * length(ys) > MAX_PES:
            raise self.err(PlacementError, f"subgrid has {length(xs) * length(ys)} PEs", g,
                           f"a wafer holds fewer than {MAX_PES} PEs")
        for r, axis, name, size in ((g.ranges[0], xs, "x", LARGEST_FABRIC[0]),
                                    (g.ranges[1], ys, "y", LARGEST_FABRIC[1])):
            low, high = extent(axis)
            if low < 0:
                raise self.err(PlacementError, f"subgrid is outside the grid: {name} = {low}",
                               r, "PE coordinates start at 0 (the north-west corner)")
            if high >= size:  # refused here, before anything is made per PE
                w, h = LARGEST_FABRIC
                raise self.err(PlacementError, f"subgrid reaches {name} = {high}, beyond every "
                               f"wafer", r, f"the largest fabric is {w} x {h} PEs "
                               f"(x < {w}, y < {h}): check the parameters")
        return tuple(itertools.product(xs, ys))

    def block(self, it, env) -> ast.KernelItem:
        g = it.subgrid
        for v in g.vars:
            if v.name in self.kernel_names:
                raise self.err(SluiceError, f"coordinate '{v.name}' hides a parameter", v,
                               "rename the coordinate variable")
        g2 = ast.Subgrid(g.vars, self.fold.ranges(g.ranges, env), pos=g.pos)
        body_env = Folder._hide(env, [v.name for v in g.vars])
        if isinstance(it, ast.Place):
            fields = tuple(ast.Field(self.fold.type(f.type, env), f.name, f.extern, pos=f.pos)
                           for f in it.fields)
            for f in fields:
                dims = f.type.dims if isinstance(f.type, ast.ArrayType) else ()
                for d in dims:
                    if self.int_value(d, "an array size") <= 0:
                        raise self.err(SluiceError, f"array '{f.name}' has size {d.value}", d,
                                       "array sizes must be positive")
                if isinstance(f.type, ast.StreamType | ast.StreamArrayType):
                    raise self.err(SluiceError, f"field '{f.name}' is a stream", f,
                                   "declare streams in a dataflow block")
            return ast.Place(g2, fields, pos=it.pos)
        if isinstance(it, ast.Dataflow):
            return ast.Dataflow(g2, tuple(self.stream(s, env) for s in it.streams), pos=it.pos)
        return ast.Compute(g2, self.fold.body(it.body, body_env), pos=it.pos)

    def stream(self, s: ast.StreamDecl, env) -> ast.StreamDecl:
        t = self.fold.type(s.type, env)
        src = s.source
        if isinstance(src, ast.RelativeStream):
            rt = src.routing
            if rt is not None:
                hops = rt.hops
                if isinstance(hops, tuple):
                    hops = tuple((self.fold.expr(a, env), self.fold.expr(b, env)) for a, b in hops)
                chan = rt.channel if isinstance(rt.channel, ast.Auto | None) else \
                    self.fold.expr(rt.channel, env)
                count = rt.count if isinstance(rt.count, ast.Auto | None) else \
                    self.fold.expr(rt.count, env)
                rt = ast.Routing(hops, chan, count, pos=rt.pos)
            src = ast.RelativeStream(self.fold.range_item(src.dx, env),
                                     self.fold.range_item(src.dy, env), rt, pos=src.pos)
        elif isinstance(src, ast.CollectiveStream):
            from sluice.frontend.spada.collectives import collective_source  # imports this

            src = collective_source(self.fold, src, env)
        return ast.StreamDecl(t, s.name, src, pos=s.pos)

    # ---- whole kernel
    def run(self, params: Mapping[str, object]) -> BoundKernel:
        self.kernel_names = {p.name for p in self.kernel.params}
        self.kernel_names |= {a.name for a in self.kernel.args if "compiletime" in a.annotations}
        env = self.bind_params(params)
        check_preconditions(self.kernel, env, self.rep)
        args = self.bind_args(env)
        flat = self.items(self.kernel.items, env, in_phase=False)
        top = [it for it in flat if not isinstance(it, ast.Phase)]
        blocks: dict[int, Block] = {}

        def mk(items) -> tuple[Block, ...]:
            out = []
            for it in items:
                b = Block(it, self.subgrid_pes(it.subgrid))
                if b.pes:  # E3: a block on an empty subgrid is dropped
                    blocks[id(b)] = b
                    out.append(b)
            return tuple(out)

        places = mk(it for it in top if isinstance(it, ast.Place))
        dataflows = mk(it for it in top if isinstance(it, ast.Dataflow))
        phases = []
        for run in implicit_phases(flat):
            if isinstance(run, ast.Phase):
                phases.append(BoundPhase(
                    len(phases),
                    mk(it for it in run.items if isinstance(it, ast.Place)),
                    mk(it for it in run.items if isinstance(it, ast.Dataflow)),
                    mk(it for it in run.items if isinstance(it, ast.Compute)),
                    run,
                ))
            else:
                phases.append(BoundPhase(len(phases), (), (), mk(run)))
        all_pes = [pe for b in blocks.values() for pe in b.pes]
        if not all_pes:
            raise self.err(PlacementError, "the kernel places nothing on the grid", self.kernel,
                           "add place, dataflow and compute blocks")
        grid = (max(x for x, _ in all_pes) + 1, max(y for _, y in all_pes) + 1)
        from sluice.frontend.spada.collectives import expand_collectives  # imports this

        bk = BoundKernel(self.kernel, env, args, grid, places, dataflows, tuple(phases), self.rep)
        return expand_collectives(bk)


def implicit_phases(items) -> list[ast.Phase | tuple[ast.Compute, ...]]:
    """E11b: the kernel's phases in order: each `phase` block, and each maximal run of
    top-level compute blocks between them (an implicit phase; top-level place and dataflow
    blocks stay visible in every phase and do not end a run)."""
    out: list[ast.Phase | tuple[ast.Compute, ...]] = []
    run: list[ast.Compute] = []
    for it in items:
        if isinstance(it, ast.Compute):
            run.append(it)
        elif isinstance(it, ast.Phase):
            if run:
                out.append(tuple(run))
                run = []
            out.append(it)
    if run:
        out.append(tuple(run))
    return out


def bind(kernel: ast.Kernel, params: Mapping[str, object] | None = None) -> BoundKernel:
    """Bind `params` (name -> int; compiletime arguments too) and expand the kernel."""
    # (these passes import this module)
    from sluice.frontend.spada.overlap import merge_overlapping_computes
    from sluice.frontend.spada.streaming import count_streaming_foreach
    from sluice.frontend.spada.wholearray import expand_whole_arrays

    params = dict(params or {})
    lengths = {n: params.pop(n) for n in streaming_args(kernel) if n in params}
    kernel = split_bidirectional(lift_host_ranks(kernel))
    kernel = count_streaming_foreach(unshadow_coordinates(kernel), lengths)
    binder = _Binder(kernel)
    binder.lengths = lengths
    bk = binder.run(params)
    return merge_overlapping_computes(expand_whole_arrays(bk))
