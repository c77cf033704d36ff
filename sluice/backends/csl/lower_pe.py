"""Specialising the phase programs of a `LoweredKernel` to one PE.

Substituting concrete PE coordinates (`LoweredKernel.coords`) folds the membership branches
and most conditions; what is left is a small tree of PE operations (the "PE-IR" below):
scalar computations, vector maps, sends and receives on fabric streams or host streams, loops
and data-dependent branches. Every PE-local field becomes a flat CSL array (scalars: length
1), indexed by its row-major flattened index.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import sympy

from sluice.backends.csl.lower_expr import to_csl
from sluice.csl import model as m
from sluice.csl.validate import RESERVED_NAMES
from sluice.errors import UnsupportedError
from sluice.frontend.spada.lower import LoweredKernel
from sluice.ir import (
    Access,
    Array,
    Assign,
    Branch,
    Call,
    DType,
    Index,
    Loop,
    Map,
    Memlet,
    Program,
    Range,
    Region,
    Scalar,
    State,
    Stream,
    Tasklet,
)
from sluice.ir import symbolic as S

CSL_DTYPES = {DType.float32: "f32", DType.float16: "f16", DType.int16: "i16",
              DType.int32: "i32", DType.uint16: "u16", DType.uint32: "u32", DType.bool: "i16",
              DType.int64: "i32"}

# --- PE-IR ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ref:
    """`n` contiguous elements of field `name` from flat offset `off`."""

    name: str
    off: m.Expr
    n: int


@dataclass
class Compute:
    target: m.Index
    value: m.Expr


@dataclass
class Recv:
    phase: int
    stream: str
    dst: Ref


@dataclass
class Send:
    phase: int
    stream: str
    src: Ref
    dests: tuple[tuple[int, int], ...]


@dataclass
class SendVal:
    phase: int
    stream: str
    value: m.Expr
    dests: tuple[tuple[int, int], ...]


@dataclass
class HostRecv:
    host: str
    elem: tuple[int, int]
    dst: Ref


@dataclass
class HostSend:
    host: str
    elem: tuple[int, int]
    src: Ref


@dataclass
class HostSendVal:
    host: str
    elem: tuple[int, int]
    value: m.Expr


@dataclass
class VecMap:
    """`target[var] = value` for var in range(start, stop, step) (a `Schedule.vector` map)."""

    var: str
    start: int
    stop: int
    step: int
    target: m.Index
    value: m.Expr


@dataclass
class Loop_:
    var: str
    start: m.Expr
    stop: m.Expr
    step: int
    body: list


@dataclass
class If_:
    cond: m.Expr
    then: list
    orelse: list = field(default_factory=list)


@dataclass
class PhaseStart:
    index: int


@dataclass
class Close:
    """`s.close()` on a sending PE: the end of an epoch of stream `s` (to `dests`)."""

    phase: int
    stream: str
    dests: tuple[tuple[int, int], ...]


Op = (Compute | Recv | Send | SendVal | HostRecv | HostSend | HostSendVal | VecMap | Loop_
      | If_ | PhaseStart | Close)


@dataclass(frozen=True)
class FieldInfo:
    name: str  # CSL name
    dtype: str
    length: int
    scalar_arg: bool = False


# --- the kernel-wide tables ----------------------------------------------------------------


def _safe(name: str) -> str:
    if name in RESERVED_NAMES or name.endswith(("_ptr", "_task_id")) or name.startswith("_"):
        return f"f_{name.lstrip('_')}"
    return name


# The shapes of the names the lowering makes up, by what sets them apart: a prefix or whole
# name (tasks t3, DSDs in2/out2/ctl2, staging fields stage0, colours col1, programs pe0,
# colour parameters c_<stream>_p<phase>_rx/tx and their busy_/done_ flags, close sentinels
# eos_/closed_, the scheduler's pc/wsite/resume, start), or a suffix (DSDs <field>_d4 and
# <field>_x4, loop variables <var>_l3/<var>_v3, host buffers <host>_buf, cursors <buf>_cur).
# tests/backends/csl checks that every name the examples' programs make up has one of them.
MADE_UP_HEAD = re.compile(r"(?:t|in|out|ctl|stage|col|pe)\d+|h\d+_\d+_\d+|c_.*_p\d+_(?:rx|tx)"
                          r"|(?:busy|done|eos|closed)_.*|pc|wsite|resume|start")
MADE_UP_TAIL = re.compile(r".*_(?:[dxlv]\d+|buf|cur)")


def made_up(name: str) -> bool:
    """Whether `name` has the shape of a name the lowering makes up."""
    return bool(MADE_UP_HEAD.fullmatch(name) or MADE_UP_TAIL.fullmatch(name))


def _field_name(ir: str, taken: set[str]) -> str:
    """The CSL name of the kernel's container `ir`: `_safe`, then moved off the shapes of
    made-up names (`u_` before a head shape, `_u` after a tail shape) and off the kernel's
    other names, so that no made-up name can ever equal it."""
    name = _safe(ir)
    while made_up(name) or (name != ir and name in taken):
        name = f"{name}_u" if MADE_UP_TAIL.fullmatch(name) else f"u_{name}"
    return name


class KernelInfo:
    """Containers of the kernel and the CSL fields they become."""

    def __init__(self, lk: LoweredKernel) -> None:
        self.lk = lk
        self.width, self.height = lk.grid
        prog = lk.program
        self.host = {h.name: h for h in lk.host_streams}
        self.streams = {n for n, c in prog.data.items()
                        if isinstance(c, Stream) and n not in self.host}
        self.fields: dict[str, FieldInfo] = {}  # CSL name -> info
        self.names: dict[tuple[int, str], str] = {}  # (phase or -1, IR name) -> CSL name
        # every container name of the kernel: a renamed field takes none of them
        self.ir_names: set[str] = set(prog.data) | {
            n for c in prog.callees.values() for n in c.data}
        for n, c in prog.data.items():
            if isinstance(c, Array) and n not in self.host:
                dims = [int(d) for d in c.shape[2:]]
                self._add(-1, n, c.dtype, math.prod(dims) if dims else 1)
            elif isinstance(c, Scalar):
                self._add(-1, n, c.dtype, 1, scalar_arg=n in lk.scalars)
        self.phases: list[Program] = []
        for st in prog.body.blocks:
            call = _phase_call(st)
            self.phases.append(prog.callees[call.callee])
        for k, ph in enumerate(self.phases):
            for n, c in ph.data.items():
                if (-1, n) in self.names or not c.transient:
                    continue
                if isinstance(c, Array):
                    self._add(k, n, c.dtype, math.prod(int(d) for d in c.shape))
                elif isinstance(c, Scalar):
                    self._add(k, n, c.dtype, 1)

    def _add(self, phase: int, ir: str, dtype: DType, length: int,
             scalar_arg: bool = False) -> None:
        if dtype not in CSL_DTYPES:
            raise UnsupportedError(f"container '{ir}' of type {dtype.value} has no CSL type")
        base = _field_name(ir, self.ir_names)
        name = base
        info = FieldInfo(name, CSL_DTYPES[dtype], length, scalar_arg)
        k = 1
        while (name in self.fields and self.fields[name] != info) or \
                (name != base and (made_up(name) or name in self.ir_names)):
            k += 1
            name = f"{base}_{k}"
            info = FieldInfo(name, CSL_DTYPES[dtype], length, scalar_arg)
        self.fields[name] = info
        self.names[(phase, ir)] = name

    def field_name(self, phase: int, ir: str) -> str | None:
        return self.names.get((phase, ir)) or self.names.get((-1, ir))


def _phase_call(st) -> Call:
    if not isinstance(st, State):
        raise UnsupportedError("the kernel body must be a sequence of phase states")
    for n, _ in st.graph.walk():
        if isinstance(n, Call):
            return n
    raise UnsupportedError(f"phase state '{st.name}' calls no phase program")


# --- specialisation -------------------------------------------------------------------------


class _Specialiser:
    def __init__(self, info: KernelInfo, x: int, y: int, closes: bool) -> None:
        self.info, self.x, self.y = info, x, y
        self.closes = closes
        self.phase = 0
        self.loopvars: dict[str, m.Expr] = {}
        self.counter = 0

    def run(self) -> list:
        ops: list = []
        for k, ph in enumerate(self.info.phases):
            self.phase = k
            ops.append(PhaseStart(k))
            ops += self.region(ph.body)
        return ops

    # --- control flow
    def subs(self, e: sympy.Basic) -> sympy.Basic:
        px, py = self.info.lk.coords  # the kernel's coordinate symbols, never a user name
        return S.substitute(e, {px: self.x, py: self.y})

    def region(self, r: Region) -> list:
        out: list = []
        for b in r.blocks:
            if isinstance(b, State):
                out += self.state(b)
            elif isinstance(b, Branch):
                out += self.branch(b)
            elif isinstance(b, Loop):
                out += self.loop(b)
            elif isinstance(b, Assign):
                self.assign(b)
            else:
                raise UnsupportedError(f"{b.describe()} cannot be lowered to CSL")
        return out

    def assign(self, b: Assign) -> None:
        """`j = cell`: a symbol read from a one-element field (a data-dependent index, E8)
        stands for that field's element wherever it is used; the frontend fills a fresh
        cell per index, so nothing overwrites it while the symbol is in use."""
        for sym, v in b.assignments.items():
            name = self.info.field_name(self.phase, str(v)) if isinstance(v, sympy.Symbol) \
                else None
            if name is None or self.info.fields[name].length != 1:
                raise UnsupportedError(f"symbol assignment '{sym} = {v}' cannot be lowered "
                                       "to CSL")
            self.loopvars[sym] = m.Index(name, m.Lit(0))

    def branch(self, b: Branch) -> list:
        # if c1 {..} elif c2 {..} else {..}: fold what folds, keep the rest as nested ifs
        cases = list(b.cases)
        return self._cases(cases, b.orelse)

    def _cases(self, cases: list, orelse: Region | None) -> list:
        if not cases:
            return self.region(orelse) if orelse is not None else []
        cond, reg = cases[0]
        c = self.subs(cond)
        if c is sympy.true or c == sympy.true:
            return self.region(reg)
        if c is sympy.false or c == sympy.false:
            return self._cases(cases[1:], orelse)
        then = self.region(reg)
        rest = self._cases(cases[1:], orelse)
        if not then and not rest:
            return []
        return [If_(self.expr(c), then, rest)]

    def loop(self, lp: Loop) -> list:
        start, stop, step = (self.subs(e) for e in (lp.start, lp.stop, lp.step))
        if not step.is_Integer or int(step) == 0:
            raise UnsupportedError(f"loop over '{lp.var}' needs a constant nonzero step")
        if start.is_Integer and stop.is_Integer:
            n = len(range(int(start), int(stop), int(step)))
            if n == 0:
                return []
        self.counter += 1
        name = f"{_safe(lp.var)}_l{self.counter}"
        self.loopvars[lp.var] = m.Name(name)
        body = self.region(lp.body)
        del self.loopvars[lp.var]
        if not body:
            return []
        return [Loop_(name, self.expr(start), self.expr(stop), int(step), body)]

    # --- expressions and memlets
    def env(self) -> dict[str, m.Expr]:
        env: dict[str, m.Expr] = dict(self.loopvars)
        for (ph, ir), name in self.info.names.items():
            if ph in (-1, self.phase) and self.info.fields[name].length == 1:
                env.setdefault(ir, m.Index(name, m.Lit(0)))
        return env

    def expr(self, e: sympy.Basic, extra: dict[str, m.Expr] | None = None) -> m.Expr:
        env = self.env()
        if extra:
            env.update(extra)
        return to_csl(self.subs(e), env)

    def field_of(self, ir: str) -> str:
        name = self.info.field_name(self.phase, ir)
        if name is None:
            raise UnsupportedError(f"container '{ir}' is no PE field")
        return name

    def element(self, mem: Memlet) -> m.Index:
        """The CSL element a memlet of one field element addresses."""
        ref = self.ref(mem)
        if ref.n != 1:
            raise UnsupportedError(f"memlet '{mem.data}' moves {ref.n} elements where one "
                                   "is expected")
        return m.Index(ref.name, ref.off)

    def ref(self, mem: Memlet, subset=None) -> Ref:
        name = self.field_of(mem.data)
        subset = mem.subset if subset is None else subset
        c = self.info.lk.program.data.get(mem.data)
        if isinstance(c, Array) and mem.data not in self.info.host:
            pe = [self.subs(d.index) for d in subset[:2] if isinstance(d, Index)]
            if len(pe) != 2 or pe != [self.x, self.y]:
                raise UnsupportedError(f"PE({self.x},{self.y}) addresses another PE's "
                                       f"'{mem.data}'", hint="move data with streams")
            dims = [int(d) for d in c.shape[2:]]
            subset = subset[2:]
        elif isinstance(c, Array | Scalar) or c is None:
            ph = self.info.phases[self.phase].data.get(mem.data)
            dims = [int(d) for d in ph.shape] if isinstance(ph, Array) else []
        else:
            raise UnsupportedError(f"'{mem.data}' is not a field")
        if not dims:
            return Ref(name, m.Lit(0), 1)
        if not subset:
            subset = tuple(Range(0, d) for d in dims)
        strides = [math.prod(dims[i + 1:]) for i in range(len(dims))]
        off: sympy.Basic = sympy.Integer(0)
        sizes = []
        for d, st in zip(subset, strides, strict=True):
            if isinstance(d, Index):
                off += self.subs(d.index) * st
                sizes.append(1)
            else:
                start, stop, step = (self.subs(v) for v in (d.start, d.stop, d.step))
                if not (start.is_Integer and stop.is_Integer and step == 1):
                    raise UnsupportedError(f"a strided or symbolic slice of '{mem.data}' "
                                           "cannot be moved")
                off += start * st
                sizes.append(int(stop) - int(start))
        # contiguous: after the first dimension with more than one element, all are full
        first = next((i for i, s in enumerate(sizes) if s > 1), len(sizes))
        if any(sizes[i] != dims[i] for i in range(first + 1, len(dims))):
            raise UnsupportedError(f"a non-contiguous slice of '{mem.data}' cannot be moved")
        return Ref(name, self.expr(off), math.prod(sizes))

    def host_elem(self, mem: Memlet) -> tuple[int, int]:
        idx = [self.subs(d.index) for d in mem.subset if isinstance(d, Index)]
        if len(idx) != 2 or not all(i.is_Integer for i in idx):
            raise UnsupportedError(f"host stream '{mem.data}' needs constant PE indices")
        return int(idx[0]), int(idx[1])

    def dests(self, mem: Memlet) -> tuple[tuple[int, int], ...]:
        axes = []
        for d in mem.subset:
            if isinstance(d, Index):
                v = self.subs(d.index)
                axes.append([int(v)])
            else:
                a, b, s = (self.subs(v) for v in (d.start, d.stop, d.step))
                axes.append(list(range(int(a), int(b), int(s))))
        out = tuple((i, j) for j in axes[1] for i in axes[0])
        for i, j in out:
            if not (0 <= i < self.info.width and 0 <= j < self.info.height):
                raise UnsupportedError(f"PE({self.x},{self.y}) sends '{mem.data}' to "
                                       f"PE({i},{j}), outside the {self.info.width}x"
                                       f"{self.info.height} grid")
        return out

    # --- states
    def state(self, st: State) -> list:
        g = st.graph
        closed = self.info.lk.closes.get(st.name)
        if closed is not None:
            return [Close(self.phase, closed.data, self.dests(closed))] if self.closes else []
        maps = [n for n in g.nodes if isinstance(n, Map)]
        if maps:
            return [self.vecmap(maps[0], g)]
        tasklets = [n for n in g.nodes if isinstance(n, Tasklet)]
        if tasklets:
            return self.tasklet(tasklets[0], g)
        out = []
        for e in g.edges:
            if e.memlet is not None and e.memlet.other is not None:
                out.append(self.copy(e.memlet))
            elif e.memlet is not None and isinstance(e.src, Access) and \
                    isinstance(e.dst, Access) and e.src.data != e.dst.data:
                out.append(self.copy(Memlet(e.src.data, e.memlet.subset, other=e.dst.data,
                                            other_subset=e.memlet.subset)))
        return out

    def copy(self, mem: Memlet) -> Op:
        src, dst = mem.data, mem.other
        if src in self.info.host:
            return HostRecv(src, self.host_elem(mem),
                            self.ref(Memlet(dst, mem.other_subset or ())))
        if src in self.info.streams:
            sub = [self.subs(d.index) for d in mem.subset if isinstance(d, Index)]
            if sub != [self.x, self.y]:
                raise UnsupportedError(f"PE({self.x},{self.y}) receives from another PE's "
                                       f"queue of '{src}'")
            return Recv(self.phase, src, self.ref(Memlet(dst, mem.other_subset or ())))
        ref = self.ref(Memlet(src, mem.subset))
        if dst in self.info.host:
            return HostSend(dst, self.host_elem(Memlet(dst, mem.other_subset)), ref)
        if dst in self.info.streams:
            return Send(self.phase, dst, ref, self.dests(Memlet(dst, mem.other_subset)))
        raise UnsupportedError(f"a copy from '{src}' to '{dst}' cannot be lowered to CSL")

    def _tasklet_value(self, t: Tasklet, g) -> tuple[sympy.Basic, dict[str, m.Expr], Memlet]:
        """The tasklet's output as one SymPy expression (its code lines substituted into each
        other, PE coordinates folded), the CSL values of its inputs, and its output memlet."""
        extra: dict[str, m.Expr] = {}
        for e in g.in_edges(t):
            if e.dst_conn is None or e.memlet is None:
                continue
            extra[e.dst_conn] = self.element(e.memlet)
        outs = [e for e in g.out_edges(t) if e.memlet is not None]
        if len(t.outputs) != 1 or len(outs) != 1:
            raise UnsupportedError(f"{t.describe()} with {len(t.outputs)} outputs")
        values: dict[str, sympy.Basic] = {}
        for name, e in t.code:
            values[name] = S.substitute(e, values)
        return self.subs(values[t.outputs[0]]), extra, outs[0].memlet

    def _choose(self, e: sympy.Basic, extra: dict[str, m.Expr], make) -> list:
        """`make(csl value)` for `e`; a `select(c, a, b)` inside `e` becomes an `if` on `c`
        whose branches do `make` with `a` and with `b` in its place. CSL has no conditional
        expression (CSL.md), and as both arms are pure, computing only the chosen one gives
        the value `np.where` gives."""
        # the outermost select whose condition holds no select (one exists if any select does)
        sel = next((n for n in sympy.preorder_traversal(e)
                    if isinstance(n, S.Select) and not n.args[0].has(S.Select)), None)
        if sel is None:
            return [make(self.expr(e, extra))]
        c, a, b = sel.args
        then = self._choose(e.xreplace({sel: a}), extra, make)
        orelse = self._choose(e.xreplace({sel: b}), extra, make)
        if c == sympy.true:
            return then
        if c == sympy.false:
            return orelse
        return [If_(self.expr(c, extra), then, orelse)]

    def tasklet(self, t: Tasklet, g) -> list:
        value, extra, out = self._tasklet_value(t, g)
        if out.data in self.info.host:
            elem = self.host_elem(out)
            return self._choose(value, extra, lambda v: HostSendVal(out.data, elem, v))
        if out.data in self.info.streams:
            dests = self.dests(out)
            return self._choose(value, extra, lambda v: SendVal(self.phase, out.data, v, dests))
        target = self.element(out)
        return self._choose(value, extra, lambda v: Compute(target, v))

    def vecmap(self, mp: Map, g) -> Op:
        if len(mp.params) != 1:
            raise UnsupportedError(f"{mp.describe()} over {len(mp.params)} dimensions")
        (var,), (rng,) = mp.params, mp.ranges
        a, b, s = (self.subs(v) for v in (rng.start, rng.stop, rng.step))
        if not (a.is_Integer and b.is_Integer and s.is_Integer):
            raise UnsupportedError(f"{mp.describe()} needs constant bounds on the PE")
        self.counter += 1
        name = f"{_safe(var)}_v{self.counter}"
        self.loopvars[var] = m.Name(name)
        tasklets = [n for n in mp.body.nodes if isinstance(n, Tasklet)]
        if len(tasklets) != 1:
            raise UnsupportedError(f"{mp.describe()} holds {len(tasklets)} tasklets")
        value, extra, out = self._tasklet_value(tasklets[0], mp.body)
        if out.data in self.info.host or out.data in self.info.streams:
            raise UnsupportedError(f"{mp.describe()} writes a stream")
        target = self.element(out)
        body = self._choose(value, extra, lambda v: Compute(target, v))
        del self.loopvars[var]
        if len(body) == 1 and isinstance(body[0], Compute):
            return VecMap(name, int(a), int(b), int(s), target, body[0].value)
        # a select per element: an element loop with an `if` (no DSD op chooses)
        return Loop_(name, m.Lit(int(a)), m.Lit(int(b)), int(s), body)


def specialise(info: KernelInfo, x: int, y: int, closes: bool = False) -> list:
    """The PE-IR of PE (x, y): all phases in order, each opened by a `PhaseStart`;
    `closes` keeps the `s.close()` markers as `Close` ops (close elision off)."""
    return _Specialiser(info, x, y, closes).run()
