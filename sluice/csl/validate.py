"""Hardware-limit validators for CSL models (docs/CSL.md §1.4 and §2.2 item 10).

`check(program)` returns every violation as a `VerificationError` whose `rule` names the
broken rule and whose `node` names the PE (`PE(x,y)`); `validate(program)` raises the first.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from sluice.csl import model as m
from sluice.errors import VerificationError
from sluice.wafer import FABRIC_SIZE

USER_COLORS = range(0, 21)
RESERVED_COLORS = {21, 22, 23, 27, 28, 29, 30, 31}  # memcpy and system ([doc] topic-06)
LOCAL_TASK_IDS = {"wse2": range(8, 21), "wse3": range(8, 28)}
CONTROL_TASK_IDS = range(0, 64)
# Queues a fabric DSD or WSE-3 data task may use; memcpy owns WSE-3 queues 0 and 1.
FABRIC_QUEUES = {"wse2": range(0, 8), "wse3": range(2, 8)}
WSE3_SWITCHABLE = frozenset([*range(0, 10), 12, 13, 16, 17, 20])
MAX_SWITCH_POSITIONS = 3  # beyond the base route
USABLE_FILTERS = 3  # 4 per PE, one taken by memcpy
SRAM_BYTES = {"wse2": 48 * 1024, "wse3": 48 * 1024}
# Memory a PE loses to the memcpy runtime, task tables and code before user fields: an
# estimate, as no public number exists; it keeps near-full programs from passing.
RUNTIME_FOOTPRINT = 8 * 1024


def validate(program: m.CslProgram) -> None:
    """Raises the first violation, if any."""
    errors = check(program)
    if errors:
        raise errors[0]


def check(program: m.CslProgram) -> list[VerificationError]:
    """All violations of the hardware limits, layout first, then per PE."""
    errors = list(_layout(program))
    if program.layout.arch not in m.ARCHS:
        return errors
    return errors + list(_pes(program))


def _err(rule: str, msg: str, x: int | None = None, y: int | None = None,
         hint: str | None = None) -> VerificationError:
    node = f"PE({x},{y})" if x is not None else None
    return VerificationError(rule, msg, node=node, hint=hint)


def _layout(prog: m.CslProgram) -> Iterator[VerificationError]:
    lay = prog.layout
    if lay.arch not in m.ARCHS:
        yield _err("arch", f"unknown architecture {lay.arch!r}; use one of {m.ARCHS}")
        return
    fw, fh = FABRIC_SIZE[lay.arch]
    halo_w, halo_h = (7, 1) if lay.memcpy is not None else (0, 0)
    if not (1 <= lay.width and lay.width + halo_w <= fw and 1 <= lay.height
            and lay.height + halo_h <= fh):
        yield _err("rectangle", f"{lay.width}x{lay.height} rectangle (plus memcpy halo) does "
                                f"not fit the {fw}x{fh} {lay.arch} fabric")
    names = Counter(c.name for c in lay.colors)
    ids = Counter(c.id for c in lay.colors)
    for c in lay.colors:
        if names[c.name] > 1 or ids[c.id] > 1:
            yield _err("color-duplicate", f"color {c.name} (ID {c.id}) is declared twice")
        if c.id not in USER_COLORS:
            why = "reserved for memcpy/system" if c.id in RESERVED_COLORS else "not a user color"
            yield _err("color-range", f"color {c.name} has ID {c.id}: {why}; user colors are "
                                      f"{USER_COLORS.start}-{USER_COLORS.stop - 1}")
    seen: set[tuple[int, int, str]] = set()
    filters: Counter[tuple[int, int]] = Counter()
    for r in lay.routes:
        yield from _route(lay, r, seen)
        if r.filter is not None:
            filters[(r.x, r.y)] += 1
    for (x, y), n in filters.items():
        if n > USABLE_FILTERS:
            yield _err("filters-per-pe", f"{n} filters; at most {USABLE_FILTERS} are usable "
                                         "(memcpy takes one of 4)", x, y)
    yield from _names(prog)
    yield from _placements(prog)
    yield from _exports(prog)


def _route(lay: m.Layout, r: m.Route, seen: set) -> Iterator[VerificationError]:
    x, y = r.x, r.y
    if lay.color_id(r.color) is None:
        yield _err("route-color", f"route names undeclared color {r.color}", x, y)
        return
    if (x, y, r.color) in seen:
        yield _err("route-duplicate", f"color {r.color} is configured twice", x, y)
    seen.add((x, y, r.color))
    if not (0 <= x < lay.width and 0 <= y < lay.height):
        yield _err("route-bounds", f"route for {r.color} outside the rectangle", x, y)
        return
    for d in (*r.rx, *r.tx):
        if d not in m.DIRECTIONS:
            yield _err("route-direction", f"unknown direction {d} for {r.color}", x, y)
    outs = set(r.tx) | {p.tx for p in (r.switches.positions if r.switches else ()) if p.tx}
    for d in outs:
        dx, dy = {"NORTH": (0, -1), "SOUTH": (0, 1), "EAST": (1, 0), "WEST": (-1, 0)}.get(d, (0, 0))
        if d != "RAMP" and not (0 <= x + dx < lay.width and 0 <= y + dy < lay.height):
            yield _err("route-bounds", f"color {r.color} is sent {d}, off the rectangle", x, y)
    sw = r.switches
    if sw is None:
        return
    if len(sw.positions) > MAX_SWITCH_POSITIONS:
        yield _err("switch-positions", f"color {r.color} has {len(sw.positions)} switch "
                                       f"positions; at most {MAX_SWITCH_POSITIONS} beyond the "
                                       "base route", x, y)
    if not 0 <= sw.current <= len(sw.positions):
        yield _err("switch-positions", f"current_switch_pos {sw.current} does not exist", x, y)
    cid = lay.color_id(r.color)
    for k, p in enumerate(sw.positions, start=1):
        if lay.arch == "wse2" and (p.rx is None) == (p.tx is None):
            yield _err("switch-direction", f"color {r.color} pos{k} must set either rx or tx, "
                                           "not both or neither, on WSE-2", x, y)
        if lay.arch == "wse3" and p.rx is None and p.tx is None:
            yield _err("switch-direction", f"color {r.color} pos{k} sets nothing", x, y)
    if lay.arch == "wse3" and cid not in WSE3_SWITCHABLE:
        yield _err("switchable-color", f"color {r.color} (ID {cid}) cannot switch on WSE-3; "
                                       f"switchable IDs are {sorted(WSE3_SWITCHABLE)}", x, y)


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# Words our CSL subset reserves (keywords, builtin types, names the printer itself emits).
RESERVED_NAMES = frozenset({
    "and", "or", "true", "false", "var", "const", "param", "fn", "task", "comptime", "layout",
    "for", "while", "if", "else", "void", "return", "color", "comptime_struct", "sys_mod",
    "memcpy", "memcpy_params", "mem1d_dsd", "fabin_dsd", "fabout_dsd", "data_task_id",
    "local_task_id", "control_task_id", "RAMP", "NORTH", "SOUTH", "EAST", "WEST", "i",
    *m.DTYPES,
})


def declared_names(p: m.PeProgram) -> tuple[list[str], list[str]]:
    """The file-level names a PE program declares (the printed `<field>_ptr` and
    `<task>_task_id` included, once per declaration) and its local names (task parameters,
    loop variables, locals)."""
    names = ([q.name for q in p.params] + [f.name for f in p.fields]
             + [d.name for d in p.dsds] + [f.name for f in p.functions]
             + [t.name for t in p.tasks] + [f"{e}_ptr" for e in p.exports]
             + [f"{t.name}_task_id" for t in p.tasks])
    local_names = [t.param.name for t in p.tasks if t.param is not None]
    for body in [f.body for f in p.functions] + [t.body for t in p.tasks]:
        for st in _stmts(body):
            if isinstance(st, m.For):
                local_names.append(st.var)
            elif isinstance(st, m.LocalVar):
                local_names.append(st.name)
    return names, local_names


def _names(prog: m.CslProgram) -> Iterator[VerificationError]:
    """Names must be CSL identifiers, not reserved words, and unique per PE program; the
    names the printer derives (`<field>_ptr`, `<task>_task_id`) must not collide either, and
    no local may shadow a file-level name."""
    def bad(name: str) -> bool:
        return not _IDENT.match(name) or name in RESERVED_NAMES

    for c in prog.layout.colors:
        if bad(c.name):
            yield _err("identifier", f"color name {c.name!r} is not a usable CSL identifier")
    seen_programs: set[str] = set()
    for v in prog.variants:
        p = v.program
        if p.name in seen_programs:
            continue
        seen_programs.add(p.name)
        if bad(p.name) or p.name == "layout":
            yield _err("identifier", f"program name {p.name!r} is not a usable file stem")
        names, local_names = declared_names(p)
        for body in [f.body for f in p.functions] + [t.body for t in p.tasks]:
            for st in _stmts(body):
                if isinstance(st, m.UnblockCmdStream) and not p.uses_memcpy:
                    yield _err("memcpy", f"{p.filename} calls sys_mod.unblock_cmd_stream() "
                                         "without importing memcpy")
        for name in set(local_names):
            if bad(name):
                yield _err("identifier", f"{p.filename}: local {name!r} is not a usable CSL "
                                         "identifier")
        # CSL, like Zig, refuses a local that shadows a file-level name; a model that has one
        # would print as text whose meaning changes (`k[0]` on the loop variable `k`)
        for name in sorted(set(local_names) & set(names)):
            yield _err("name-shadow", f"{p.filename}: local {name!r} shadows a file-level "
                                      "name")
        for name, count in Counter(names).items():
            if bad(name):
                yield _err("identifier", f"{p.filename}: {name!r} is not a usable CSL "
                                         "identifier")
            if count > 1:
                yield _err("name-duplicate", f"{p.filename}: {name!r} is declared {count} "
                                             "times (printed names included)")


def _placements(prog: m.CslProgram) -> Iterator[VerificationError]:
    lay = prog.layout
    where: Counter[tuple[int, int]] = Counter()
    files: dict[str, m.PeProgram] = {}
    for v in prog.variants:
        other = files.setdefault(v.program.filename, v.program)
        if other != v.program:
            yield _err("variant-file", f"two different programs share {v.program.filename}")
        for p in v.placements:
            where[(p.x, p.y)] += 1
            if not (0 <= p.x < lay.width and 0 <= p.y < lay.height):
                yield _err("tile-bounds", "tile code outside the rectangle", p.x, p.y)
            params = {q.name: q for q in v.program.params}
            for k, _ in p.bindings:
                if k not in params:
                    yield _err("param-binding", f"binds {k}, which {v.program.filename} does "
                                                "not declare", p.x, p.y)
            for q in v.program.params:
                val = p.binding(q.name)
                if val is None:
                    yield _err("param-binding", f"param {q.name} of {v.program.filename} is "
                                                "not bound", p.x, p.y)
                elif q.dtype == "color" and not (isinstance(val, m.ColorRef)
                                                  and lay.color_id(val.name) is not None):
                    yield _err("param-binding", f"color param {q.name} must be bound to a "
                                                f"declared color, not {val!r}", p.x, p.y)
                elif q.dtype != "color" and isinstance(val, m.ColorRef):
                    yield _err("param-binding", f"param {q.name}: {q.dtype} bound to a color",
                               p.x, p.y)
            if v.program.uses_memcpy and lay.memcpy is None:
                yield _err("memcpy", f"{v.program.filename} imports memcpy but the layout does "
                                     "not", p.x, p.y)
    for (x, y), n in where.items():
        if n > 1:
            yield _err("tile-duplicate", f"{n} tile codes for one PE", x, y)


def _exports(prog: m.CslProgram) -> Iterator[VerificationError]:
    lay_exports = {e.name: e for e in prog.layout.exports}
    used: set[str] = set()
    for v in prog.variants:
        p = v.program
        for name in p.exports:
            used.add(name)
            e = lay_exports.get(name)
            f = p.field(name)
            if e is None or e.kind != "data":
                yield _err("export", f"{p.filename} exports data '{name}' that layout.csl "
                                     "does not declare with @export_name")
            elif f is None or f.dtype != e.dtype:
                yield _err("export", f"'{name}' is exported as [*]{e.dtype} but "
                                     f"{p.filename} has {f.dtype if f else 'no such field'}")
            elif f.length is None:
                yield _err("export", f"{p.filename} exports scalar '{name}'; memcpy needs an "
                                     "array (use a 1-element array)")
        for name in p.rpcs:
            used.add(name)
            e = lay_exports.get(name)
            if e is None or e.kind != "fn" or p.function(name) is None:
                yield _err("export", f"{p.filename} exports function '{name}' without a "
                                     "matching @export_name or fn definition")
    for name in lay_exports:
        if name not in used:
            yield _err("export", f"layout exports '{name}' but no PE program exports it")


# ---------------------------------------------------------------------------------------
# Per-PE checks


def _static(e: m.Expr | None, env: dict[str, object]) -> int | None:
    """Value of a compile-time integer expression over bound params, or None."""
    match e:
        case m.Lit(value=v) if isinstance(v, int):
            return int(v)
        case m.Name(id=n) if isinstance(env.get(n), int):
            return env[n]
        case m.Cast(value=v):
            return _static(v, env)
        case m.UnOp(op="-", operand=v):
            a = _static(v, env)
            return None if a is None else -a
        case m.BinOp(op=op, lhs=a, rhs=b) if op in "+-*/%":
            x, y = _static(a, env), _static(b, env)
            if x is None or y is None or (op in "/%" and y == 0):
                return None
            return {"+": x + y, "-": x - y, "*": x * y,
                    "/": int(x / y), "%": x - y * int(x / y)}[op]
    return None


def _stmts(stmts: tuple[m.Stmt, ...]) -> Iterator[m.Stmt]:
    for s in stmts:
        yield s
        for attr in ("body", "then", "orelse"):
            inner = getattr(s, attr, ())
            if inner:  # an empty body opens no generator (run once per PE per statement)
                yield from _stmts(inner)


def _ramp_in(route: m.Route | None, side: str) -> bool:
    if route is None:
        return False
    pos = route.switches.positions if route.switches else ()
    dirs = set(getattr(route, side)) | {getattr(p, side) for p in pos}
    return "RAMP" in dirs


def _pes(prog: m.CslProgram) -> Iterator[VerificationError]:
    lay = prog.layout
    routes = {(r.x, r.y, lay.color_id(r.color)): r for r in lay.routes}
    memcpy_colors = set()
    if lay.memcpy is not None:
        memcpy_colors = {lay.color_id(c) for _, c in (*lay.memcpy.h2d, *lay.memcpy.d2h)}
    for v in prog.variants:
        # a program's unknown task references do not depend on its placement: found once
        bad_refs = list(_unknown_task_refs(v.program))
        for pl in v.placements:
            yield from _pe(prog, v.program, pl, routes, memcpy_colors, bad_refs)


def _unknown_task_refs(p: m.PeProgram) -> Iterator[str]:
    """The task names `p`'s bodies activate, block, unblock or signal that it does not
    declare, in body order."""
    names = {t.name for t in p.tasks}
    for body in [f.body for f in p.functions] + [t.body for t in p.tasks]:
        for s in _stmts(body):
            refs = []
            if isinstance(s, (m.Activate, m.Block, m.Unblock)):
                refs.append(s.task)
            if isinstance(s, m.DsdOp):
                refs += [r for r in (s.activate, s.unblock) if r is not None]
            yield from (r for r in refs if r not in names)


def _pe(prog: m.CslProgram, p: m.PeProgram, pl: m.Placement, routes: dict,
        memcpy_colors: set, bad_refs: list[str]) -> Iterator[VerificationError]:
    arch, x, y = prog.layout.arch, pl.x, pl.y
    env = {k: v for k, v in pl.bindings if isinstance(v, int)}

    def color(ref: str) -> int | None:
        return prog.resolve_color(pl, ref)

    # tasks and IDs
    ids: dict[tuple[str, int], str] = {}
    for t in p.tasks:
        space, tid = "task", t.id
        if t.kind == "local" and (t.id is None or t.id not in LOCAL_TASK_IDS[arch]):
            r = LOCAL_TASK_IDS[arch]
            yield _err("local-task-range", f"local task {t.name} has ID {t.id}; {arch} allows "
                                           f"{r.start}-{r.stop - 1}", x, y)
        if t.kind == "control":
            space = "control"
            if t.id is None or t.id not in CONTROL_TASK_IDS:
                yield _err("control-task-range", f"control task {t.name} has ID {t.id}; "
                                                 "allowed 0-63", x, y)
        if t.kind == "data":
            if arch == "wse2":
                if t.color is None or color(t.color) is None:
                    yield _err("data-task-binding", f"data task {t.name} must bind to a color "
                                                    "on WSE-2 (its ID is the color ID)", x, y)
                    continue
                tid = color(t.color)
            else:
                if t.queue is None:
                    yield _err("data-task-binding", f"data task {t.name} must bind to an input "
                                                    "queue on WSE-3", x, y)
                    continue
                if t.queue not in FABRIC_QUEUES["wse3"]:
                    yield _err("queue-range", f"data task {t.name} uses input queue {t.queue}; "
                                              "memcpy owns 0-1, so use 2-7", x, y)
                q = next((q for q in p.queues if q.direction == "input" and q.queue == t.queue),
                         None)
                if q is None:
                    yield _err("data-task-binding", f"input queue {t.queue} of data task "
                                                    f"{t.name} is never bound with "
                                                    "@initialize_queue", x, y)
                    continue
                tid = t.queue
            c = color(t.color) if t.color else color(
                next(q.color for q in p.queues if q.direction == "input" and q.queue == t.queue))
            if c not in memcpy_colors and not _ramp_in(routes.get((x, y, c)), "tx"):
                yield _err("data-task-route", f"data task {t.name} listens on color "
                                              f"{c} but no route here has RAMP in tx", x, y)
        if tid is None:
            continue
        prev = ids.get((space, tid))
        if prev is not None:
            yield _err("task-id-unique", f"tasks {prev} and {t.name} share {space} ID {tid}",
                       x, y)
        ids[(space, tid)] = t.name
    # task references
    for r in bad_refs:
        yield _err("task-ref", f"{p.filename} refers to unknown task {r}", x, y)
    # fabric DSDs and queues
    inits: dict[tuple[str, int], int | None] = {}
    for q in p.queues:
        key = (q.direction, q.queue)
        if key in inits and inits[key] != color(q.color):
            yield _err("queue-conflict", f"{q.direction} queue {q.queue} bound to two colors",
                       x, y)
        inits[key] = color(q.color)
        if q.queue not in FABRIC_QUEUES[arch]:
            yield _err("queue-range", f"{q.direction} queue {q.queue} out of range", x, y)
    for d in p.dsds:
        if isinstance(d, m.Mem1dDsd):
            continue
        c = color(d.color)
        direction = "input" if isinstance(d, m.FabinDsd) else "output"
        qr = FABRIC_QUEUES[arch]
        if d.queue not in qr:
            yield _err("queue-range", f"DSD {d.name} uses {direction} queue {d.queue}; {arch} "
                                      f"allows {qr.start}-{qr.stop - 1}", x, y)
        if c is None:
            yield _err("dsd-color", f"DSD {d.name} names unknown color {d.color}", x, y)
            continue
        if arch == "wse3" and inits.get((direction, d.queue), c) != c:
            yield _err("queue-conflict", f"DSD {d.name} uses {direction} queue {d.queue}, "
                                         "which is bound to another color", x, y)
        if c in memcpy_colors:
            continue
        if isinstance(d, m.FabinDsd) and not _ramp_in(routes.get((x, y, c)), "tx"):
            yield _err("fabin-route", f"fabin DSD {d.name} reads color {c} but no route here "
                                      "has RAMP in tx", x, y)
        if isinstance(d, m.FaboutDsd) and not _ramp_in(routes.get((x, y, c)), "rx"):
            yield _err("fabout-route", f"fabout DSD {d.name} sends on color {c} but no route "
                                       "here has RAMP in rx", x, y)
    # memory
    total = RUNTIME_FOOTPRINT
    for f in p.fields:
        n = 1 if f.length is None else _static(f.length, env)
        if n is None:
            yield _err("sram", f"field {f.name} has no compile-time length", x, y)
            continue
        total += n * m.DTYPE_BYTES[f.dtype]
    if total > SRAM_BYTES[arch]:
        yield _err("sram", f"{total} bytes of SRAM needed (including a {RUNTIME_FOOTPRINT}-byte "
                           f"runtime footprint); a {arch} PE has {SRAM_BYTES[arch]}", x, y)
