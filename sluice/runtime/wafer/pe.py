"""One processing element: memory, DSDs, task table, and the statement interpreter.

Task bodies run as generators: a synchronous DSD op on a fabric DSD yields while its
input queue is empty or its output queue is full, so a task can wait on the fabric
without blocking the simulator. Async DSD ops are generators too, stepped once per cycle
(at DSD throughput) by `Pe.step`; on completion they apply `.activate` / `.unblock`.
The bodies are compiled once per program into closures (compile.py); `Pe.eval` walks the
model directly for the set-up expressions (field lengths, initial values, DSD extents).
"""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from sluice.csl import model as m
from sluice.errors import ExecutionError, RaceError
from sluice.runtime.wafer.compile import ProgramCode, run_block
from sluice.runtime.wafer.values import NP_DTYPE, binop, cast, dsd_function, scalar

if TYPE_CHECKING:
    from sluice.runtime.wafer.sim import Simulator

STEP_LIMIT = 5_000_000  # statements one task may run before we call it a hang


@dataclass
class DsdState:
    """Runtime value of a DSD (mutable: @increment_dsd_offset and friends change it)."""

    name: str
    kind: str  # "mem", "fin" or "fout"
    extent: int
    array: str = ""
    offset: int = 0
    stride: int = 1
    color: int = -1
    queue: int = -1
    control: bool = False

    def indices(self) -> np.ndarray:
        return self.offset + self.stride * np.arange(self.extent)

    def index_list(self) -> list[int]:
        """`indices()` as a list of ints, without NumPy (an op's element loop indexes
        with them one at a time)."""
        o, s, e = self.offset, self.stride, self.extent
        return list(range(o, o + s * e, s)) if s else [o] * e

    def index(self, n: int) -> slice | np.ndarray:
        """The first `n` addresses: a slice (a view, no index array) for positive strides,
        which `Pe.prepare` has checked to lie inside the array."""
        if self.stride > 0:
            return slice(self.offset, self.offset + self.stride * n, self.stride)
        return self.indices()[:n]

    def snapshot(self) -> DsdState:
        """A copy (cheaper than the dataclass constructor)."""
        d = object.__new__(DsdState)
        d.__dict__ = self.__dict__.copy()
        return d


@dataclass(slots=True)  # (read every cycle: slots are faster)
class TaskState:
    name: str
    kind: str
    id: int
    task: m.Task
    color: int | None = None  # data tasks: the color whose input queue feeds them
    active: bool = False
    blocked: bool = False
    q: deque | None = None  # data tasks: that input queue (held to test readiness fast)


@dataclass(slots=True)
class Prepared:
    """A DSD op with operands resolved (async ops capture DSDs at issue time)."""

    op: m.DsdOp
    dst: DsdState
    srcs: list[DsdState | object]
    n: int
    reads: list[tuple[str, int, int]]
    writes: list[tuple[str, int, int]]
    fabric: bool


@dataclass(slots=True)
class AsyncOp:
    prep: Prepared
    gen: Generator[bool, None, None]
    queues: list[tuple[str, int]] = field(default_factory=list)


def _mem_getter(arr: np.ndarray, idx: list[int], np_dt: type | None) -> object:
    """Element k of a memory operand, read when the op reaches it, in the op's type
    (`np_dt`; None for raw copies)."""
    if np_dt is None or arr.dtype.type is np_dt:
        return lambda k: arr[idx[k]]
    return lambda k: np_dt(arr[idx[k]])


def _queue_getter(q: deque, np_dt: type | None) -> object:
    """The next wavelet of a fabin operand, in the op's type (`np_dt`; None: raw)."""
    if np_dt is None:
        return lambda _k: q.popleft()

    def get(_k: int) -> object:
        v = q.popleft()
        return v if type(v) is np_dt else np_dt(v)

    return get


class Pe:
    """Processing element at (x, y) running `program` with `placement`'s bindings."""

    def __init__(
        self, sim: Simulator, x: int, y: int, program: m.PeProgram, placement: m.Placement
    ) -> None:
        self.sim, self.x, self.y = sim, x, y
        self.index = y * sim.width + x
        self.program = program
        self.where = f"PE({x},{y})"
        self.env: dict[str, object] = {}
        self.bindings: dict[str, object] = {}
        for k, v in placement.bindings:
            self.bindings.setdefault(k, v)  # (Placement.binding: the first)
        for p in program.params:
            v = self.bindings.get(p.name)
            if p.dtype == "color":
                cid = sim.resolve_color(self.bindings, placement, p.name)
                if cid is None:
                    raise ExecutionError(f"{self.where}: color param {p.name} is not bound")
                self.env[p.name] = cid
            else:
                if v is None or isinstance(v, m.ColorRef):
                    raise ExecutionError(f"{self.where}: param {p.name} needs a number")
                self.env[p.name] = cast(v, p.dtype)
        self.placement = placement
        self.mem: dict[str, np.ndarray] = {}
        self.scalar_fields: set[str] = set()
        for f in program.fields:
            self._alloc(f)
        self.dsds: dict[str, DsdState] = {d.name: self._dsd(d) for d in program.dsds}
        self.tasks: dict[str, TaskState] = {}
        self.data_tasks: list[TaskState] = []
        for t in program.tasks:
            self._bind_task(t)
        self.task_list = list(self.tasks.values())
        # The lowest-ID picker takes the first ready task of this list (a stable sort keeps
        # the table order between equal IDs, as min() over the table did).
        self.by_id = sorted(self.task_list, key=lambda t: t.id)
        self.stmt_cost = sim.params.stmt_cost
        # The program's compiled bodies, shared by every PE that runs it.
        self.code = sim.program_codes.get(id(program))
        if self.code is None:
            self.code = sim.program_codes[id(program)] = ProgramCode(program)
        self.running: Generator[bool, None, None] | None = None
        self.running_name = ""
        self.busy_until = 0
        self.cost = 0
        self.steps = 0
        self.step_limit = STEP_LIMIT  # (read again as each task starts: tests lower it)
        self.inflight: list[AsyncOp] = []
        self.rpc_queue: list[str] = []
        self.waiting_on = ""
        self.quiet = False

    # --- set-up
    def _alloc(self, f: m.Field) -> None:
        dt = NP_DTYPE[f.dtype]
        if f.length is None:
            arr = np.zeros(1, dtype=dt)
            if f.init is not None:
                arr[0] = self.eval(f.init, {})
            self.scalar_fields.add(f.name)
        else:
            arr = np.zeros(int(self.eval(f.length, {})), dtype=dt)
            if isinstance(f.init, m.Constants):
                arr[:] = self.eval(f.init.value, {})
        self.mem[f.name] = arr

    def color_of(self, ref: str) -> int:
        if ref in self.env and ref in self.sim.color_params(self.program):
            return int(self.env[ref])
        cid = self.sim.resolve_color(self.bindings, self.placement, ref)
        if cid is None:
            raise ExecutionError(f"{self.where}: unknown color {ref}")
        return cid

    def _dsd(self, d: m.Dsd) -> DsdState:
        extent = int(self.eval(d.extent, {}))
        if isinstance(d, m.Mem1dDsd):
            if d.array not in self.mem:
                raise ExecutionError(f"{self.where}: DSD {d.name} names unknown array {d.array}")
            return DsdState(d.name, "mem", extent, d.array, int(self.eval(d.offset, {})), d.stride)
        if isinstance(d, m.FabinDsd):
            return DsdState(d.name, "fin", extent, color=self.color_of(d.color), queue=d.queue)
        return DsdState(
            d.name, "fout", extent, color=self.color_of(d.color), queue=d.queue, control=d.control
        )

    def _bind_task(self, t: m.Task) -> None:
        color = None
        if t.kind == "data":
            if t.color is not None:
                color = self.color_of(t.color)
                tid = color
            else:
                tid = int(t.queue)
                q = next(
                    (
                        q
                        for q in self.program.queues
                        if q.direction == "input" and q.queue == t.queue
                    ),
                    None,
                )
                if q is None:
                    raise ExecutionError(
                        f"{self.where}: input queue {t.queue} of data task "
                        f"{t.name} is not initialised with a color"
                    )
                color = self.color_of(q.color)
        else:
            tid = int(t.id)
        st = TaskState(
            t.name,
            t.kind,
            tid,
            t,
            color,
            q=self.sim.inq_of(self.index, color) if color is not None else None,
        )
        self.tasks[t.name] = st
        if t.kind == "data":
            self.data_tasks.append(st)

    # --- expressions
    def _read(self, name: str, i: int) -> object:
        arr = self.mem[name]
        if not 0 <= i < arr.shape[0]:
            raise ExecutionError(
                f"{self.where}: index {i} out of bounds for {name}[{arr.shape[0]}]", node=self.where
            )
        return scalar(arr[i])

    def eval(self, e: m.Expr, locs: dict[str, object]) -> object:
        t = type(e)
        if t is m.Lit:
            return e.value
        if t is m.Name:
            n = e.id
            if n in locs:
                return locs[n]
            if n in self.scalar_fields:
                return scalar(self.mem[n][0])
            if n in self.env:
                return self.env[n]
            raise ExecutionError(f"{self.where}: unknown name {n}", node=self.where)
        if t is m.Index:
            return self._read(e.array, int(self.eval(e.index, locs)))
        if t is m.BinOp:
            try:
                return binop(e.op, self.eval(e.lhs, locs), self.eval(e.rhs, locs))
            except ZeroDivisionError as err:
                raise ExecutionError(f"{self.where}: {err}", node=self.where) from None
        if t is m.UnOp:
            v = self.eval(e.operand, locs)
            return -v if e.op == "-" else not v
        if t is m.Cast:
            return cast(self.eval(e.value, locs), e.dtype)
        raise ExecutionError(f"{self.where}: cannot evaluate {e!r}")

    # --- races
    def check_access(self, reads: list, writes: list, who: str | None = None) -> None:
        """A write overlapping any in-flight async op's range, or a read overlapping its
        writes, is a race: the async op proceeds concurrently with `who` (by default the
        running task)."""
        if not self.sim.check_races or not self.inflight:
            return
        who = who or self.running_name or "a task"
        for op in self.inflight:
            for arr, lo, hi in writes:
                for arr2, lo2, hi2 in op.prep.reads + op.prep.writes:
                    if arr == arr2 and lo <= hi2 and lo2 <= hi:
                        self._race(who, arr, lo, hi, "writes", op)
            for arr, lo, hi in reads:
                for arr2, lo2, hi2 in op.prep.writes:
                    if arr == arr2 and lo <= hi2 and lo2 <= hi:
                        self._race(who, arr, lo, hi, "reads", op)

    def _race(self, who: str, arr: str, lo: int, hi: int, verb: str, op: AsyncOp) -> None:
        raise RaceError(
            f"{self.where}: {who} {verb} {arr}[{lo}..{hi}] while async @{op.prep.op.op} "
            f"is still in flight on it",
            node=self.where,
            hint="wait for the async op's .activate/.unblock continuation before touching "
            "its memory",
        )

    # --- statements
    def exec_block(
        self, stmts: tuple[m.Stmt, ...], locs: dict[str, object], types: dict[str, str]
    ) -> Generator[bool, None, None]:
        """Runs a body of this PE's program (compiled once per program, see compile.py)."""
        code, _ = self.code.block(stmts)
        return run_block(self, code, locs, types)

    def _task(self, name: str) -> TaskState:
        t = self.tasks.get(name)
        if t is None:
            raise ExecutionError(f"{self.where}: unknown task {name}", node=self.where)
        return t

    def _dsd_named(self, name: str) -> DsdState:
        d = self.dsds.get(name)
        if d is None:
            raise ExecutionError(f"{self.where}: unknown DSD {name}", node=self.where)
        return d

    def _mem_dsd(self, name: str) -> DsdState:
        d = self._dsd_named(name)
        if d.kind != "mem":
            raise ExecutionError(f"{self.where}: {name} is not a memory DSD", node=self.where)
        return d

    def _assign(self, s: m.Assign, locs: dict[str, object], types: dict[str, str]) -> None:
        tgt = s.target
        value = self.eval(s.value, locs)
        if isinstance(tgt, m.Name) and tgt.id in locs:
            if s.op != "=":
                value = binop(s.op[0], locs[tgt.id], value)
            locs[tgt.id] = cast(value, types.get(tgt.id, "i32"))
            return
        if isinstance(tgt, m.Name):
            if tgt.id not in self.scalar_fields:
                raise ExecutionError(f"{self.where}: cannot assign to {tgt.id}", node=self.where)
            arr, i = tgt.id, 0
            if s.op != "=":  # (a scalar field's one element needs no bounds check)
                value = binop(s.op[0], self._read(arr, i), value)
        else:
            arr, i = tgt.array, int(self.eval(tgt.index, locs))
            if s.op != "=":
                value = binop(s.op[0], self._read(arr, i), value)
            else:
                self._read(arr, i)  # bounds check
        if self.inflight:  # (races need an async op in flight)
            self.check_access([], [(arr, i, i)])
        self.mem[arr][i] = value

    # --- DSD ops
    def prepare(
        self, op: m.DsdOp, locs: dict[str, object], operands: tuple | None = None
    ) -> Prepared:
        """`op` with its operands resolved; `operands` (compiled) gives, per operand, its
        DSD name or None and the compiled value."""
        nsrc, _ = m.DSD_OPS[op.op]
        if len(op.operands) != nsrc + 1:
            raise ExecutionError(f"{self.where}: @{op.op} takes {nsrc + 1} operands")
        ops: list[DsdState | object] = []
        dsds = self.dsds
        # An async op keeps the DSDs as they are now (later updates do not apply to it); a
        # sync op reads them before its task can run another statement, so it takes them
        # as they are.
        snap = op.is_async
        if operands is not None:
            for name, fn in operands:
                if name is not None:
                    ops.append(dsds[name].snapshot() if snap else dsds[name])
                else:
                    ops.append(fn(self, locs))
        else:
            for e in op.operands:
                if type(e) is m.Name and e.id in dsds:
                    ops.append(dsds[e.id].snapshot() if snap else dsds[e.id])
                else:
                    ops.append(self.eval(e, locs))
        dst, srcs = ops[0], ops[1:]
        if not isinstance(dst, DsdState) or dst.kind == "fin":
            raise ExecutionError(f"{self.where}: @{op.op} needs a memory or fabout destination")
        n = dst.extent
        if n < 0:
            raise ExecutionError(
                f"{self.where}: @{op.op} has a negative length {n}", node=self.where
            )
        reads, writes = [], []
        fabric = dst.kind == "fout"
        for i, d in enumerate(ops):
            if not isinstance(d, DsdState):
                continue
            if d.kind == "fin" and i == 0:
                raise ExecutionError(f"{self.where}: a fabin DSD cannot be a destination")
            if d.kind == "fout" and i > 0:
                raise ExecutionError(f"{self.where}: a fabout DSD cannot be a source")
            if d.kind != "mem":
                fabric = True
                continue
            # The first n addresses are affine: their bounds need no index array.
            size = self.mem[d.array].shape[0]
            lo = d.offset
            hi = lo + d.stride * (n - 1)
            if lo > hi:
                lo, hi = hi, lo
            if max(d.extent, 0) < n or (n and (lo < 0 or hi >= size)):
                raise ExecutionError(
                    f"{self.where}: @{op.op} operand {d.name} covers {d.array}"
                    f"[{d.offset}:+{d.extent}*{d.stride}], outside its {size} elements "
                    f"or shorter than {n}",
                    node=self.where,
                )
            if n > 0:
                (writes if i == 0 else reads).append((d.array, lo, hi))
        return Prepared(op, dst, srcs, n, reads, writes, fabric)

    def start_async(self, prep: Prepared) -> None:
        if len(self.inflight) >= self.sim.params.max_async_ops:
            raise ExecutionError(
                f"{self.where}: more than {self.sim.params.max_async_ops} async DSD ops in flight",
                node=self.where,
            )
        queues = [
            ("in" if d.kind == "fin" else "out", d.queue)
            for d in [prep.dst, *prep.srcs]
            if isinstance(d, DsdState) and d.kind != "mem"
        ]
        for op in self.inflight:
            clash = set(op.queues) & set(queues)
            if clash:
                kind, q = clash.pop()
                raise ExecutionError(
                    f"{self.where}: {kind}put queue {q} is already used by "
                    f"an in-flight async @{op.prep.op.op}",
                    node=self.where,
                )
        self.check_access(prep.reads, prep.writes)
        self.quiet = False  # the new op takes its first step next cycle
        per_cycle = self._op_info(prep.op.op)[3]
        self.inflight.append(AsyncOp(prep, self.run_op(prep, per_cycle), queues))

    def _throughput(self, op: str) -> int:
        p = self.sim.params
        return p.f16_per_cycle if m.DSD_OPS[op][1] in ("f16", "u16", "i16") else p.f32_per_cycle

    def _op_info(self, op: str) -> tuple[Callable[..., object], bool, type, int]:
        """An op's element function, whether it is a raw copy, its NumPy type and its
        elements per cycle (looked up once per op name)."""
        info = self.sim.op_infos.get(op)
        if info is None:
            info = (
                dsd_function(op),
                op in ("mov16", "mov32"),
                NP_DTYPE[m.DSD_OPS[op][1]],
                self._throughput(op),
            )
            self.sim.op_infos[op] = info
        return info

    def run_op(self, prep: Prepared, per_cycle: int | None) -> Generator[bool, None, None]:
        """Runs a prepared op. Async (`per_cycle` set): yields True per cycle of work and
        False while waiting on the fabric. Sync: yields False only while waiting."""
        # (is_mov: raw copies; the rest compute in the op's type np_dt)
        fn, is_mov, np_dt, thr = self._op_info(prep.op.op)
        dst, srcs, n = prep.dst, prep.srcs, prep.n
        mem = self.mem
        if not prep.fabric:
            if per_cycle is not None:
                for _ in range(self.sim.params.dsd_setup + math.ceil(n / thr)):
                    yield True
            else:
                self.cost += self.sim.params.dsd_setup + math.ceil(n / thr)
            self._compute(prep)
            return
        if per_cycle is None:
            self.cost += self.sim.params.dsd_setup
        sim = self.sim
        # This loop runs once per element per PE: resolve every operand to a getter first
        # (memory arrays and index lists, queues, pre-converted constants).
        dst_arr = mem[dst.array] if dst.kind == "mem" else None
        didx = dst.index_list() if dst_arr is not None else None
        out_q, out_port = (None, None) if dst_arr is not None else sim.out_target(self, dst.color)
        cap = sim.params.output_queue
        active = sim.active_ports
        getters = []
        fins = []
        for s in srcs:
            if isinstance(s, DsdState) and s.kind == "mem":
                getters.append(_mem_getter(mem[s.array], s.index_list(), None if is_mov else np_dt))
            elif isinstance(s, DsdState):
                q = sim.in_deque(self, s.color)
                fins.append(q)
                getters.append(_queue_getter(q, None if is_mov else np_dt))
            else:
                c = s if is_mov or type(s) is np_dt else np_dt(s)
                getters.append(lambda _k, c=c: c)
        fin0 = fins[0] if len(fins) == 1 else None
        nsrc = len(getters)
        g0 = getters[0] if nsrc else None
        g1 = getters[1] if nsrc > 1 else None
        control = dst.control
        if per_cycle == 1 and fin0 is not None and nsrc == 2 and out_port is not None:
            # The streaming case (fabin + operand -> fabout, one element a cycle), unrolled:
            # the same steps as the general loop below.
            s0, s1 = srcs
            if (
                not is_mov
                and isinstance(s0, DsdState)
                and s0.kind == "fin"
                and isinstance(s1, DsdState)
                and s1.kind == "mem"
                and mem[s1.array].dtype.type is np_dt
            ):
                # ... and its commonest form, @fadds(out, in, mem): getters inlined.
                arr1, idx1 = mem[s1.array], s1.index_list()
                k = 0
                while k < n:
                    if not fin0 or len(out_q) >= cap:
                        yield False
                        continue
                    v = fin0.popleft()
                    if type(v) is not np_dt:
                        v = np_dt(v)
                    out_q.append((sim.now + 1, fn(v, arr1[idx1[k]]), control))
                    active[out_port] = None
                    k += 1
                    yield True
                return
            k = 0
            while k < n:
                if not fin0 or len(out_q) >= cap:
                    yield False
                    continue
                out_q.append((sim.now + 1, fn(g0(k), g1(k)), control))
                active[out_port] = None
                k += 1
                yield True
            return
        limit = per_cycle if per_cycle is not None else n
        k = 0
        while k < n:
            done_now = 0
            while k < n and done_now < limit:
                if (not fin0 if fin0 is not None else (fins and not all(fins))) or (
                    out_q is not None and len(out_q) >= cap
                ):
                    if per_cycle is None:  # the running task waits (async ops report apart)
                        self.waiting_on = self._fabric_wait(dst, srcs)
                    break
                if nsrc == 2:
                    r = fn(g0(k), g1(k))
                elif nsrc == 1:
                    r = fn(g0(k))
                else:
                    r = fn(*[g(k) for g in getters])
                if dst_arr is not None:
                    dst_arr[didx[k]] = r
                elif out_port is not None:
                    out_q.append((sim.now + 1, r, control))
                    active[out_port] = None
                else:
                    out_q.append(r)  # memcpy D2H stream
                k += 1
                done_now += 1
            if per_cycle is None:
                self.cost += done_now
            if k < n or per_cycle is not None:
                yield done_now > 0
        if per_cycle is None:
            self.waiting_on = ""

    def run_mem_op(self, prep: Prepared) -> None:
        """A synchronous op on memory only: `run_op` without a generator (it never waits)."""
        self.cost += self.sim.params.dsd_setup + math.ceil(prep.n / self._op_info(prep.op.op)[3])
        self._compute(prep)

    def _compute(self, prep: Prepared) -> None:
        """Computes a memory-only op at once (its cycles are counted by the caller)."""
        fn, is_mov, np_dt, _ = self._op_info(prep.op.op)
        dst, srcs, n = prep.dst, prep.srcs, prep.n
        mem = self.mem

        def conv(v: object) -> object:
            # (no copy of an operand already in np_dt: every function but a raw copy
            # makes a new array before the destination is written)
            if is_mov or (type(v) is np.ndarray and v.dtype.type is np_dt):
                return v
            return np.asarray(v).astype(np_dt)

        # Slices read views; the result is computed (or, for a raw copy, assigned with
        # NumPy's overlap handling) before the destination is written.
        vals = [
            conv(mem[s.array][s.index(n)]) if isinstance(s, DsdState) else conv(s) for s in srcs
        ]
        mem[dst.array][dst.index(n)] = fn(*vals)

    def _fabric_wait(self, dst: DsdState, srcs: list) -> str:
        """Why the next element cannot be processed now ('' when it can)."""
        sim = self.sim
        for s in srcs:
            if isinstance(s, DsdState) and s.kind == "fin" and not sim.has_input(self, s.color):
                return f"input queue {s.queue} (color {sim.color_label(s.color)}) is empty"
        if dst.kind == "fout" and not sim.out_room(self, dst.color):
            return f"output queue {dst.queue} (color {sim.color_label(dst.color)}) is full"
        return ""

    # --- scheduling
    def runnable(self) -> list[TaskState]:
        """Unblocked tasks that are active (data tasks: whose input queue is non-empty)."""
        return [
            t for t in self.task_list if not t.blocked and (t.q if t.q is not None else t.active)
        ]

    def has_work(self) -> bool:
        if self.running is not None or self.inflight or self.rpc_queue:
            return True
        for t in self.task_list:
            if not t.blocked and (t.q if t.q is not None else t.active):
                return True
        return False

    def step(self, now: int, rng: random.Random | None) -> bool:
        """One cycle: async ops advance; the CE resumes or picks a task when free."""
        progress = False
        inflight = self.inflight
        if inflight:
            for op in tuple(inflight) if len(inflight) > 1 else inflight:
                try:
                    if next(op.gen):
                        progress = True
                except StopIteration:
                    self._complete(op)  # removes op (the loop iterates a copy if several)
                    progress = True
        # Quiet: every async op waits on the fabric, so until a wavelet arrives, an output
        # queue drains or busy_until passes, stepping this PE changes nothing (the
        # simulator then stops visiting it). A task that starts an async op clears it.
        self.quiet = not progress
        if now < self.busy_until:
            self.sim.wake_at(self.busy_until)
            return progress
        if self.running is None:
            if self.rpc_queue:
                name = self.rpc_queue.pop(0)
                fn = self.program.function(name)
                self.running_name = f"RPC {name}"
                self.running = self.exec_block(fn.body, {}, {})
            else:
                if rng is not None:
                    ready = self.runnable()
                    if not ready:
                        return progress
                    t = rng.choice(ready)
                else:
                    for t in self.by_id:  # the ready task of lowest ID (no list per cycle)
                        if not t.blocked and (t.q if t.q is not None else t.active):
                            break
                    else:
                        return progress
                self._enter(t)
            self.cost = self.sim.params.task_switch
            self.steps = 0
            self.step_limit = STEP_LIMIT
        else:
            self.cost = 0
        try:
            next(self.running)
        except StopIteration:
            self.running = None
            self.running_name = ""
            self.waiting_on = ""
            self.cost = max(self.cost, 1)
        if self.cost:
            self.busy_until = now + self.cost
            self.sim.wake_at(self.busy_until)
            self.sim.busy_cycles += self.cost
            return True
        return progress

    def _enter(self, t: TaskState) -> None:
        """Starts running task `t` (a data task takes its wavelet)."""
        self.running_name = f"task {t.name}"
        locs: dict[str, object] = {}
        types: dict[str, str] = {}
        if t.kind == "data":
            v = self.sim.pop_in(self, t.color)
            if t.task.param is not None:
                locs[t.task.param.name] = cast(v, t.task.param.dtype)
                types[t.task.param.name] = t.task.param.dtype
        else:
            t.active = False
        self.running = self.exec_block(t.task.body, locs, types)

    def _complete(self, op: AsyncOp) -> None:
        self.inflight.remove(op)
        if op.prep.op.activate is not None:
            self._task(op.prep.op.activate).active = True
        if op.prep.op.unblock is not None:
            self._task(op.prep.op.unblock).blocked = False

    def describe(self) -> list[str]:
        """Pending-work lines for deadlock reports."""
        out = []
        if self.running is not None:
            why = f": {self.waiting_on}" if self.waiting_on else ""
            out.append(f"{self.where}: {self.running_name} is stuck{why}")
        for op in self.inflight:
            why = self._fabric_wait(op.prep.dst, op.prep.srcs) or "waiting on the fabric"
            out.append(f"{self.where}: async @{op.prep.op.op} never completes: {why}")
        for t in self.tasks.values():
            if t.kind == "data" and self.sim.has_input(self, t.color) and t.blocked:
                out.append(
                    f"{self.where}: data task {t.name} (color "
                    f"{self.sim.color_label(t.color)}) is blocked with wavelets queued"
                )
            elif t.kind != "data" and t.active and t.blocked:
                out.append(
                    f"{self.where}: {t.kind} task {t.name} (ID {t.id}) is active but blocked"
                )
        return out
