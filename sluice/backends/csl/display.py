"""How CSL artifacts show themselves: a one-line `repr`, and in Jupyter a summary (files,
PE grid, tile variants, colours, tasks, host steps) with pictures of the PE grid — PEs
shaded by the tile variant they run, routes as arrows: one picture per colour, or for a
kernel of several phases one per phase (its routes as configured then, an ink per colour)."""

from __future__ import annotations

import html
from collections import Counter
from typing import TYPE_CHECKING

from sluice import display
from sluice.csl import model as m

if TYPE_CHECKING:
    from sluice.backends.csl.compile import CslArtifacts

# Pictures of larger grids draw the variants only: thousands of arrows say nothing.
MAX_ROUTED_PES = 32 * 32
MAX_PICTURES = 8  # colours drawn; the table lists them all
_PICTURE_WIDTH = 240  # pixels, whatever the grid
_VARIANT_FILLS = ("#dbe8f6", "#f6e3c8", "#dff0d8", "#f2dede", "#e8e0f0", "#fcf8d0",
                  "#d9f0f0", "#eeeeee")
_ROUTE_STROKE = "#1f5fa8"
# inks of the colours in a picture per phase (dark enough on every variant fill)
_INKS = ("#1f5fa8", "#c0392b", "#27864a", "#8e44ad", "#d35400", "#16707a", "#7f6000",
         "#555555")
_STEP = {"EAST": (1, 0), "WEST": (-1, 0), "NORTH": (0, -1), "SOUTH": (0, 1)}


def artifacts_repr(a: CslArtifacts) -> str:
    w, h = a.grid
    lines = sum(v.count("\n") for v in a.files.values())
    return (f"<CslArtifacts {a.program.layout.arch} {w}x{h} PEs: "
            f"{display.plural(len(a.files), 'file')} ({lines} lines), "
            f"{display.plural(len(a.program.variants), 'tile variant')}, "
            f"{display.plural(len(a.program.layout.colors), 'colour')}>")


def artifacts_html(a: CslArtifacts) -> str:
    lay = a.program.layout
    w, h = a.grid
    tasks = Counter(t.kind for v in a.program.variants for t in v.program.tasks)
    about: dict[str, object] = {
        "architecture": lay.arch,
        "PE grid": f"{w} x {h} ({display.plural(w * h, 'PE')})",
        "tile variants": len(a.program.variants),
        "colours": ", ".join(f"{c.name} (id {c.id})" for c in lay.colors) or "none",
        "tasks": ", ".join(f"{n} {kind}" for kind, n in sorted(tasks.items())) or "none",
        "switched routers": sum(1 for r in lay.routes if r.switches is not None),
        "host steps": _host_steps(a.host),
        "disabled optimisations": ", ".join(_disabled(a)) or "none",
    }
    sections: list[object] = [display.facts(about), _variants(a), _pictures(a), _files(a)]
    return display.card("CSL artifacts", sections,
                        subtitle=f"{w} x {h} PEs, {display.plural(len(a.files), 'file')}")


def _host_steps(host: m.HostProgram) -> str:
    kinds = Counter(type(s).__name__ for s in host.steps)
    names = {"H2D": ("copy in", "copies in"), "Launch": ("launch", "launches"),
             "D2H": ("copy out", "copies out")}
    return ", ".join(display.plural(kinds[k], *names[k]) for k in names if kinds[k])


def _disabled(a: CslArtifacts) -> list[str]:
    return [name for name, on in vars(a.options).items() if on is False]


def _variants(a: CslArtifacts) -> display.Html:
    rows = []
    for k, v in enumerate(a.program.variants):
        p = v.program
        kinds = Counter(t.kind for t in p.tasks)
        rows.append([_swatch(k), p.filename, len(v.placements),
                     ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())) or "none",
                     len(p.fields), len(p.dsds)])
    return display.table(["", "tile code", "PEs", "tasks", "fields", "DSDs"], rows,
                         numeric=(2, 4, 5))


def _swatch(k: int) -> display.Html:
    fill = _VARIANT_FILLS[k % len(_VARIANT_FILLS)]
    return display.tag("span", "", style=f"display: inline-block; width: 1.6em; "
                       f"height: 0.9em; background: {fill}; border: 1px solid #999")


def _pictures(a: CslArtifacts) -> display.Html | str:
    """One picture per colour; for a kernel of several phases one per phase instead, with
    the routes each phase uses as its routers are configured then, each colour in its own
    ink (phases reuse colours, so a picture per colour would mix them)."""
    lay = a.program.layout
    w, h = a.grid
    if not lay.colors or w * h > MAX_ROUTED_PES:
        return display.tag("div", grid_svg(a.program, None))
    if len(a.phase_routes) > 1:
        inks = {c.name: _INKS[k % len(_INKS)] for k, c in enumerate(lay.colors)}
        pictures = []
        for phase, routes in a.phase_routes:
            used = sorted({r.color for r in routes}, key=[c.name for c in lay.colors].index)
            legend = ", ".join(f'<span style="color: {inks[c]}">&#9632;</span> '
                               f"{html.escape(c)} (id {lay.color_id(c)})" for c in used)
            pictures.append((grid_svg(a.program, None, routes, inks),
                             display.Html(f"phase {phase}: " + (legend or "no routes"))))
    else:
        pictures = [(grid_svg(a.program, c.name), f"colour {c.name} (id {c.id})")
                    for c in lay.colors]
    shown = [display.tag("figure", svg + display.tag("figcaption", caption,
                                                     style="text-align: center"),
                         style="display: inline-block; margin: 4px 8px")
             for svg, caption in pictures[:MAX_PICTURES]]
    more = len(pictures) - MAX_PICTURES
    if more > 0:
        what = "phase" if len(a.phase_routes) > 1 else "colour"
        shown.append(display.tag("div", f"(and {display.plural(more, f'more {what}')})"))
    return display.tag("div", display.join(shown))


def grid_svg(program: m.CslProgram, color: str | None,
             routes: tuple[m.Route, ...] | None = None,
             inks: dict[str, str] | None = None) -> display.Html:
    """An SVG of the PE grid: each PE filled by its tile variant; with `color`, that
    colour's routes (or the given `routes`, each in the ink of its colour): an arrow to each
    neighbour a router sends to, a dot where the colour is delivered to the PE, a ring where
    the PE sends on it."""
    lay = program.layout
    w, h = lay.width, lay.height
    cell = max(4.0, _PICTURE_WIDTH / max(w, h))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w * cell:.0f}" '
           f'height="{h * cell:.0f}" viewBox="0 0 {w * cell:.1f} {h * cell:.1f}">']
    for k, v in enumerate(program.variants):
        fill = _VARIANT_FILLS[k % len(_VARIANT_FILLS)]
        for p in v.placements:
            tip = html.escape(f"PE ({p.x}, {p.y}): {v.program.filename}")
            out.append(f'<rect x="{p.x * cell:.1f}" y="{p.y * cell:.1f}" width="{cell:.1f}" '
                       f'height="{cell:.1f}" fill="{fill}" stroke="#999" stroke-width="0.5">'
                       f"<title>{tip}</title></rect>")
    if routes is None:
        routes = tuple(r for r in lay.routes if r.color == color) if color is not None else ()
    for r in routes:
        out.append(_route(r, cell, (inks or {}).get(r.color, _ROUTE_STROKE)))
    out.append("</svg>")
    return display.Html("".join(out))


def _route(r: m.Route, cell: float, ink: str) -> str:
    cx, cy = (r.x + 0.5) * cell, (r.y + 0.5) * cell
    radius = max(1.0, cell / 10)
    parts = []
    for d in r.tx:
        if d == "RAMP":
            parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{radius:.1f}" '
                         f'fill="{ink}"/>')
        elif d in _STEP:
            dx, dy = _STEP[d]
            # shifted to the right of its direction: the way back does not hide it
            ox, oy = -dy * cell * 0.1, dx * cell * 0.1
            parts.append(_arrow(cx + ox, cy + oy, cx + ox + dx * cell * 0.9,
                                cy + oy + dy * cell * 0.9, cell, ink))
    if "RAMP" in r.rx:
        parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{radius * 2:.1f}" fill="none" '
                     f'stroke="{ink}" stroke-width="1"/>')
    return "".join(parts)


def _arrow(x0: float, y0: float, x1: float, y1: float, cell: float, ink: str) -> str:
    head = max(2.0, cell / 8)
    dx, dy = (x1 - x0), (y1 - y0)
    n = max(1e-9, (dx * dx + dy * dy) ** 0.5)
    ux, uy = dx / n, dy / n
    # the two back corners of the arrowhead
    bx, by = x1 - ux * head, y1 - uy * head
    pts = (f"{x1:.1f},{y1:.1f} {bx - uy * head / 2:.1f},{by + ux * head / 2:.1f} "
           f"{bx + uy * head / 2:.1f},{by - ux * head / 2:.1f}")
    return (f'<line x1="{x0:.1f}" y1="{y0:.1f}" x2="{bx:.1f}" y2="{by:.1f}" '
            f'stroke="{ink}" stroke-width="{max(0.5, cell / 30):.1f}"/>'
            f'<polygon points="{pts}" fill="{ink}"/>')


def _files(a: CslArtifacts) -> display.Html:
    # (plain text: highlighted with inline colours, a few hundred lines weigh 200 KB)
    folded = [display.details(f"{name} ({display.plural(text.count(chr(10)), 'line')})",
                              display.source(text.rstrip("\n")))
              for name, text in a.files.items()]
    return display.join([display.tag("div", "files (click to open):"), *folded])
