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
from sluice.runtime.wafer.fabric import (
    LINK_MOVE,
    OFF_GRID,
    OPPOSITE,
    RAMP_MOVE,
    STEP,
    Port,
    Router,
)
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
        self.ports: dict[tuple[int, int, str], Port] = {}
        self.active_ports: dict[Port, None] = {}  # an ordered set: deterministic arbitration
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

    def in_deque(self, pe: Pe, color: int) -> deque:
        """The CE input queue of `color` at `pe` (created on first use)."""
        key = (pe.index, color)
        q = self.inq.get(key)
        if q is None:
            q = self.inq[key] = deque()
        return q

    def out_target(self, pe: Pe, color: int) -> tuple[deque, Port | None]:
        """Where a fabout of `color` at `pe` writes: its RAMP router input, or the memcpy
        D2H buffer (no port) for stream colors."""
        if color in self.d2h_colors:
            key = (pe.index, color)
            q = self.d2h_buf.get(key)
            if q is None:
                q = self.d2h_buf[key] = deque()
            return q, None
        port = self.port(pe.index, color, "RAMP")
        return port.q, port

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
            port = self.ports.get((pe.index, color, "RAMP"))
            q = port.q if port is not None else None
        return q is None or len(q) < self.params.output_queue

    def push_out(self, pe: Pe, color: int, value: object, control: bool) -> None:
        if color in self.d2h_colors:  # memcpy's own routing carries it to the host
            self.d2h_buf.setdefault((pe.index, color), deque()).append(value)
            return
        port = self.port(pe.index, color, "RAMP")
        port.q.append((self.now + 1, value, control))
        self.active_ports[port] = None

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
    def port(self, p: int, c: int, frm: str) -> Port:
        key = (p, c, frm)
        port = self.ports.get(key)
        if port is None:
            port = self.ports[key] = Port(p, c, frm, self.routers.get((p, c)))
        return port

    def _moves(self, rt: Router, p: int, c: int) -> list[tuple[int, object, object]]:
        """Where a wavelet at router (p, c) goes in the current switch position (cached)."""
        mv = rt.moves.get(rt.pos)
        if mv is not None:
            return mv
        x, y = p % self.width, p // self.width
        mv = []
        for t in rt.cur_tx:
            if t == "RAMP":
                mv.append((RAMP_MOVE, None, None))
                continue
            dx, dy = STEP[t]
            nx, ny = x + dx, y + dy
            if 0 <= nx < self.width and 0 <= ny < self.height:
                mv.append((LINK_MOVE, self.port(ny * self.width + nx, c, OPPOSITE[t]), (p, t)))
            else:
                mv.append((OFF_GRID, f"PE({x},{y}): color {self.color_label(c)} is routed {t}, "
                                     f"off the {self.width}x{self.height} rectangle",
                           f"PE({x},{y})"))
        rt.moves[rt.pos] = mv
        return mv

    def _route_step(self) -> bool:
        progress = False
        now = self.now
        cap = self.params.link_buffer
        hop = self.params.hop_latency
        used_links: set[tuple[int, str]] = set()
        active = self.active_ports
        for port in list(active):
            q = port.q
            w = q[0]
            if w[0] > now:
                self.wake_at(w[0])
                continue
            rt = port.router
            if rt is None or port.frm not in rt.rx[rt.pos]:
                continue  # stalls; reported if the fabric goes quiescent
            p, c, ctrl = port.p, port.c, w[2]
            moves = self._moves(rt, p, c)
            if ctrl and any(k == RAMP_MOVE for k, _, _ in moves):
                moves = [(RAMP_MOVE, None, None)]  # control ends at the first RAMP delivery
            ok = True
            for kind, tgt, link in moves:
                if kind == RAMP_MOVE:
                    if not ctrl and not self.in_room(p, c):
                        ok = False
                        break
                elif kind == LINK_MOVE:
                    if link in used_links or len(tgt.q) >= cap:
                        ok = False
                        break
                else:
                    raise RouteError(tgt, node=link)
            if not ok:
                continue
            q.popleft()
            if not q:
                del active[port]
            progress = True
            for kind, tgt, link in moves:
                if kind == RAMP_MOVE:
                    if ctrl:
                        self._control_at(p, w[1])
                    elif rt.filter_passes():
                        self.push_in(p, c, w[1])
                else:
                    used_links.add(link)
                    tgt.q.append((now + hop, w[1], ctrl))
                    active[tgt] = None
            if ctrl:
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
        progress = self._route_step() if self.active_ports else False
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
        return bool(self.active_ports or any(self.inq.values()) or any(self.d2h_buf.values())
                    or self.commands or self.streams or self.cmd_blocked_by
                    or any(pe is not None and (pe.running or pe.inflight) for pe in self.pes))

    # --- reports
    def deadlock(self, what: str) -> DeadlockError:
        lines: list[str] = []
        first: str | None = None
        for (p, c, frm), port in sorted(self.ports.items()):
            q = port.q
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
