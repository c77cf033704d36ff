"""Per-PE flow passes on the PE-IR: staging of value sends, vectorised `foreach` receives,
and the waits that keep async sends safe.

A send is an async DSD op that goes on while the PE continues. Before the PE may write a
field that a send in flight reads, reuse that send's output queue, or exceed the PE's
budget of async ops, it must wait for the send: `Wait` marks those points. Which sends may
be in flight is a forward analysis over the PE-IR (union at joins, fixpoint over loops).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sluice.backends.csl.lower_expr import arrays_in
from sluice.backends.csl.lower_pe import (
    Close,
    Compute,
    HostRecv,
    HostSend,
    HostSendVal,
    If_,
    Loop_,
    PhaseStart,
    Recv,
    Ref,
    Send,
    SendVal,
    VecMap,
)
from sluice.csl import model as m


@dataclass(frozen=True)
class Channel:
    """One fabric direction of a PE: the stream it belongs to, in a phase, and for sends the
    index of its destination set (a PE may send one stream to several sets of PEs)."""

    phase: int
    stream: str
    kind: str  # "tx" or "rx"
    index: int = 0

    @property
    def param(self) -> str:
        suffix = f"_{self.index}" if self.index else ""
        return f"c_{self.stream}_p{self.phase}_{self.kind}{suffix}"


@dataclass
class SendOp:
    """An async send of `src` on `chan` (to `dests`)."""

    chan: Channel
    src: Ref
    dests: tuple[tuple[int, int], ...]


@dataclass
class RecvOp:
    chan: Channel
    dst: Ref


@dataclass
class FabVec:
    """A vectorised receive loop: `dst = src_in (op) mem` over `n` wavelets, where dst is a
    field (`mem_dst`), a send channel (`out`), or a host output buffer (`host`)."""

    op: str  # "fmovs" or "fadds"
    chan_in: Channel
    n: int
    mem: Ref | None = None  # the other source (fadds)
    mem_dst: Ref | None = None
    out: Channel | None = None
    out_dests: tuple[tuple[int, int], ...] = ()
    host: tuple[str, tuple[int, int]] | None = None


@dataclass
class CtrlSend:
    """A control wavelet on `chan` after its data: `kind` "switch" advances the routers'
    switches, "close" is an epoch-end sentinel (its payload is fixed kernel-wide later)."""

    chan: Channel
    dests: tuple[tuple[int, int], ...]
    kind: str  # "switch" or "close"


@dataclass
class AwaitClose:
    """Wait until `count` epoch-end sentinels of (phase, stream) arrived at this PE."""

    phase: int
    stream: str
    count: int


@dataclass
class Wait:
    """Wait until the sends on these channels completed."""

    chans: tuple[Channel, ...]


@dataclass
class FlowState:
    inflight: list[tuple[Channel, str]] = field(default_factory=list)  # (channel, field read)

    def copy(self) -> FlowState:
        return FlowState(list(self.inflight))

    def union(self, other: FlowState) -> FlowState:
        out = list(self.inflight)
        for x in other.inflight:
            if x not in out:
                out.append(x)
        return FlowState(out)


class PeFlow:
    """Runs the passes for one PE; `staging` lists the staging fields it had to add."""

    def __init__(self, max_async: int, vectorise: bool) -> None:
        self.max_async = max_async
        self.vectorise = vectorise
        self.tx_index: dict[tuple[int, str, tuple], int] = {}
        self.colors: dict[Channel, int] = {}
        self.staging: list[tuple[str, str]] = []  # (field name, dtype)

    # --- channels and staging
    def tx(self, phase: int, stream: str, dests: tuple) -> Channel:
        key = (phase, stream, dests)
        if key not in self.tx_index:
            n = sum(1 for k in self.tx_index if k[:2] == (phase, stream))
            self.tx_index[key] = n
        return Channel(phase, stream, "tx", self.tx_index[key])

    def prepare(self, ops: list) -> list:
        """Channels for sends and receives, staging for computed sends, vectorised loops."""
        out: list = []
        for op in ops:
            if isinstance(op, SendVal):
                v = op.value
                chan = self.tx(op.phase, op.stream, op.dests)
                if isinstance(v, m.Index):
                    out.append(SendOp(chan, Ref(v.array, v.index, 1), op.dests))
                else:
                    name = f"stage{len(self.staging)}"
                    self.staging.append((name, "f32"))
                    out.append(Compute(m.Index(name, m.Lit(0)), v))
                    out.append(SendOp(chan, Ref(name, m.Lit(0), 1), op.dests))
            elif isinstance(op, Send):
                out.append(SendOp(self.tx(op.phase, op.stream, op.dests), op.src, op.dests))
            elif isinstance(op, Recv):
                out.append(RecvOp(Channel(op.phase, op.stream, "rx"), op.dst))
            elif isinstance(op, Close):
                out.append(CtrlSend(self.tx(op.phase, op.stream, op.dests), op.dests, "close"))
            elif isinstance(op, Loop_):
                vec = self.fabvec(op) if self.vectorise else None
                if vec is not None:
                    out.append(vec)
                else:
                    out.append(Loop_(op.var, op.start, op.stop, op.step, self.prepare(op.body)))
            elif isinstance(op, If_):
                out.append(If_(op.cond, self.prepare(op.then), self.prepare(op.orelse)))
            else:
                out.append(op)
        return out

    def fabvec(self, lp: Loop_) -> FabVec | None:
        """`foreach k, v in [a:b], receive(s) { one element op }` as one fabric DSD op."""
        if lp.step != 1 or len(lp.body) != 2 or not isinstance(lp.body[0], Recv):
            return None
        if not (isinstance(lp.start, m.Lit) and isinstance(lp.stop, m.Lit)):
            return None
        recv, body = lp.body
        n = lp.stop.value - lp.start.value
        if recv.dst.n != 1 or n <= 0:
            return None
        p = m.Index(recv.dst.name, recv.dst.off)
        var = m.Name(lp.var)
        chan = Channel(recv.phase, recv.stream, "rx")

        def affine(e: m.Expr) -> Ref | None:
            """`arr[var + c]` (a unit-stride run of n elements starting at c + start)."""
            if not isinstance(e, m.Index) or e.array == p.array:
                return None
            idx = e.index
            c = 0
            if isinstance(idx, m.BinOp) and idx.op in "+-" and isinstance(idx.rhs, m.Lit) \
                    and idx.lhs == var:
                c = idx.rhs.value if idx.op == "+" else -idx.rhs.value
            elif idx != var:
                return None
            return Ref(e.array, m.Lit(lp.start.value + c), n)

        def plus_p(v: m.Expr) -> Ref | None:
            if isinstance(v, m.BinOp) and v.op == "+":
                if v.lhs == p:
                    return affine(v.rhs)
                if v.rhs == p:
                    return affine(v.lhs)
            return None

        if isinstance(body, SendVal):
            mem = plus_p(body.value)
            if mem is None:
                return None
            return FabVec("fadds", chan, n, mem=mem,
                          out=self.tx(body.phase, body.stream, body.dests), out_dests=body.dests)
        if isinstance(body, HostSendVal):
            mem = plus_p(body.value)
            if mem is None:
                return None
            return FabVec("fadds", chan, n, mem=mem, host=(body.host, body.elem))
        if isinstance(body, Compute):
            dst = affine(body.target)
            if dst is None:
                return None
            if body.value == p:
                return FabVec("fmovs", chan, n, mem_dst=dst)
            mem = plus_p(body.value)
            if mem is not None and mem == dst:
                return FabVec("fadds", chan, n, mem=mem, mem_dst=dst)
        return None

    # --- waits
    def waits(self, ops: list, st: FlowState) -> tuple[list, FlowState]:
        out: list = []
        for op in ops:
            if isinstance(op, Loop_):
                entry = st.copy()
                body, end = self.waits(op.body, entry.copy())
                for _ in range(4):
                    again = entry.union(end)
                    if again.inflight == entry.inflight:
                        break
                    entry = again
                    body, end = self.waits(op.body, entry.copy())
                out.append(Loop_(op.var, op.start, op.stop, op.step, body))
                st = entry.union(end)
                continue
            if isinstance(op, If_):
                then, a = self.waits(op.then, st.copy())
                orelse, b = self.waits(op.orelse, st.copy())
                out.append(If_(op.cond, then, orelse))
                st = a.union(b)
                continue
            need: list = []
            for f in _writes(op):
                need += [c for c, g in st.inflight if g == f]
            uses = _out_channels(op)
            # one color carries one channel at a time: wavelets of two sends in flight on it
            # (through two output queues) would interleave at the receivers
            colors = {self.colors[u] for u in uses if u in self.colors}
            need += [c for c, _ in st.inflight if c in uses or self.colors.get(c, -1) in colors]
            extra = 1 if isinstance(op, SendOp | RecvOp | FabVec) else 0
            live = [c for c, _ in st.inflight if c not in need]
            while extra and len(live) + extra > self.max_async and live:
                need.append(live.pop(0))  # the oldest send
            if need:
                chans = tuple(dict.fromkeys(need))
                out.append(Wait(chans))
                st.inflight = [(c, g) for c, g in st.inflight if c not in chans]
            out.append(op)
            if isinstance(op, SendOp):
                st.inflight.append((op.chan, op.src.name))
        return out, st

    def finish(self, ops: list, colors: dict[Channel, int] | None = None) -> list:
        """Waits inserted, and a final wait for every send still in flight; `colors` (send
        channel -> color) serialises sends that share a color."""
        self.colors = colors or {}
        body, st = self.waits(ops, FlowState())
        if st.inflight:
            body.append(Wait(tuple(dict.fromkeys(c for c, _ in st.inflight))))
        return body


def _writes(op) -> set[str]:
    if isinstance(op, Compute):
        return {op.target.array}
    if isinstance(op, VecMap):
        return {op.target.array}
    if isinstance(op, HostRecv | RecvOp):
        return {op.dst.name}
    if isinstance(op, FabVec) and op.mem_dst is not None:
        return {op.mem_dst.name}
    return set()


def _out_channels(op) -> set[Channel]:
    if isinstance(op, SendOp | CtrlSend):  # a control wavelet goes after the channel's data
        return {op.chan}
    if isinstance(op, FabVec) and op.out is not None:
        return {op.out}
    return set()


def reads(op) -> set[str]:
    """Fields an op reads (for elision and liveness checks)."""
    if isinstance(op, Compute):
        return arrays_in(op.value) | arrays_in(op.target.index)
    if isinstance(op, VecMap):
        return arrays_in(op.value)
    if isinstance(op, SendOp | HostSend):
        return {op.src.name}
    if isinstance(op, HostSendVal):
        return arrays_in(op.value)
    if isinstance(op, FabVec) and op.mem is not None:
        return {op.mem.name}
    if isinstance(op, If_):
        return arrays_in(op.cond)
    return set()


def writes(op) -> set[str]:
    return _writes(op)


__all__ = ["AwaitClose", "Channel", "CtrlSend", "FabVec", "FlowState", "PeFlow", "PhaseStart",
           "RecvOp", "SendOp", "Wait", "reads", "writes"]
