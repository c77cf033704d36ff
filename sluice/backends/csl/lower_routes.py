"""Streams to routes and colors.

Every (phase, stream, sending PE, destination set) is one route: a tree of router
configurations, x first then y from the sender to each destination (a multicast shares the
row part). Colors are assigned greedily over a conflict graph: two routes of one phase that
meet at a PE conflict, and so do routes of different phases that configure a shared PE
differently. Routes that never conflict share a color, across phases too, so one color
serves several epochs wherever its static route allows it.

Router switching (`CslOptions.router_switching`) lets routes of different phases share a
color even where they configure a PE differently. That PE's router gets the earliest
route's configuration as its base and the later ones as switch positions, in phase order;
each route that is not the last one at such a PE has its sender emit a control wavelet
after its epoch's data, which advances every switch-configured router it passes. A color
takes a route only where `plan_color` proves this safe:

* every switched PE lies in the *control reach* of each of its routes but the last: the part
  of the route's tree a control wavelet travels before it stops at the first router that
  delivers to the RAMP (so nothing past an intermediate multicast delivery may switch);
* no control wavelet reaches a switched PE whose last route it is (it would advance past
  the last position), and no epoch-end sentinel (close elision off) reaches a switched PE;
* the hardware limits hold: at most 3 positions, on WSE-2 a position changes rx or tx and
  never both, a position sends to one direction, on WSE-3 only the switchable color IDs.

Why a later epoch's wavelets cannot be misrouted then: a wavelet of route j reaching a
switched PE P still at route i < j either comes from a side P does not accept yet (it
waits there: back-pressure) or from the same neighbour N as route i's wavelets. Walking
back through N and PEs that configure both routes alike, one meets a switched PE, which
forwarded j's wavelet only after i's control wavelet (which is then ahead of it on every
link down to P, as links keep order per color), or the common sender, which sends i's
control wavelet before phase j starts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sluice.csl import model as m
from sluice.csl.validate import MAX_SWITCH_POSITIONS, USER_COLORS, WSE3_SWITCHABLE
from sluice.errors import UnsupportedError

OPP = {"EAST": "WEST", "WEST": "EAST", "NORTH": "SOUTH", "SOUTH": "NORTH"}
STEP = {"EAST": (1, 0), "WEST": (-1, 0), "NORTH": (0, -1), "SOUTH": (0, 1)}
PE = tuple[int, int]
Config = tuple[str, frozenset[str]]
# Payload of the switch-advancing control wavelet. Our simulator reads a control wavelet's
# low 6 bits as the control task it activates at the RAMP where it stops; no PE binds ID 63,
# so the wavelet only advances switches.
SWITCH_ADVANCE = 63


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


def control_reach(t: RouteTree) -> frozenset[PE]:
    """The PEs whose routers a control wavelet from the sender passes: it follows the tree
    and stops at the first router that delivers to the RAMP on each branch."""
    out: set[PE] = set()
    todo = [t.key.sender]
    while todo:
        p = todo.pop()
        out.add(p)
        _, txs = t.config[p]
        if "RAMP" in txs:
            continue
        todo += [(p[0] + STEP[d][0], p[1] + STEP[d][1]) for d in txs]
    return frozenset(out)


def _position(base: Config, conf: Config, arch: str) -> m.SwitchPos | None:
    """`conf` as a switch position over `base` (an unset side keeps the base), or None."""
    (rx0, tx0), (rx1, tx1) = base, conf
    if tx1 == tx0:
        return m.SwitchPos(rx=rx1)
    if len(tx1) != 1:
        return None  # a position sends to one direction
    (tx,) = tx1
    if rx1 == rx0:
        return m.SwitchPos(tx=tx)
    return m.SwitchPos(rx=rx1, tx=tx) if arch == "wse3" else None


@dataclass
class ColorPlan:
    """How the routes on one color share it: switch positions per switched PE and the
    routes whose senders emit a switch-advancing control wavelet after their epoch."""

    switches: dict[PE, tuple[Config, tuple[m.SwitchPos, ...]]]
    emit: frozenset[RouteKey]


def plan_color(trees: list[RouteTree], cid: int, arch: str, switching: bool,
               sentinels: frozenset[RouteKey] = frozenset()) -> ColorPlan | None:
    """A safe way for `trees` to share color `cid`, or None (see the module doc)."""
    at: dict[PE, list[RouteTree]] = {}
    for t in trees:
        for p in t.config:
            at.setdefault(p, []).append(t)
    switched: dict[PE, list[RouteTree]] = {}
    switches: dict[PE, tuple[Config, tuple[m.SwitchPos, ...]]] = {}
    for p, ts in at.items():
        ts.sort(key=lambda t: t.key.phase)
        if any(a.key.phase == b.key.phase for a, b in zip(ts, ts[1:], strict=False)):
            return None  # one phase, one PE: the routes would be live together
        confs = [t.config[p] for t in ts]
        if all(c == confs[0] for c in confs):
            continue
        if not switching or len(ts) > 1 + MAX_SWITCH_POSITIONS \
                or (arch == "wse3" and cid not in WSE3_SWITCHABLE):
            return None
        pos = [_position(confs[0], c, arch) for c in confs[1:]]
        if any(q is None for q in pos):
            return None
        switched[p] = ts
        switches[p] = (confs[0], tuple(q for q in pos if q is not None))
    reach: dict[RouteKey, frozenset[PE]] = {}
    by_key = {t.key: t for t in trees}

    def reach_of(k: RouteKey) -> frozenset[PE]:
        if k not in reach:
            reach[k] = control_reach(by_key[k])
        return reach[k]

    emit: set[RouteKey] = set()
    for p, ts in switched.items():
        for t in ts[:-1]:
            if p not in reach_of(t.key):
                return None  # its control wavelet would not switch this router
            emit.add(t.key)
    for k in emit | (sentinels & by_key.keys()):
        for p in reach_of(k) & switched.keys():
            if k in sentinels or switched[p][-1].key == k:
                return None  # a control wavelet would advance a router once too often
    return ColorPlan(switches, frozenset(emit))


@dataclass
class Routing:
    colors: dict[RouteKey, int]
    trees: list[RouteTree]
    rx_color: dict[tuple[int, str, PE], int]  # (phase, stream, receiver) -> color
    plans: dict[int, ColorPlan] = field(default_factory=dict)

    @property
    def emit(self) -> frozenset[RouteKey]:
        """Routes whose sender advances the switches of its color after its epoch."""
        return frozenset(k for p in self.plans.values() for k in p.emit)

    def tree(self, key: RouteKey) -> RouteTree:
        return next(t for t in self.trees if t.key == key)

    def layout_routes(self, names: dict[int, str]) -> tuple[m.Route, ...]:
        cfg: dict[tuple[PE, int], Config] = {}
        for t in self.trees:
            c = self.colors[t.key]
            for p, conf in t.config.items():
                cfg[(p, c)] = conf
        sw: dict[tuple[PE, int], m.Switches] = {}
        for c, plan in self.plans.items():
            for p, (base, pos) in plan.switches.items():
                cfg[(p, c)] = base
                sw[(p, c)] = m.Switches(pos)
        order = sorted(cfg, key=lambda k: (k[0][1], k[0][0], k[1]))
        return tuple(m.Route(p[0], p[1], names[c], (cfg[(p, c)][0],), _in_order(cfg[(p, c)][1]),
                             sw.get((p, c)))
                     for p, c in order)


    def phase_routes(self, names: dict[int, str]) -> tuple[tuple[int, tuple[m.Route, ...]], ...]:
        """Per phase (in order), the routes it uses as they are configured while it runs (a
        switched router's position for that phase, not its base configuration): what a
        picture per phase draws. Two routes of one phase never share a PE and a color."""
        by_phase: dict[int, list[m.Route]] = {}
        for t in self.trees:
            color = names[self.colors[t.key]]
            for (x, y), (rx, txs) in t.config.items():
                by_phase.setdefault(t.key.phase, []).append(
                    m.Route(x, y, color, (rx,), _in_order(txs)))
        return tuple((k, tuple(sorted(rs, key=lambda r: (r.y, r.x, r.color))))
                     for k, rs in sorted(by_phase.items()))


_DIRECTION_ORDER = {d: i for i, d in enumerate(m.DIRECTIONS)}


def _in_order(directions: frozenset[str]) -> tuple[str, ...]:
    """A router's tx directions in the model's order (the printed CSL is deterministic)."""
    return tuple(sorted(directions, key=_DIRECTION_ORDER.__getitem__))


def assign(keys: list[RouteKey], auto: bool, switching: bool = False, arch: str = "wse2",
           sentinels: frozenset[RouteKey] = frozenset(), limit: int = USER_COLORS.stop
           ) -> Routing:
    """Colors for `keys`: greedy conflict-free colouring (`auto`), or one color per route.

    With `switching`, a route that would need a new color first tries to share an existing
    one through router switches (`plan_color`); switches (and their control wavelets) are
    kept only where they save colors. `sentinels` are routes that carry epoch-end control
    wavelets; `limit` caps the number of colors (the user colors by default)."""
    if not (auto and switching):
        return _assign(keys, auto, False, arch, sentinels, limit)
    try:
        static = _assign(keys, auto, False, arch, sentinels, limit)
    except UnsupportedError:
        return _assign(keys, auto, True, arch, sentinels, limit)
    switched = _assign(keys, auto, True, arch, sentinels, limit)
    used = len(set(static.colors.values()))
    return switched if len(set(switched.colors.values())) < used else static


def _assign(keys: list[RouteKey], auto: bool, switching: bool, arch: str,
            sentinels: frozenset[RouteKey], limit: int) -> Routing:
    trees = [route_tree(k) for k in keys]
    colors: dict[RouteKey, int] = {}
    at: dict[PE, list[tuple[RouteTree, int]]] = {}
    groups: list[list[RouteTree]] = []
    plans: dict[int, ColorPlan] = {}
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
            if c == len(groups) and switching:
                for cand in range(len(groups)):
                    plan = plan_color(groups[cand] + [t], cand, arch, True, sentinels)
                    if plan is not None:
                        c, plans[cand] = cand, plan
                        break
        if c >= limit:
            raise UnsupportedError(
                f"the kernel needs more than {limit} colors for its routes "
                f"({len(trees)} routes)", hint="enable automatic color assignment" if not auto
                else "use fewer concurrent streams per PE" if switching
                else "enable router switching")
        colors[t.key] = c
        for p in t.config:
            at.setdefault(p, []).append((t, c))
        while len(groups) <= c:
            groups.append([])
        groups[c].append(t)
        if c in plans:
            # a statically compatible route may change which routes end last at a PE
            plan = plan_color(groups[c], c, arch, switching, sentinels)
            if plan is None:  # cannot happen: it configures every PE it shares alike
                raise UnsupportedError(f"color {c} lost its router switching plan")
            plans[c] = plan
    plans = {c: p for c, p in plans.items() if p.switches}
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
    return Routing(colors, trees, rx, plans)
