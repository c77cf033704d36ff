"""The reference interpreter: runs any valid Program with NumPy semantics.

It is the oracle for every frontend, pass and backend test, so it favours being right:
every index is bounds-checked, every write goes through the memlet that declares it.
Speed comes from one idea: a map whose body is tasklets, access nodes and nested maps
runs *batched* — all iteration points at once as NumPy index arrays — and everything else
runs point by point.

Execution functions are generators: a read from an empty stream yields, so that the
instances of a spatial map (one per PE) run as coroutines until all finish, and a
program that can make no progress is reported as a deadlock with the PEs involved.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy

from sluice.errors import INT64_HINT, INT64_OVERFLOW, ArgumentError, DeadlockError, ExecutionError
from sluice.ir import exact as X
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
from sluice.ir.data import CSR, Array, Container, Scalar, Stream
from sluice.ir.dtypes import DType
from sluice.ir.graph import DataflowGraph
from sluice.ir.memlet import Index, Memlet, Range, Subset
from sluice.ir.nodes import Access, Call, LibraryNode, Map, Node, Schedule, Tasklet
from sluice.ir.program import Program
from sluice.ir.requires import check as check_requirements
from sluice.ir.requires import check_failure, check_no_overlap, written_containers
from sluice.ir.symbolic import compile_numpy, evaluate, free_names
from sluice.progress import Progress

Signal = str | None  # None, "break", "continue", "return"
Gen = Generator[Any, None, Any]

_UFUNC = {"+": np.add, "*": np.multiply, "max": np.maximum, "min": np.minimum}


class _Blocked:
    """Yielded by a coroutine that waits on an empty stream."""

    __slots__ = ("stream", "index")

    def __init__(self, stream: str, index: tuple) -> None:
        self.stream, self.index = stream, index


class StreamValue:
    """The queues of a stream container: one deque per stream-array element."""

    def __init__(self, shape: tuple[int, ...], dtype: np.dtype) -> None:
        self.shape, self.dtype = shape, dtype
        self.queues: dict[tuple, deque] = {}

    def queue(self, idx: tuple) -> deque:
        q = self.queues.get(idx)
        if q is None:
            q = self.queues[idx] = deque()
        return q


@dataclass
class Frame:
    """One activation of a program: its data (shared with spatial siblings) and symbols."""

    program: Program
    data: dict[str, Any]
    symbols: dict[str, Any]
    progress: list[int] = field(default_factory=lambda: [0])  # pushes+pops, for deadlocks
    ticker: Progress = field(default_factory=lambda: Progress(""))  # states run, for a bar

    def child(self, **symbols: Any) -> Frame:
        return Frame(self.program, self.data, {**self.symbols, **symbols}, self.progress,
                     self.ticker)


# --- values ---------------------------------------------------------------------------------


def _eval_int(e: Any, symbols: dict[str, Any]) -> Any:
    try:
        v = evaluate(e, symbols)
    except KeyError as err:
        raise ExecutionError(f"symbol '{err.args[0]}' has no value here",
                             hint="pass it as a keyword argument or derive it from a shape"
                             ) from None
    except OverflowError:
        raise ExecutionError(INT64_OVERFLOW, hint=INT64_HINT) from None
    return v


def _shape_of(c: Container, symbols: dict[str, Any]) -> tuple[int, ...]:
    return tuple(int(_eval_int(d, symbols)) for d in c.shape)


def _allocate(name: str, c: Container, symbols: dict[str, Any]) -> Any:
    if isinstance(c, Stream):
        return StreamValue(_shape_of(c, symbols), c.dtype.numpy)
    if isinstance(c, CSR):
        raise ExecutionError(f"CSR matrix '{name}' must be passed as an argument")
    shape = _shape_of(c, symbols)
    if any(s < 0 for s in shape):
        raise ExecutionError(f"container '{name}' would have negative shape {shape}")
    return np.zeros(shape, dtype=c.dtype.numpy)


def _container_value(frame: Frame, name: str) -> Any:
    """The value of container (or CSR component) `name`, allocating transients lazily."""
    base, _, comp = name.partition(".")
    v = frame.data.get(base)
    c = frame.program.data[base]
    if v is None or (c.transient and isinstance(c, Array)
                     and v.shape != _shape_of(c, frame.symbols)):
        v = frame.data[base] = _allocate(base, c, frame.symbols)
    return v[comp] if comp else v


def _index(subset: Subset, symbols: dict[str, Any], shape: tuple[int, ...], name: str) -> tuple:
    """NumPy index for a subset, bounds-checked (NumPy would wrap negatives silently)."""
    idx: list[Any] = []
    for k, (d, n) in enumerate(zip(subset, shape, strict=False)):
        if isinstance(d, Index):
            i = int(_eval_int(d.index, symbols))
            if not 0 <= i < n:
                raise ExecutionError(f"index {i} is out of bounds for dimension {k} of '{name}' "
                                     f"(size {n})")
            idx.append(i)
        else:
            a, b, s = (int(_eval_int(x, symbols)) for x in (d.start, d.stop, d.step))
            if b > a and (a < 0 or b > n):
                raise ExecutionError(f"range {a}:{b} is out of bounds for dimension {k} of "
                                     f"'{name}' (size {n})")
            idx.append(slice(a, max(a, b), s))
    return tuple(idx)


def read_memlet(frame: Frame, m: Memlet) -> Any:
    """A view of the data a memlet describes (a 0-d view for scalars)."""
    v = _container_value(frame, m.data)
    if isinstance(v, dict):  # a whole CSR matrix
        return v
    return v[_index(m.subset, frame.symbols, v.shape, m.data)] if m.subset else v


def write_memlet(frame: Frame, m: Memlet, value: Any, subset: Subset | None = None,
                 name: str | None = None) -> None:
    name = name or m.data
    v = _container_value(frame, name)
    sub = m.subset if subset is None else subset
    idx = _index(sub, frame.symbols, v.shape, name) if sub else ()
    if not isinstance(value, np.ndarray):
        # a store casts as C does; NumPy's __setitem__ would convert a scalar with int()
        # and raise where the IR's cast wraps (the frontend checks where NumPy raises)
        value = np.asarray(value)
    if m.wcr is None:
        v[idx] = value
    else:
        v[idx] = _UFUNC[m.wcr](v[idx], value)


# --- streams ------------------------------------------------------------------------------


def _stream_targets(frame: Frame, m: Memlet, s: StreamValue) -> list[tuple]:
    if not m.subset:
        return [()]
    per_dim: list[Iterable[int]] = []
    for d in m.subset:
        if isinstance(d, Index):
            per_dim.append([int(_eval_int(d.index, frame.symbols))])
        else:
            a, b, st = (int(_eval_int(x, frame.symbols)) for x in (d.start, d.stop, d.step))
            per_dim.append(range(a, b, st))
    targets = [tuple(t) for t in itertools.product(*per_dim)]
    for t in targets:
        if any(not 0 <= i < n for i, n in zip(t, s.shape, strict=False)):
            raise ExecutionError(f"stream element {t} is outside stream '{m.data}' of shape "
                                 f"{s.shape}")
    return targets


def push(frame: Frame, m: Memlet, values: Any) -> None:
    s = _container_value(frame, m.data)
    vals = np.asarray(values, dtype=s.dtype).reshape(-1)
    for t in _stream_targets(frame, m, s):  # several targets: a multicast
        s.queue(t).extend(vals.tolist())
    frame.progress[0] += 1


def pop(frame: Frame, m: Memlet, count: int) -> Gen:
    s = _container_value(frame, m.data)
    targets = _stream_targets(frame, m, s)
    if len(targets) != 1:
        raise ExecutionError(f"a read of stream '{m.data}' must address one stream element")
    q = s.queue(targets[0])
    out = []
    while len(out) < count:
        while not q:
            yield _Blocked(m.data, targets[0])
        out.append(q.popleft())
    frame.progress[0] += 1
    return np.asarray(out, dtype=s.dtype)


def _is_stream(frame: Frame, name: str) -> bool:
    return isinstance(frame.program.data.get(name.partition(".")[0]), Stream)


# --- dataflow -------------------------------------------------------------------------------


def run_graph(frame: Frame, g: DataflowGraph) -> Gen:
    for n in _topo(g):
        if isinstance(n, Access):
            yield from _copies_into(frame, g, n)
        elif isinstance(n, Tasklet):
            yield from _tasklet(frame, g, n)
        elif isinstance(n, Map):
            yield from run_map(frame, g, n)
        elif isinstance(n, LibraryNode):
            _library(frame, g, n)
        elif isinstance(n, Call):
            yield from _call(frame, g, n)
        else:
            raise ExecutionError(f"the interpreter cannot run {n.describe()}")


_TOPO: dict[int, tuple[int, list[Node]]] = {}


def _topo(g: DataflowGraph) -> list[Node]:
    key = id(g)
    stamp = len(g.edges) * 100003 + len(g)
    cached = _TOPO.get(key)
    if cached is None or cached[0] != stamp or cached[1] and cached[1][0] not in g:
        cached = _TOPO[key] = (stamp, g.topological())
    return cached[1]


def _copies_into(frame: Frame, g: DataflowGraph, n: Access) -> Gen:
    for e in g.in_edges(n):
        if not isinstance(e.src, Access) or e.memlet is None:
            continue
        m = e.memlet
        dst_sub = m.other_subset if m.other is not None else m.subset
        if _is_stream(frame, m.data):
            if _is_stream(frame, n.data):
                raise ExecutionError("stream-to-stream copies are not supported")
            target = _container_value(frame, n.data)
            view_shape = np.shape(target[_index(dst_sub, frame.symbols, target.shape, n.data)]) \
                if dst_sub else np.shape(target)
            vals = yield from pop(frame, m, int(np.prod(view_shape, dtype=np.int64)))
            write_memlet(frame, Memlet(n.data, (), m.wcr), vals.reshape(view_shape), dst_sub,
                         n.data)
        elif _is_stream(frame, n.data):
            push(frame, Memlet(n.data, dst_sub or ()), read_memlet(frame, Memlet(m.data, m.subset)))
        else:
            src = np.array(read_memlet(frame, Memlet(m.data, m.subset)), copy=True)
            target = _container_value(frame, n.data)
            idx = _index(dst_sub, frame.symbols, target.shape, n.data) if dst_sub else ()
            view = target[idx]
            if np.size(src) != np.size(view):
                raise ExecutionError(f"copy of {np.size(src)} elements from '{m.data}' into "
                                     f"{np.size(view)} elements of '{n.data}'")
            src = src.reshape(np.shape(view))
            target[idx] = src if m.wcr is None else _UFUNC[m.wcr](view, src)


def _run_code(t: Tasklet, env: dict[str, Any]) -> dict[str, Any]:
    for target, expr in t.code:
        names = tuple(sorted(free_names(expr)))
        try:
            env[target] = compile_numpy(expr, names)(*(env[n] for n in names))
        except KeyError as err:
            raise ExecutionError(f"{t.describe()} reads '{err.args[0]}', which has no value"
                                 ) from None
        except (TypeError, ValueError, OverflowError) as err:
            # NumPy refuses the operation (bool subtract, out-of-range Python integer): the
            # program asks for what NumPy itself rejects
            raise ExecutionError(f"{t.describe()} cannot compute {target} = {expr}: {err}"
                                 ) from None
    return env


def _tasklet(frame: Frame, g: DataflowGraph, t: Tasklet) -> Gen:
    env = dict(frame.symbols)
    inputs = []
    for e in g.in_edges(t):
        if e.memlet is None:
            continue
        if _is_stream(frame, e.memlet.data):
            env[e.dst_conn] = (yield from pop(frame, e.memlet, 1))[0]
        else:
            env[e.dst_conn] = read_memlet(frame, e.memlet)[()]
        inputs.append(e.dst_conn)
    outputs = [e for e in g.out_edges(t) if e.memlet is not None]
    # A complex operation in the IR is NumPy's array loop: on NumPy scalars, Python's
    # operators would use NumPy's scalar arithmetic, which multiplies, compares and takes
    # |z| otherwise (the frontend spells NumPy's scalar arithmetic out where it applies).
    arrays = any(np.iscomplexobj(env[c]) for c in inputs) or any(
        frame.program.container(e.memlet.data).dtype.is_complex for e in outputs) or \
        _complex_code(t)
    if arrays:
        for c in inputs:
            env[c] = np.reshape(env[c], 1)
    with np.errstate(all="ignore"):
        _run_code(t, env)
    for e in outputs:
        val = env[e.src_conn]
        if arrays and np.ndim(val) == 1:
            val = val[0]
        if _is_stream(frame, e.memlet.data):
            push(frame, e.memlet, val)
        else:
            write_memlet(frame, e.memlet, val)


_COMPLEX_CODE: dict[int, tuple[Tasklet, bool]] = {}


def _complex_code(t: Tasklet) -> bool:
    """Whether the tasklet's code has complex literals or builds complex numbers."""
    hit = _COMPLEX_CODE.get(id(t))
    if hit is not None and hit[0] is t:
        return hit[1]
    found = any(isinstance(c.value, complex) for _, e in t.code
                for c in sympy.sympify(e).atoms(X.Const)) or any(
        sympy.sympify(e).atoms(X.FUNCS["complex"]) for _, e in t.code)
    _COMPLEX_CODE[id(t)] = (t, found)
    return found


def _library(frame: Frame, g: DataflowGraph, n: LibraryNode) -> None:
    inputs = {e.dst_conn: read_memlet(frame, e.memlet) for e in g.in_edges(n)
              if e.memlet is not None}
    try:
        with np.errstate(all="ignore"):
            outputs = n.reference(**inputs)
    except (ValueError, IndexError) as err:  # NumPy refused the operands (shapes, indices)
        raise ExecutionError(f"{n.describe()}: {err}") from None
    for e in g.out_edges(n):
        if e.memlet is None:
            continue
        target = read_memlet(frame, Memlet(e.memlet.data, e.memlet.subset))
        val = np.asarray(outputs[e.src_conn])
        if val.size != np.size(target):
            raise ExecutionError(f"{n.describe()} produced {val.shape} for a subset of shape "
                                 f"{np.shape(target)} of '{e.memlet.data}'")
        write_memlet(frame, e.memlet, val.reshape(np.shape(target)))


def _call(frame: Frame, g: DataflowGraph, n: Call) -> Gen:
    callee = frame.program.callees[n.callee]
    views: dict[str, Any] = {}
    for e in g.in_edges(n):
        if e.memlet is not None:
            views[e.dst_conn] = read_memlet(frame, e.memlet)
    outs = {e.src_conn: e for e in g.out_edges(n) if e.memlet is not None}
    for name, e in outs.items():
        if name in callee.args and name not in views:
            views[name] = read_memlet(frame, Memlet(e.memlet.data, e.memlet.subset))
    symbols = {k: _eval_int(v, frame.symbols) for k, v in n.symbols.items()}
    sub = _bind(callee, [], {**views, **symbols}, copy_scalars=False, distinct=False)
    sub.progress = frame.progress  # the spatial scheduler watches the callee's stream traffic
    sub.ticker = frame.ticker
    yield from run_region(sub, callee.body)
    for name, e in outs.items():
        if name in callee.returns:
            write_memlet(frame, e.memlet, np.asarray(_container_value(sub, name)))
        elif e.memlet.wcr is not None:
            write_memlet(frame, e.memlet, np.asarray(views[name]))
        elif not _is_view_of(views[name], frame, e.memlet):
            # (an element read is a copy: the callee wrote into its own container)
            write_memlet(frame, e.memlet, np.asarray(_container_value(sub, name)))


def _is_view_of(v: Any, frame: Frame, m: Memlet) -> bool:
    """Whether the callee already wrote through `v` (a view, or a shared stream)."""
    target = _container_value(frame, m.data)
    if v is target:
        return True
    return isinstance(v, np.ndarray) and np.shares_memory(v, target)


# --- maps -----------------------------------------------------------------------------------


def run_map(frame: Frame, g: DataflowGraph, m: Map) -> Gen:
    if m.schedule == Schedule.spatial:
        yield from _run_spatial(frame, m)
    elif _batchable(frame, m.body):
        _run_batched(frame, m)
    else:
        for point in _points(frame, m):
            yield from run_graph(frame.child(**point), m.body)


def _points(frame: Frame, m: Map) -> list[dict[str, int]]:
    axes = []
    for r in m.ranges:
        a, b, s = (int(_eval_int(x, frame.symbols)) for x in (r.start, r.stop, r.step))
        axes.append(range(a, b, s))
    return [dict(zip(m.params, p, strict=True)) for p in itertools.product(*axes)]


def _run_spatial(frame: Frame, m: Map) -> Gen:
    """Run one coroutine per map point; report a deadlock when none can progress."""
    procs = {tuple(p.values()): run_graph(frame.child(**p), m.body) for p in _points(frame, m)}
    waiting: dict[tuple, _Blocked] = {}
    while procs:
        frame.ticker.note(active_PEs=len(procs))
        before = frame.progress[0]
        for pe in list(procs):
            try:
                got = next(procs[pe])
            except StopIteration:
                del procs[pe]
                waiting.pop(pe, None)
                continue
            waiting[pe] = got
        if procs and frame.progress[0] == before and all(pe in waiting for pe in procs):
            stuck = ", ".join(f"PE {pe} waits on {w.stream}{list(w.index)}"
                              for pe, w in sorted(waiting.items())[:8])
            more = f" (and {len(waiting) - 8} more)" if len(waiting) > 8 else ""
            raise DeadlockError(f"spatial map '{m.label}' cannot progress: {stuck}{more}",
                                hint="a receive has no matching send, or PEs wait on each other")
    return
    yield  # a generator even when every instance finishes at once


def _batchable(frame: Frame, g: DataflowGraph) -> bool:
    key = ("batch", id(g))
    cached = _BATCHABLE.get(key)
    if cached is not None and cached[0] is g:
        return cached[1]
    ok = True
    for n in g.nodes:
        if isinstance(n, Map):
            ok = ok and n.schedule != Schedule.spatial and _batchable(frame, n.body)
        elif isinstance(n, Access):
            if _is_stream(frame, n.data) or isinstance(frame.program.data.get(n.data), CSR):
                ok = False
            ins = [e for e in g.in_edges(n) if e.memlet is not None]
            outs = [e for e in g.out_edges(n) if e.memlet is not None]
            if any(isinstance(e.src, Access) for e in ins) or \
                    any(isinstance(e.dst, Access) for e in outs):
                ok = False  # copies inside a map body: run point by point
            if ins and outs:
                # A value passed inside the body: every read must use the write's subset.
                written = {(e.memlet.subset, e.memlet.wcr) for e in ins}
                if len(written) != 1 or next(iter(written))[1] is not None or \
                        any(e.memlet.subset != next(iter(written))[0] for e in outs):
                    ok = False
        elif not isinstance(n, Tasklet):
            ok = False
    _BATCHABLE[key] = (g, ok)
    return ok


_BATCHABLE: dict[Any, tuple[DataflowGraph, bool]] = {}


def _expand(frame: Frame, batch: dict[str, np.ndarray], size: int, m: Map
            ) -> tuple[dict[str, np.ndarray], int]:
    """Extend a batch of points with the points of map `m` (ranges may depend on it)."""
    env = {**frame.symbols, **batch}
    for p, r in zip(m.params, m.ranges, strict=True):
        start, stop, step = (np.broadcast_to(np.asarray(_eval_int(x, env), dtype=np.int64),
                                             (size,)) for x in (r.start, r.stop, r.step))
        counts = np.maximum(0, -((start - stop) // step))
        total = int(counts.sum())
        offsets = np.repeat(np.cumsum(counts) - counts, counts)
        batch = {k: np.repeat(v, counts) for k, v in batch.items()}
        local = np.arange(total, dtype=np.int64) - offsets
        batch[p] = np.repeat(start, counts) + np.repeat(step, counts) * local
        size = total
        env = {**frame.symbols, **batch}
    return batch, size


def _batch_index(frame: Frame, m: Memlet, env: dict[str, Any], size: int,
                 shape: tuple[int, ...]) -> tuple:
    idx = []
    for k, (d, n) in enumerate(zip(m.subset, shape, strict=False)):
        expr = d.index if isinstance(d, Index) else d.start
        i = np.asarray(_eval_int(expr, env), dtype=np.int64)
        if i.size and (i.min() < 0 or i.max() >= n):
            bad = int(i.min() if i.min() < 0 else i.max())
            raise ExecutionError(f"index {bad} is out of bounds for dimension {k} of "
                                 f"'{m.data}' (size {n})")
        # every point gets an index, even when it reads no map parameter: a wcr into one
        # element from all points must combine all of them
        idx.append(np.broadcast_to(i, (size,)))
    return tuple(idx)


CHUNK = 1 << 18  # points per batch: bounds the memory of index arrays


def _run_batched(frame: Frame, m: Map) -> None:
    """Run all points of `m` batched, in chunks along its first parameter."""
    r0 = m.ranges[0]
    a, b, s = (int(_eval_int(x, frame.symbols)) for x in (r0.start, r0.stop, r0.step))
    first = range(a, b, s)
    rest = 1
    for r in m.ranges[1:]:
        lo, hi, st = (int(_eval_int(x, frame.symbols)) for x in (r.start, r.stop, r.step))
        rest *= max(0, len(range(lo, hi, st)))
    step = max(1, CHUNK // max(1, rest))
    for k in range(0, len(first), step):
        part = first[k:k + step]
        chunk = Map(m.params, [Range(part.start, part.stop, part.step), *m.ranges[1:]],
                    m.body, m.schedule, m.label)
        batch, size = _expand(frame, {}, 1, chunk)
        if size:
            _run_batched_body(frame, m.body, batch, size)


def _run_batched_body(frame: Frame, g: DataflowGraph, batch: dict[str, np.ndarray],
                      size: int) -> None:
    env_base = {**frame.symbols, **batch}
    local: dict[int, Any] = {}  # values written inside this body, by access node
    for n in _topo(g):
        if isinstance(n, Map):
            inner, isize = _expand(frame, batch, size, n)
            if isize:
                _run_batched_body(frame, n.body, inner, isize)
        elif isinstance(n, Tasklet):
            env = dict(env_base)
            for e in g.in_edges(n):
                if e.memlet is None:
                    continue
                if id(e.src) in local:
                    env[e.dst_conn] = local[id(e.src)]
                    continue
                arr = _container_value(frame, e.memlet.data)
                idx = _batch_index(frame, e.memlet, env_base, size, arr.shape)
                # a scalar container's complex value as an array: see `_tasklet`
                env[e.dst_conn] = arr[idx] if idx else (
                    arr.reshape(1) if arr.dtype.kind == "c" else arr[()])
            with np.errstate(all="ignore"):
                _run_code(n, env)
            for e in g.out_edges(n):
                if e.memlet is None:
                    continue
                val = np.broadcast_to(np.asarray(env[e.src_conn]), (size,))
                arr = _container_value(frame, e.memlet.data)
                idx = _batch_index(frame, e.memlet, env_base, size, arr.shape)
                # Readers in the body see the stored (cast) value, as point by point.
                local[id(e.dst)] = val.astype(arr.dtype, copy=False)
                _scatter(arr, idx, val, e.memlet.wcr)


def _scatter(arr: np.ndarray, idx: tuple, val: np.ndarray, wcr: str | None) -> None:
    if wcr is None:
        if idx:
            arr[idx] = val
        else:
            arr[()] = val[-1]
        return
    ufunc = _UFUNC[wcr]
    if idx:
        ufunc.at(arr, idx, val.astype(arr.dtype, copy=False))
    else:
        arr[()] = ufunc(arr[()], ufunc.reduce(val.astype(arr.dtype, copy=False)))


# --- control flow ---------------------------------------------------------------------------


def run_region(frame: Frame, region: Region) -> Gen:
    for b in region.blocks:
        sig = yield from _block(frame, b)
        if sig is not None:
            return sig
    return None


def _cond(frame: Frame, e: Any) -> Any:
    env = dict(frame.symbols)
    for name in free_names(e):
        if name not in env and isinstance(frame.program.data.get(name), Scalar):
            env[name] = _container_value(frame, name)[()]
    return _eval_int(e, env)


def _block(frame: Frame, b: Block) -> Gen:
    if isinstance(b, State):
        yield from run_graph(frame, b.graph)
        frame.ticker.advance()
        return None
    if isinstance(b, Loop):
        start, stop, step = (int(_cond(frame, x)) for x in (b.start, b.stop, b.step))
        for i in range(start, stop, step):
            frame.symbols[b.var] = i
            sig = yield from run_region(frame, b.body)
            if sig == "break":
                break
            if sig == "return":
                return sig
        return None
    if isinstance(b, While):
        while bool(_cond(frame, b.cond)):
            sig = yield from run_region(frame, b.body)
            if sig == "break":
                break
            if sig == "return":
                return sig
        return None
    if isinstance(b, Branch):
        for c, r in b.cases:
            if bool(_cond(frame, c)):
                return (yield from run_region(frame, r))
        if b.orelse is not None:
            return (yield from run_region(frame, b.orelse))
        return None
    if isinstance(b, Assign):
        vals = {k: _cond(frame, v) for k, v in b.assignments.items()}
        for k, v in vals.items():
            frame.symbols[k] = int(v) if np.ndim(v) == 0 and float(v).is_integer() else v
        return None
    if isinstance(b, Check):
        r = b.requirement
        if not r.holds({k: int(frame.symbols[k]) for k in r.names}):
            raise check_failure(frame.program, r, frame.symbols)
        return None
    if isinstance(b, Break):
        return "break"
    if isinstance(b, Continue):
        return "continue"
    if isinstance(b, Return):
        return "return"
    raise ExecutionError(f"the interpreter cannot run block {b.describe()}")


# --- arguments ------------------------------------------------------------------------------


def csr_parts(name: str, v: Any, c: CSR) -> dict[str, Any]:
    """The three arrays (and shape) of a CSR argument: scipy matrix, tuple or dict."""
    if isinstance(v, dict):
        parts = v
    elif isinstance(v, tuple) and len(v) == 3:
        parts = dict(zip(CSR.COMPONENTS, v, strict=True))
    elif all(hasattr(v, k) for k in CSR.COMPONENTS):
        parts = {k: getattr(v, k) for k in CSR.COMPONENTS}
    else:
        raise ArgumentError(f"argument '{name}' must be a CSR matrix",
                            hint="pass scipy.sparse.csr_array, or (indptr, indices, data)")
    out = {
        "indptr": np.ascontiguousarray(parts["indptr"], dtype=c.index_dtype.numpy),
        "indices": np.ascontiguousarray(parts["indices"], dtype=c.index_dtype.numpy),
        "data": np.ascontiguousarray(parts["data"], dtype=c.dtype.numpy),
    }
    shape = getattr(v, "shape", None) or parts.get("shape")
    out["shape"] = tuple(shape) if shape is not None else (len(out["indptr"]) - 1, None)
    return out


def _solve_dim(expr: Any, actual: int, symbols: dict[str, Any]) -> dict[str, int] | None:
    unknown = [s for s in expr.free_symbols if s.name not in symbols]
    if len(unknown) != 1:
        return None
    known = {s: symbols[s.name] for s in expr.free_symbols if s.name in symbols}
    sol = sympy.solve(sympy.Eq(expr.subs(known), actual), unknown[0])
    ints = [int(x) for x in sol if x.is_integer]
    return {unknown[0].name: ints[0]} if len(ints) == 1 else None


def bind_symbols(p: Program, shapes: dict[str, tuple[int, ...]], symbols: dict[str, Any]
                 ) -> dict[str, Any]:
    """Infer symbol values from argument shapes; check the shapes agree."""
    symbols = dict(symbols)
    origin = {s: f"argument '{s}'" for s in symbols}  # where each symbol's value came from
    pending = [(name, k, d, n) for name, shp in shapes.items()
               for k, (d, n) in enumerate(zip(p.container(name).shape, shp, strict=False))]
    changed = True
    while changed:
        changed = False
        for item in list(pending):
            name, k, d, n = item
            if free_names(d) <= set(symbols):
                got = int(evaluate(d, symbols))
                if got != n:
                    came = "; ".join(f"{s} from {origin[s]}" for s in sorted(free_names(d))
                                     if s in origin)
                    raise ArgumentError(
                        f"argument '{name}' has size {n} in dimension {k}, expected {d} = {got}"
                        + (f" ({came})" if came else ""),
                        hint="arrays that share a symbol must agree on its value")
                pending.remove(item)
                changed = True
            else:
                sol = _solve_dim(d, n, symbols)
                if sol:
                    symbols.update(sol)
                    origin.update({s: f"dimension {k} of '{name}'" for s in sol})
                    changed = True
    return symbols


def match_arguments(p: Program, args: Sequence[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    """Positional and keyword arguments by name, as every calling path of a Program takes
    them: positional in `p.args` order; keywords name arguments or symbols."""
    if len(args) > len(p.args):
        raise ArgumentError(f"'{p.name}' takes {len(p.args)} arguments, got {len(args)}")
    given = dict(zip(p.args, args, strict=False))
    for k, v in kwargs.items():
        if k in given:
            raise ArgumentError(f"argument '{k}' given twice")
        if k not in p.args and k not in p.symbols:
            from sluice.errors import did_you_mean

            raise ArgumentError(f"'{p.name}' has no argument '{k}'",
                                hint=did_you_mean(k, list(p.args) + list(p.symbols)))
        given[k] = v
    missing = [a for a in p.args if a not in given]
    if missing:
        raise ArgumentError(f"missing argument '{missing[0]}' of '{p.name}'")
    return given


def _bind(p: Program, args: list[Any], kwargs: dict[str, Any], copy_scalars: bool = True,
          distinct: bool = True) -> Frame:
    given = match_arguments(p, args, kwargs)
    data: dict[str, Any] = {}
    symbols: dict[str, Any] = {}
    shapes: dict[str, tuple[int, ...]] = {}
    for name, v in given.items():
        if name in p.symbols and name not in p.data:
            symbols[name] = int(v)
            continue
        c = p.data[name]
        if isinstance(c, CSR):
            data[name] = csr_parts(name, v, c)
            shapes[name] = tuple(x for x in data[name]["shape"] if x is not None)
            shapes[f"{name}.data"] = data[name]["data"].shape
            continue
        if isinstance(c, Scalar):
            arr = np.array(v, dtype=c.dtype.numpy) if copy_scalars or not isinstance(
                v, np.ndarray) else v
            if arr.ndim != 0:
                raise ArgumentError(f"argument '{name}' must be a scalar, got shape {arr.shape}")
            data[name] = arr
            continue
        if isinstance(c, Stream):
            data[name] = v
            continue
        if not isinstance(v, np.ndarray):
            raise ArgumentError(f"argument '{name}' must be a NumPy array of {c.dtype}",
                                hint=f"pass np.asarray(..., dtype=np.{c.dtype})")
        if v.dtype != c.dtype.numpy:
            raise ArgumentError(f"argument '{name}' has dtype {v.dtype}, expected {c.dtype}",
                                hint=f"pass {name}.astype(np.{c.dtype})")
        if v.ndim != len(c.shape):
            raise ArgumentError(f"argument '{name}' has {v.ndim} dimensions, expected "
                                f"{len(c.shape)}")
        data[name] = v
        shapes[name] = v.shape
    symbols = bind_symbols(p, shapes, symbols)
    check_requirements(p, symbols)
    if distinct:  # (a callee's arguments are views its caller chose)
        check_no_overlap(p, given, written_containers(p))
    return Frame(p, data, symbols)


def interpret(program: Program, *args: Any, **kwargs: Any) -> Any:
    """Run `program` with NumPy semantics. Array arguments are updated in place; the
    return containers' values are returned (None, one value, or a tuple)."""
    frame = _bind(program, list(args), kwargs)
    gen = run_region(frame, program.body)
    # A long run shows a bar. The generators below count on the frame's: a `with` inside
    # one of them would stay open when the run stops early.
    frame.ticker = Progress(f"interpret {program.name}", unit="state", every=16)
    with frame.ticker:
        try:
            blocked = next(gen)
        except StopIteration:
            blocked = None
    if blocked is not None:
        raise DeadlockError(f"read from empty stream '{blocked.stream}"
                            f"{list(blocked.index) if blocked.index else ''}' with nothing "
                            "left to produce it",
                            hint="check that every stream read has a matching write before it")
    outs = []
    for r in program.returns:
        v = _container_value(frame, r)
        outs.append(v[()] if isinstance(v, np.ndarray) and v.ndim == 0 else v)
    if not outs:
        return None
    return outs[0] if len(outs) == 1 else tuple(outs)


__all__ = ["DType", "Frame", "bind_symbols", "csr_parts", "interpret", "match_arguments",
           "run_region"]
