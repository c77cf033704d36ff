"""The wafer simulator core: an event-driven cycle loop over PEs, routers and memcpy.

Each cycle visits only what can change: router inputs holding wavelets, PEs with work, and
the head host command. A cycle in which nothing moves jumps to the next timed event (a PE
finishing a task); with none left the fabric is quiescent, and quiescence with pending work
is a deadlock, reported with PE coordinates, colors and task states.
"""

from __future__ import annotations

import contextlib
import gc
import heapq
import random
import time
from collections import deque
from collections.abc import Callable, Iterator

from sluice.csl import model as m
from sluice.errors import DeadlockError, ExecutionError, RouteError
from sluice.progress import Progress
from sluice.runtime.wafer.compile import ProgramCode
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
_LINK_DIRS = {"NORTH": 0, "SOUTH": 1, "EAST": 2, "WEST": 3}
PROGRESS_EVERY = 64  # cycles between updates of a progress bar


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Suspends the cyclic garbage collector: the cycle loop allocates many short-lived
    objects (wavelet tuples, generators) but little cyclic garbage, and collections that
    rescan a 1024-PE heap cost a third of the run time. Reference counting still frees."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


class _Port(Port):
    """A router input with its data-wavelet fast path: `plan` is the one move of a static
    route (no switch positions, no filter, a single tx), set on first use; None otherwise."""

    __slots__ = ("plan", "owner")

    def __init__(self, p: int, c: int, frm: str, router: Router | None, owner: int) -> None:
        super().__init__(p, c, frm, router)
        self.plan: tuple[int, object, object] | None = None
        self.owner = owner  # a PE to wake when this (RAMP) input drains, else -1


class Simulator:
    """Executes a `CslProgram`. Host commands come from `memcpy.Command`s (see host.py)."""

    def __init__(
        self,
        program: m.CslProgram,
        params: ArchParams | None = None,
        seed: int | None = None,
        check_races: bool = True,
        max_cycles: int = 100_000_000,
    ) -> None:
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
        # Set-up lookups (a scan of the layout's colors per PE and reference is slow).
        self.color_ids: dict[str, int] = {}
        for c in lay.colors:
            self.color_ids.setdefault(c.name, c.id)  # (Layout.color_id: the first)
        self._color_params: dict[int, frozenset[str]] = {}
        self.op_infos: dict[str, tuple] = {}  # Pe._op_info's, by DSD op name
        self.program_codes: dict[int, ProgramCode] = {}  # compiled bodies, by id(program)
        self.routers: dict[tuple[int, int], Router] = {}
        for r in lay.routes:
            cid = self.color_ids.get(r.color)
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
        # Quiet PEs (Pe.quiet) leave `live` until an event: a wavelet for them (push_in,
        # _control_at), room in their output queue (`owner` of a RAMP input, memcpy D2H) or
        # the end of their busy time (a timer here: (busy_until, PE index)). With a random
        # picker every live PE is stepped as before, which keeps its set order.
        self.timers: list[tuple[int, int]] = []
        self.commands: deque = deque()  # host commands not yet started
        self.streams: list = []  # streaming transfers under way
        self.cmd_blocked_by: str | None = None
        self.awaiting_unblock: set[int] = set()
        self.memcpy_busy_until = 0

    # --- helpers used by PEs and commands
    def color_label(self, cid: int) -> str:
        name = self.color_names.get(cid)
        return f"{cid} ({name})" if name else str(cid)

    def resolve_color(
        self, bindings: dict[str, object], placement: m.Placement, ref: str
    ) -> int | None:
        """`program.resolve_color(placement, ref)` with the placement's `bindings` (first
        of each name) at hand."""
        if ref.startswith("sys_mod."):
            return self.program.resolve_color(placement, ref)
        value = bindings.get(ref)
        return self.color_ids.get(value.name) if isinstance(value, m.ColorRef) else None

    def color_params(self, program: m.PeProgram) -> frozenset[str]:
        """The names of `program`'s color params."""
        names = self._color_params.get(id(program))  # (the program outlives this dict)
        if names is None:
            names = frozenset(p.name for p in program.params if p.dtype == "color")
            self._color_params[id(program)] = names
        return names

    def wake_at(self, t: int) -> None:
        if t > self.now and (self._wake is None or t < self._wake):
            self._wake = t

    def in_deque(self, pe: Pe, color: int) -> deque:
        """The CE input queue of `color` at `pe` (created on first use)."""
        return self.inq_of(pe.index, color)

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

    def inq_of(self, p: int, color: int) -> deque:
        """The CE input queue of `color` at PE index `p` (created on first use)."""
        q = self.inq.get((p, color))
        if q is None:
            q = self.inq[(p, color)] = deque()
        return q

    def has_input(self, pe: Pe, color: int) -> bool:
        q = self.inq.get((pe.index, color))
        return bool(q)

    def pop_in(self, pe: Pe, color: int) -> object:
        return self.inq[(pe.index, color)].popleft()

    def room_freed(self, p: int) -> None:
        """The memcpy engine took a wavelet from PE `p`'s D2H output: wake it."""
        if self.rng is None:
            self.live.add(p)

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
            owner = p if frm == "RAMP" and self.rng is None else -1
            port = self.ports[key] = _Port(p, c, frm, self.routers.get((p, c)), owner)
        return port

    def _moves(self, rt: Router, p: int, c: int) -> list[tuple[int, object, object]]:
        """Where a wavelet at router (p, c) goes in the current switch position (cached)."""
        mv = rt.moves.get(rt.pos)
        if mv is not None:
            return mv
        x, y = p % self.width, p // self.width
        mv = []
        for t in rt.cur_tx:
            if t == "RAMP":  # the target is the CE input queue of this color
                mv.append((RAMP_MOVE, self.inq_of(p, c), None))
                continue
            dx, dy = STEP[t]
            nx, ny = x + dx, y + dy
            if 0 <= nx < self.width and 0 <= ny < self.height:
                # The link (p, t) as one int: a cheaper set key than a tuple, checked per hop.
                link = p * 4 + _LINK_DIRS[t]
                mv.append((LINK_MOVE, self.port(ny * self.width + nx, c, OPPOSITE[t]), link))
            else:
                mv.append(
                    (
                        OFF_GRID,
                        f"PE({x},{y}): color {self.color_label(c)} is routed {t}, "
                        f"off the {self.width}x{self.height} rectangle",
                        f"PE({x},{y})",
                    )
                )
        rt.moves[rt.pos] = mv
        return mv

    def _route_step(self) -> bool:
        """Moves every ready wavelet whose route has room, in `active_ports` order (the
        arbitration order). Data wavelets take the inlined fast path below; control
        wavelets go through `_route_control`."""
        progress = False
        now = self.now
        cap = self.params.link_buffer
        in_cap = self.params.input_queue
        arrive = now + self.params.hop_latency  # (a wavelet moved now is ready then)
        used_links: set[int] = set()
        active = self.active_ports
        live = self.live
        wake = 0  # earliest future ready cycle seen (0: none)
        for port in list(active):
            q = port.q
            w = q[0]
            t = w[0]
            if t > now:
                if not wake or t < wake:
                    wake = t
                continue
            plan = port.plan
            if plan is not None and not w[2]:  # the common case, inlined
                kind, tgt, link = plan
                if kind == RAMP_MOVE:
                    if len(tgt) >= in_cap:
                        continue
                    q.popleft()
                    if not q:
                        del active[port]
                    tgt.append(w[1])
                    live.add(port.p)
                else:
                    if link in used_links or len(tgt.q) >= cap:
                        continue
                    q.popleft()
                    if not q:
                        del active[port]
                    used_links.add(link)
                    tgt.q.append((arrive, w[1], False))
                    active[tgt] = None
                if port.owner >= 0:
                    live.add(port.owner)
                progress = True
                continue
            rt = port.router
            if rt is None or port.frm not in rt.rx[rt.pos]:
                continue  # stalls; reported if the fabric goes quiescent
            if w[2]:
                progress |= self._route_control(port, rt, w, used_links)
                continue
            moves = rt.moves.get(rt.pos)
            if moves is None:
                moves = self._moves(rt, port.p, port.c)
            if (
                not rt.has_switches
                and rt.filter is None
                and len(rt.rx) == 1
                and len(moves) == 1
                and moves[0][0] != OFF_GRID
            ):
                port.plan = moves[0]  # a static route: later wavelets take the fast path
            ok = True
            for kind, tgt, link in moves:
                if kind == RAMP_MOVE:  # tgt: the CE's input deque
                    if len(tgt) >= in_cap:
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
            if port.owner >= 0:
                live.add(port.owner)
            progress = True
            for kind, tgt, link in moves:
                if kind == RAMP_MOVE:
                    if rt.filter is None or rt.filter_passes():
                        tgt.append(w[1])
                        live.add(port.p)
                else:
                    used_links.add(link)
                    tgt.q.append((arrive, w[1], False))
                    active[tgt] = None
        if wake:
            self.wake_at(wake)
        return progress

    def _route_control(
        self, port: Port, rt: Router, w: tuple[int, object, bool], used_links: set[int]
    ) -> bool:
        """One ready control wavelet at `port`: forwarded like data, but it ends at the
        first RAMP delivery, activates a control task there, and advances switches."""
        p, c, now = port.p, port.c, self.now
        moves = self._moves(rt, p, c)
        if any(k == RAMP_MOVE for k, _, _ in moves):
            moves = [(RAMP_MOVE, None, None)]  # control ends at the first RAMP delivery
        for kind, tgt, link in moves:
            if kind == LINK_MOVE:
                if link in used_links or len(tgt.q) >= self.params.link_buffer:
                    return False
            elif kind != RAMP_MOVE:
                raise RouteError(tgt, node=link)
        port.q.popleft()
        if not port.q:
            del self.active_ports[port]
        if port.owner >= 0:
            self.live.add(port.owner)
        for kind, tgt, link in moves:
            if kind == RAMP_MOVE:
                self._control_at(p, w[1])
            else:
                used_links.add(link)
                tgt.q.append((now + self.params.hop_latency, w[1], True))
                self.active_ports[tgt] = None
        rt.advance()
        return True

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
        now = self.now
        live = self.live
        pes = self.pes
        if rng is not None:
            for p in list(live):
                pe = pes[p]
                if pe is None:
                    live.discard(p)
                    continue
                if pe.step(now, rng):
                    progress = True
                if pe.busy_until <= now and not pe.has_work():
                    live.discard(p)
            return progress
        timers = self.timers
        while timers and timers[0][0] <= now:
            _, p = heapq.heappop(timers)
            live.add(p)
        for p in sorted(live):
            pe = pes[p]
            if pe is None:
                live.discard(p)
                continue
            if pe.step(now, None):
                progress = True
            if pe.busy_until > now:
                if pe.quiet:
                    live.discard(p)
                    heapq.heappush(timers, (pe.busy_until, p))
            elif pe.quiet or not (pe.inflight or pe.has_work()):
                live.discard(p)
        while timers and pes[timers[0][1]].busy_until != timers[0][0]:
            heapq.heappop(timers)  # stale: the PE was woken earlier and is busy until later
        if timers:
            self.wake_at(timers[0][0])
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
        """Runs cycles until `done()`; raises DeadlockError if the fabric goes quiescent.
        A run that takes long shows a progress bar: its cycle and the PEs at work."""
        t0 = time.perf_counter()
        try:
            with gc_paused(), Progress(what, unit="cycle") as bar:
                # One test per cycle as before: the cycle limit, lowered to the next
                # progress update while a bar may show.
                start = self.now
                every = PROGRESS_EVERY if bar.shown else self.max_cycles
                check_at = min(self.max_cycles, self.now + every)
                while not done():
                    if self.step():
                        self.now += 1
                    elif self._wake is not None:
                        self.now = max(self.now + 1, self._wake)
                    else:
                        raise self.deadlock(what)
                    if self.now > check_at:
                        if self.now > self.max_cycles:
                            raise ExecutionError(
                                f"{what}: still running after {self.max_cycles} cycles"
                            )
                        bar.note(active_PEs=self.active_pes())
                        bar.moved_to(self.now - start)
                        check_at = min(self.max_cycles, self.now + every)
        finally:
            self.wall += time.perf_counter() - t0

    def active_pes(self) -> int:
        """PEs that step this cycle or are busy with an operation."""
        return len(self.live.union(p for _, p in self.timers))

    def quiesce(self, what: str) -> None:
        """Runs until nothing can move; pending work then is a deadlock."""
        self.run_until(lambda: False if self.pending() else not self._busy(), what)

    def _busy(self) -> bool:
        now = self.now
        return (
            any(self.pes[p].busy_until > now for _, p in self.timers)
            or bool(self.live)
            and any(
                pe is not None and (pe.has_work() or pe.busy_until > now)
                for pe in (self.pes[p] for p in self.live)
            )
        )

    def pending(self) -> bool:
        return bool(
            self.active_ports
            or any(self.inq.values())
            or any(self.d2h_buf.values())
            or self.commands
            or self.streams
            or self.cmd_blocked_by
            or any(pe is not None and (pe.running or pe.inflight) for pe in self.pes)
        )

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
            lines.append(
                f"PE({x},{y}): color {self.color_label(c)}: {len(q)} wavelet(s) "
                f"from {src} stuck: {why}"
            )
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
            if (
                q
                and pe is not None
                and not any(t.color == c for t in pe.data_tasks)
                and not pe.running
                and not pe.inflight
            ):
                lines.append(
                    f"{pe.where}: {len(q)} wavelet(s) of color {self.color_label(c)} "
                    "arrived but nothing receives them"
                )
                first = first or pe.where
        if self.cmd_blocked_by is not None:
            waiting = sorted(self.awaiting_unblock)
            pes = ", ".join(f"PE({p % self.width},{p // self.width})" for p in waiting[:8])
            more = "" if len(waiting) <= 8 else f" and {len(waiting) - 8} more"
            lines.append(
                f"command stream blocked since RPC '{self.cmd_blocked_by}': {pes}{more} "
                "never called sys_mod.unblock_cmd_stream()"
            )
            first = first or (pes.split(", ")[0] if pes else None)
        for st in self.streams:
            lines.append(f"{st.describe()} is incomplete: {st.progress_note()}")
        if self.commands:
            lines.append(
                f"{len(self.commands)} host command(s) pending, first: "
                f"{self.commands[0].describe()}"
            )
        shown = lines[:MAX_REPORT_LINES]
        if len(lines) > MAX_REPORT_LINES:
            shown.append(f"... and {len(lines) - MAX_REPORT_LINES} more")
        msg = (
            f"{what}: the fabric is quiescent at cycle {self.now} with pending work\n  "
            + "\n  ".join(shown or ["(nothing identifiable)"])
        )
        hint = None
        if self.cmd_blocked_by is not None:
            hint = (
                f"call sys_mod.unblock_cmd_stream() at the end of '{self.cmd_blocked_by}' "
                "or of its final continuation task"
            )
        return DeadlockError(msg, node=first, hint=hint)

    def stats(self) -> dict[str, float]:
        """Simulated cycles, PE-cycles and PE-cycles per second of host time."""
        pe_cycles = self.now * self.width * self.height
        return {
            "cycles": self.now,
            "pe_cycles": pe_cycles,
            "wall_s": self.wall,
            "pe_cycles_per_s": pe_cycles / self.wall if self.wall else 0.0,
        }
