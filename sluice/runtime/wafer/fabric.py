"""Routers and links: per-color routes with switch positions and filters, finite buffers.

A wavelet waiting in the buffer of router input (PE, color, from-direction) moves when the
color's current route accepts that direction and every `tx` destination has room: a
neighbour's buffer (crossing a link at most once per cycle) or the CE's input queue
(`RAMP`). Multicast moves all copies at once; otherwise the wavelet waits (back-pressure).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from sluice.csl import model as m

OPPOSITE = {"NORTH": "SOUTH", "SOUTH": "NORTH", "EAST": "WEST", "WEST": "EAST"}
STEP = {"NORTH": (0, -1), "SOUTH": (0, 1), "EAST": (1, 0), "WEST": (-1, 0)}


@dataclass
class Router:
    """The route of one color at one PE; position 0 is the base route."""

    rx: list[frozenset[str]]
    tx: list[tuple[str, ...]]
    pos: int = 0
    ring: bool = False
    has_switches: bool = False
    filter: m.Filter | None = None
    counter: int = 0
    moves: dict[int, list[tuple[int, object, object]]] = field(default_factory=dict)

    @classmethod
    def from_route(cls, r: m.Route) -> Router:
        rx, tx = [frozenset(r.rx)], [tuple(r.tx)]
        pos, ring = 0, False
        if r.switches is not None:
            for p in r.switches.positions:
                rx.append(frozenset([p.rx]) if p.rx is not None else rx[0])
                tx.append((p.tx,) if p.tx is not None else tx[0])
            pos, ring = r.switches.current, r.switches.ring_mode
        f = r.filter
        return cls(rx, tx, pos, ring, r.switches is not None, f,
                   f.init_counter if f is not None else 0)

    @property
    def cur_rx(self) -> frozenset[str]:
        return self.rx[self.pos]

    @property
    def cur_tx(self) -> tuple[str, ...]:
        return self.tx[self.pos]

    def advance(self) -> None:
        """A control wavelet passed: move to the next switch position."""
        if not self.has_switches:
            return
        last = len(self.rx) - 1
        if self.pos < last:
            self.pos += 1
        elif self.ring:
            self.pos = 0

    def filter_passes(self) -> bool:
        """Counter filter on RAMP delivery (our arithmetic: pass while counter <= limit1,
        wrapping after max_counter)."""
        f = self.filter
        if f is None:
            return True
        ok = self.counter <= f.limit1
        self.counter = self.counter + 1 if self.counter < f.max_counter else 0
        return ok


class Port:
    """A router input (PE, color, from-direction) and its wavelet buffer. Wavelets are
    tuples (ready cycle, payload, is_control)."""

    __slots__ = ("p", "c", "frm", "q", "router")

    def __init__(self, p: int, c: int, frm: str, router: Router | None) -> None:
        self.p, self.c, self.frm = p, c, frm
        self.q: deque[tuple[int, object, bool]] = deque()
        self.router = router


RAMP_MOVE, LINK_MOVE, OFF_GRID = 0, 1, 2
