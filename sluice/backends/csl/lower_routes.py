"""Streams to routes and colors.

Every (phase, stream, sending PE, destination set) is one route: a tree of router
configurations, x first then y from the sender to each destination (a multicast shares the
row part). Colors are assigned greedily over a conflict graph: two routes of one phase that
meet at a PE conflict, and so do routes of different phases that configure a shared PE
differently. Routes that never conflict share a color, across phases too, so one color
serves several epochs wherever its static route allows it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sluice.backends.csl import model as m
from sluice.backends.csl.validate import USER_COLORS
from sluice.errors import UnsupportedError

OPP = {"EAST": "WEST", "WEST": "EAST", "NORTH": "SOUTH", "SOUTH": "NORTH"}
PE = tuple[int, int]


@dataclass(frozen=True)
class RouteKey:
    phase: int
    stream: str
    sender: PE
    dests: tuple[PE, ...]


@dataclass
class RouteTree:
    key: RouteKey
    config: dict[PE, tuple[str, frozenset[str]]]  # PE -> (rx, tx set)


def route_tree(key: RouteKey) -> RouteTree:
    """Configurations of the x-then-y paths from the sender to every destination."""
    rx: dict[PE, str] = {key.sender: "RAMP"}
    tx: dict[PE, set[str]] = {key.sender: set()}
    for dest in key.dests:
        cur = key.sender
        while cur != dest:
            if cur[0] != dest[0]:
                d = "EAST" if dest[0] > cur[0] else "WEST"
                nxt = (cur[0] + (1 if d == "EAST" else -1), cur[1])
            else:
                d = "SOUTH" if dest[1] > cur[1] else "NORTH"
                nxt = (cur[0], cur[1] + (1 if d == "SOUTH" else -1))
            tx[cur].add(d)
            if nxt in rx and rx[nxt] != OPP[d]:
                raise UnsupportedError(f"route of '{key.stream}' from PE{key.sender} reaches "
                                       f"PE{nxt} from two sides")
            rx[nxt] = OPP[d]
            tx.setdefault(nxt, set())
            cur = nxt
        tx[dest].add("RAMP")
    return RouteTree(key, {p: (rx[p], frozenset(tx[p])) for p in rx})


@dataclass
class Routing:
    colors: dict[RouteKey, int]
    trees: list[RouteTree]
    rx_color: dict[tuple[int, str, PE], int]  # (phase, stream, receiver) -> color

    def layout_routes(self, names: dict[int, str]) -> tuple[m.Route, ...]:
        cfg: dict[tuple[PE, int], tuple[str, frozenset[str]]] = {}
        for t in self.trees:
            c = self.colors[t.key]
            for p, conf in t.config.items():
                cfg[(p, c)] = conf
        order = sorted(cfg, key=lambda k: (k[0][1], k[0][0], k[1]))
        dir_order = {d: i for i, d in enumerate(m.DIRECTIONS)}
        return tuple(
            m.Route(p[0], p[1], names[c], (cfg[(p, c)][0],),
                    tuple(sorted(cfg[(p, c)][1], key=dir_order.__getitem__)))
            for p, c in order)


def assign(keys: list[RouteKey], auto: bool) -> Routing:
    """Colors for `keys`: greedy conflict-free colouring (`auto`), or one color per route."""
    trees = [route_tree(k) for k in keys]
    colors: dict[RouteKey, int] = {}
    at: dict[PE, list[tuple[RouteTree, int]]] = {}
    limit = USER_COLORS.stop
    for i, t in enumerate(trees):
        if not auto:
            c = i
        else:
            banned: set[int] = set()
            for p, conf in t.config.items():
                for other, oc in at.get(p, ()):
                    if other.key.phase == t.key.phase or other.config[p] != conf:
                        banned.add(oc)
            c = next(c for c in range(limit + 1) if c not in banned)
        if c >= limit:
            raise UnsupportedError(
                f"the kernel needs more than {limit} colors for its routes "
                f"({len(trees)} routes)", hint="enable automatic color assignment" if not auto
                else "use fewer concurrent streams per PE")
        colors[t.key] = c
        for p in t.config:
            at.setdefault(p, []).append((t, c))
    rx: dict[tuple[int, str, PE], int] = {}
    for t in trees:
        for p, (_, txs) in t.config.items():
            if "RAMP" not in txs:
                continue
            k = (t.key.phase, t.key.stream, p)
            if k in rx and rx[k] != colors[t.key]:
                rx[k] = -1  # two senders reach this PE on one stream: ambiguous
            else:
                rx.setdefault(k, colors[t.key])
    return Routing(colors, trees, rx)
