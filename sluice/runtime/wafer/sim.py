"""The wafer simulator core: an event-driven cycle loop over PEs, routers and memcpy.

Each cycle visits only what can change: router inputs holding wavelets, PEs with work, and
the head host command. A cycle in which nothing moves jumps to the next timed event (a PE
finishing a task); with none left the fabric is quiescent, and quiescence with pending work
is a deadlock, reported with PE coordinates, colors and task states.
"""

from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Callable

from sluice.backends.csl import model as m
from sluice.errors import DeadlockError, ExecutionError, RouteError
from sluice.runtime.wafer.fabric import OPPOSITE, STEP, Router, Wavelet
from sluice.runtime.wafer.params import ARCH_PARAMS, ArchParams
from sluice.runtime.wafer.pe import Pe

MAX_REPORT_LINES = 12


class Simulator:
    """Executes a `CslProgram`. Host commands come from `memcpy.Command`s (see host.py)."""

    def __init__(self, program: m.CslProgram, params: ArchParams | None = None,
                 seed: int | None = None, check_races: bool = True,
                 max_cycles: int = 100_000_000) -> None:
        lay = program.layout
        self.program = program
        self.width, self.height = lay.width, lay.height
        self.params = params or ARCH_PARAMS[lay.arch]
        self.rng = random.Random(seed) if seed is not None else None
        self.check_races = check_races
        self.max_cycles = max_cycles
        self.color_names = {c.id: c.name for c in lay.colors}
        mc = lay.memcpy or m.MemcpySetup()
        self.h2d_colors = {lay.color_id(c) for _, c in mc.h2d}
        self.d2h_colors = {lay.color_id(c) for _, c in mc.d2h}
        self.now = 0
        self.busy_cycles = 0
        self.wall = 0.0
        self._wake: int | None = None
        self.routers: dict[tuple[int, int], Router] = {}
        for r in lay.routes:
            cid = lay.color_id(r.color)
            if cid is None:
                raise RouteError(f"route at PE({r.x},{r.y}) names unknown color {r.color}")
            self.routers[(r.y * self.width + r.x, cid)] = Router.from_route(r)
        self.bufs: dict[tuple[int, int, str], deque[Wavelet]] = {}
        self.active_bufs: set[tuple[int, int, str]] = set()
        self.inq: dict[tuple[int, int], deque] = {}
        self.d2h_buf: dict[tuple[int, int], deque] = {}
        self.pes: list[Pe | None] = [None] * (self.width * self.height)
        for v in program.variants:
            for pl in v.placements:
                self.pes[pl.y * self.width + pl.x] = Pe(self, pl.x, pl.y, v.program, pl)
        self.live: set[int] = set()
        self.commands: deque = deque()  # host commands not yet started
        self.streams: list = []  # streaming transfers under way
        self.cmd_blocked_by: str | None = None
        self.awaiting_unblock: set[int] = set()
        self.memcpy_busy_until = 0

    # --- helpers used by PEs and commands
    def color_label(self, cid: int) -> str:
        name = self.color_names.get(cid)
        return f"{cid} ({name})" if name else str(cid)

    def wake_at(self, t: int) -> None:
        if t > self.now and (self._wake is None or t < self._wake):
            self._wake = t

    def has_input(self, pe: Pe, color: int) -> bool:
        q = self.inq.get((pe.index, color))
        return bool(q)

    def pop_in(self, pe: Pe, color: int) -> object:
        return self.inq[(pe.index, color)].popleft()

    def in_room(self, p: int, color: int) -> bool:
        q = self.inq.get((p, color))
        return q is None or len(q) < self.params.input_queue

    def push_in(self, p: int, color: int, value: object) -> None:
        self.inq.setdefault((p, color), deque()).append(value)
        self.live.add(p)

    def out_room(self, pe: Pe, color: int) -> bool:
        if color in self.d2h_colors:
            q = self.d2h_buf.get((pe.index, color))
        else:
            q = self.bufs.get((pe.index, color, "RAMP"))
        return q is None or len(q) < self.params.output_queue

    def push_out(self, pe: Pe, color: int, value: object, control: bool) -> None:
        if color in self.d2h_colors:  # memcpy's own routing carries it to the host
            self.d2h_buf.setdefault((pe.index, color), deque()).append(value)
            return
        key = (pe.index, color, "RAMP")
        self.bufs.setdefault(key, deque()).append(Wavelet(self.now + 1, value, control))
        self.active_bufs.add(key)

    def unblock_cmd_stream(self, pe: Pe) -> None:
        self.awaiting_unblock.discard(pe.index)
        if not self.awaiting_unblock:
            self.cmd_blocked_by = None

    def start_rpc(self, fn: str) -> list[Pe]:
        """Queues RPC `fn` on every PE whose program exports it; blocks the command stream."""
        targets = [pe for pe in self.pes if pe is not None and fn in pe.program.rpcs]
        if not targets:
            raise ExecutionError(f"no PE exports a function '{fn}' (missing @export_symbol?)")
        for pe in targets:
            pe.rpc_queue.append(fn)
            self.live.add(pe.index)
        self.cmd_blocked_by = fn
        self.awaiting_unblock = {pe.index for pe in targets}
        return targets

    # --- the cycle loop
    def _route_step(self) -> bool:
        progress = False
        now = self.now
        used_links: set[tuple[int, str]] = set()
        for key in list(self.active_bufs):
            q = self.bufs[key]
            w = q[0]
            if w.ready > now:
                self.wake_at(w.ready)
                continue
            p, c, frm = key
            rt = self.routers.get((p, c))
            if rt is None or frm not in rt.cur_rx:
                continue  # stalls; reported if the fabric goes quiescent
            x, y = p % self.width, p // self.width
            moves = []
            ok = True
            txs = rt.cur_tx
            if w.control and "RAMP" in txs:
                txs = ("RAMP",)  # a control wavelet ends at the first router delivering it
            for t in txs:
                if t == "RAMP":
                    if w.control:
                        moves.append(("ctrl", p))
                    elif not self.in_room(p, c):
                        ok = False
                        break
                    else:
                        moves.append(("ramp", p))
                    continue
                dx, dy = STEP[t]
                nx, ny = x + dx, y + dy
                if not (0 <= nx < self.width and 0 <= ny < self.height):
                    raise RouteError(
                        f"PE({x},{y}): color {self.color_label(c)} is routed {t}, off the "
                        f"{self.width}x{self.height} rectangle", node=f"PE({x},{y})")
                q2 = ny * self.width + nx
                k2 = (q2, c, OPPOSITE[t])
                b2 = self.bufs.get(k2)
                if (p, t) in used_links or (b2 is not None and len(b2) >= self.params.link_buffer):
                    ok = False
                    break
                moves.append(("link", k2, (p, t)))
            if not ok:
                continue
            q.popleft()
            if not q:
                self.active_bufs.discard(key)
            progress = True
            for mv in moves:
                if mv[0] == "ramp":
                    if rt.filter_passes():
                        self.push_in(p, c, w.value)
                elif mv[0] == "ctrl":
                    self._control_at(p, w.value)
                else:
                    _, k2, link = mv
                    used_links.add(link)
                    self.bufs.setdefault(k2, deque()).append(
                        Wavelet(now + self.params.hop_latency, w.value, w.control))
                    self.active_bufs.add(k2)
            if w.control:
                rt.advance()
        return progress

    def _control_at(self, p: int, payload: object) -> None:
        """A control wavelet reached a CE: its low 6 bits name a control task to activate."""
        pe = self.pes[p]
        if pe is None:
            return
        tid = int(payload) & 0x3F
        for t in pe.tasks.values():
            if t.kind == "control" and t.id == tid:
                t.active = True
                self.live.add(p)

    def step(self) -> bool:
        """Advances one cycle; True when anything moved."""
        self._wake = None
        progress = self._route_step() if self.active_bufs else False
        if self.commands or self.streams:
            progress |= self._memcpy_step()
        rng = self.rng
        for p in sorted(self.live) if rng is None else list(self.live):
            pe = self.pes[p]
            if pe is None:
                self.live.discard(p)
                continue
            progress |= pe.step(self.now, rng)
            if not pe.has_work() and pe.busy_until <= self.now:
                self.live.discard(p)
        return progress

    def _memcpy_step(self) -> bool:
        """Streaming commands start in order and then run side by side; a copy or launch
        waits for the streams before it, and everything waits while an RPC holds the
        command stream."""
        progress = False
        if self.cmd_blocked_by is None:
            while self.commands and self.commands[0].streaming:
                self.streams.append(self.commands.popleft())
                progress = True
            if self.commands and not self.streams:
                if self.now < self.memcpy_busy_until:
                    self.wake_at(self.memcpy_busy_until)
                else:
                    cmd = self.commands[0]
                    progress |= cmd.step(self)
                    if cmd.done:
                        self.commands.popleft()
                        progress = True
        for s in list(self.streams):
            progress |= s.step(self)
            if s.done:
                self.streams.remove(s)
        return progress

    def run_until(self, done: Callable[[], bool], what: str) -> None:
        """Runs cycles until `done()`; raises DeadlockError if the fabric goes quiescent."""
        t0 = time.perf_counter()
        try:
            while not done():
                if self.step():
                    self.now += 1
                elif self._wake is not None:
                    self.now = max(self.now + 1, self._wake)
                else:
                    raise self.deadlock(what)
                if self.now > self.max_cycles:
                    raise ExecutionError(f"{what}: still running after {self.max_cycles} cycles")
        finally:
            self.wall += time.perf_counter() - t0

    def quiesce(self, what: str) -> None:
        """Runs until nothing can move; pending work then is a deadlock."""
        self.run_until(lambda: False if self.pending() else not self._busy(), what)

    def _busy(self) -> bool:
        return bool(self.live) and any(
            pe is not None and (pe.has_work() or pe.busy_until > self.now)
            for pe in (self.pes[p] for p in self.live))

    def pending(self) -> bool:
        return bool(self.active_bufs or any(self.inq.values()) or any(self.d2h_buf.values())
                    or self.commands or self.streams or self.cmd_blocked_by
                    or any(pe is not None and (pe.running or pe.inflight) for pe in self.pes))

    # --- reports
    def deadlock(self, what: str) -> DeadlockError:
        lines: list[str] = []
        first: str | None = None
        for (p, c, frm), q in sorted(self.bufs.items()):
            if not q:
                continue
            x, y = p % self.width, p // self.width
            rt = self.routers.get((p, c))
            if rt is None:
                why = "no route for this color here"
            elif frm not in rt.cur_rx:
                why = f"rx is {{{', '.join(sorted(rt.cur_rx))}}}"
            else:
                why = f"tx {{{', '.join(rt.cur_tx)}}} has no room"
            src = "the CE (RAMP)" if frm == "RAMP" else frm
            lines.append(f"PE({x},{y}): color {self.color_label(c)}: {len(q)} wavelet(s) "
                         f"from {src} stuck: {why}")
            first = first or f"PE({x},{y})"
        for pe in self.pes:
            if pe is None:
                continue
            desc = pe.describe()
            lines += desc
            if desc:
                first = first or pe.where
        for (p, c), q in sorted(self.inq.items()):
            pe = self.pes[p]
            if q and pe is not None and not any(t.color == c for t in pe.data_tasks) \
                    and not pe.running and not pe.inflight:
                lines.append(f"{pe.where}: {len(q)} wavelet(s) of color {self.color_label(c)} "
                             "arrived but nothing receives them")
                first = first or pe.where
        if self.cmd_blocked_by is not None:
            waiting = sorted(self.awaiting_unblock)
            pes = ", ".join(f"PE({p % self.width},{p // self.width})" for p in waiting[:8])
            more = "" if len(waiting) <= 8 else f" and {len(waiting) - 8} more"
            lines.append(f"command stream blocked since RPC '{self.cmd_blocked_by}': {pes}{more} "
                         "never called sys_mod.unblock_cmd_stream()")
            first = first or (pes.split(", ")[0] if pes else None)
        for st in self.streams:
            lines.append(f"{st.describe()} is incomplete: {st.progress_note()}")
        if self.commands:
            lines.append(f"{len(self.commands)} host command(s) pending, first: "
                         f"{self.commands[0].describe()}")
        shown = lines[:MAX_REPORT_LINES]
        if len(lines) > MAX_REPORT_LINES:
            shown.append(f"... and {len(lines) - MAX_REPORT_LINES} more")
        msg = f"{what}: the fabric is quiescent at cycle {self.now} with pending work\n  " + \
            "\n  ".join(shown or ["(nothing identifiable)"])
        hint = None
        if self.cmd_blocked_by is not None:
            hint = (f"call sys_mod.unblock_cmd_stream() at the end of '{self.cmd_blocked_by}' "
                    "or of its final continuation task")
        return DeadlockError(msg, node=first, hint=hint)

    def stats(self) -> dict[str, float]:
        """Simulated cycles, PE-cycles and PE-cycles per second of host time."""
        pe_cycles = self.now * self.width * self.height
        return {"cycles": self.now, "pe_cycles": pe_cycles, "wall_s": self.wall,
                "pe_cycles_per_s": pe_cycles / self.wall if self.wall else 0.0}
