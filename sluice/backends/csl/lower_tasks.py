"""One PE's flow-annotated PE-IR as a CSL PE program: control flow into tasks.

CSL tasks run to completion and cannot wait, so the PE's sequential program is cut at its
blocking points (fabric receives, waits for sends, vectorised receive loops) in
continuation-passing style: the op before a cut is an async DSD op whose `.activate` starts
the task holding the rest. A branch with a cut inside continues in a shared task; a loop
with a cut inside becomes a counter field and a head task that re-activates itself.
Straight-line code and loops without cuts stay plain CSL in one task.

Sends run async; their completion task (one per send channel) clears the channel's busy
flag and resumes the main flow if it waits for exactly that (`wsite` names the wait).

Control wavelets (`CtrlSend`: switch advances, epoch-end sentinels) are synchronous one-
wavelet writes through a `.control = true` fabout DSD on the channel's own output queue,
after a wait for the channel's data sends. A receiver of sentinels binds one control task
per closed stream; it counts arrivals and resumes the main flow where it waits for them
(`AwaitClose`, a cut like `Wait`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sluice.backends.csl.lower_flow import (
    AwaitClose,
    Channel,
    CtrlSend,
    FabVec,
    RecvOp,
    SendOp,
    Wait,
)
from sluice.backends.csl.lower_pe import (
    Compute,
    FieldInfo,
    HostRecv,
    HostSend,
    HostSendVal,
    If_,
    Loop_,
    PhaseStart,
    Ref,
    VecMap,
)
from sluice.backends.csl.lower_routes import SWITCH_ADVANCE
from sluice.backends.csl.lower_vector import Vec, vector_ops
from sluice.backends.csl.options import CslOptions
from sluice.csl import model as m
from sluice.csl.validate import FABRIC_QUEUES, LOCAL_TASK_IDS
from sluice.errors import UnsupportedError

N, L = m.Name, m.Lit


@dataclass
class HostAccess:
    """How a PE reaches one host stream: its buffer and cursor mode."""

    buf: str
    length: int
    dynamic: bool  # a cursor field, as some access sits in a loop or branch
    offsets: dict[int, int] = field(default_factory=dict)  # id(op) -> static offset


@dataclass
class PeContext:
    """What the generator needs beyond the ops."""

    fields: dict[str, FieldInfo]
    host: dict[str, HostAccess]  # host stream -> access
    rename: dict[str, str]  # elided fields -> host buffer names
    arch: str
    options: CslOptions
    scalar_args: list[str]
    close_ids: dict[tuple[int, str], int] = field(default_factory=dict)  # sentinel task IDs


def blocking(op, split_phases: bool) -> bool:
    if isinstance(op, RecvOp | Wait | FabVec | AwaitClose):
        return True
    if isinstance(op, PhaseStart):
        return split_phases
    if isinstance(op, Loop_):
        return any(blocking(o, split_phases) for o in op.body)
    if isinstance(op, If_):
        return any(blocking(o, split_phases) for o in (*op.then, *op.orelse))
    return False


class PeGen:
    def __init__(self, ctx: PeContext) -> None:
        self.ctx = ctx
        self.used: dict[str, FieldInfo] = {}
        self.extra: list[m.Field] = []
        self.dsds: dict[tuple, m.Dsd] = {}
        self.tasks: dict[str, list[m.Stmt]] = {}
        self.sites: list[tuple[int, tuple[Channel, ...], list[m.Stmt]]] = []
        self.in_q: dict[str, int] = {}
        self.out_q: dict[str, int] = {}
        self.chans: dict[str, Channel] = {}
        self.counters: set[str] = set()
        self.ctrl_tasks: dict[str, tuple[int, list[m.Stmt]]] = {}  # control tasks: (ID, body)
        self.nsite = 0
        self.ntask = 0
        self.split_phases = not ctx.options.task_fusion

    # --- names
    def arr(self, name: str) -> str:
        name = self.ctx.rename.get(name, name)
        if name in self.ctx.fields:
            self.used[name] = self.ctx.fields[name]
        return name

    def ex(self, e: m.Expr) -> m.Expr:
        if isinstance(e, m.Index):
            return m.Index(self.arr(e.array), self.ex(e.index))
        if isinstance(e, m.BinOp):
            return m.BinOp(e.op, self.ex(e.lhs), self.ex(e.rhs))
        if isinstance(e, m.UnOp):
            return m.UnOp(e.op, self.ex(e.operand))
        if isinstance(e, m.Cast):
            return m.Cast(e.dtype, self.ex(e.value))
        return e

    def new_task(self, body: list[m.Stmt]) -> str:
        self.ntask += 1
        name = f"t{self.ntask}"
        self.tasks[name] = body
        return name

    # --- DSDs
    def mem_dsd(self, array: str, off: int, n: int, stride: int = 1) -> str:
        array = self.arr(array)
        key = ("mem", array, off, n, stride)
        if key not in self.dsds:
            self.dsds[key] = m.Mem1dDsd(f"{array}_d{len(self.dsds)}", array, L(n), stride,
                                        L(off))
        return self.dsds[key].name

    def ref_dsd(self, ref: Ref) -> tuple[list[m.Stmt], str]:
        """A DSD over `ref`, with statements that set its offset when it is not constant."""
        if isinstance(ref.off, m.Lit):
            return [], self.mem_dsd(ref.name, ref.off.value, ref.n)
        array = self.arr(ref.name)
        key = ("dyn", array, ref.n)
        if key not in self.dsds:
            self.dsds[key] = m.Mem1dDsd(f"{array}_x{len(self.dsds)}", array, L(ref.n))
        name = self.dsds[key].name
        dt = self.ctx.fields[array].dtype if array in self.ctx.fields else "f32"
        return [m.SetDsdBaseAddr(name, array),
                m.IncrementDsdOffset(name, self.ex(ref.off), dt)], name

    def queue(self, table: dict[str, int], chan: Channel) -> int:
        if chan.param not in table:
            pool = [q for q in FABRIC_QUEUES[self.ctx.arch] if q >= 2]
            k = len(table)
            if self.ctx.arch == "wse3" and k >= len(pool):
                raise UnsupportedError(f"a PE needs more than {len(pool)} fabric queues one "
                                       "way on WSE-3")
            table[chan.param] = pool[k % len(pool)]
            self.chans[chan.param] = chan
        return table[chan.param]

    def fabin(self, chan: Channel, n: int) -> str:
        q = self.queue(self.in_q, chan)
        key = ("in", chan.param, n)
        if key not in self.dsds:
            self.dsds[key] = m.FabinDsd(f"in{len(self.dsds)}", chan.param, L(n), q)
        return self.dsds[key].name

    def fabout(self, chan: Channel, n: int) -> str:
        q = self.queue(self.out_q, chan)
        key = ("out", chan.param, n)
        if key not in self.dsds:
            self.dsds[key] = m.FaboutDsd(f"out{len(self.dsds)}", chan.param, L(n), q)
        return self.dsds[key].name

    # --- plain ops
    def plain(self, op) -> list[m.Stmt]:
        if isinstance(op, Compute):
            return [m.Assign(self.ex(op.target), self.ex(op.value))]
        if isinstance(op, VecMap):
            return self.vecmap(op)
        if isinstance(op, HostRecv | HostSend | HostSendVal):
            return self.host_io(op)
        if isinstance(op, SendOp):
            pre, src = self.ref_dsd(op.src)
            out = self.fabout(op.chan, op.src.n)
            busy = f"busy_{op.chan.param}"
            return [*pre, m.Assign(N(busy), L(1)),
                    m.DsdOp("fmovs", (N(out), N(src)), True, activate=f"done_{op.chan.param}")]
        if isinstance(op, Loop_):
            return [self.loop_stmt(op, self.block(op.body))]
        if isinstance(op, If_):
            return [m.If(self.ex(op.cond), tuple(self.block(op.then)),
                         tuple(self.block(op.orelse)))]
        if isinstance(op, PhaseStart):
            return []
        if isinstance(op, CtrlSend):
            return self.ctrl_send(op)
        raise UnsupportedError(f"cannot lower {type(op).__name__} to CSL")

    def ctrl_send(self, op: CtrlSend) -> list[m.Stmt]:
        q = self.queue(self.out_q, op.chan)  # the data's queue keeps the wavelet behind it
        key = ("ctl", op.chan.param)
        if key not in self.dsds:
            self.dsds[key] = m.FaboutDsd(f"ctl{len(self.dsds)}", op.chan.param, L(1), q,
                                         control=True)
        payload = SWITCH_ADVANCE if op.kind == "switch" \
            else self.ctx.close_ids[(op.chan.phase, op.chan.stream)]
        return [m.DsdOp("mov32", (N(self.dsds[key].name), L(payload)))]

    def block(self, ops: list) -> list[m.Stmt]:
        out: list[m.Stmt] = []
        for o in ops:
            out += self.plain(o)
        return out

    def loop_stmt(self, op: Loop_, body: list[m.Stmt]) -> m.Stmt:
        if op.step > 0:
            return m.For(op.var, self.ex(op.start), self.ex(op.stop), tuple(body), L(op.step))
        # counting down: a while loop over a local (CSL ranges count up)
        return m.If(L(True), (
            m.LocalVar(op.var, "i16", self.ex(op.start)),
            m.While(m.BinOp(">", N(op.var), self.ex(op.stop)), tuple(body),
                    m.Assign(N(op.var), L(op.step), "+=")),
        ))

    def vecmap(self, op: VecMap) -> list[m.Stmt]:
        target, value = self.ex(op.target), self.ex(op.value)
        if self.ctx.options.vectorize and self.used.get(target.array, None) is not None \
                and self.used[target.array].dtype == "f32":
            def dsd(v: Vec, n: int) -> str:
                return self.mem_dsd(v.array, v.off, n, v.stride)

            ops = vector_ops(target, value, op.var, op.start, op.stop, op.step, dsd)
            if ops is not None:
                return list(ops)
        lp = Loop_(op.var, L(op.start), L(op.stop), op.step, [])
        return [self.loop_stmt(lp, [m.Assign(target, value)])]

    def host_io(self, op) -> list[m.Stmt]:
        acc = self.ctx.host[op.host]
        buf = self.arr(acc.buf)
        cur = N(f"{buf}_cur")
        if isinstance(op, HostSendVal):
            if acc.dynamic:
                return [m.Assign(m.Index(buf, cur), self.ex(op.value)), m.Assign(cur, L(1), "+=")]
            return [m.Assign(m.Index(buf, L(acc.offsets[id(op)])), self.ex(op.value))]
        ref = op.dst if isinstance(op, HostRecv) else op.src
        if acc.dynamic:
            k = f"h{len(self.dsds)}_{len(self.tasks)}_{id(op) % 997}"
            if isinstance(op, HostRecv):
                st = m.Assign(m.Index(self.arr(ref.name), m.BinOp("+", self.ex(ref.off), N(k))),
                              m.Index(buf, m.BinOp("+", cur, N(k))))
            else:
                st = m.Assign(m.Index(buf, m.BinOp("+", cur, N(k))),
                              m.Index(self.arr(ref.name), m.BinOp("+", self.ex(ref.off), N(k))))
            return [m.For(k, L(0), L(ref.n), (st,)), m.Assign(cur, L(ref.n), "+=")]
        off = acc.offsets[id(op)]
        pre, d = self.ref_dsd(ref)
        h = self.mem_dsd(acc.buf, off, ref.n)
        if isinstance(op, HostRecv):
            return [*pre, m.DsdOp("fmovs", (N(d), N(h)))]
        return [*pre, m.DsdOp("fmovs", (N(h), N(d)))]

    # --- continuation-passing over blocking points
    def seq(self, ops: list, k: list[m.Stmt]) -> list[m.Stmt]:
        out: list[m.Stmt] = []
        for i, op in enumerate(ops):
            if not blocking(op, self.split_phases):
                out += self.plain(op)
                continue
            rest = ops[i + 1:]
            k2 = [m.Activate(self.new_task(self.seq(rest, k)))] if rest else k
            return out + self.cut(op, k2)
        return out + k

    def as_task(self, k: list[m.Stmt]) -> str:
        if len(k) == 1 and isinstance(k[0], m.Activate):
            return k[0].task
        return self.new_task(k)

    def cut(self, op, k: list[m.Stmt]) -> list[m.Stmt]:
        if isinstance(op, PhaseStart):
            return k
        if isinstance(op, RecvOp):
            pre, d = self.ref_dsd(op.dst)
            src = self.fabin(op.chan, op.dst.n)
            return [*pre, m.DsdOp("fmovs", (N(d), N(src)), True, activate=self.as_task(k))]
        if isinstance(op, FabVec):
            return self.fabvec(op, self.as_task(k))
        if isinstance(op, AwaitClose):
            return self.await_close(op, self.as_task(k))
        if isinstance(op, Wait):
            t = self.as_task(k)
            self.nsite += 1
            site = self.nsite
            self.sites.append((site, op.chans, [m.Activate(t)]))
            for c in op.chans:
                self.queue(self.out_q, c)
            return [m.If(self._idle(op.chans), (m.Activate(t),),
                         (m.Assign(N("wsite"), L(site)),))]
        if isinstance(op, If_):
            kk = [m.Activate(self.as_task(k))]
            return [m.If(self.ex(op.cond), tuple(self.seq(op.then, kk)),
                         tuple(self.seq(op.orelse, kk)))]
        if isinstance(op, Loop_):
            self.counters.add(op.var)
            head = f"t{self.ntask + 1}"
            self.ntask += 1
            cond = m.BinOp("<" if op.step > 0 else ">", N(op.var), self.ex(op.stop))
            again = [m.Assign(N(op.var), L(op.step), "+="), m.Activate(head)]
            self.tasks[head] = [m.If(cond, tuple(self.seq(op.body, again)), tuple(k))]
            return [m.Assign(N(op.var), self.ex(op.start)), m.Activate(head)]
        raise UnsupportedError(f"cannot cut at {type(op).__name__}")

    def await_close(self, op: AwaitClose, then: str) -> list[m.Stmt]:
        tid = self.ctx.close_ids[(op.phase, op.stream)]
        name = f"eos_p{op.phase}_{op.stream}"
        ctr = N(f"closed_p{op.phase}_{op.stream}")
        self.nsite += 1
        site = self.nsite
        _, body = self.ctrl_tasks.setdefault(name, (tid, [m.Assign(ctr, L(1), "+=")]))
        got = m.BinOp(">=", ctr, L(op.count))
        body.append(m.If(m.BinOp("and", m.BinOp("==", N("wsite"), L(site)), got),
                         (m.Assign(N("wsite"), L(0)), m.Assign(ctr, L(op.count), "-="),
                          m.Activate(then))))
        return [m.If(got, (m.Assign(ctr, L(op.count), "-="), m.Activate(then)),
                     (m.Assign(N("wsite"), L(site)),))]

    def _idle(self, chans: tuple[Channel, ...]) -> m.Expr:
        cond: m.Expr | None = None
        for c in chans:
            t = m.BinOp("==", N(f"busy_{c.param}"), L(0))
            cond = t if cond is None else m.BinOp("and", cond, t)
        assert cond is not None
        return cond

    def fabvec(self, op: FabVec, then: str) -> list[m.Stmt]:
        src = N(self.fabin(op.chan_in, op.n))
        pre: list[m.Stmt] = []
        post: list[m.Stmt] = []
        if op.out is not None:
            dst = N(self.fabout(op.out, op.n))
        elif op.host is not None:
            acc = self.ctx.host[op.host[0]]
            buf = self.arr(acc.buf)
            if acc.dynamic:
                cur = N(f"{buf}_cur")
                pre, d = self.ref_dsd(Ref(buf, cur, op.n))
                post = [m.Assign(cur, L(op.n), "+=")]
                dst = N(d)
            else:
                dst = N(self.mem_dsd(buf, acc.offsets[id(op)], op.n))
        else:
            assert op.mem_dst is not None
            p, d = self.ref_dsd(op.mem_dst)
            pre += p
            dst = N(d)
        srcs: tuple[m.Expr, ...] = (src,)
        if op.mem is not None:
            p, d = self.ref_dsd(op.mem)
            pre += p
            srcs = (src, N(d))
        return [*pre, *post, m.DsdOp(op.op, (dst, *srcs), True, activate=then)]

    # --- the program
    def program(self, name: str, ops: list) -> m.PeProgram:
        start = self.seq(ops, [m.UnblockCmdStream()])
        for param, chan in list(self.chans.items()):
            if param in self.out_q:
                self.tasks[f"done_{param}"] = self._done_task(chan)
        if self.ctx.options.task_fusion:
            start = self._fuse(start)
        if self.ctx.options.task_recycling:
            start = self._recycle(start)
        return self._assemble(name, start)

    def _done_task(self, chan: Channel) -> list[m.Stmt]:
        body: list[m.Stmt] = [m.Assign(N(f"busy_{chan.param}"), L(0))]
        chain: tuple[m.Stmt, ...] = ()
        for site, chans, k in reversed(self.sites):
            if chan not in chans:
                continue
            cond = m.BinOp("and", m.BinOp("==", N("wsite"), L(site)), self._idle(chans))
            chain = (m.If(cond, (m.Assign(N("wsite"), L(0)), *k), chain),)
        return body + list(chain)

    # task fusion: a task activated from one place only runs in place of that activation
    def _refs(self, start: list[m.Stmt]) -> dict[str, int]:
        count: dict[str, int] = {}

        def walk(stmts) -> None:
            for s in stmts:
                if isinstance(s, m.Activate):
                    count[s.task] = count.get(s.task, 0) + 1
                elif isinstance(s, m.DsdOp):
                    for t in (s.activate, s.unblock):
                        if t is not None:
                            count[t] = count.get(t, 0) + 2  # never inlined
                elif isinstance(s, m.If):
                    walk(s.then)
                    walk(s.orelse)
                elif isinstance(s, m.For | m.While):
                    walk(s.body)

        walk(start)
        for body in self.tasks.values():
            walk(body)
        for _, body in self.ctrl_tasks.values():
            walk(body)
        return count

    def _fuse(self, start: list[m.Stmt]) -> list[m.Stmt]:
        while True:
            refs = self._refs(start)
            single = {t for t, n in refs.items() if n == 1 and not t.startswith("done_")}
            if not single:
                return start

            def inline(stmts, owner: str, single: set[str] = single) -> list[m.Stmt]:
                out: list[m.Stmt] = []
                for s in stmts:
                    if isinstance(s, m.Activate) and s.task in single and s.task != owner \
                            and s.task in self.tasks:
                        out += self.tasks.pop(s.task)
                    elif isinstance(s, m.If):
                        out.append(m.If(s.cond, tuple(inline(s.then, owner, single)),
                                        tuple(inline(s.orelse, owner, single))))
                    else:
                        out.append(s)
                return out

            before = len(self.tasks)
            start = inline(start, "")
            for t in list(self.tasks):
                if t in self.tasks:
                    self.tasks[t] = inline(self.tasks[t], t)
            if len(self.tasks) == before:
                return start

    # task-ID recycling: the main flow has one pending continuation at a time, so all its
    # tasks can share one ID behind a dispatch on `pc`
    def _recycle(self, start: list[m.Stmt]) -> list[m.Stmt]:
        main = [t for t in self.tasks if not t.startswith("done_")]
        if len(main) <= 1:
            return start
        num = {t: i + 1 for i, t in enumerate(main)}

        def rw(stmts) -> list[m.Stmt]:
            out: list[m.Stmt] = []
            for s in stmts:
                if isinstance(s, m.Activate) and s.task in num:
                    out += [m.Assign(N("pc"), L(num[s.task])), m.Activate("resume")]
                elif isinstance(s, m.DsdOp) and s.activate in num:
                    out += [m.Assign(N("pc"), L(num[s.activate])),
                            m.DsdOp(s.op, s.operands, s.is_async, "resume", s.unblock)]
                elif isinstance(s, m.If):
                    out.append(m.If(s.cond, tuple(rw(s.then)), tuple(rw(s.orelse))))
                elif isinstance(s, m.For):
                    out.append(m.For(s.var, s.start, s.stop, tuple(rw(s.body)), s.step, s.dtype))
                elif isinstance(s, m.While):
                    out.append(m.While(s.cond, tuple(rw(s.body)), s.update))
                else:
                    out.append(s)
            return out

        bodies = {t: rw(self.tasks.pop(t)) for t in main}
        chain: tuple[m.Stmt, ...] = ()
        for t in reversed(main):
            chain = (m.If(m.BinOp("==", N("pc"), L(num[t])), tuple(bodies[t]), chain),)
        for t in list(self.tasks):
            self.tasks[t] = rw(self.tasks[t])
        for t, (tid, body) in list(self.ctrl_tasks.items()):
            self.ctrl_tasks[t] = (tid, rw(body))
        self.tasks["resume"] = list(chain)
        return rw(start)

    def _assemble(self, name: str, start: list[m.Stmt]) -> m.PeProgram:
        ids = LOCAL_TASK_IDS[self.ctx.arch]
        if len(self.tasks) > len(ids):
            raise UnsupportedError(
                f"a PE program needs {len(self.tasks)} local tasks; {self.ctx.arch} has "
                f"{len(ids)} local task IDs", hint="enable task fusion and task-ID recycling")
        tasks = tuple(m.Task(t, "local", tuple(body), id=ids[i])
                      for i, (t, body) in enumerate(self.tasks.items()))
        tasks += tuple(m.Task(t, "control", tuple(body), id=tid)
                       for t, (tid, body) in sorted(self.ctrl_tasks.items()))
        params = [m.Param(p, "color") for p in sorted(self.chans)]
        fields: list[m.Field] = []
        for f in sorted(self.used.values(), key=lambda f: f.name):
            fields.append(m.Field(f.name, f.dtype, L(f.length), m.Zeros()))
        for acc in self.ctx.host.values():
            if acc.dynamic:
                fields.append(m.Field(f"{self.arr(acc.buf)}_cur", "i16", None, L(0)))
        for c in sorted(self.counters):
            fields.append(m.Field(c, "i16", None, L(0)))
        for t in sorted(self.ctrl_tasks):
            fields.append(m.Field(f"closed_{t[len('eos_'):]}", "i16", None, L(0)))
        for param in sorted(self.out_q):
            fields.append(m.Field(f"busy_{param}", "i16", None, L(0)))
        if self.nsite:
            fields.append(m.Field("wsite", "i16", None, L(0)))
        if "resume" in self.tasks:
            fields.append(m.Field("pc", "i16", None, L(0)))
        queues: list[m.QueueInit] = []
        if self.ctx.arch == "wse3":
            queues += [m.QueueInit("input", q, p) for p, q in sorted(self.in_q.items())]
            queues += [m.QueueInit("output", q, p) for p, q in sorted(self.out_q.items())]
        exports = tuple(sorted(f.name for f in fields if f.name in self._exported()))
        return m.PeProgram(name, tuple(params), tuple(fields), tuple(self.dsds.values()),
                           (m.Function("start", tuple(start)),), tasks, tuple(queues),
                           exports, ("start",))

    def _exported(self) -> set[str]:
        out = set(self.ctx.scalar_args)
        out |= {self.arr(a.buf) for a in self.ctx.host.values()}
        return out
